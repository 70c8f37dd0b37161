// token-injector on the host: cold start, refresh before expiry, two workers sharing one token, failures.
import { test } from "node:test";
import assert from "node:assert/strict";
import { LogLevel, ProxyProcess, startPlugin, type Plugin } from "proxy-wasm-as/host";
import { assertConfigurationRefused } from "../../../tests/support/configuration.js";

const MODULE = "build/token-injector.wasm";
const SECRET = "s3cr3t/with+chars";
const CONFIG = {
  cluster: "oauth", authority: "login.example.com", path: "/token", client_id: "svc a", client_secret: SECRET,
  scope: "orders:read", refresh_margin_s: 60, fetch_timeout_ms: 500, wait_timeout_ms: 2000, poll_ms: 50,
};
const REQUEST = { ":method": "GET", ":path": "/orders", ":authority": "api.internal" };
const TOKEN_REPLY = (token: string, expiresIn = 3600) => ({
  headers: { ":status": "200", "content-type": "application/json" },
  body: JSON.stringify({ access_token: token, token_type: "Bearer", expires_in: expiresIn }),
});

/** Workers of one plugin: one Envoy process (shared data, a virtual clock), one vm id. */
async function workers(count: number, config: object = CONFIG): Promise<Plugin[]> {
  const process = new ProxyProcess({ clock: "virtual" });
  const plugins = [];
  for (let i = 0; i < count; i++) {
    const plugin = await startPlugin({ module: MODULE, configuration: JSON.stringify(config), clusters: ["oauth"], vmId: "token-injector", process });
    assert.equal(plugin.configured, true, JSON.stringify(plugin.logs));
    plugins.push(plugin);
  }
  return plugins;
}

function request(plugin: Plugin) {
  const stream = plugin.newHttpStream();
  stream.sendRequestHeaders(REQUEST, true);
  return stream;
}

function assertSecretNeverLogged(plugins: Plugin[]): void {
  const encoded = Buffer.from(`svc+a:${encodeURIComponent(SECRET)}`).toString("base64");
  for (const plugin of plugins) {
    const text = plugin.logs.map((l) => l.message).join("\n");
    assert.equal(text.includes(SECRET), false);
    assert.equal(text.includes(encoded), false);
  }
}

test("cold start: the request waits for the token, then goes on with it; later requests do not wait", async () => {
  const [worker] = await workers(1);
  const held = request(worker);
  assert.equal(held.paused.request, true);
  assert.equal(worker.pendingHttpCalls.length, 1);
  const call = worker.pendingHttpCalls[0]!;
  assert.equal(call.cluster, "oauth");
  assert.equal(call.timeoutMs, 500);
  assert.equal(call.headers.get(":method"), "POST");
  assert.equal(call.headers.get(":path"), "/token");
  assert.equal(call.headers.get(":authority"), "login.example.com");
  assert.equal(call.headers.get("content-type"), "application/x-www-form-urlencoded");
  const basic = Buffer.from(call.headers.get("authorization")!.replace(/^Basic /, ""), "base64").toString();
  assert.equal(basic, "svc+a:s3cr3t%2Fwith%2Bchars");
  assert.equal(Buffer.from(call.body).toString(), "grant_type=client_credentials&scope=orders%3Aread");
  const second = request(worker);
  assert.equal(second.paused.request, true);
  assert.equal(worker.pendingHttpCalls.length, 1, "one fetch for every held request");

  worker.respondHttpCall(call.token, TOKEN_REPLY("tok-1"));
  for (const stream of [held, second]) {
    assert.equal(stream.paused.request, false);
    assert.equal(stream.requestHeaders.get("authorization"), "Bearer tok-1");
  }
  const warm = request(worker);
  assert.equal(warm.paused.request, false);
  assert.equal(warm.requestHeaders.get("authorization"), "Bearer tok-1");
  assert.equal(worker.pendingHttpCalls.length, 0);
  assertSecretNeverLogged([worker]);
});

test("the token is refreshed refresh_margin_s before it expires, without holding requests", async () => {
  const [worker] = await workers(1);
  request(worker);
  worker.respondHttpCall(worker.pendingHttpCalls[0]!.token, TOKEN_REPLY("tok-1", 120));
  worker.advanceTime(59_000);
  assert.equal(worker.pendingHttpCalls.length, 0, "not yet due");
  worker.advanceTime(1_100);
  assert.equal(worker.pendingHttpCalls.length, 1, "due 60 s before expiry");
  const during = request(worker);
  assert.equal(during.paused.request, false);
  assert.equal(during.requestHeaders.get("authorization"), "Bearer tok-1");
  worker.respondHttpCall(worker.pendingHttpCalls[0]!.token, TOKEN_REPLY("tok-2", 120));
  assert.equal(request(worker).requestHeaders.get("authorization"), "Bearer tok-2");
});

