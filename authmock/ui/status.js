// The page's one live region: every outcome a person should notice, errors included.
// Successes fade after a while so the bar does not cover a phone's screen; errors stay
// until dismissed.
import { busy, byId, el, fill } from "./dom.js";

const FADE_MS = 10000;
let fade = null;

function clear() {
  clearTimeout(fade);
  const region = byId("messages");
  region.className = "";
  fill(region);
  byId("message-dismiss").hidden = true;
}

/** Show a message; kind is "info", "ok" or "error". */
export function say(text, kind = "info") {
  clearTimeout(fade);
  const region = byId("messages");
  region.className = `message ${kind}`;
  fill(region, el("p", {}, kind === "error" ? "Error: " : "", text));
  const dismiss = byId("message-dismiss");
  dismiss.hidden = false;
  dismiss.onclick = clear;
  if (kind !== "error") fade = setTimeout(clear, FADE_MS);
}

/** Run `action` when `button` is clicked (or when `on` fires `type`, for a form's
 * submit): failures become messages, and repeats are ignored until it ends. */
export function act(button, action, { on = button, type = "click" } = {}) {
  on.addEventListener(type, busy(button, guard(action)));
  return button;
}

/** Wrap an action so any failure ends up in the live region, never silently. */
export function guard(action) {
  return async (...args) => {
    try {
      return await action(...args);
    } catch (error) {
      say(error instanceof Error ? error.message : String(error), "error");
      return undefined;
    }
  };
}
