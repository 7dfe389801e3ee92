// The page's one live region: every outcome a person should notice, errors included.
// Successes fade after a while so the bar does not cover a phone's screen; errors stay
// until dismissed.
import { busy, byId, el, fill } from "./dom.js";

const FADE_MS = 10000;
let fade = null;

/** The sticky bar covers the top of the viewport: scroll-padding-top (app.css) keeps
 * headings reached by a link, focus() or scrollIntoView() below it. Measured at once
 * (a focus right after say() must see the new height) and on every resize. */
function fitBar() {
  const height = byId("message-bar").getBoundingClientRect().height;
  document.documentElement.style.setProperty("--message-bar-height", `${Math.ceil(height)}px`);
}

function clear() {
  clearTimeout(fade);
  const region = byId("messages");
  region.className = "";
  fill(region);
  byId("message-dismiss").hidden = true;
  fitBar();
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
  fitBar();
}

/** Keep the scroll padding in step with the bar (a phone rotated, text wrapping anew). */
export function initMessageBar() {
  new ResizeObserver(fitBar).observe(byId("message-bar"));
  fitBar();
}

/** Move focus to what an action changed (a signed-in session): keyboard and screen-reader
 * users land there, and it is scrolled to the top of the viewport, below the message bar,
 * unless it is already in view. Call after say(): the bar's new height counts. */
export function reveal(heading) {
  heading.focus({ preventScroll: true });
  const box = heading.getBoundingClientRect();
  const barBottom = byId("message-bar").getBoundingClientRect().bottom;
  // Room for the heading and a few lines of what follows it.
  if (box.top < barBottom || box.bottom + 120 > window.innerHeight) {
    heading.scrollIntoView({ block: "start" });
  }
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
