// {{name}} on proxy-wasm-as's host: the request waits for the service's answer,
// which each test gives.
import { test } from "node:test";
import assert from "node:assert/strict";
import { startPlugin, type Plugin } from "proxy-wasm-as/host";

// The debug build: a trap is reported with function names and the file:line in assembly/.
const MODULE = "build/{{name}}.debug.wasm";
const CONFIG = JSON.stringify({ cluster: "checker", path: "/verify", timeout_ms: 250 });
const REQUEST = { ":method": "POST", ":path": "/orders", ":authority": "shop.example.com" };

async function start(): Promise<Plugin> {
  const plugin = await startPlugin({ module: MODULE, configuration: CONFIG, clusters: ["checker"] });
  assert.equal(plugin.configured, true, plugin.failure ?? JSON.stringify(plugin.logs));
  return plugin;
}

/** The filter did not trap; when it did, the message is its panic and crash report, down to the line in assembly/. */
function assertRunning(plugin: Plugin): void {
  assert.equal(plugin.trapped, false, plugin.criticalLogs.join("\n"));
}

/** A request whose headers went in: it waits for the one call the filter made. */
function pausedRequest(plugin: Plugin) {
  const stream = plugin.newHttpStream();
  stream.sendRequestHeaders(REQUEST, false);
  assertRunning(plugin);
  assert.equal(stream.paused.request, true, "the request waits for the answer");
  assert.equal(plugin.pendingHttpCalls.length, 1);
  return { stream, call: plugin.pendingHttpCalls[0]! };
}

test("asks the configured cluster about the request", async () => {
  const plugin = await start();
  const { call } = pausedRequest(plugin);
  assert.equal(call.cluster, "checker");
  assert.equal(call.timeoutMs, 250);
  assert.equal(call.headers.get(":path"), "/verify");
  assert.equal(call.headers.get("x-original-path"), "/orders");
});

test("a 200 lets the request through, body included", async () => {
  const plugin = await start();
  const { stream, call } = pausedRequest(plugin);
  stream.sendRequestBody("{}", true);
  plugin.respondHttpCall(call.token, { headers: { ":status": "200" } });
  assertRunning(plugin);
  assert.equal(stream.paused.request, false);
  assert.equal(stream.localReply, null);
  assert.equal(Buffer.from(stream.requestBody).toString(), "{}");
});

test("any other answer is a 403", async () => {
  const plugin = await start();
  const { stream, call } = pausedRequest(plugin);
  plugin.respondHttpCall(call.token, { headers: { ":status": "401" } });
  assertRunning(plugin);
  assert.equal(stream.localReply?.status, 403);
});

test("a service that does not answer is a 503", async () => {
  const plugin = await start();
  const { stream, call } = pausedRequest(plugin);
  plugin.respondHttpCall(call.token, null); // the call was reset
  assertRunning(plugin);
  assert.equal(stream.localReply?.status, 503);
});

test("a configuration without a cluster is rejected", async () => {
  const plugin = await startPlugin({ module: MODULE, configuration: "{}" });
  assert.equal(plugin.configured, false);
  assert.match(plugin.criticalLogs.join("\n"), /"cluster"/);
});
