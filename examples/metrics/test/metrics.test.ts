// metrics on the host: tagged counters and a duration histogram.
import { test } from "node:test";
import assert from "node:assert/strict";
import { LogLevel, startPlugin, type Plugin } from "proxy-wasm-as/host";

const MODULE = "build/metrics.wasm";

function request(plugin: Plugin, method: string, status: string) {
  const stream = plugin.newHttpStream();
  stream.sendRequestHeaders({ ":method": method, ":path": "/", ":authority": "a" }, true);
  stream.sendResponseHeaders({ ":status": status }, true);
  stream.complete();
}

test("counts requests by method and status", async () => {
  const plugin = await startPlugin({ module: MODULE });
  request(plugin, "GET", "200");
  request(plugin, "GET", "200");
  request(plugin, "POST", "503");
  const counter = (name: string) => plugin.metrics.get(`wasmcustom.http.requests.${name}`)?.value;
  assert.equal(counter("method.GET.status.200"), 2n);
  assert.equal(counter("method.POST.status.503"), 1n);
  assert.equal(counter("method.GET.status.503"), undefined);
});

test("records one duration sample per request", async () => {
  const plugin = await startPlugin({ module: MODULE });
  for (let i = 0; i < 5; i++) request(plugin, "GET", "200");
  const histogram = plugin.metrics.get("wasmcustom.http.request_duration_ms");
  assert.equal(histogram?.samples.length, 5);
  for (const sample of histogram!.samples) assert.ok(sample >= 0n && sample < 10_000n, `a plausible duration: ${sample}`);
});

test("a stream reset before the response is counted with status 0", async () => {
  const plugin = await startPlugin({ module: MODULE });
  const stream = plugin.newHttpStream();
  stream.sendRequestHeaders({ ":method": "PUT", ":path": "/", ":authority": "a" }, false);
  stream.complete();
  assert.equal(plugin.metrics.get("wasmcustom.http.requests.method.PUT.status.0")?.value, 1n);
});

test("the prefix comes from the configuration", async () => {
  const plugin = await startPlugin({ module: MODULE, configuration: '{"prefix": "edge"}' });
  request(plugin, "GET", "204");
  assert.equal(plugin.metrics.get("wasmcustom.edge.requests.method.GET.status.204")?.value, 1n);
  assert.equal(plugin.metrics.get("wasmcustom.edge.request_duration_ms")?.samples.length, 1);
});

test("rejects an empty prefix", async () => {
  const plugin = await startPlugin({ module: MODULE, configuration: '{"prefix": ""}' });
  assert.equal(plugin.configured, false);
  assert.match(plugin.logsAt(LogLevel.Critical).join("\n"), /"prefix" must not be empty/);
});
