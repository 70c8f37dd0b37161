// access-log-shipper on the host: two worker VMs and the singleton VM of one plugin share a queue.
import { test } from "node:test";
import assert from "node:assert/strict";
import { inflateSync } from "node:zlib";
import { LogLevel, ProxyProcess, startPlugin, type Plugin } from "proxy-wasm-as/host";
import { assertConfigurationRefused } from "../../../tests/support/configuration.js";

const MODULE = "build/access-log-shipper.wasm";
const SINGLETON = "access_log_shipper_singleton";
const CONFIG = { cluster: "collector", authority: "logs.internal", path: "/ingest", batch_size: 4, batch_max_age_ms: 1000, max_backlog: 10, timeout_ms: 300 };

const VM_ID = "access-log-shipper";

/** The singleton and two workers of one plugin: one Envoy process (queues, a virtual clock), one vm id. */
async function mesh(config: object = CONFIG) {
  const process = new ProxyProcess({ clock: "virtual" });
  const start = (rootId: string) =>
    startPlugin({ module: MODULE, configuration: JSON.stringify(config), rootId, vmId: VM_ID, process, clusters: ["collector"], logLevel: LogLevel.Info });
  const singleton = await start(SINGLETON);
  const workers = [await start("access_log_shipper"), await start("access_log_shipper")];
  for (const p of [singleton, ...workers]) assert.equal(p.configured, true, JSON.stringify(p.logs));
  return { singleton, workers };
}

let requests = 0;
/** One whole exchange on a worker; returns its request id. */
function exchange(worker: Plugin, status = "200", body = "hello"): string {
  const id = `req-${++requests}`;
  const stream = worker.newHttpStream();
  stream.sendRequestHeaders({ ":method": "GET", ":path": `/items/${requests}?q="x"`, ":authority": "shop", "x-request-id": id }, true);
  stream.sendResponseHeaders({ ":status": status }, false);
  stream.sendResponseBody(body, true);
  stream.complete();
  return id;
}

function pendingCount(plugin: Plugin): number {
  return plugin.pendingHttpCalls.length;
}