test("two workers: one fetches (CAS lease), the other's held request gets the shared token on its timer", async () => {
  const [a, b] = await workers(2);
  const heldA = request(a);
  const heldB = request(b);
  assert.equal(a.pendingHttpCalls.length + b.pendingHttpCalls.length, 1, "only one worker fetches");
  const [fetcher, other] = a.pendingHttpCalls.length === 1 ? [a, b] : [b, a];
  fetcher.respondHttpCall(fetcher.pendingHttpCalls[0]!.token, TOKEN_REPLY("shared-tok"));
  other.advanceTime(60);
  for (const stream of [heldA, heldB]) {
    assert.equal(stream.paused.request, false);
    assert.equal(stream.requestHeaders.get("authorization"), "Bearer shared-tok");
  }
  assert.equal(request(other).requestHeaders.get("authorization"), "Bearer shared-tok");
  assert.equal(other.pendingHttpCalls.length, 0, "the other worker never fetched");
  // The refresh is also taken by one worker only.
  a.advanceTime(3_539_000);
  assert.equal(a.pendingHttpCalls.length + b.pendingHttpCalls.length, 0, "not yet due");
  a.advanceTime(1_000);
  assert.equal(a.pendingHttpCalls.length + b.pendingHttpCalls.length, 1, "due, and taken by one worker");
});

for (const [what, reply] of [
  ["a 500", { headers: { ":status": "500" }, body: "oops" }],
  ["a reset", null],
  ["a body that is not JSON", { headers: { ":status": "200" }, body: "access_token=x" }],
  ["no expires_in", { headers: { ":status": "200" }, body: JSON.stringify({ access_token: "x" }) }],
  ["a token type that is not bearer", { headers: { ":status": "200" }, body: JSON.stringify({ access_token: "x", expires_in: 60, token_type: "mac" }) }],
] as const) {
  test(`a failed fetch (${what}) answers held requests with 503 and logs no secret`, async () => {
    const [worker] = await workers(1);
    const held = request(worker);
    worker.respondHttpCall(worker.pendingHttpCalls[0]!.token, reply);
    assert.equal(held.localReply?.status, 503);
    assert.equal(held.localReply?.details, "token_unavailable");
    assert.match(worker.warnLogs.join("\n"), /token fetch failed/);
    assert.equal(request(worker).localReply?.status, 503, "fails fast during the back-off");
    worker.advanceTime(1_000);
    const retry = request(worker);
    assert.equal(retry.paused.request, true, "after the back-off a new fetch starts");
    assert.equal(worker.pendingHttpCalls.length, 1);
    assertSecretNeverLogged([worker]);
  });
}

test("a token endpoint that does not answer times out into a 503", async () => {
  const [worker] = await workers(1);
  const held = request(worker);
  worker.advanceTime(500);
  assert.equal(held.localReply?.status, 503);
  assert.match(worker.warnLogs.join("\n"), /answered 504/);
});

test("a request held longer than wait_timeout_ms gets a 503 (another worker holds the lease and never answers)", async () => {
  const [a, b] = await workers(2, { ...CONFIG, fetch_timeout_ms: 60_000, wait_timeout_ms: 300 });
  request(a);
  const held = request(b);
  assert.equal(b.pendingHttpCalls.length, 0);
  b.advanceTime(250);
  assert.equal(held.paused.request, true, "still waiting");
  b.advanceTime(100);
  assert.equal(held.localReply?.status, 503);
});

test("a held request that goes away is forgotten", async () => {
  const [worker] = await workers(1);
  const gone = request(worker);
  gone.complete();
  worker.respondHttpCall(worker.pendingHttpCalls[0]!.token, TOKEN_REPLY("tok"));
  assert.equal(worker.failed, false);
  assert.equal(request(worker).requestHeaders.get("authorization"), "Bearer tok");
});

test("a token cluster the proxy does not know: 503 at once", async () => {
  const [worker] = await workers(1, { ...CONFIG, cluster: "missing" });
  const stream = request(worker);
  assert.equal(stream.localReply?.status, 503);
  assert.match(worker.warnLogs.join("\n"), /cannot call cluster "missing"/);
});

const BAD: Array<[string, object | string, RegExp]> = [
  ["no cluster", { client_id: "a", client_secret: "b" }, /"cluster" .* must be a non-empty string/],
  ["no client_id", { cluster: "oauth", client_secret: "b" }, /"client_id" must be a non-empty string/],
  ["no client_secret", { cluster: "oauth", client_id: "a" }, /"client_secret" must be a non-empty string/],
  ["a secret that is not a string", { cluster: "oauth", client_id: "a", client_secret: 42 }, /"client_secret" must be a non-empty string/],
  ["a relative path", { ...CONFIG, path: "token" }, /"path" must start with '\/'/],
  ["a bad margin", { ...CONFIG, refresh_margin_s: -1 }, /"refresh_margin_s" must be a whole number/],
  ["a bad fetch timeout", { ...CONFIG, fetch_timeout_ms: 0 }, /"fetch_timeout_ms" must be a whole number/],
  ["a bad wait timeout", { ...CONFIG, wait_timeout_ms: 1.5 }, /"wait_timeout_ms" must be a whole number/],
  ["a bad poll period", { ...CONFIG, poll_ms: 1 }, /"poll_ms" must be a whole number/],
  ["a scope that is not a string", { ...CONFIG, scope: ["a"] }, /"scope" must be a string/],
  ["invalid JSON", `{"cluster": "oauth", "client_secret": "${SECRET}"`, /not valid JSON/],
];

for (const [what, config, message] of BAD) {
  test(`rejects ${what}`, async () => {
    const plugin = await startPlugin({ module: MODULE, configuration: typeof config === "string" ? config : JSON.stringify(config) });
    assertConfigurationRefused(plugin, "token-injector", message);
    assertSecretNeverLogged([plugin]);
  });
}
