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
  line.classList.toggle("expired", expired);
  line.replaceChildren(
    el("strong", {}, expired ? "Expired" : "Valid"),
    expired ? ` ${formatDuration(-left)} ago on the mock clock` : `: expires in ${formatDuration(left)} on the mock clock`,
  );
}

function tick() {
  document.querySelectorAll(".expiry[data-exp]").forEach(renderExpiry);
}

setInterval(tick, 1000);
onClockChange(tick);
