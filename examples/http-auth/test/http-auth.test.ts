// http-auth on the host: the request waits for the auth service's answer.
import { test } from "node:test";
import assert from "node:assert/strict";
import { LogLevel, startPlugin, type Plugin } from "proxy-wasm-as/host";

const MODULE = "build/http-auth.wasm";
const CONFIG = { cluster: "ext-auth", authority: "auth.internal", path: "/verify", timeout_ms: 250, allow_headers: ["x-auth-user"] };
const REQUEST = { ":method": "POST", ":path": "/orders?id=7", ":authority": "shop.example.com", "authorization": "Bearer abc" };

async function start(config: object = CONFIG): Promise<Plugin> {
  const plugin = await startPlugin({ module: MODULE, configuration: JSON.stringify(config), clusters: ["ext-auth"] });
  assert.equal(plugin.configured, true, JSON.stringify(plugin.logs));
  return plugin;
}

function pausedRequest(plugin: Plugin) {
  const stream = plugin.newHttpStream();
  const status = stream.sendRequestHeaders(REQUEST, false);
  assert.notEqual(status, 0, "the request waits for the auth service");
  assert.equal(plugin.pendingHttpCalls.length, 1);
  return { stream, call: plugin.pendingHttpCalls[0] };
}

test("asks the auth cluster with the original headers", async () => {
  const plugin = await start();
  const { call } = pausedRequest(plugin);
  assert.equal(call.cluster, "ext-auth");
  assert.equal(call.timeoutMs, 250);
  assert.equal(call.headers.get(":method"), "GET");
  assert.equal(call.headers.get(":path"), "/verify");
  assert.equal(call.headers.get(":authority"), "auth.internal");
  assert.equal(call.headers.get("authorization"), "Bearer abc");
  assert.equal(call.headers.get("x-forwarded-method"), "POST");
  assert.equal(call.headers.get("x-forwarded-uri"), "/orders?id=7");
});

test("a 200 resumes the request and copies the allowed headers", async () => {
  const plugin = await start();
  const { stream, call } = pausedRequest(plugin);
  stream.sendRequestBody("{}", true);
  plugin.respondHttpCall(call.token, { headers: { ":status": "200", "x-auth-user": "alice", "x-other": "no" } });
  assert.equal(stream.localReply, null);
  assert.equal(stream.paused.request, false);
  assert.equal(stream.requestHeaders.get("x-auth-user"), "alice");
  assert.equal(stream.requestHeaders.has("x-other"), false);
  assert.equal(Buffer.from(stream.requestBody).toString(), "{}", "the held body goes on after the headers");
});

test("any other status is a 403 with the configured body", async () => {
  const plugin = await start({ ...CONFIG, deny_body: "nope\n" });
  for (const status of ["401", "403", "500"]) {
    const { stream, call } = pausedRequest(plugin);
    plugin.respondHttpCall(call.token, { headers: { ":status": status }, body: "reason" });
    assert.equal(stream.localReply?.status, 403, `auth said ${status}`);
    assert.equal(stream.localReply?.bodyText, "nope\n");
    assert.equal(stream.localReply?.details, "http_auth_denied");
  }
});

test("an unreachable auth service is a 503: reset, connection failure, timeout", async () => {
  const plugin = await start();
  for (const response of [null, { headers: { ":status": "503" } }, { headers: { ":status": "504" } }]) {
    const { stream, call } = pausedRequest(plugin);
    plugin.respondHttpCall(call.token, response);
    assert.equal(stream.localReply?.status, 503);
    assert.equal(stream.localReply?.details, "http_auth_unavailable");
  }
});

test("a cluster the proxy does not know is a 503 at once", async () => {
  const plugin = await start({ ...CONFIG, cluster: "missing" });
  const stream = plugin.newHttpStream();
  stream.sendRequestHeaders(REQUEST, true);
  assert.equal(plugin.pendingHttpCalls.length, 0);
  assert.equal(stream.localReply?.status, 503);
  assert.match(plugin.logsAt(LogLevel.Error).join("\n"), /cannot call cluster "missing" \(status 2\)/);
});

test("a reply for a stream that is gone is dropped", async () => {
  const plugin = await start();
  const { stream, call } = pausedRequest(plugin);
  stream.complete();
  plugin.respondHttpCall(call.token, { headers: { ":status": "200" } });
  assert.equal(plugin.failed, false);
  assert.equal(stream.localReply, null);
});

test("concurrent requests each get their own answer", async () => {
  const plugin = await start();
  const first = pausedRequest(plugin);
  const second = plugin.newHttpStream();
  second.sendRequestHeaders(REQUEST, true);
  const secondCall = plugin.pendingHttpCalls.find((c) => c.token !== first.call.token)!;
  plugin.respondHttpCall(secondCall.token, { headers: { ":status": "403" } });
  plugin.respondHttpCall(first.call.token, { headers: { ":status": "200" } });
  assert.equal(second.localReply?.status, 403);
  assert.equal(first.stream.localReply, null);
  assert.equal(first.stream.paused.request, false);
});

const BAD: Array<[string, object | string, RegExp]> = [
  ["no cluster", { path: "/x" }, /"cluster" .* must be a non-empty string/],
  ["a relative path", { cluster: "a", path: "check" }, /"path" must start with '\/'/],
  ["a bad timeout", { cluster: "a", timeout_ms: -5 }, /"timeout_ms" must be a whole number/],
  ["allow_headers not an array", { cluster: "a", allow_headers: "x" }, /"allow_headers" must be an array/],
  ["not JSON", "{cluster", /not valid JSON: at byte 1/],
];

for (const [what, config, message] of BAD) {
  test(`rejects ${what}`, async () => {
    const plugin = await startPlugin({ module: MODULE, configuration: typeof config === "string" ? config : JSON.stringify(config) });
    assert.equal(plugin.configured, false);
    assert.match(plugin.startupFailure ?? "", /^proxy_on_configure returned false/, `rejected, not trapped (${plugin.failure})`);
    assert.match(plugin.logsAt(LogLevel.Critical).join("\n"), message);
  });
}
