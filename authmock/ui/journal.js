// The journal: the latest calls from GET /_authmock/calls, newest first.
import { expectOk } from "./api.js";
import { byId, el, fill, formatTime } from "./dom.js";
import { act, say } from "./status.js";

const SHOWN = 100;
let lastSignature = null;
let paused = false;

function statusClass(status) {
  if (status === 0) return "s0";
  return `s${String(status).charAt(0)}`;
}

function callView(call, index) {
  const who = [call.tenant, call.principal].filter(Boolean).join(" · ");
  const detail = {
    reason: call.reason,
    detail: call.detail,
    tenant: call.tenant,
    principal: call.principal,
    fault: call.fault,
    duration: call.duration,
    headers: call.headers,
    body: call.body,
    response_body: call.response_body,
  };
  return el(
    "li",
    { "data-key": `${index}|${call.timestamp}|${call.method}|${call.path}` },
    el(
      "details",
      {},
      el(
        "summary",
        {},
        el("time", { datetime: new Date(call.timestamp * 1000).toISOString() }, formatTime(call.timestamp)),
        " ",
        el("span", { class: `api ${call.api}` }, call.api),
        " ",
        el("span", { class: "method" }, call.method),
        " ",
        el("code", { class: "path" }, call.path),
        " ",
        el("span", { class: `status ${statusClass(call.status)}` }, call.status === 0 ? "no answer" : String(call.status)),
        who ? el("span", { class: "who" }, ` ${who}`) : null,
        call.fault ? el("span", { class: "fault" }, ` ${call.fault}`) : null,
        call.reason ? el("span", { class: "reason", title: call.detail || "" }, ` ${call.reason}`) : null,
      ),
      el("pre", {}, JSON.stringify(detail, null, 2)),
    ),
  );
}

/** Redraw when the journal changed, keeping open entries open. */
function renderCalls(calls) {
  const last = calls[calls.length - 1];
  const signature = last ? `${calls.length}|${last.timestamp}|${last.method}|${last.path}|${last.status}` : "empty";
  if (signature === lastSignature) return;
  lastSignature = signature;
  const list = byId("journal-list");
  const open = new Set([...list.querySelectorAll("li")].filter((li) => li.querySelector("details[open]")).map((li) => li.dataset.key));
  const first = Math.max(0, calls.length - SHOWN);
  const views = [];
  for (let index = calls.length - 1; index >= first; index -= 1) {
    const view = callView(calls[index], index);
    if (open.has(view.dataset.key)) view.querySelector("details").open = true;
    views.push(view);
  }
  fill(list, views.length ? views : el("li", { class: "empty" }, "No calls yet: sign in somewhere to see one."));
  byId("journal-count").textContent =
    calls.length > SHOWN ? `latest ${SHOWN} of ${calls.length} calls, newest first` : `${calls.length} call${calls.length === 1 ? "" : "s"}, newest first`;
}

export async function refreshCalls() {
  if (paused) return;
  renderCalls(await expectOk("Reading the journal", "GET", "/_authmock/calls"));
}

export function initJournal() {
  const pause = byId("journal-pause");
  pause.addEventListener("click", () => {
    paused = !paused;
    pause.setAttribute("aria-pressed", String(paused));
    say(paused ? "Journal updates paused." : "Journal updates resumed.", "info");
  });
  act(byId("journal-clear"), async () => {
    await expectOk("Clearing the journal", "DELETE", "/_authmock/calls");
    lastSignature = null;
    renderCalls(await expectOk("Reading the journal", "GET", "/_authmock/calls"));
    say("Journal cleared.", "ok");
  });
}
