// The page's one live region: every outcome a person should notice, errors included.
import { byId, el, fill } from "./dom.js";

/** Show a message; kind is "info", "ok" or "error". */
export function say(text, kind = "info") {
  const region = byId("messages");
  fill(region, el("p", { class: `message ${kind}` }, kind === "error" ? "Error: " : "", text));
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
