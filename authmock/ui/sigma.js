// Sigma PIM: quick-login buttons, the signed-in session, and API keys.
import { expectOk, explain } from "./api.js";
import { markRefused, tokenView } from "./claims.js";
import { byId, describe, el, fill, formatEpoch, isoTime, pickGroup } from "./dom.js";
import { decodeJwt } from "./jwt.js";
import { act, reveal, say } from "./status.js";

const PERMISSIONS = ["read", "update-data", "delete-data", "update-model", "delete-model"];
let session = null; // {token, user} from login or refresh

/** "role-admin" -> "Admin". */
function roleName(roleId) {
  const bare = String(roleId || "").replace(/^role-/, "");
  return bare.charAt(0).toUpperCase() + bare.slice(1);
}

/** Fetch the quick-login tenants and draw one button per user. */
export async function loadTenants() {
  const list = byId("sigma-tenants");
  list.setAttribute("aria-busy", "true");
  try {
    const tenants = await expectOk("Loading the quick-login tenants", "GET", "/api/v1/auth/quick-logins");
    fill(list, tenants.length ? tenants.map(tenantView) : el("p", {}, "No tenant has quick-login users."));
  } catch (error) {
    fill(list, el("p", {}, "The tenants could not be loaded. ", retryButton()));
    throw error;
  } finally {
    list.removeAttribute("aria-busy");
  }
}

function retryButton() {
  return act(el("button", { type: "button" }, "Load the tenants again"), loadTenants);
}

function tenantView(tenant, index) {
  return pickGroup(
    `tenant-${index}`,
    [tenant.name, " ", el("code", {}, tenant.workspaceId)],
    tenant.users.map((user) => userButton(tenant, user)),
    "No quick-login users.",
  );
}

function userButton(tenant, user) {
  const button = el(
    "button",
    { type: "button", class: "pick-user", title: `Sign in as ${user.name}` },
    el("span", { class: "email" }, user.email),
    " ",
    el("span", { class: `role ${user.roleId}` }, roleName(user.roleId)),
  );
  return act(button, () => signIn(tenant, user));
}

/** Sign in through the real login endpoint, as a login screen would. */
export async function signIn(tenant, user) {
  const body = await expectOk(`Signing in as ${user.email}`, "POST", "/api/v1/auth/login", {
    json: { email: user.email, password: user.password, workspaceId: tenant.workspaceId },
  });
  session = body;
  fill(byId("sigma-keys"));
  fill(byId("sigma-new-key"));
  renderSession();
  say(`Signed in to Sigma PIM as ${body.user.email} (${roleName(body.user.roleId)}, ${body.user.workspaceId}).`, "ok");
  // Take everyone to what changed (on a phone it is far below), past the message just shown.
  reveal(byId("sigma-session-title"));
}

function renderSession() {
  const box = byId("sigma-session");
  box.hidden = session === null;
  if (session === null) return;
  const user = session.user;
  fill(
    byId("sigma-user"),
    describe([
      ["Name", user.name],
      ["Email", user.email],
      ["User ID", el("code", {}, user.id)],
      ["Role", `${roleName(user.roleId)} (${user.roleId})`],
      ["Workspace", el("code", {}, user.workspaceId)],
    ]),
  );
  fill(byId("sigma-token"), tokenView("Sigma JWT", session.token));
}

export function signOut() {
  session = null;
  fill(byId("sigma-keys"));
  fill(byId("sigma-new-key"));
  renderSession();
}

function bearer() {
  return { Authorization: `Bearer ${session.token}` };
}

/** A call made with the session's token: a 401 marks the token on screen as refused
 * (its countdown alone would still say "Valid"), a success clears the mark. */
async function withToken(what, method, url, options) {
  const box = byId("sigma-token");
  try {
    const body = await expectOk(what, method, url, options);
    markRefused(box, null);
    return body;
  } catch (error) {
    if (error.reply?.status === 401) markRefused(box, explain(error.reply));
    throw error;
  }
}

async function refresh() {
  const body = await withToken("Refreshing the token", "POST", "/api/v1/auth/refresh", { json: { token: session.token } });
  session = body;
  renderSession();
  const exp = decodeJwt(body.token)?.claims.exp;
  say(`Token refreshed: the new one expires ${exp ? formatEpoch(exp) : "(no exp claim)"} on the mock clock.`, "ok");
}

async function listKeys() {
  const keys = await withToken("Listing API keys", "GET", "/api/v1/api-keys", { headers: bearer() });
  fill(byId("sigma-keys"), keysTable(keys));
  say(`${keys.length} API key${keys.length === 1 ? "" : "s"} in ${session.user.workspaceId}.`, "ok");
}

function keysTable(keys) {
  if (!keys.length) return el("p", {}, "This workspace has no API keys.");
  const head = ["Name", "ID", "Permissions", "Active", "Created", "Last used"];
  return el(
    "div",
    { class: "scroll", tabindex: "0", role: "region", "aria-label": "API keys" },
    el(
      "table",
      { class: "cards" },
      el("caption", {}, `API keys of ${session.user.workspaceId}`),
      el("thead", {}, el("tr", {}, head.map((name) => el("th", { scope: "col" }, name)))),
      el(
        "tbody",
        {},
        keys.map((key) =>
          el(
            "tr",
            {},
            // data-label: a phone shows each row as a card, labelled by CSS.
            el("td", { "data-label": head[0], class: "words" }, key.name),
            el("td", { "data-label": head[1] }, el("code", {}, key.id)),
            el("td", { "data-label": head[2], class: "words" }, key.permissions.join(", ")),
            el("td", { "data-label": head[3] }, key.active ? "yes" : "no"),
            el("td", { "data-label": head[4] }, isoTime(key.createdAt)),
            el("td", { "data-label": head[5] }, key.lastUsedAt ? isoTime(key.lastUsedAt) : "never"),
          ),
        ),
      ),
    ),
  );
}

async function createKey(form) {
  const name = form.elements.namedItem("key-name").value.trim();
  const permissions = PERMISSIONS.filter((p) => form.elements.namedItem(`perm-${p}`).checked);
  const body = await withToken("Creating an API key", "POST", "/api/v1/api-keys", {
    headers: bearer(),
    json: { name, permissions },
  });
  fill(
    byId("sigma-new-key"),
    el("p", {}, el("strong", {}, `New key “${body.name}”`), " (shown once: authmock keeps only its SHA-256)"),
    el("output", { class: "raw", for: "sigma-key-name" }, body.key),
  );
  say(`API key ${body.id} created; its raw value is shown once below the form.`, "ok");
  await listKeys();
}

/** Wire the session buttons and the key form (once, at start). */
export function initSigma() {
  const fieldset = byId("sigma-key-permissions");
  for (const permission of PERMISSIONS) {
    const id = `perm-${permission}`;
    fieldset.append(
      el(
        "label",
        { class: "check", for: id },
        el("input", { type: "checkbox", id, name: id, checked: permission === "read" }),
        " ",
        permission,
      ),
    );
  }
  for (const [id, action] of [
    ["sigma-refresh", refresh],
    ["sigma-list-keys", listKeys],
    ["sigma-sign-out", async () => signOut()],
  ]) {
    act(byId(id), action);
  }
  const form = byId("sigma-key-form");
  act(byId("sigma-create-key"), () => createKey(form), { on: form, type: "submit" });
}
