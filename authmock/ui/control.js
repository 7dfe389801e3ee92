// The control panel: the mock's clock, faults, BigID error style, removals, reset.
import { call, expectOk, explain, Failure, onAdminLocked, setAdminToken } from "./api.js";
import { changeClock, mockNow, mockOffset, onClockChange } from "./clock.js";
import { byId, el, fill, formatDuration, formatEpoch } from "./dom.js";
import { act, guard, say } from "./status.js";

// What the fault form offers: the failures demos and client debugging ask for.
const FAULT_KINDS = {
  401: { label: "401 Unauthorized", spec: { status: 401 } },
  503: { label: "503 Service Unavailable", spec: { status: 503 } },
  delay: { label: "3-second delay", spec: { delay: 3 } },
  // Recorded from production: BigID's failure at HTTP 200, and a proxy's error page.
  "bigid-200": {
    label: "BigID failure at 200",
    spec: { api: "bigid", status: 200, message: "Refresh token not valid", content_type: "text/html" },
  },
  "proxy-502": {
    label: "Proxy 502 page at 200",
    spec: { status: 200, body: "<html><body><h1>502 Bad Gateway</h1></body></html>", content_type: "text/html" },
  },
};
// Short labels: a <select> cannot wrap, and a phone has 330 px for it. The call each
// one matches is spelled out below the form (targetHint).
const FAULT_TARGETS = {
  "sigma-login": { label: "Sigma login", spec: { api: "sigma", method: "POST", path: "/api/v1/auth/login" } },
  "sigma-refresh": { label: "Sigma refresh", spec: { api: "sigma", method: "POST", path: "/api/v1/auth/refresh" } },
  "sigma-any": { label: "Any Sigma call", spec: { api: "sigma" } },
  "bigid-sessions": { label: "BigID sign-in", spec: { api: "bigid", method: "POST", path: "/api/v1/sessions" } },
  "bigid-refresh": { label: "BigID token exchange", spec: { api: "bigid", path: "/api/v1/refresh-access-token" } },
  any: { label: "Any API call", spec: {} },
};

let hooks = { afterReset: async () => {}, afterStateChange: async () => {} };
let lastFaults = null;

function renderClock() {
  const now = mockNow();
  const time = byId("clock-now");
  time.setAttribute("datetime", new Date(now * 1000).toISOString());
  time.textContent = formatEpoch(now);
  // A reading is only as exact as the request's round trip: whole seconds, and
  // whole minutes past one (advances are hours and days, not milliseconds).
  const exact = mockOffset();
  const offset = Math.abs(exact) >= 60 ? Math.round(exact / 60) * 60 : Math.round(exact);
  byId("clock-offset").textContent =
    Math.abs(offset) < 2
      ? "in step with real time"
      : `${formatDuration(offset)} ${offset > 0 ? "ahead of" : "behind"} real time`;
}

function clockButton(id, change, done) {
  act(byId(id), async () => {
    await changeClock(change);
    say(`${done} Mock time is now ${formatEpoch(mockNow())}.`, "ok");
  });
}

/** "POST /api/v1/auth/login (sigma)": the calls a fault (or a fault spec) matches. */
function describeWhere(fault) {
  return `${fault.method || "any method"} ${fault.path || "any path"} (${fault.api || "both APIs"})`;
}

function describeFault(fault) {
  // `kind` is left out of the listing when it is the default, "http".
  const kind = fault.kind || "http";
  const status = fault.status ? `HTTP ${fault.status}` : kind !== "http" ? kind : "no status";
  const what = "body" in fault ? `${status} with a given body` : status;
  const delay = fault.delay ? ` after ${fault.delay} s` : "";
  const where = describeWhere(fault);
  const left = fault.times ? `${fault.times - fault.fired} of ${fault.times} left` : "until removed";
  return `${what}${delay} on ${where}, ${left}; fired ${fault.fired}`;
}

/** Redraw the fault list when it changed (keeps keyboard focus otherwise). */
function renderFaults(faults) {
  const signature = JSON.stringify(faults);
  if (signature === lastFaults) return;
  lastFaults = signature;
  const list = byId("fault-list");
  if (!faults.length) {
    fill(list, el("li", { class: "empty" }, "No faults: every call is answered normally."));
    return;
  }
  fill(
    list,
    faults.map((fault) => {
      const remove = el("button", { type: "button", class: "small danger", "aria-label": `Remove ${fault.id}` }, "Remove");
      act(remove, async () => {
        await expectOk(`Removing ${fault.id}`, "DELETE", `/_authmock/faults/${encodeURIComponent(fault.id)}`);
        say(`${fault.id} removed.`, "ok");
        await refreshFaults();
      });
      return el("li", {}, el("code", {}, fault.id), " ", describeFault(fault), " ", remove);
    }),
  );
}

export async function refreshFaults() {
  renderFaults(await expectOk("Listing faults", "GET", "/_authmock/faults"));
}

