// fetch() wrappers for authmock's own endpoints: the page talks to nothing else.

const ADMIN_TOKEN_KEY = "authmock-admin-token";
// Opened at an instance's base (/_i/<id>/), the page drives that instance.
const BASE = (location.pathname.match(/^\/_i\/[^/]+/) || [""])[0];
const lockListeners = [];

/** A request that did not give the expected answer; the message says what happened. */
export class Failure extends Error {
  constructor(message, reply = null) {
    super(message);
    this.reply = reply;
  }
}

function adminToken() {
  return sessionStorage.getItem(ADMIN_TOKEN_KEY) || "";
}

export function setAdminToken(token) {
  if (token) sessionStorage.setItem(ADMIN_TOKEN_KEY, token);
  else sessionStorage.removeItem(ADMIN_TOKEN_KEY);
}

/** Called when the admin API refuses the page (server started with --admin-token). */
export function onAdminLocked(listener) {
  lockListeners.push(listener);
}

/** One HTTP call; resolves to {status, ok, body} for any HTTP answer. An emulated API
 * may also close the connection on purpose (a BigID deployment that does not exist, a
 * reset fault): that is its answer too, {status: 0}, as the journal records it. Only
 * an admin call that gets no answer throws: then the server itself is gone. */
export async function call(method, url, { json, headers = {} } = {}) {
  const init = { method, headers: { ...headers }, cache: "no-store" };
  if (json !== undefined) {
    init.body = JSON.stringify(json);
    init.headers["Content-Type"] = "application/json";
  }
  const admin = url.startsWith("/_authmock/");
  if (admin && adminToken()) init.headers["X-Authmock-Admin"] = adminToken();
  let response;
  try {
    response = await fetch(BASE + url, init);
  } catch {
    if (!admin) return { status: 0, ok: false, body: null };
    throw new Failure(`cannot reach authmock for ${method} ${url}: is the server still running?`);
  }
  const text = await response.text();
  let body = null;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  const reply = { status: response.status, ok: response.ok, body };
  if (admin && response.status === 401) lockListeners.forEach((listener) => listener());
  return reply;
}

/** "401 UNAUTHORIZED: Invalid email or password" from any of authmock's error bodies. */
export function explain(reply) {
  const body = reply.body;
  if (reply.status === 0) {
    return "no HTTP answer: the connection was closed (as for a BigID deployment that does not exist or a reset fault), or authmock stopped";
  }
  if (body && typeof body === "object" && body.message) {
    // BigID's production style fails with HTTP 200: say so, that is the point of it.
    if (reply.ok && body.success === false) return `HTTP ${reply.status} with success false: ${body.message}`;
    return `${reply.status}${body.error ? ` ${body.error}` : ""}: ${body.message}`;
  }
  return `HTTP ${reply.status}${typeof body === "string" && body ? `: ${body.slice(0, 200)}` : ""}`;
}

/** The reply's body when the call succeeded; a Failure naming the action otherwise.
 * BigID can fail with HTTP 200 (production error style), so `success: false` fails too. */
export async function expectOk(what, method, url, options) {
  const reply = await call(method, url, options);
  const body = reply.body;
  if (!reply.ok || (body && typeof body === "object" && body.success === false)) {
    throw new Failure(`${what} failed: ${explain(reply)}`, reply);
  }
  return body;
}
