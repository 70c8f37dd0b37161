// The host hooks serve is built on, through the public host API: chain edges see what
// leaves the chain as it leaves, a proxy reply goes through the filters' response side,
// timers and callout timeouts fire on a real-time clock, callouts are announced as made,
// and the wasm log level can change at run time.
import { test } from "node:test";
import assert from "node:assert/strict";
import { LogLevel, RealTimerClock, startChain, startPlugin, type ChainEdges, type HeaderMap } from "../host/index.js";
import { buildWat } from "./fixtures/build.js";
import { build } from "./serve-harness.js";

function recorder(): { edges: ChainEdges; events: string[] } {
  const events: string[] = [];
  const text = (d: Uint8Array): string => Buffer.from(d).toString();
  const edges: ChainEdges = {
    upstreamHeaders: (h: HeaderMap, eos) => events.push(`up-headers ${h.get(":path")} eos=${eos}`),
    upstreamData: (d, eos) => events.push(`up-data ${text(d)} eos=${eos}`),
    upstreamTrailers: () => events.push("up-trailers"),
    downstreamHeaders: (h: HeaderMap, eos) => events.push(`down-headers ${h.get(":status")} x-a=${h.get("x-a")} eos=${eos}`),
    downstreamData: (d, eos) => events.push(`down-data ${text(d)} eos=${eos}`),
    downstreamTrailers: () => events.push("down-trailers"),
    reset: (reason) => events.push(`reset ${reason}`),
  };
  return { edges, events };
}

test("chain edges receive each piece as it leaves the chain, in order, without the bodies being kept", async () => {
  const chain = await startChain([{ name: "ha", phase: "PostAuthZ", options: { module: build("header-append"), configuration: '{"x-a":"1"}' } }]);
  const { edges, events } = recorder();
  const s = chain.newHttpStream(undefined, edges);
  s.sendRequestHeaders({ ":method": "POST", ":path": "/p", ":authority": "h" });
  s.sendRequestBody("one");
  s.sendRequestBody("two", true);
  s.sendResponseHeaders({ ":status": "200" });
  s.sendResponseBody("r1", true);
  s.complete();
  assert.deepEqual(events, ["up-headers /p eos=false", "up-data one eos=false", "up-data two eos=true", "down-headers 200 x-a=1 eos=false", "down-data r1 eos=true"]);
  assert.equal(s.requestBody.length, 0, "with edges the chain does not keep body bytes");
  assert.deepEqual([s.streams[0]!.requestBody.length, s.streams[0]!.responseBody.length], [0, 0], "nor does its filter");
});

test("sendProxyReply goes through every filter's response side (the 503 gets the appended header)", async () => {
  const chain = await startChain([{ name: "ha", phase: "PostAuthZ", options: { module: build("header-append"), configuration: '{"x-a":"1"}' } }]);
  const { edges, events } = recorder();
  const s = chain.newHttpStream(undefined, edges);
  s.sendRequestHeaders({ ":method": "GET", ":path": "/", ":authority": "h" }, true);
  s.sendProxyReply(503, "upstream_reset_before_response_started{connection_termination}", "no upstream");
  assert.deepEqual(events.slice(1), ["down-headers 503 x-a=1 eos=false", "down-data no upstream eos=true"]);
  assert.equal(s.localReply?.details, "upstream_reset_before_response_started{connection_termination}");
  // A second reply is ignored, as Envoy ignores it.
  s.sendProxyReply(500, "again");
  assert.equal(s.ignoredLocalReplies.length, 1);
});

test("RealTimerClock fires ticks on real time (100 ms, then 250 ms, stopping after the fourth)", { timeout: 10_000 }, async () => {
  const plugin = await startPlugin({ module: buildWat("timer"), clock: new RealTimerClock() });
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(plugin.counter("ticks"), 4n);
  plugin.shutdown();
});

test("onHttpCall announces each callout; on a real-time clock an unanswered one times out with 504", { timeout: 10_000 }, async () => {
  const plugin = await startPlugin({ module: buildWat("callout"), clusters: ["backend"], clock: new RealTimerClock() });
  const calls: number[] = [];
  plugin.onHttpCall = (call) => calls.push(call.token);
  const answered = plugin.newHttpStream();
  answered.sendRequestHeaders({ ":method": "GET", ":path": "/", ":authority": "h" }, true);
  assert.equal(calls.length, 1);
  assert.ok(plugin.hasPendingHttpCall(calls[0]!));
  plugin.respondHttpCall(calls[0]!, { headers: { ":status": "200" } });
  assert.ok(!plugin.hasPendingHttpCall(calls[0]!));
  assert.equal(answered.requestHeaders.get("x-callout-status"), "200");

  const timedOut = plugin.newHttpStream();
  timedOut.sendRequestHeaders({ ":method": "GET", ":path": "/", ":authority": "h" }, true);
  assert.equal(calls.length, 2);
  await new Promise((r) => setTimeout(r, 700)); // the fixture's timeout is 500 ms
  assert.ok(!plugin.hasPendingHttpCall(calls[1]!));
  assert.equal(timedOut.requestHeaders.get("x-callout-status"), "504");
});

test("Plugin.logLevel changes what proxy_get_log_level reports and which lines are kept", async () => {
  const plugin = await startPlugin({ module: build("http-auth"), configuration: '{"cluster":"none","path":"/check"}', logLevel: LogLevel.Critical });
  plugin.clearLogs();
  plugin.newHttpStream().sendRequestHeaders({ ":method": "GET", ":path": "/", ":authority": "h" }, true);
  const quiet = plugin.logs.filter((l) => l.level < LogLevel.Critical).length;
  plugin.logLevel = LogLevel.Trace;
  assert.equal(plugin.logLevel, LogLevel.Trace);
  plugin.newHttpStream().sendRequestHeaders({ ":method": "GET", ":path": "/", ":authority": "h" }, true);
  assert.equal(quiet, 0);
  assert.ok(plugin.logs.some((l) => l.level < LogLevel.Critical), "lower-level lines are kept once the level is lowered");
});
