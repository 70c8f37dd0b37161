// queue-aggregator on the host: facts travel through a shared queue to the root.
import { test } from "node:test";
import assert from "node:assert/strict";
import { LogLevel, ProxyProcess, startPlugin, type Plugin } from "proxy-wasm-as/host";

const MODULE = "build/queue-aggregator.wasm";
async function start(configuration?: string, process?: ProxyProcess): Promise<Plugin> {
  const plugin = await startPlugin({ module: MODULE, configuration, process });
  assert.equal(plugin.configured, true, JSON.stringify(plugin.logs));
  return plugin;
}

function request(plugin: Plugin, path: string) {
  const stream = plugin.newHttpStream();
  stream.sendRequestHeaders({ ":method": "GET", ":path": path, ":authority": "a" }, true);
  stream.sendResponseHeaders({ ":status": "200" }, true);
  stream.complete();
}

function gauge(plugin: Plugin, name: string): bigint | undefined {
  return plugin.metrics.get(`wasmcustom.${name}`)?.value;
}

test("counts requests per path once the root drains the queue", async () => {
  const plugin = await start();
  for (const path of ["/a", "/b?x=1", "/a?y=2", "/a"]) request(plugin, path);
  assert.equal(gauge(plugin, "requests_by_path.path./a"), undefined, "nothing before the queue is delivered");
  assert.equal(plugin.dispatchQueueReady(), 4, "one notification per enqueue");
  assert.equal(gauge(plugin, "requests_by_path.path./a"), 3n);
  assert.equal(gauge(plugin, "requests_by_path.path./b"), 1n);
  request(plugin, "/b");
  plugin.dispatchQueueReady();
  assert.equal(gauge(plugin, "requests_by_path.path./b"), 2n);
});

test("dots in a path cannot break the tag structure", async () => {
  const plugin = await start();
  request(plugin, "/static/app.js");
  plugin.dispatchQueueReady();
  assert.equal(gauge(plugin, "requests_by_path.path./static/app_js"), 1n);
});

test("another worker's streams feed the last registered root", async () => {
  const process = new ProxyProcess();
  const aggregator = await start(undefined, process);
  const worker = await startPlugin({ module: MODULE, process });
  // The worker registered the queue after the aggregator: it now gets the notifications
  // (docs/envoy-semantics.md, "Shared queues").
  request(worker, "/w");
  assert.equal(aggregator.dispatchQueueReady(), 0);
  assert.equal(worker.dispatchQueueReady(), 1);
  assert.equal(gauge(worker, "requests_by_path.path./w"), 1n);
});

test("queue and metric names come from the configuration", async () => {
  const plugin = await start('{"queue": "facts", "metric": "hits"}');
  request(plugin, "/x");
  plugin.dispatchQueueReady();
  assert.equal(gauge(plugin, "hits.path./x"), 1n);
});

test("rejects a configuration that is not an object", async () => {
  const plugin = await startPlugin({ module: MODULE, configuration: "[1]" });
  assert.equal(plugin.configured, false);
  assert.match(plugin.logsAt(LogLevel.Critical).join("\n"), /configuration must be a JSON object/);
});
