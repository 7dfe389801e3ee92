// BigID: each deployment's users, sign-in via /sessions, user token -> system token.
import { expectOk } from "./api.js";
import { tokenView } from "./claims.js";
import { byId, describe, el, fill, pickGroup } from "./dom.js";
import { act, say } from "./status.js";

let session = null; // {deployment, user, body}

/** A deployment's API base on the live server (every deployment has one). */
function base(deployment) {
  return `/bigid/${encodeURIComponent(deployment)}/api/v1`;
}

/** Draw the deployments from /_authmock/state's `bigid` part (absent: BigID unavailable). */
export function renderDeployments(state) {
  const box = byId("bigid-deployments");
  if (!state || !("bigid" in state)) {
    fill(
      box,
      el("p", { class: "message info" }, "BigID is unavailable on this authmock: its state has no BigID part."),
    );
    signOut();
    return;
  }
  const deployments = state.bigid.deployments || [];
  fill(box, deployments.length ? deployments.map(deploymentView) : el("p", {}, "No BigID deployments."));
  if (session && !deployments.some((d) => d.name === session.deployment)) {
    // The deployment was removed: keep the tokens on screen, they now fail.
    say(`BigID deployment ${session.deployment} no longer exists; its tokens are now refused.`, "info");
  }
}

function deploymentView(deployment, index) {
  return pickGroup(
    `deployment-${index}`,
    ["Deployment ", el("code", {}, deployment.name)],
    deployment.users.map((user) => userButton(deployment, user)),
    "No users.",
  );
}

function userButton(deployment, user) {
  const button = el(
    "button",
    { type: "button", class: "pick-user" },
    el("span", { class: "email" }, user.username),
    " ",
    el("span", { class: "who" }, user.firstName || ""),
    " ",
    el("span", { class: "role" }, user.role),
  );
  return act(button, () => signIn(deployment.name, user));
}

async function signIn(deployment, user) {
  const body = await expectOk(`BigID sign-in as ${user.username}`, "POST", `${base(deployment)}/sessions`, {
    json: { username: user.username, password: user.password },
  });
  session = { deployment, user, body };
  fill(byId("bigid-exchange-result"));
  renderSession();
  byId("bigid-session-title").focus();
  say(`Signed in to BigID ${deployment} as ${body.username}.`, "ok");
}

function renderSession() {
  const box = byId("bigid-session");
  box.hidden = session === null;
  if (session === null) return;
  const { deployment, body } = session;
  fill(
    byId("bigid-user"),
    describe([
      ["Deployment", el("code", {}, deployment)],
      ["Username", body.username],
      ["First name", body.firstName || "—"],
      ["Permissions", (body.permissions || []).join(", ") || "—"],
    ]),
    tokenView("Session token (auth_token)", body.auth_token),
  );
}

export function signOut() {
  session = null;
  const result = document.getElementById("bigid-exchange-result");
  if (result) fill(result);
  renderSession();
}

/** Make a user token (admin API), then exchange it as real clients do: raw in Authorization. */
async function exchange() {
  const { deployment, user } = session;
  const created = await expectOk("Creating a BigID user token", "POST", "/_authmock/bigid/user-tokens", {
    json: { username: user.username, deployment },
  });
  const body = await expectOk("Exchanging the user token", "GET", `${base(deployment)}/refresh-access-token`, {
    headers: { Authorization: created.token },
  });
  fill(
    byId("bigid-exchange-result"),
    tokenView("User token (refresh-token)", created.token),
    tokenView("System token", body.systemToken),
  );
  say(`BigID ${deployment}: user token exchanged for a system token.`, "ok");
}

export function initBigid() {
  act(byId("bigid-exchange"), exchange);
  byId("bigid-sign-out").addEventListener("click", () => signOut());
}
