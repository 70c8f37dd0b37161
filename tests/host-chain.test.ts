// Several plugins on one stream (a Maistra-ordered filter chain) through
// tests/fixtures/chain.wat.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { FilterHeadersStatus, ProxyProcess, LogLevel, orderChain, startChain, type ChainEntry, type Phase } from "../host/index.js";
import { buildWat } from "./fixtures/build.js";

let CHAIN = "";
before(() => {
  CHAIN = buildWat("chain");
});

const REQUEST = { ":method": "GET", ":path": "/", ":authority": "example.com" };
const entry = (name: string, phase: Phase, priority: number, mode = "a", vmId = name): ChainEntry => ({
  name,
  phase,
  priority,
  options: { module: CHAIN, configuration: mode + name, vmId },
});

test("order: phase, then priority (higher first), then name", () => {
  const ordered = orderChain([
    { name: "z", phase: "PostStats" },
    { name: "b", phase: "PreAuthZ", priority: 5 },
    { name: "a", phase: "PreAuthZ", priority: 5 },
    { name: "c", phase: "PreAuthZ", priority: 10 },
    { name: "first", phase: "PreAuthN", priority: -3 },
    { name: "y", phase: "PostAuthN" },
  ]);
  assert.deepEqual(ordered.map((e) => e.name), ["first", "y", "c", "a", "b", "z"]);
  assert.throws(() => orderChain([{ name: "x", phase: "Later" as Phase }]), /unknown phase/);
});

test("requests go through the chain in order, responses in reverse", async () => {
  const chain = await startChain([entry("stats", "PostStats", 0), entry("authn", "PreAuthN", 0), entry("authz", "PostAuthZ", 0)]);
  assert.deepEqual(chain.names, ["authn", "authz", "stats"]);
  const s = chain.newHttpStream();
  assert.equal(s.sendRequestHeaders(REQUEST, true), FilterHeadersStatus.Continue);
  assert.deepEqual(s.upstreamRequest!.headers.getAll("x-chain"), ["authn", "authz", "stats"]);
  s.sendResponseHeaders({ ":status": "200" }, true);
  assert.deepEqual(s.responseHeaders.getAll("x-chain-resp"), ["stats", "authz", "authn"]);
  s.complete();
  assert.deepEqual(
    s.actions.map((a) => `${a.plugin}:${a.callback}`),
    [
      "authn:proxy_on_request_headers", "authz:proxy_on_request_headers", "stats:proxy_on_request_headers",
      "stats:proxy_on_response_headers", "authz:proxy_on_response_headers", "authn:proxy_on_response_headers",
      "authn:proxy_on_log", "authz:proxy_on_log", "stats:proxy_on_log",
    ],
  );
  // Each plugin has its own root and configuration.
  for (const name of chain.names) assert.deepEqual(chain.plugin(name).logsAt(LogLevel.Info), [name]);
});

test("a local reply stops the request; every filter's response side sees it, in reverse", async () => {
  const chain = await startChain([entry("one", "PreAuthN", 0), entry("deny", "PreAuthZ", 0, "d"), entry("three", "PostStats", 0)]);
  const s = chain.newHttpStream();
  assert.equal(s.sendRequestHeaders(REQUEST, true), FilterHeadersStatus.StopAllIterationAndWatermark);
  assert.equal(s.upstreamRequest, null, "nothing reached the upstream");
  const reply = s.localReply!;
  assert.equal(reply.status, 403);
  assert.equal(reply.bodyText, "denied by deny");
  assert.equal(reply.details, "denied");
  // "three" never saw the request: its context was never created, so it passes the reply through.
  assert.deepEqual(s.responseHeaders.getAll("x-chain-resp"), ["deny", "one"]);
  assert.equal(s.responseHeaders.get(":status"), "403");
  assert.equal(Buffer.from(s.responseBody).toString(), "denied by deny");
  s.complete();
  assert.deepEqual(
    s.actions.map((a) => `${a.plugin}:${a.callback}`),
    [
      "one:proxy_on_request_headers", "deny:proxy_on_request_headers",
      "deny:proxy_on_response_headers", "one:proxy_on_response_headers",
      "one:proxy_on_log", "deny:proxy_on_log", "three:proxy_on_log",
    ],
  );
  assert.equal(s.sendResponseHeaders({ ":status": "200" }, true), FilterHeadersStatus.Continue, "the reply is the response");
});

