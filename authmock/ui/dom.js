// Small DOM and formatting helpers shared by the panels (no framework).

/** Create an element: el("button", {type: "button", class: "x", onclick}, "text", child). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      node.addEventListener(name.slice(2), value);
    } else if (name === "class") {
      node.className = value;
    } else if (value === true) {
      node.setAttribute(name, "");
    } else {
      node.setAttribute(name, String(value));
    }
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replace a node's children. */
export function fill(node, ...children) {
  node.replaceChildren();
  append(node, children);
}

export function byId(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`page element #${id} is missing`);
  return node;
}

/** "2026-02-15 09:00:00 UTC": fixed format, independent of the browser's locale. */
export function formatEpoch(seconds) {
  return new Date(seconds * 1000).toISOString().slice(0, 19).replace("T", " ") + " UTC";
}

/** An ISO 8601 timestamp from the API as a <time> reading like formatEpoch (kept on one line). */
export function isoTime(iso) {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return el("code", {}, String(iso));
  return el("time", { class: "date", datetime: iso }, formatEpoch(Math.floor(ms / 1000)));
}

/** "09:00:00" (UTC), for the journal. */
export function formatTime(seconds) {
  return new Date(seconds * 1000).toISOString().slice(11, 19);
}

/** "1 d 2 h 3 min 4 s" for a non-negative number of seconds. */
export function formatDuration(seconds) {
  let rest = Math.floor(Math.abs(seconds));
  const parts = [];
  for (const [unit, size] of [["d", 86400], ["h", 3600], ["min", 60]]) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)} ${unit}`);
      rest %= size;
    }
  }
  if (rest || parts.length === 0) parts.push(`${rest} s`);
  return parts.join(" ");
}

/** A titled group of pick buttons: a tenant's users, a deployment's users. */
export function pickGroup(headingId, heading, buttons, empty) {
  return el(
    "div",
    // A group, not a landmark region: several tenants would crowd the landmark list.
    { class: "tenant", role: "group", "aria-labelledby": headingId },
    el("h4", { id: headingId }, heading),
    buttons.length ? el("ul", { class: "pick" }, buttons.map((button) => el("li", {}, button))) : el("p", {}, empty),
  );
}

/** A description list from [term, value] pairs. */
export function describe(pairs) {
  return el("dl", { class: "facts" }, pairs.map(([term, value]) => [el("dt", {}, term), el("dd", {}, value)]));
}

/** Run an async action from a button; further clicks are ignored until it ends.
 * aria-disabled rather than disabled: a disabled button would drop keyboard focus. */
export function busy(button, action) {
  return async (event) => {
    if (event) event.preventDefault();
    if (button.getAttribute("aria-disabled") === "true") return;
    button.setAttribute("aria-disabled", "true");
    try {
      await action(event);
    } finally {
      button.removeAttribute("aria-disabled");
    }
  };
}