function posted(singleton: Plugin) {
  const call = singleton.pendingHttpCalls[0];
  assert.ok(call, "a batch is posted");
  const lines = Buffer.from(call.body).toString().split("\n");
  assert.equal(lines.pop(), "", "every record ends with a newline");
  return { call, records: lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

test("records from two workers reach the singleton and are posted as JSON lines when the batch is full", async () => {
  const { singleton, workers: [a, b] } = await mesh();
  const ids = [exchange(a), exchange(b, "404", "not here"), exchange(a, "500", ""), exchange(b)];
  assert.equal(singleton.queueSize("access_log_records"), 4);
  singleton.dispatchQueueReady();
  const { call, records } = posted(singleton);
  assert.equal(call.cluster, "collector");
  assert.equal(call.headers.get(":method"), "POST");
  assert.equal(call.headers.get(":path"), "/ingest");
  assert.equal(call.headers.get(":authority"), "logs.internal");
  assert.equal(call.headers.get("content-type"), "application/x-ndjson");
  assert.deepEqual(records.map((r) => r.request_id), ids);
  assert.deepEqual(records.map((r) => r.status), [200, 404, 500, 200]);
  assert.deepEqual(records.map((r) => r.bytes), [5, 8, 0, 5]);
  assert.equal(records[0]!.method, "GET");
  assert.match(String(records[0]!.path), /^\/items\/\d+\?q="x"$/, "quotes in the path are escaped");
  assert.equal(typeof records[0]!.duration_ms, "number");
  singleton.respondHttpCall(call.token, { headers: { ":status": "200" } });
  assert.equal(singleton.counter("access_log_shipper_sent"), 4n);
  assert.equal(singleton.pendingHttpCalls.length, 0);
});

test("with compress, batches are deflated by the proxy's compress foreign function", async () => {
  const { singleton, workers: [a, b] } = await mesh({ ...CONFIG, compress: true });
  const ids = [exchange(a), exchange(b), exchange(a), exchange(b)];
  singleton.dispatchQueueReady();
  const call = singleton.pendingHttpCalls[0];
  assert.ok(call, "a batch is posted");
  assert.equal(call.headers.get("content-encoding"), "deflate");
  const lines = inflateSync(call.body).toString().split("\n");
  assert.equal(lines.pop(), "");
  assert.deepEqual(lines.map((l) => (JSON.parse(l) as { request_id: string }).request_id), ids);
  singleton.respondHttpCall(call.token, { headers: { ":status": "200" } });
  assert.equal(singleton.counter("access_log_shipper_sent"), 4n);
});

test("a partial batch goes out on the timer", async () => {
  const { singleton, workers: [a] } = await mesh();
  exchange(a);
  singleton.dispatchQueueReady();
  assert.equal(singleton.pendingHttpCalls.length, 0);
  singleton.advanceTime(1000);
  assert.equal(posted(singleton).records.length, 1);
});

test("the duration is the request's", async () => {
  const { singleton, workers: [a] } = await mesh();
  const stream = a.newHttpStream();
  stream.sendRequestHeaders({ ":method": "POST", ":path": "/slow", "x-request-id": "slow" }, true);
  a.advanceTime(250);
  stream.sendResponseHeaders({ ":status": "201" }, true);
  stream.complete();
  singleton.dispatchQueueReady();
  singleton.advanceTime(1000);
  const record = posted(singleton).records[0]!;
  assert.equal(record.duration_ms, 250);
  assert.equal(record.request_id, "slow");
});

test("a response of megabytes in chunks counts every byte", async () => {
  const { singleton, workers: [a] } = await mesh();
  const stream = a.newHttpStream();
  stream.sendRequestHeaders({ ":method": "GET", ":path": "/big" }, true);
  stream.sendResponseHeaders({ ":status": "200" }, false);
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  for (let i = 0; i < 48; i++) stream.sendResponseBody(chunk, i === 47);
  stream.complete();
  singleton.dispatchQueueReady();
  singleton.advanceTime(1000);
  const record = posted(singleton).records[0]!;
  assert.equal(record.bytes, 48 * 64 * 1024);
  assert.equal(record.request_id, null);
});

test("a failed post (500) is retried once on the next tick, then delivered", async () => {
  const { singleton, workers: [a, b] } = await mesh();
  for (let i = 0; i < 4; i++) exchange(i % 2 ? a : b);
  singleton.dispatchQueueReady();
  const first = posted(singleton);
  singleton.respondHttpCall(first.call.token, { headers: { ":status": "500" } });
  assert.equal(singleton.pendingHttpCalls.length, 0, "no retry before the tick");
  singleton.advanceTime(1000);
  const retry = posted(singleton);
  assert.deepEqual(retry.records, first.records, "the same batch");
  singleton.respondHttpCall(retry.call.token, { headers: { ":status": "204" } });
  assert.equal(singleton.counter("access_log_shipper_sent"), 4n);
  assert.equal(singleton.counter("access_log_shipper_failed_posts"), 1n);
  assert.equal(singleton.counter("access_log_shipper_dropped") ?? 0n, 0n);
});

test("a batch that fails twice (reset, then timeout) is dropped and counted", async () => {
  const { singleton, workers: [a] } = await mesh();
  for (let i = 0; i < 4; i++) exchange(a);
  singleton.dispatchQueueReady();
  singleton.respondHttpCall(posted(singleton).call.token, null);
  singleton.advanceTime(1000);
  assert.equal(singleton.pendingHttpCalls.length, 1);
  singleton.advanceTime(300);
  assert.equal(singleton.pendingHttpCalls.length, 0, "the collector timed out (504)");
  assert.equal(singleton.counter("access_log_shipper_dropped"), 4n);
  assert.equal(singleton.counter("access_log_shipper_failed_posts"), 2n);
  assert.match(singleton.warnLogs.join("\n"), /posting 4 records failed again \(status 504\); dropped/);
  // The next records go out as usual.
  exchange(a);
  singleton.dispatchQueueReady();
  singleton.advanceTime(700);
  assert.equal(posted(singleton).records.length, 1, "on the next tick");
});

test("while the collector is slow the backlog stays bounded and the overflow is counted", async () => {
  const { singleton, workers: [a, b] } = await mesh({ ...CONFIG, timeout_ms: 60_000 });
  for (let i = 0; i < 4; i++) exchange(a);
  singleton.dispatchQueueReady();
  const slow = posted(singleton);
  for (let i = 0; i < 20; i++) exchange(i % 2 ? a : b);
  singleton.dispatchQueueReady();
  assert.equal(singleton.gauge("access_log_shipper_backlog"), 10n);
  assert.equal(singleton.counter("access_log_shipper_dropped"), 10n);
  assert.equal(singleton.pendingHttpCalls.length, 1, "one batch in flight at a time");
  singleton.respondHttpCall(slow.call.token, { headers: { ":status": "200" } });
  // The backlog drains a batch at a time, each as soon as the last is delivered.
  let sent = 4;
  for (let round = 0; round < 10 && sent < 14; round++) {
    if (pendingCount(singleton) === 0) singleton.advanceTime(1000);
    const { call, records } = posted(singleton);
    singleton.respondHttpCall(call.token, { headers: { ":status": "200" } });
    sent += records.length;
  }
  assert.equal(singleton.counter("access_log_shipper_sent"), 14n);
  assert.equal(singleton.gauge("access_log_shipper_backlog"), 0n);
});

test("workers started before the singleton find its queue later; records before it are counted as dropped", async () => {
  const process = new ProxyProcess({ clock: "virtual" });
  const start = (rootId: string) => startPlugin({ module: MODULE, configuration: JSON.stringify(CONFIG), rootId, vmId: VM_ID, process, clusters: ["collector"] });
  const worker = await start("");
  exchange(worker);
  assert.equal(worker.counter("access_log_shipper_dropped"), 1n);
  const singleton = await start(SINGLETON);
  exchange(worker);
  singleton.dispatchQueueReady();
  singleton.advanceTime(1000);
  assert.equal(posted(singleton).records.length, 1);
});

test("a collector cluster the proxy does not know: posts fail, records are dropped after the retry", async () => {
  const { singleton, workers: [a] } = await mesh({ ...CONFIG, cluster: "nowhere" });
  for (let i = 0; i < 4; i++) exchange(a);
  singleton.dispatchQueueReady();
  singleton.advanceTime(1000);
  assert.equal(singleton.counter("access_log_shipper_dropped"), 4n);
  assert.match(singleton.warnLogs.join("\n"), /cannot call cluster "nowhere"/);
});

const BAD: Array<[string, string, object | string, RegExp]> = [
  ["a singleton without a cluster", SINGLETON, {}, /"cluster" \(the collector's Envoy cluster\) must be a non-empty string/],
  ["an empty queue name", "", { queue: "" }, /"queue" must be a non-empty string/],
  ["a cluster that is not a string", "", { cluster: 5 }, /"cluster" must be a string/],
  ["a relative path", SINGLETON, { cluster: "c", path: "ingest" }, /"path" must start with '\/'/],
  ["a batch size of 0", SINGLETON, { cluster: "c", batch_size: 0 }, /"batch_size" must be a whole number from 1 to 10000/],
  ["a fractional age", SINGLETON, { cluster: "c", batch_max_age_ms: 10.5 }, /"batch_max_age_ms" must be a whole number/],
  ["a negative backlog", "", { max_backlog: -1 }, /"max_backlog" must be a whole number/],
  ["a bad timeout", SINGLETON, { cluster: "c", timeout_ms: "1s" }, /"timeout_ms" must be a whole number/],
  ["compress that is not a boolean", SINGLETON, { cluster: "c", compress: "yes" }, /"compress" must be true or false/],
  ["invalid JSON", SINGLETON, "{\"cluster\":", /not valid JSON/],
];

for (const [what, rootId, config, message] of BAD) {
  test(`rejects ${what}`, async () => {
    const plugin = await startPlugin({ module: MODULE, rootId, configuration: typeof config === "string" ? config : JSON.stringify(config) });
    assertConfigurationRefused(plugin, "access-log-shipper", message);
  });
}

test("a worker needs no cluster", async () => {
  const plugin = await startPlugin({ module: MODULE, rootId: "access_log_shipper", configuration: "{}" });
  assert.equal(plugin.configured, true);
});
