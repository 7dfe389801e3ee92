// BigID: each deployment's users, sign-in via /sessions, user token -> system token.
import { call, expectOk, explain } from "./api.js";
import { tokenView } from "./claims.js";
import { byId, describe, el, fill, pickGroup } from "./dom.js";
import { act, reveal, say } from "./status.js";

let session = null; // {deployment, user, body, gone, userToken}

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
  const gone = session !== null && !deployments.some((d) => d.name === session.deployment);
  if (session && gone !== session.gone) {
    // Said once, when it happens (any later state change redraws this list too, and
    // must not bury the feedback of whatever caused it); the session keeps a note.
    session.gone = gone;
    renderSession();
    if (gone) say(goneNote(session.deployment), "info");
  }
}

function goneNote(deployment) {
  return `BigID deployment ${deployment} no longer exists: its API now closes every connection, tokens or not.`;
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
  session = { deployment, user, body, gone: false, userToken: null };
  fill(byId("bigid-exchange-result"));
  renderSession();
  say(`Signed in to BigID ${deployment} as ${body.username}.`, "ok");
  reveal(byId("bigid-session-title"));
}

function renderSession() {
  const box = byId("bigid-session");
  box.hidden = session === null;
  if (session === null) return;
  const { deployment, body } = session;
  fill(
    byId("bigid-user"),
    session.gone ? el("p", { class: "message info" }, goneNote(deployment)) : null,
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
  const current = session;
  const { deployment, user } = current;
  const created = await call("POST", "/_authmock/bigid/user-tokens", { json: { username: user.username, deployment } });
  let token = created.ok ? created.body.token : null;
  let note = "";
  if (token) {
    current.userToken = token;
  } else {
    // No new user token (the deployment was removed, say): still ask the API, with the
    // last user token or else the session token, so the page shows what the API answers.
    token = current.userToken || current.body.auth_token;
    note = `. No new user token could be made (${explain(created)}), so the ${current.userToken ? "previous user" : "session"} token was sent.`;
  }
  const body = await expectOk("Exchanging the user token", "GET", `${base(deployment)}/refresh-access-token`, {
    headers: { Authorization: token },
  }).catch((error) => {
    error.message += note;
    throw error;
  });
  fill(
    byId("bigid-exchange-result"),
    tokenView("User token (refresh-token)", token),
    tokenView("System token", body.systemToken),
  );
  say(`BigID ${deployment}: user token exchanged for a system token${note || "."}`, "ok");
}

export function initBigid() {
  act(byId("bigid-exchange"), exchange);
  byId("bigid-sign-out").addEventListener("click", () => signOut());
}
