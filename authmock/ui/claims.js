// Decoded token claims and a live expiry countdown on the mock's clock.
import { mockNow, onClockChange } from "./clock.js";
import { el, formatDuration, formatEpoch } from "./dom.js";
import { decodeJwt } from "./jwt.js";

const TIME_CLAIMS = new Set(["iat", "exp"]);

function claimValue(name, value) {
  if (TIME_CLAIMS.has(name) && typeof value === "number") {
    return [el("code", {}, String(value)), " ", el("time", { datetime: new Date(value * 1000).toISOString() }, formatEpoch(value))];
  }
  return el("code", {}, JSON.stringify(value));
}

/** A figure with the token's claims, its expiry countdown and the raw token. */
export function tokenView(title, token) {
  const decoded = decodeJwt(token);
  if (!decoded) return el("p", { class: "message error" }, `${title}: not a JWT`);
  const { claims } = decoded;
  const rows = Object.entries(claims).map(([name, value]) =>
    el("tr", {}, el("th", { scope: "row" }, name), el("td", {}, claimValue(name, value))),
  );
  return el(
    "figure",
    { class: "token" },
    el("figcaption", {}, title, " ", el("span", { class: "alg" }, decoded.header.alg || "")),
    typeof claims.exp === "number" ? expiryLine(claims.exp) : null,
    el(
      "table",
      { class: "claims" },
      el("caption", { class: "visually-hidden" }, `${title} claims`),
      el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "Claim"), el("th", { scope: "col" }, "Value"))),
      el("tbody", {}, rows),
    ),
    el("details", {}, el("summary", {}, "Raw token"), el("code", { class: "raw" }, token)),
  );
}

function expiryLine(exp) {
  const line = el("p", { class: "expiry", "data-exp": String(exp) });
  renderExpiry(line);
  return line;
}

function renderExpiry(line) {
  const left = Number(line.dataset.exp) - mockNow();
  // Valid while now < exp, as the mock checks it (zero leeway).
  const expired = left <= 0;
  const refused = line.dataset.refused;
  line.classList.toggle("expired", expired || refused !== undefined);
  const when = expired ? `expired ${formatDuration(-left)} ago` : `expires in ${formatDuration(left)}`;
  if (refused !== undefined) {
    // Its exp is not the whole story: the mock said no (workspace removed, key revoked, a fault).
    line.replaceChildren(el("strong", {}, "Refused"), ` when last used: ${refused} (${when} on the mock clock)`);
    return;
  }
  line.replaceChildren(
    el("strong", {}, expired ? "Expired" : "Valid"),
    expired ? ` ${formatDuration(-left)} ago on the mock clock` : `: expires in ${formatDuration(left)} on the mock clock`,
  );
}

/** Record on a shown token what the mock answered when it was last used: a refusal
 * (the reason, e.g. "401 UNAUTHORIZED: Workspace not found") or null once accepted. */
export function markRefused(container, reason) {
  for (const line of container.querySelectorAll(".expiry[data-exp]")) {
    // An expired token's refusal is its expiry, already shown (and undone by moving the clock back).
    if (reason !== null && Number(line.dataset.exp) <= mockNow()) continue;
    if (reason === null) delete line.dataset.refused;
    else line.dataset.refused = reason;
    renderExpiry(line);
  }
}

function tick() {
  document.querySelectorAll(".expiry[data-exp]").forEach(renderExpiry);
}

setInterval(tick, 1000);
onClockChange(tick);
