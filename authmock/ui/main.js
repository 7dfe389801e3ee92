// Start-up and live updates: the page polls authmock's admin API while it is open.
import { expectOk } from "./api.js";
import { initBigid, renderDeployments, signOut as bigidSignOut } from "./bigid.js";
import { syncClock } from "./clock.js";
import { initControl, refreshFaults, renderState } from "./control.js";
import { initJournal, refreshCalls } from "./journal.js";
import { initSigma, loadTenants, signOut as sigmaSignOut } from "./sigma.js";
import { guard, initMessageBar, say } from "./status.js";

const POLL_MS = 1000;
const RETRY_MS = 3000;
let stateSignature = null;
let sigmaSignature = null;
let failing = false;

/** What of the state the page draws: a change redraws, anything else (lastUsedAt...) does not. */
function shapes(state) {
  const sigma = (state.sigma?.tenants || []).map((t) => [t.workspaceId, t.name, t.users.map((u) => [u.id, u.email, u.roleId, u.quickLogin])]);
  const bigid = "bigid" in state ? [state.bigid.errors, state.bigid.deployments.map((d) => [d.name, d.users.map((u) => u.username)])] : null;
  return { sigma: JSON.stringify(sigma), all: JSON.stringify([sigma, bigid]) };
}

async function refreshState() {
  const state = await expectOk("Reading the emulator state", "GET", "/_authmock/state");
  const shape = shapes(state);
  if (shape.all === stateSignature) return;
  stateSignature = shape.all;
  renderState(state);
  renderDeployments(state);
  const sigmaChanged = sigmaSignature !== null && shape.sigma !== sigmaSignature;
  sigmaSignature = shape.sigma;
  // Quick-logins is a Sigma call (journaled): ask again only when tenants or users changed.
  if (sigmaChanged) await guard(loadTenants)();
}

function everything() {
  return Promise.all([syncClock(), refreshCalls(), refreshFaults(), refreshState()]);
}

async function poll() {
  try {
    await everything();
    if (failing) say("Live updates resumed.", "ok");
    failing = false;
  } catch (error) {
    // A refused admin token has its own message (control.js); do not bury it.
    const locked = error.reply?.status === 401;
    if (!failing && !locked) say(`Live updates stopped: ${error.message}`, "error");
    failing = true;
  }
  setTimeout(poll, failing || document.hidden ? RETRY_MS : POLL_MS);
}

async function afterReset() {
  sigmaSignOut();
  bigidSignOut();
  stateSignature = null;
  sigmaSignature = null;
  await Promise.all([guard(loadTenants)(), everything()]);
  // Also after an admin token was given: say so now, not at the next retry.
  if (failing) say("Live updates resumed.", "ok");
  failing = false;
}

async function afterStateChange() {
  await refreshState();
}

function start() {
  initMessageBar();
  initSigma();
  initBigid();
  initControl({ afterReset, afterStateChange });
  initJournal();
  guard(loadTenants)();
  poll();
}

start();
