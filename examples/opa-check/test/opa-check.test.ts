// opa-check on the host: the request waits while its attributes go to the
// policy service; the answer's "result" lets it through or refuses it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { LogLevel, startPlugin, type Plugin } from "proxy-wasm-as/host";
import { testConfigurationsRefused } from "../../../tests/support/configuration.js";

const MODULE = "build/opa-check.wasm";
const CONFIG = { cluster: "opa", path: "/v1/data/envoy/authz", timeout_ms: 150, headers: ["authorization", "X-Tenant", "x-absent"] };
const REQUEST: Array<[string, string]> = [
  [":method", "POST"], [":path", "/orders?id=7"], [":authority", "shop.example.com"], [":scheme", "https"],
  ["authorization", "Bearer abc"], ["x-tenant", "acme"], ["x-tenant", "beta"], ["x-secret", "not sent"], ["user-agent", 'quote " and \\ and \u0001'],
];

async function start(config: object = CONFIG): Promise<Plugin> {
  const plugin = await startPlugin({ module: MODULE, configuration: JSON.stringify(config), clusters: ["opa"], clock: "virtual" });
  assert.equal(plugin.configured, true, JSON.stringify(plugin.logs));
  return plugin;
}

function paused(plugin: Plugin, endOfStream = true) {
  const stream = plugin.newHttpStream({ sourceAddress: "10.1.2.3:40000" });
  const status = stream.sendRequestHeaders(REQUEST, endOfStream);
  assert.notEqual(status, 0, "the request waits for the policy");
  const call = plugin.pendingHttpCalls.at(-1)!;
  return { stream, call };
}

const answer = (body: unknown, status = "200") => ({ headers: { ":status": status, "content-type": "application/json" }, body: JSON.stringify(body) });

test("sends method, path, the configured headers and the source as {input}", async () => {
  const plugin = await start({ ...CONFIG, headers: [...CONFIG.headers, "user-agent"] });
  const { call } = paused(plugin);
  assert.equal(call.cluster, "opa");
  assert.equal(call.timeoutMs, 150);
  assert.equal(call.headers.get(":method"), "POST");
  assert.equal(call.headers.get(":path"), "/v1/data/envoy/authz");
  assert.equal(call.headers.get(":authority"), "opa");
  assert.equal(call.headers.get("content-type"), "application/json");
  assert.deepEqual(JSON.parse(Buffer.from(call.body).toString()), {
    input: {
      method: "POST", path: "/orders?id=7", source: { address: "10.1.2.3:40000" },
      headers: { authorization: "Bearer abc", "x-tenant": "acme,beta", "user-agent": 'quote " and \\ and \u0001' },
    },
  });
});

test("result true, or {allow: true}, resumes the request with its held body (megabytes in chunks)", async () => {
  const plugin = await start();
  for (const body of [{ result: true }, { result: { allow: true, reason: "ok" } }]) {
    const { stream, call } = paused(plugin, false);
    const chunk = Buffer.alloc(256 * 1024, "x");
    for (let i = 0; i < 12; i++) stream.sendRequestBody(chunk, i === 11);
    plugin.respondHttpCall(call.token, answer(body));
    assert.equal(stream.localReply, null);
    assert.equal(stream.paused.request, false);
    assert.equal(stream.requestBody.length, 12 * 256 * 1024, "the whole body goes on");
  }
});

test("result false is a 403; {allow: false, reason} carries the policy's reason", async () => {
  const plugin = await start();
  const plain = paused(plugin);
  plugin.respondHttpCall(plain.call.token, answer({ result: false }));
  assert.equal(plain.stream.localReply?.status, 403);
  assert.equal(plain.stream.localReply?.details, "opa_check_denied");
  assert.equal(plain.stream.localReply?.bodyText, "forbidden: denied by policy\n");
  const reasoned = paused(plugin);
  plugin.respondHttpCall(reasoned.call.token, answer({ result: { allow: false, reason: "tenant acme may not POST /orders" } }));
  assert.equal(reasoned.stream.localReply?.status, 403);
  assert.equal(reasoned.stream.localReply?.bodyText, "forbidden: tenant acme may not POST /orders\n");
});

