// grpc-auth on the host: the request waits for a unary gRPC check.
import { test } from "node:test";
import assert from "node:assert/strict";
import { GrpcStatus, LogLevel, startPlugin, type Plugin } from "proxy-wasm-as/host";

const MODULE = "build/grpc-auth.wasm";
const CONFIG = JSON.stringify({ cluster: "authz", timeout_ms: 300 });
const REQUEST = { ":method": "DELETE", ":path": "/items/9", ":authority": "shop.example.com", "authorization": "Bearer t0k" };

/** Decodes the string fields of a protobuf message (field number → text). */
function stringFields(message: Uint8Array): Map<number, string> {
  const fields = new Map<number, string>();
  let at = 0;
  const varint = () => { let v = 0, shift = 0, b; do { b = message[at++]!; v |= (b & 0x7f) << shift; shift += 7; } while (b & 0x80); return v; };
  while (at < message.length) {
    const key = varint();
    assert.equal(key & 7, 2, "only length-delimited fields are sent");
    const length = varint();
    fields.set(key >> 3, Buffer.from(message.subarray(at, at + length)).toString());
    at += length;
  }
  return fields;
}

/** CheckResponse { bool allowed = 1; string reason = 2; } */
function reply(allowed: boolean, reason = ""): Uint8Array {
  const reasonBytes = Buffer.from(reason);
  const parts = allowed ? [0x08, 0x01] : [];
  if (reasonBytes.length > 0) parts.push(0x12, reasonBytes.length, ...reasonBytes);
  return new Uint8Array(parts);
}

async function start(configuration = CONFIG): Promise<Plugin> {
  const plugin = await startPlugin({ module: MODULE, configuration, clusters: ["authz"] });
  assert.equal(plugin.configured, true, JSON.stringify(plugin.logs));
  return plugin;
}

function pausedRequest(plugin: Plugin) {
  const stream = plugin.newHttpStream();
  assert.notEqual(stream.sendRequestHeaders(REQUEST, true), 0);
  assert.equal(plugin.pendingGrpcCalls.length, 1);
  return { stream, call: plugin.pendingGrpcCalls[0]! };
}

test("calls auth.v1.Authorizer/Check with the request's facts", async () => {
  const plugin = await start();
  const { call } = pausedRequest(plugin);
  assert.equal(call.cluster, "authz");
  assert.equal(call.serviceName, "auth.v1.Authorizer");
  assert.equal(call.method, "Check");
  assert.equal(call.timeoutMs, 300);
  assert.deepEqual([...stringFields(call.message)], [[1, "/items/9"], [2, "DELETE"], [3, "shop.example.com"], [4, "Bearer t0k"]]);
});

test("allowed: the request resumes", async () => {
  const plugin = await start();
  const { stream, call } = pausedRequest(plugin);
  plugin.respondGrpcCall(call.token, { message: reply(true) });
  assert.equal(stream.localReply, null);
  assert.equal(stream.paused.request, false);
});

test("refused: 403 with the service's reason", async () => {
  const plugin = await start();
  const { stream, call } = pausedRequest(plugin);
  plugin.respondGrpcCall(call.token, { message: reply(false, "not your item") });
  assert.equal(stream.localReply?.status, 403);
  assert.equal(stream.localReply?.bodyText, "not your item\n");
  assert.equal(stream.localReply?.details, "grpc_auth_denied");
});

test("a failed call is a 503 and the gRPC status is logged", async () => {
  const plugin = await start();
  const { stream, call } = pausedRequest(plugin);
  plugin.respondGrpcCall(call.token, { status: GrpcStatus.Unavailable, message: "no healthy upstream" });
  assert.equal(stream.localReply?.status, 503);
  assert.equal(stream.localReply?.details, "grpc_auth_unavailable");
  assert.match(plugin.logsAt(LogLevel.Warn).join("\n"), /gRPC status 14: no healthy upstream/);
});

test("a malformed reply is a 503", async () => {
  const plugin = await start();
  const { stream, call } = pausedRequest(plugin);
  plugin.respondGrpcCall(call.token, { message: new Uint8Array([0x12, 0x09, 0x41]) });
  assert.equal(stream.localReply?.status, 503);
  assert.match(plugin.logsAt(LogLevel.Error).join("\n"), /malformed CheckResponse/);
});

test("an unknown cluster is a 503 at once", async () => {
  const plugin = await start(JSON.stringify({ cluster: "nowhere" }));
  const stream = plugin.newHttpStream();
  stream.sendRequestHeaders(REQUEST, true);
  assert.equal(stream.localReply?.status, 503);
  assert.match(plugin.logsAt(LogLevel.Error).join("\n"), /cannot call auth\.v1\.Authorizer\/Check on cluster "nowhere" \(status 4\)/);
});

test("service and method come from the configuration", async () => {
  const plugin = await start(JSON.stringify({ cluster: "authz", service: "acme.Gate", method: "Allow" }));
  const { call } = pausedRequest(plugin);
  assert.equal(call.serviceName, "acme.Gate");
  assert.equal(call.method, "Allow");
});

test("rejects a configuration without a cluster", async () => {
  const plugin = await startPlugin({ module: MODULE, configuration: "{}" });
  assert.equal(plugin.configured, false);
  assert.match(plugin.logsAt(LogLevel.Critical).join("\n"), /"cluster" .* must be a non-empty string/);
});
