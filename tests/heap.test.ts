// The SDK's heap (assembly/runtime/heap.ts) through a compiled module:
// tests/filters/heap-probe keeps a changing web of objects in its root, makes
// garbage on every request and checks what it keeps.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { startPlugin } from "proxy-wasm-as/host";
import { buildFilter } from "../cli/build/compile.js";

let MODULE = "";

before(async () => {
  MODULE = (await buildFilter("tests/filters/heap-probe", "heap-probe", "build/test")).release;
});

const BASE = { ":method": "GET", ":path": "/", ":authority": "example.com", ":scheme": "https" };

async function start() {
  const plugin = await startPlugin({ module: MODULE, rootId: "" });
  const request = (extra: Record<string, string> = {}): string | null => {
    const stream = plugin.newHttpStream();
    stream.sendRequestHeaders({ ...BASE, ...extra }, true);
    const result = stream.requestHeaders.get("x-heap") ?? null;
    stream.complete();
    return result;
  };
  return { plugin, request };
}

test("kept objects survive collections while garbage is freed and reused", async () => {
  const { plugin, request } = await start();
  for (let i = 0; i < 3000; i++) {
    const result = request(i % 7 == 0 ? { "x-collect": "1" } : {});
    assert.equal(result, "ok", `request ${i}`);
  }
  assert.deepEqual(plugin.criticalLogs, []);
});

test("a repeating workload runs in constant memory", async () => {
  const { plugin, request } = await start();
  for (let i = 0; i < 500; i++) assert.equal(request({ "x-steady": "1" }), "ok");
  const pages = plugin.memoryPages();
  for (let i = 0; i < 5000; i++) assert.equal(request({ "x-steady": "1" }), "ok");
  assert.equal(plugin.memoryPages(), pages);
});

test("the SDK's own collections keep memory bounded under garbage of random sizes", async () => {
  const { plugin, request } = await start();
  for (let i = 0; i < 1000; i++) assert.equal(request(), "ok", `request ${i}`);
  const early = plugin.memoryPages();
  for (let i = 0; i < 5000; i++) assert.equal(request(), "ok", `request ${i}`);
  // Each request makes about 100 KB of garbage on average: 6000 of them, uncollected, would need over 9,000 pages.
  assert.ok(plugin.memoryPages() <= early * 1.5 && plugin.memoryPages() < 128, `${early} then ${plugin.memoryPages()} pages`);
});

test("a pinned object survives collections until unpinned", async () => {
  const { request } = await start();
  assert.equal(request({ "x-pin": "1" }), "ok");
  for (let i = 0; i < 50; i++) assert.equal(request({ "x-collect": "1" }), "ok");
  assert.equal(request({ "x-unpin": "1", "x-collect": "1" }), "ok");
  for (let i = 0; i < 50; i++) assert.equal(request({ "x-collect": "1" }), "ok");
});
