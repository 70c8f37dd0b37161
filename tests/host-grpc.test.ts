// gRPC callouts (docs/envoy-semantics.md, "Callouts") through tests/fixtures/grpc.wat: tokens, the
// pending-call listing, answers delivered by the test, maps 4/5 and buffer 5 windows,
// proxy_get_status inside proxy_on_grpc_close, and the send/cancel/close return codes.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { GrpcStatus, LogLevel, startPlugin } from "../host/index.js";
import { buildWat } from "./fixtures/build.js";

let GRPC = "";
before(() => {
  GRPC = buildWat("grpc");
});

const REQUEST = { ":method": "GET", ":path": "/", ":authority": "example.com" };
const start = (configuration: string, grpcClusters = ["grpc-backend"]) => startPlugin({ module: GRPC, configuration, grpcClusters });
const text = (b: Uint8Array) => Buffer.from(b).toString();

test("unary call: listed with service, method, metadata, message and timeout; tokens 5, 9, …", async () => {
  const plugin = await start("call");
  const a = plugin.newHttpStream();
  a.sendRequestHeaders(REQUEST, true);
  const b = plugin.newHttpStream();
  b.sendRequestHeaders(REQUEST, true);
  const calls = plugin.pendingGrpcCalls;
  assert.deepEqual(calls.map((c) => c.token), [5, 9]);
  const c = calls[0]!;
  assert.equal(c.cluster, "grpc-backend");
  assert.equal(c.serviceName, "svc.Echo");
  assert.equal(c.method, "Say");
  assert.deepEqual(c.initialMetadata.entries(), [["k", "v"]]);
  assert.equal(text(c.message), "ping");
  assert.equal(c.timeoutMs, 1000);
  assert.equal(c.contextId, a.contextId);
  assert.equal(a.paused.request, true);
});

test("unary success: only proxy_on_grpc_receive, with the message in buffer 5", async () => {
  const plugin = await start("call");
  const s = plugin.newHttpStream();
  s.sendRequestHeaders(REQUEST, true);
  const token = plugin.pendingGrpcCalls[0]!.token;
  plugin.respondGrpcCall(token, { message: "pong" });
  assert.equal(s.paused.request, false);
  assert.equal(s.requestHeaders.get("x-grpc-message"), "pong");
  assert.deepEqual(plugin.logsAt(LogLevel.Info), ["pong"]);
  assert.equal(plugin.pendingGrpcCalls.length, 0);
  assert.equal(plugin.hostCalls.get("proxy_get_status"), 0, "no close callback on success");
  assert.throws(() => plugin.respondGrpcCall(token, { message: "again" }), /no pending gRPC call/);
});

test("unary failure: proxy_on_grpc_close with the status; proxy_get_status gives status and message", async () => {
  const plugin = await start("call");
  const s = plugin.newHttpStream();
  s.sendRequestHeaders(REQUEST, true);
  plugin.respondGrpcCall(plugin.pendingGrpcCalls[0]!.token, { status: GrpcStatus.Unavailable, message: "no healthy upstream" });
  assert.equal(s.localReply?.status, 503);
  assert.equal(s.localReply?.bodyText, "no healthy upstream");
  assert.equal(s.localReply?.grpcStatus, GrpcStatus.Unavailable);
});

test("a GrpcService protobuf names the cluster", async () => {
  const plugin = await start("proto");
  plugin.newHttpStream().sendRequestHeaders(REQUEST, true);
  assert.equal(plugin.pendingGrpcCalls[0]?.cluster, "grpc-backend");
});

test("an unknown cluster is ParseFailure: nothing is sent and the request goes on", async () => {
  const plugin = await start("call", []);
  const s = plugin.newHttpStream();
  s.sendRequestHeaders(REQUEST, true);
  assert.equal(plugin.pendingGrpcCalls.length, 0);
  assert.equal(s.paused.request, false);
});

test("stream: token 6, messages sent are listed; initial metadata, messages, trailers and close are delivered", async () => {
  const plugin = await start("stream");
  const s = plugin.newHttpStream();
  s.sendRequestHeaders(REQUEST, true);
  const [st] = plugin.grpcStreams;
  assert.equal(st?.token, 6);
  assert.deepEqual(st!.messages.map(text), ["hello"]);
  const token = st!.token;
  plugin.grpcStreamInitialMetadata(token, { k: "initial" });
  plugin.grpcStreamMessage(token, "first");
  assert.equal(s.requestHeaders.get("x-grpc-message"), "first");
  assert.deepEqual(plugin.grpcStreams[0]!.messages.map(text), ["hello", "ack"]);
  assert.equal(plugin.grpcStreams[0]!.endOfStreamSent, true);
  plugin.grpcStreamTrailingMetadata(token, { t: "trailing" });
  plugin.grpcStreamClose(token, GrpcStatus.Ok, "done");
  assert.deepEqual(plugin.logsAt(LogLevel.Info), ["initial", "first", "trailing"]);
  // Remote closed, local not closed: Envoy still tracks the stream until proxy_grpc_close.
  assert.equal(plugin.grpcStreams[0]?.remoteClosed, true);
  assert.throws(() => plugin.grpcStreamMessage(token, "late"), /already closed/);
});

test("map 4 holds the initial metadata, map 5 the trailing metadata", async () => {
  const plugin = await start("stream");
  plugin.newHttpStream().sendRequestHeaders(REQUEST, true);
  const token = plugin.grpcStreams[0]!.token;
  // The fixture reads map 4 "k" in the initial-metadata callback and map 5 "t" in the trailing one.
  plugin.grpcStreamInitialMetadata(token, { t: "not-initial" });
  plugin.grpcStreamTrailingMetadata(token, { k: "not-trailing" });
  assert.deepEqual(plugin.logsAt(LogLevel.Info), []);
});

test("send, cancel and close return codes as Envoy's", async () => {
  const plugin = await start("return-codes");
  assert.equal(plugin.configured, true);
  assert.deepEqual(plugin.logsAt(LogLevel.Info), [
    "codes=04,04,02,02,01,02,01,02,01,06,00,06,00,00,00,01,00,05,00,01,",
  ]);
  assert.deepEqual(plugin.cancelledGrpcCalls, [6, 5]);
  assert.equal(plugin.grpcStreams.length, 0);
  assert.equal(plugin.pendingGrpcCalls.length, 0);
});

test("shutdown cancels the gRPC calls and streams the root context still has in flight", async () => {
  const plugin = await start("call");
  plugin.newHttpStream().sendRequestHeaders(REQUEST, true);
  const [call] = plugin.pendingGrpcCalls;
  assert.ok(call, "a call is in flight");
  const streaming = await start("stream");
  streaming.newHttpStream().sendRequestHeaders(REQUEST, true);
  const [stream] = streaming.grpcStreams;
  assert.ok(stream, "a stream is open");

  assert.equal(plugin.shutdown(), true);
  assert.deepEqual(plugin.pendingGrpcCalls, []);
  assert.deepEqual(plugin.cancelledGrpcCalls, [call!.token]);
  assert.throws(() => plugin.respondGrpcCall(call!.token, { message: "late" }), /no pending gRPC call/);
  assert.equal(plugin.failed, false, "no callback ran on the deleted root");

  assert.equal(streaming.shutdown(), true);
  assert.deepEqual(streaming.grpcStreams, []);
  assert.deepEqual(streaming.cancelledGrpcCalls, [stream!.token]);
  assert.throws(() => streaming.grpcStreamMessage(stream!.token, "late"), /no open gRPC stream/);
});