const FAILURES: Array<[string, Parameters<Plugin["respondHttpCall"]>[1] | "timeout"]> = [
  ["a timeout", "timeout"],
  ["a reset", null],
  ["a 500", answer({ result: true }, "500")],
  ["a body that is not JSON", { headers: { ":status": "200" }, body: "{result" }],
  ["an undefined rule (no result)", answer({})],
  ["a result of another type", answer({ result: "yes" })],
  ["an object without allow", answer({ result: { reason: "x" } })],
];

for (const [what, response] of FAILURES) {
  test(`${what}: fail closed refuses, fail open lets through`, async () => {
    for (const failOpen of [false, true]) {
      const plugin = await start({ ...CONFIG, fail_open: failOpen, status_on_error: 503 });
      const { stream, call } = paused(plugin);
      if (response === "timeout") plugin.advanceTime(150);
      else plugin.respondHttpCall(call.token, response);
      assert.equal(plugin.pendingHttpCalls.length, 0);
      if (failOpen) {
        assert.equal(stream.localReply, null, what);
        assert.equal(stream.paused.request, false);
        assert.match(plugin.logsAt(LogLevel.Warn).join("\n"), /failing open/);
      } else {
        assert.equal(stream.localReply?.status, 503, what);
        assert.equal(stream.localReply?.details, "opa_check_unavailable");
        assert.match(plugin.logsAt(LogLevel.Warn).join("\n"), /failing closed/);
      }
    }
  });
}

test("fail closed answers 403 unless status_on_error says otherwise", async () => {
  const plugin = await start();
  const { stream } = paused(plugin);
  plugin.advanceTime(150);
  assert.equal(stream.localReply?.status, 403);
});

test("a cluster the proxy does not know: refused at once, or through with fail_open", async () => {
  for (const failOpen of [false, true]) {
    const plugin = await start({ ...CONFIG, cluster: "missing", fail_open: failOpen });
    const stream = plugin.newHttpStream();
    const status = stream.sendRequestHeaders(REQUEST, true);
    assert.equal(plugin.pendingHttpCalls.length, 0);
    assert.match(plugin.logsAt(LogLevel.Error).join("\n"), /cannot call cluster "missing"/);
    if (failOpen) assert.equal(status, 0);
    else assert.equal(stream.localReply?.details, "opa_check_unavailable");
  }
});

test("concurrent requests on two workers each get their own decision", async () => {
  const [a, b] = [await start(), await start()];
  const first = paused(a);
  const second = paused(a);
  const third = paused(b);
  a.respondHttpCall(second.call.token, answer({ result: false }));
  b.respondHttpCall(third.call.token, answer({ result: true }));
  a.respondHttpCall(first.call.token, answer({ result: true }));
  assert.equal(first.stream.localReply, null);
  assert.equal(second.stream.localReply?.status, 403);
  assert.equal(third.stream.localReply, null);
});

test("an answer for a stream that is gone is dropped", async () => {
  const plugin = await start();
  const { stream, call } = paused(plugin);
  stream.complete();
  plugin.respondHttpCall(call.token, answer({ result: false }));
  assert.equal(plugin.failed, false);
  assert.equal(stream.localReply, null);
});

const BAD: Array<[string, object | string, RegExp]> = [
  ["no cluster", { path: "/v1/data/x" }, /"cluster" .* must be a non-empty string/],
  ["a relative path", { cluster: "opa", path: "v1/data" }, /"path" must start with '\/'/],
  ["a bad timeout", { cluster: "opa", timeout_ms: 0 }, /"timeout_ms" must be a whole number from 1 to 60000/],
  ["a bad status_on_error", { cluster: "opa", status_on_error: 99 }, /"status_on_error" must be a whole number from 200 to 599/],
  ["headers not an array", { cluster: "opa", headers: "authorization" }, /"headers" must be an array/],
  ["an empty header name", { cluster: "opa", headers: [""] }, /"headers"\[0\] must be a header name/],
  ["not JSON", "{cluster", /not valid JSON: at byte 1/],
];

testConfigurationsRefused(MODULE, "opa-check", BAD);
