// TCP (network filter) connections (docs/envoy-semantics.md, "TCP connections") through the
// tests/fixtures/tcp.wat filter.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { FilterStatus, LogLevel, PeerType, startPlugin, type PluginOptions } from "../host/index.js";
import { buildWat } from "./fixtures/build.js";

let TCP = "";
before(() => {
  TCP = buildWat("tcp");
});

const text = (b: Uint8Array) => Buffer.from(b).toString();
const start = (options: Partial<PluginOptions> = {}) => startPlugin({ module: TCP, ...options });
const infoLogs = (p: Awaited<ReturnType<typeof start>>) => p.logsAt(LogLevel.Info);

test("connect: context_create then new_connection; data both ways, modified by the filter", async () => {
  const plugin = await start();
  const conn = plugin.newTcpConnection({ sourceAddress: "10.0.0.1:5000", destinationAddress: "10.0.0.2:80" });
  assert.equal(conn.connect(), FilterStatus.Continue);
  assert.equal(conn.sendDownstreamData("hello"), FilterStatus.Continue);
  assert.equal(conn.sendUpstreamData("world"), FilterStatus.Continue);
  assert.equal(text(conn.forwardedUpstream), ">hello");
  assert.equal(text(conn.forwardedDownstream), "world<");
  // proxy_on_context_create is not exported by this fixture, so it is not listed.
  assert.deepEqual(conn.actions, [
    { callback: "proxy_on_new_connection", result: 0 },
    { callback: "proxy_on_downstream_data", result: 0 },
    { callback: "proxy_on_upstream_data", result: 0 },
  ]);
});

test("StopIteration keeps the data in Envoy's buffer; the next call sees it all", async () => {
  const plugin = await start();
  const conn = plugin.newTcpConnection();
  conn.connect();
  assert.equal(conn.sendDownstreamData("ab"), FilterStatus.StopIteration);
  assert.equal(conn.paused.downstream, true);
  assert.equal(conn.forwardedUpstream.length, 0);
  assert.equal(conn.sendDownstreamData("cd"), FilterStatus.Continue);
  assert.equal(text(conn.forwardedUpstream), ">abcd");
  assert.equal(conn.paused.downstream, false);
});

test("proxy_continue_stream(Downstream) resumes after the callback; Upstream is Unimplemented (12)", async () => {
  const plugin = await start();
  const conn = plugin.newTcpConnection();
  conn.connect();
  assert.equal(conn.sendDownstreamData("Pause me"), FilterStatus.StopIteration);
  assert.equal(conn.paused.downstream, true);
  conn.sendUpstreamData("go");
  assert.equal(conn.paused.downstream, false);
  assert.equal(text(conn.forwardedUpstream), "Pause me", "the held bytes go on as they are");
  assert.ok(infoLogs(plugin).includes("cont3=12"));
});

test("held counts what the filter keeps in each direction; onDeferred follows a continue", async () => {
  const plugin = await start();
  const conn = plugin.newTcpConnection();
  let deferred = 0;
  conn.onDeferred = () => deferred++;
  conn.connect();
  assert.deepEqual(conn.held, { downstream: 0, upstream: 0 });
  conn.sendDownstreamData("Pause");
  conn.sendDownstreamData(" me");
  assert.deepEqual(conn.held, { downstream: 8, upstream: 0 }, "held bytes accumulate while stopped");
  assert.equal(deferred, 0);
  conn.sendUpstreamData("go");
  assert.equal(deferred, 1, "the continue asked for in the callback took effect");
  assert.deepEqual(conn.held, { downstream: 0, upstream: 0 }, "passed on, no longer held");
  assert.equal(text(conn.forwardedUpstream), "Pause me");
});

test("proxy_close_stream closes the connection; the filter sees its own local close", async () => {
  const plugin = await start();
  const conn = plugin.newTcpConnection();
  conn.connect();
  conn.sendDownstreamData("X marks");
  assert.equal(conn.closed, true);
  assert.equal(conn.closedByFilter, true);
  assert.deepEqual(conn.closeEvents, [{ callback: "proxy_on_downstream_connection_close", peer: PeerType.Local }]);
  assert.equal(conn.forwardedUpstream.length, 0);
  assert.ok(infoLogs(plugin).includes("down-close-1"));
});

