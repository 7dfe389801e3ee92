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

/** Take a reading of the clock ({now}) from the admin API. */
function setReading(now) {
  reading = { mock: now, real: Date.now() / 1000 };
  listeners.forEach((listener) => listener());
}

export async function syncClock() {
  const body = await expectOk("Reading the mock clock", "GET", "/_authmock/clock");
  setReading(body.now);
}

/** Change the clock: {advance: s} or {resume: true}. */
export async function changeClock(change) {
  const body = await expectOk("Changing the mock clock", "POST", "/_authmock/clock", { json: change });
  setReading(body.now);
}