async function addFault(form) {
  const kind = FAULT_KINDS[form.elements.namedItem("fault-kind").value];
  const target = FAULT_TARGETS[form.elements.namedItem("fault-target").value];
  const timesText = form.elements.namedItem("fault-times").value.trim();
  const bodyText = form.elements.namedItem("fault-body").value;
  // The target's api wins: BigID's 200 failure on a Sigma call is refused, not moved.
  const spec = { ...kind.spec, ...target.spec };
  if (timesText) spec.times = Number(timesText);
  // A body of one's own is sent verbatim, at the failure's status (200 if it has none).
  if (bodyText) {
    delete spec.message;
    spec.body = bodyText;
  }
  const body = await expectOk("Adding a fault", "POST", "/_authmock/faults", { json: spec });
  say(`${body.id} added: ${kind.label} on ${target.label}${spec.times ? `, ${spec.times} time(s)` : ""}.`, "ok");
  await refreshFaults();
}

/** Reflect /_authmock/state in the error-style radios and the removal list. */
export function renderState(state) {
  const bigid = state && "bigid" in state ? state.bigid : null;
  const fieldset = byId("bigid-errors");
  fieldset.disabled = bigid === null;
  byId("bigid-errors-note").textContent = bigid === null ? "BigID is unavailable on this authmock." : "";
  if (bigid) {
    for (const radio of fieldset.querySelectorAll("input[type=radio]")) radio.checked = radio.value === bigid.errors;
  }
  const select = byId("remove-target");
  const previous = select.value;
  const sigmaGroup = el(
    "optgroup",
    { label: "Sigma workspaces" },
    // The id alone: the tenant's name is on its quick-login group, and a phone is narrow.
    (state.sigma?.tenants || []).map((t) => el("option", { value: `sigma:${t.workspaceId}` }, t.workspaceId)),
  );
  const bigidGroup = bigid
    ? el("optgroup", { label: "BigID deployments" }, bigid.deployments.map((d) => el("option", { value: `bigid:${d.name}` }, d.name)))
    : null;
  fill(select, sigmaGroup, bigidGroup);
  if ([...select.options].some((option) => option.value === previous)) select.value = previous;
}

async function removeTarget() {
  const value = byId("remove-target").value;
  if (!value) throw new Failure("Nothing to remove: no workspace or deployment is left.");
  const [api, name] = [value.slice(0, value.indexOf(":")), value.slice(value.indexOf(":") + 1)];
  const path =
    api === "sigma"
      ? `/_authmock/sigma/workspaces/${encodeURIComponent(name)}`
      : `/_authmock/bigid/deployments/${encodeURIComponent(name)}`;
  await expectOk(`Removing ${name}`, "DELETE", path);
  say(
    api === "sigma"
      ? `Workspace ${name} removed: its tokens and keys now fail with 401.`
      : `Deployment ${name} removed: its API now closes every connection, as a deployment that does not exist.`,
    "ok",
  );
  await hooks.afterStateChange();
}

async function setErrorStyle(style) {
  await expectOk("Switching the BigID error style", "POST", "/_authmock/bigid/errors", { json: { errors: style } });
  say(
    style === "production"
      ? "BigID error style: production (auth failures answer HTTP 200 with text/html)."
      : "BigID error style: spec (auth failures answer 400/401).",
    "ok",
  );
}

async function reset() {
  const reply = await call("POST", "/_authmock/reset");
  if (!reply.ok) throw new Failure(`Reset failed: ${explain(reply)}`);
  lastFaults = null;
  await hooks.afterReset();
  say("Reset: data, faults, journal and clock are back to the seeded state.", "ok");
}

function initAdminToken() {
  const form = byId("admin-token-form");
  onAdminLocked(() => {
    if (form.hidden) {
      form.hidden = false;
      say("This authmock requires an admin token (it was started with --admin-token): enter it in the control panel.", "error");
    }
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    setAdminToken(form.elements.namedItem("admin-token").value.trim());
    form.hidden = true;
    say("Admin token saved for this tab.", "ok");
    guard(() => hooks.afterReset())();
  });
}

export function initControl(given) {
  hooks = given;
  onClockChange(renderClock);
  setInterval(renderClock, 1000);
  clockButton("clock-advance-hour", { advance: 3600 }, "Advanced 1 hour.");
  clockButton("clock-advance-day", { advance: 86400 }, "Advanced 24 hours.");
  clockButton("clock-resume", { resume: true }, "Back to real time.");

  const kinds = byId("fault-kind");
  fill(kinds, Object.entries(FAULT_KINDS).map(([value, kind]) => el("option", { value }, kind.label)));
  const targets = byId("fault-target");
  fill(targets, Object.entries(FAULT_TARGETS).map(([value, target]) => el("option", { value }, target.label)));
  const targetHint = () => {
    byId("fault-target-hint").textContent = `Matches ${describeWhere(FAULT_TARGETS[targets.value].spec)}.`;
  };
  targets.addEventListener("change", targetHint);
  targetHint();
  const form = byId("fault-form");
  act(byId("fault-add"), () => addFault(form), { on: form, type: "submit" });
  act(byId("fault-clear"), async () => {
    await expectOk("Clearing faults", "DELETE", "/_authmock/faults");
    say("All faults cleared.", "ok");
    await refreshFaults();
  });

  for (const radio of byId("bigid-errors").querySelectorAll("input[type=radio]")) {
    radio.addEventListener("change", guard(() => setErrorStyle(radio.value)));
  }
  act(byId("remove-button"), removeTarget);
  act(byId("reset-button"), reset);
  initAdminToken();
}