test("close callbacks: downstream with its peer; upstream end of stream synthesises peer 0", async () => {
  const plugin = await start();
  const conn = plugin.newTcpConnection();
  conn.connect();
  conn.sendUpstreamData("bye", true);
  assert.equal(conn.endOfStreamForwarded.downstream, true);
  conn.closeDownstream(PeerType.Remote);
  assert.equal(conn.closedBy, "downstream");
  assert.deepEqual(conn.closeEvents, [
    { callback: "proxy_on_upstream_connection_close", peer: PeerType.Unknown },
    { callback: "proxy_on_downstream_connection_close", peer: PeerType.Remote },
  ]);
  assert.deepEqual(infoLogs(plugin).slice(-2), ["up-close-0", "down-close-2"]);
});

test("an upstream close reaches the module as the downstream's local close", async () => {
  const plugin = await start();
  const conn = plugin.newTcpConnection();
  conn.connect();
  conn.closeUpstream();
  assert.equal(conn.closedBy, "upstream");
  assert.deepEqual(conn.closeEvents, [{ callback: "proxy_on_downstream_connection_close", peer: PeerType.Local }]);
  assert.equal(conn.upstreamClosePeer, PeerType.Remote, "the default peer is recorded");
});

test("closeUpstream records the peer the test gave", async () => {
  const plugin = await start();
  const conn = plugin.newTcpConnection();
  conn.connect();
  assert.equal(conn.upstreamClosePeer, null);
  conn.closeUpstream(PeerType.Local);
  assert.equal(conn.upstreamClosePeer, PeerType.Local);
  assert.deepEqual(conn.closeEvents, [{ callback: "proxy_on_downstream_connection_close", peer: PeerType.Local }], "the module still sees the downstream's local close");
});

test("complete(): on_done, then on_log, then on_delete (TCP order)", async () => {
  const plugin = await start();
  const conn = plugin.newTcpConnection();
  conn.connect();
  conn.closeDownstream();
  plugin.clearLogs();
  conn.complete();
  assert.deepEqual(infoLogs(plugin), ["done", "log", "delete"]);
  assert.deepEqual(conn.actions.slice(-3).map((a) => a.callback), ["proxy_on_done", "proxy_on_log", "proxy_on_delete"]);
});

test("a trap closes the connection (fail closed); later connections are closed at once", async () => {
  const plugin = await start();
  const conn = plugin.newTcpConnection();
  conn.connect();
  assert.equal(conn.sendDownstreamData("Trap"), FilterStatus.StopIteration);
  assert.equal(plugin.failed, true);
  assert.equal(conn.closedBy, "failure");
  conn.complete();
  assert.equal(conn.actions.at(-1)?.callback, "proxy_on_downstream_data", "no more callbacks after a failure");
  const later = plugin.newTcpConnection();
  assert.equal(later.connect(), FilterStatus.StopIteration);
  assert.equal(later.closedBy, "failure");
  assert.deepEqual(later.actions, []);
});

test("fail open: the failing connection and later ones pass untouched", async () => {
  const plugin = await start({ failOpen: true });
  const conn = plugin.newTcpConnection();
  conn.connect();
  assert.equal(conn.sendDownstreamData("Trap"), FilterStatus.Continue);
  assert.equal(conn.closed, false);
  assert.equal(conn.sendDownstreamData("more"), FilterStatus.Continue);
  assert.equal(text(conn.forwardedUpstream), "Trapmore");
  const later = plugin.newTcpConnection();
  assert.equal(later.connect(), FilterStatus.Continue);
  later.sendUpstreamData("x");
  assert.equal(text(later.forwardedDownstream), "x");
});

test("nothing reaches a closed connection", async () => {
  const plugin = await start();
  const conn = plugin.newTcpConnection();
  conn.connect();
  conn.closeDownstream();
  assert.equal(conn.sendDownstreamData("late"), FilterStatus.StopIteration);
  assert.equal(conn.forwardedUpstream.length, 0);
  assert.equal(conn.actions.at(-1)?.callback, "proxy_on_downstream_connection_close");
});
