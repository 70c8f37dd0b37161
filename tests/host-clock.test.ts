// The virtual clock (docs/envoy-semantics.md, "Timers and time"): time read by the module,
// ticks fired as the test advances time, callout timeouts as 504 responses.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { startPlugin, VirtualClock } from "../host/index.js";
import { buildWat } from "./fixtures/build.js";

let TIMER = "";
let NO_TICK = "";
let CALLOUT = "";

before(() => {
  TIMER = buildWat("timer");
  NO_TICK = buildWat("no-tick");
  CALLOUT = buildWat("callout");
});

const START = Date.UTC(2030, 5, 1, 12, 0, 0);
const REQUEST = { ":method": "GET", ":path": "/", ":authority": "example.com" };

function gauge(plugin: Awaited<ReturnType<typeof startPlugin>>, name: string): number {
  return Number(plugin.metrics.get(`wasmcustom.${name}`)?.value ?? -1n);
}

test("ticks: first one period after the period was set, re-armed after each tick", async () => {
  const clock = new VirtualClock(START);
  const plugin = await startPlugin({ module: TIMER, clock });
  assert.equal(plugin.tickPeriodMs, 100);
  plugin.advanceTime(99);
  assert.equal(gauge(plugin, "ticks"), 0);
  plugin.advanceTime(1);
  assert.equal(gauge(plugin, "ticks"), 1);
  assert.equal(gauge(plugin, "tick_time_ms"), START + 100, "proxy_get_current_time_nanoseconds is the virtual time");
  assert.equal(gauge(plugin, "wasi_time_ms"), START + 100, "WASI clock_time_get(realtime) too");
  plugin.advanceTime(100);
  assert.equal(gauge(plugin, "ticks"), 2);
});

test("setting the period inside onTick replaces the timer; 0 stops it", async () => {
  const plugin = await startPlugin({ module: TIMER, clock: new VirtualClock(START) });
  plugin.advanceTime(200); // ticks at 100 and 200; the second sets 250 ms
  assert.equal(gauge(plugin, "ticks"), 2);
  assert.equal(plugin.tickPeriodMs, 250);
  plugin.advanceTime(249);
  assert.equal(gauge(plugin, "ticks"), 2);
  plugin.advanceTime(1);
  assert.equal(gauge(plugin, "ticks"), 3);
  assert.equal(gauge(plugin, "tick_time_ms"), START + 450);
  plugin.advanceTime(10_000); // tick 4 at 700 sets the period to 0
  assert.equal(gauge(plugin, "ticks"), 4);
  assert.equal(gauge(plugin, "tick_time_ms"), START + 700);
  assert.equal(plugin.tickPeriodMs, 0);
});

test("one long advance fires every tick at its own time", async () => {
  const plugin = await startPlugin({ module: TIMER, clock: "virtual" });
  plugin.advanceTime(450);
  assert.equal(gauge(plugin, "ticks"), 3);
  assert.equal(plugin.now - gauge(plugin, "tick_time_ms"), 0);
});

test("without proxy_on_tick the timer fires once and is not re-armed", async () => {
  const clock = new VirtualClock(START);
  const plugin = await startPlugin({ module: NO_TICK, clock });
  assert.equal(plugin.tickPeriodMs, 50);
  assert.equal(clock.pendingTimers, 1);
  plugin.advanceTime(50);
  assert.equal(clock.pendingTimers, 0);
  assert.equal(plugin.failed, false);
});

test("plugin.tick() still fires on demand; advanceTime needs a virtual clock", async () => {
  const plugin = await startPlugin({ module: TIMER });
  plugin.tick();
  plugin.tick();
  assert.equal(gauge(plugin, "ticks"), 2);
  assert.ok(Math.abs(gauge(plugin, "tick_time_ms") - Date.now()) < 60_000, "real time by default");
  assert.throws(() => plugin.advanceTime(10), /virtual clock/);
});

test("request.time is the stream's start on the virtual clock", async () => {
  const plugin = await startPlugin({ module: TIMER, clock: new VirtualClock(START) });
  plugin.advanceTime(1234);
  plugin.newHttpStream().sendRequestHeaders(REQUEST, true);
  assert.equal(gauge(plugin, "request_time_ms"), START + 1234);
});

test("an unanswered callout times out as Envoy's 504 when its timeout passes", async () => {
  const plugin = await startPlugin({ module: CALLOUT, clusters: ["backend"], clock: "virtual" });
  const stream = plugin.newHttpStream();
  stream.sendRequestHeaders(REQUEST, true);
  assert.equal(plugin.pendingHttpCalls[0]?.timeoutMs, 500);
  plugin.advanceTime(499);
  assert.equal(stream.paused.request, true);
  plugin.advanceTime(1);
  assert.equal(plugin.pendingHttpCalls.length, 0);
  assert.equal(stream.paused.request, false);
  assert.equal(stream.requestHeaders.get("x-callout-status"), "504");
});

test("one virtual clock drives several plugins in due order", async () => {
  const clock = new VirtualClock(START);
  const a = await startPlugin({ module: TIMER, clock });
  clock.advance(50);
  const b = await startPlugin({ module: TIMER, clock });
  clock.advance(100);
  assert.equal(gauge(a, "ticks"), 1);
  assert.equal(gauge(b, "ticks"), 1);
  assert.equal(gauge(a, "tick_time_ms"), START + 100);
  assert.equal(gauge(b, "tick_time_ms"), START + 150);
});

test("the tick timer dies with the root context", async () => {
  const clock = new VirtualClock(START);
  const plugin = await startPlugin({ module: TIMER, clock });
  assert.equal(clock.pendingTimers, 1);
  assert.equal(plugin.shutdown(), true);
  assert.equal(clock.pendingTimers, 0, "no timer is left armed for a deleted root");
  plugin.advanceTime(1_000);
  assert.equal(gauge(plugin, "ticks"), 0);
});
