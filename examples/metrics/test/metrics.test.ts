// metrics on the host: tagged counters and a duration histogram.
import { test } from "node:test";
import assert from "node:assert/strict";
import { LogLevel, startPlugin, type Plugin } from "proxy-wasm-as/host";
import { request } from "./traffic.js";

const MODULE = "build/metrics.wasm";

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

test("records one duration sample per request: the time from request headers to the end", async () => {
  const plugin = await startPlugin({ module: MODULE, clock: "virtual" });
  for (const ms of [0, 7, 250, 1500, 42]) {
    const stream = plugin.newHttpStream();
    stream.sendRequestHeaders({ ":method": "GET", ":path": "/", ":authority": "a" }, true);
    plugin.advanceTime(ms);
    stream.sendResponseHeaders({ ":status": "200" }, true);
    stream.complete();
  }
  assert.deepEqual(plugin.histogram("http.request_duration_ms"), [0n, 7n, 250n, 1500n, 42n]);
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
  assert.match(plugin.logsAt(LogLevel.Critical).join("\n"), /"prefix" must be a non-empty string/);
});
