// rate-limit on the host: token buckets in shared data.
import { test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { LogLevel, ProxyProcess, startPlugin, type Plugin } from "proxy-wasm-as/host";

const MODULE = "build/rate-limit.wasm";
async function start(config: object, process?: ProxyProcess): Promise<Plugin> {
  const plugin = await startPlugin({ module: MODULE, configuration: JSON.stringify(config), process });
  assert.equal(plugin.configured, true, JSON.stringify(plugin.logs));
  return plugin;
}

function request(plugin: Plugin, sourceAddress = "10.1.2.3:40000", headers: Record<string, string> = {}) {
  const stream = plugin.newHttpStream({ sourceAddress });
  stream.sendRequestHeaders({ ":method": "GET", ":path": "/", ":authority": "api.example.com", ...headers }, true);
  if (stream.localReply === null) stream.sendResponseHeaders({ ":status": "200" }, true);
  stream.complete();
  return stream;
}

test("allows a burst, then answers 429 with the rate-limit headers", async () => {
  const plugin = await start({ requests_per_second: 0.001, burst: 3 });
  const remaining = [0, 1, 2].map(() => request(plugin)).map((s) => {
    assert.equal(s.localReply, null);
    assert.equal(s.responseHeaders.get("x-ratelimit-limit"), "3");
    return s.responseHeaders.get("x-ratelimit-remaining");
  });
  assert.deepEqual(remaining, ["2", "1", "0"]);
  const denied = request(plugin);
  assert.equal(denied.localReply?.status, 429);
  assert.equal(denied.localReply?.details, "rate_limited");
  assert.equal(denied.localReply?.headers.get("x-ratelimit-limit"), "3");
  assert.equal(denied.localReply?.headers.get("x-ratelimit-remaining"), "0");
  assert.equal(denied.localReply?.headers.get("retry-after"), "1000");
});

test("each client address has its own bucket; the port does not matter", async () => {
  const plugin = await start({ requests_per_second: 0.001, burst: 1 });
  assert.equal(request(plugin, "10.0.0.1:1111").localReply, null);
  assert.equal(request(plugin, "10.0.0.1:2222").localReply?.status, 429);
  assert.equal(request(plugin, "10.0.0.2:1111").localReply, null);
  assert.equal(request(plugin, "[2001:db8::1]:443").localReply, null);
  assert.equal(request(plugin, "[2001:db8::1]:444").localReply?.status, 429);
});

test("key_header limits by a request header", async () => {
  const plugin = await start({ requests_per_second: 0.001, burst: 1, key_header: "x-api-key" });
  assert.equal(request(plugin, "10.0.0.1:1", { "x-api-key": "a" }).localReply, null);
  assert.equal(request(plugin, "10.0.0.2:1", { "x-api-key": "a" }).localReply?.status, 429);
  assert.equal(request(plugin, "10.0.0.1:1", { "x-api-key": "b" }).localReply, null);
});

test("workers with the same VM id share the buckets", async () => {
  const process = new ProxyProcess();
  const workerA = await start({ requests_per_second: 0.001, burst: 2 }, process);
  const workerB = await start({ requests_per_second: 0.001, burst: 2 }, process);
  assert.equal(request(workerA).localReply, null);
  assert.equal(request(workerB).localReply, null);
  assert.equal(request(workerA).localReply?.status, 429);
  assert.equal(request(workerB).localReply?.status, 429);
});

test("the bucket refills at the configured rate", async () => {
  const plugin = await start({ requests_per_second: 5, burst: 1 });
  assert.equal(request(plugin).localReply, null);
  const denied = request(plugin);
  assert.equal(denied.localReply?.status, 429);
  assert.equal(denied.localReply?.headers.get("retry-after"), "1");
  await sleep(260);
  assert.equal(request(plugin).localReply, null, "one token back after 200 ms");
});

test("burst defaults to the rate", async () => {
  const plugin = await start({ requests_per_second: 2 });
  assert.equal(request(plugin).responseHeaders.get("x-ratelimit-limit"), "2");
});

const BAD: Array<[string, string, RegExp]> = [
  ["no rate", "{}", /"requests_per_second" must be a number greater than 0/],
  ["a zero rate", '{"requests_per_second": 0}', /"requests_per_second" must be a number greater than 0/],
  ["a fractional burst", '{"requests_per_second": 1, "burst": 1.5}', /"burst" must be a whole number of at least 1/],
  ["not an object", "[]", /must be a JSON object/],
  ["not JSON", "rate=5", /not valid JSON/],
];

for (const [what, configuration, message] of BAD) {
  test(`rejects ${what}`, async () => {
    const plugin = await startPlugin({ module: MODULE, configuration });
    assert.equal(plugin.configured, false);
    assert.match(plugin.startupFailure ?? "", /^proxy_on_configure returned false/, `rejected, not trapped (${plugin.failure})`);
    assert.match(plugin.logsAt(LogLevel.Critical).join("\n"), message);
  });
}
