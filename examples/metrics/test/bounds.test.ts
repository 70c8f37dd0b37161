// metrics: the client cannot mint stat names. Methods outside the known set
// and statuses that are not HTTP statuses share one "other" tag.
import { test } from "node:test";
import assert from "node:assert/strict";
import { startPlugin, type Plugin } from "proxy-wasm-as/host";
import { request } from "./traffic.js";

const MODULE = "build/metrics.wasm";

/** The request counters the plugin defined. */
function requestCounters(plugin: Plugin): string[] {
  return [...plugin.metrics.keys()].filter((name) => name.startsWith("wasmcustom.http.requests."));
}

test("unknown methods are counted as other: 200 invented methods make one stat", async () => {
  const plugin = await startPlugin({ module: MODULE });
  for (let i = 0; i < 200; i++) request(plugin, `M${i}`, "200");
  assert.deepEqual(requestCounters(plugin), ["wasmcustom.http.requests.method.other.status.200"]);
  assert.equal(plugin.metrics.get("wasmcustom.http.requests.method.other.status.200")?.value, 200n);
});

test("known methods keep their own tag, PATCH included", async () => {
  const plugin = await startPlugin({ module: MODULE });
  for (const method of ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "TRACE", "PATCH"]) request(plugin, method, "200");
  request(plugin, "get", "200");
  const counters = requestCounters(plugin).sort();
  assert.equal(counters.length, 9);
  assert.ok(counters.includes("wasmcustom.http.requests.method.PATCH.status.200"));
  assert.ok(counters.includes("wasmcustom.http.requests.method.other.status.200"), "a lower-case method is not GET");
});

test("a status that is not a three-digit HTTP status is counted as other", async () => {
  const plugin = await startPlugin({ module: MODULE });
  for (const status of ["999", "20", "2000", "abc", "099", "600"]) request(plugin, "GET", status);
  request(plugin, "GET", "404");
  assert.deepEqual(requestCounters(plugin).sort(), [
    "wasmcustom.http.requests.method.GET.status.404",
    "wasmcustom.http.requests.method.GET.status.other",
  ]);
  assert.equal(plugin.metrics.get("wasmcustom.http.requests.method.GET.status.other")?.value, 6n);
});
