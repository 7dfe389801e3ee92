// The mock's clock as the page knows it: last reading from GET /_authmock/clock,
// carried forward with the browser's clock between readings.
import { expectOk } from "./api.js";

let reading = { mock: Date.now() / 1000, real: Date.now() / 1000 };
const listeners = [];

/** Now on the mock's clock (Unix seconds). */
export function mockNow() {
  return reading.mock + (Date.now() / 1000 - reading.real);
}

/** How far the mock's clock is from real time (seconds, positive when ahead). */
export function mockOffset() {
  return reading.mock - reading.real;
}

export function onClockChange(listener) {
  listeners.push(listener);
}

/** Ask the admin API for the clock ({now}); the mock read it about halfway through. */
async function read(what, method, options) {
  const sent = Date.now() / 1000;
  const body = await expectOk(what, method, "/_authmock/clock", options);
  reading = { mock: body.now, real: (sent + Date.now() / 1000) / 2 };
  listeners.forEach((listener) => listener());
}

export function syncClock() {
  return read("Reading the mock clock", "GET");
}

/** Change the clock: {advance: s} or {resume: true}. */
export function changeClock(change) {
  return read("Changing the mock clock", "POST", { json: change });
}