test("plugins with the same vm id share data; other vm ids do not", async () => {
  const process = new ProxyProcess();
  const same = await startChain([entry("writer", "PreAuthN", 0, "s", "shared"), entry("reader", "PostAuthN", 0, "g", "shared")], { process });
  const s = same.newHttpStream();
  s.sendRequestHeaders(REQUEST, true);
  assert.equal(s.upstreamRequest!.headers.get("x-shared"), "writer");

  const apart = await startChain([entry("writer", "PreAuthN", 0, "s", "vm-a"), entry("reader", "PostAuthN", 0, "g", "vm-b")], { process });
  const t = apart.newHttpStream();
  t.sendRequestHeaders(REQUEST, true);
  assert.equal(t.upstreamRequest!.headers.has("x-shared"), false);
});

test("bodies flow through every filter", async () => {
  const chain = await startChain([entry("a", "PreAuthN", 0), entry("b", "PreAuthN", 0)]);
  const s = chain.newHttpStream();
  s.sendRequestHeaders({ ...REQUEST, ":method": "POST" }, false);
  s.sendRequestBody("hello ", false);
  s.sendRequestBody("world", true);
  assert.equal(Buffer.from(s.requestBody).toString(), "hello world");
  assert.equal(s.upstreamRequest!.endOfStream, true);
  s.sendResponseHeaders({ ":status": "200" }, false);
  s.sendResponseBody("ok", false);
  s.sendResponseTrailers({ "grpc-status": "0" });
  assert.equal(Buffer.from(s.responseBody).toString(), "ok");
  assert.equal(s.responseTrailers.get("grpc-status"), "0");
});

test("a filter that fails closed answers 503 through the chain; fail open is skipped", async () => {
  const chain = await startChain([entry("one", "PreAuthN", 0), entry("trap", "PreAuthZ", 0, "t"), entry("three", "PostStats", 0)]);
  const s = chain.newHttpStream();
  s.sendRequestHeaders(REQUEST, true);
  assert.equal(chain.plugin("trap").failed, true);
  assert.equal(s.localReply?.status, 503);
  assert.equal(s.localReply?.details, "wasm_fail_stream");
  assert.equal(s.responseHeaders.get(":status"), "503");
  assert.equal(s.responseHeaders.has("grpc-status"), false, "no gRPC fields for a plain request");
  assert.deepEqual(s.responseHeaders.getAll("x-chain-resp"), ["one"]);

  const open = await startChain([
    entry("one", "PreAuthN", 0),
    { ...entry("trap", "PreAuthZ", 0, "t"), options: { module: CHAIN, configuration: "ttrap", failOpen: true } },
    entry("three", "PostStats", 0),
  ]);
  const t = open.newHttpStream();
  t.sendRequestHeaders(REQUEST, true);
  assert.equal(t.localReply, null);
  assert.deepEqual(t.upstreamRequest!.headers.getAll("x-chain"), ["one", "three"]);
});

test("a chain stream's response trailers are one map, so writes to them stay", async () => {
  const chain = await startChain([entry("a", "PreAuthN", 0)]);
  const s = chain.newHttpStream();
  s.responseTrailers.add("x-added", "1");
  assert.equal(s.responseTrailers.get("x-added"), "1");
  s.sendRequestHeaders(REQUEST, true);
  s.sendResponseHeaders({ ":status": "200" }, false);
  s.sendResponseTrailers({ "x-t": "a" });
  assert.equal(s.responseTrailers.get("x-t"), "a");
  assert.equal(s.responseTrailers.get("x-added"), "1", "the map the test held became the trailers");
});

test("a gRPC request that fails closed in a chain gets a trailers-only gRPC reply", async () => {
  const chain = await startChain([entry("one", "PreAuthN", 0), entry("trap", "PreAuthZ", 0, "t")]);
  const s = chain.newHttpStream();
  s.sendRequestHeaders({ ...REQUEST, ":method": "POST", "content-type": "application/grpc+proto" }, true);
  assert.equal(s.localReply?.details, "wasm_fail_stream");
  assert.equal(s.responseHeaders.get(":status"), "200");
  assert.equal(s.responseHeaders.get("content-type"), "application/grpc");
  assert.equal(s.responseHeaders.get("grpc-status"), "14");
});
