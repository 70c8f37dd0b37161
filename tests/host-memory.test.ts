// The host's per-request shortcuts must be invisible: cached string decoding, memory views
// kept until memory grows, and the live-context table.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { Context } from "../host/context.js";
import { ContextTable } from "../host/context-table.js";
import { GuestMemory } from "../host/memory.js";
import { StringCache } from "../host/string-cache.js";

function memoryWith(text: string, at: number): { memory: WebAssembly.Memory; mem: GuestMemory; len: number } {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 4 });
  const len = Buffer.from(memory.buffer).write(text, at, "utf8");
  return { memory, mem: new GuestMemory(memory, () => 0), len };
}

test("string cache: same bytes give the same string, changed bytes are decoded again", () => {
  const { memory, mem, len } = memoryWith("x-bench-filter", 100);
  assert.equal(mem.string(100, len), "x-bench-filter");
  assert.equal(mem.string(100, len), "x-bench-filter");
  Buffer.from(memory.buffer).write("y", 100, "utf8");
  assert.equal(mem.string(100, len), "y-bench-filter");
  // The same content at another address is found by content.
  Buffer.from(memory.buffer).write("y-bench-filter", 3001, "utf8");
  assert.equal(mem.string(3001, len), "y-bench-filter");
});

test("string cache: every length up to past the cached limit, across many distinct strings", () => {
  const cache = new StringCache();
  const buf = Buffer.alloc(4096);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.length);
  for (let round = 0; round < 3; round++) {
    for (let n = 0; n < 2000; n++) {
      const s = `k${n}-`.repeat((n % 23) + 1).slice(0, (n % 70) + 1);
      const at = (n * 37) % 1000;
      const len = buf.write(s, at, "utf8");
      assert.equal(cache.decode(buf, view, at, len), s);
    }
  }
});

test("string cache: malformed UTF-8 decodes exactly as Buffer does", () => {
  const cache = new StringCache();
  const buf = Buffer.from([0x61, 0xff, 0xc3, 0x28, 0xe2, 0x82, 0x62, 0xf0, 0x9f, 0x98, 0x80]);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.length);
  for (let start = 0; start < buf.length; start++) {
    for (let end = start; end <= buf.length; end++) {
      assert.equal(cache.decode(buf, view, start, end - start), buf.toString("utf8", start, end));
      assert.equal(cache.decode(buf, view, start, end - start), buf.toString("utf8", start, end));
    }
  }
});

test("guest memory: reads after memory.grow see the new pages", () => {
  const { memory, mem, len } = memoryWith("before", 10);
  assert.equal(mem.string(10, len), "before");
  assert.equal(mem.inBounds(65536, 1), false);
  assert.equal(mem.setU32(65536 + 8, 1), false);
  memory.grow(1);
  assert.equal(mem.inBounds(65536, 1), true);
  Buffer.from(memory.buffer).write("after!", 65536 + 100, "utf8");
  assert.equal(mem.string(65536 + 100, 6), "after!");
  assert.equal(mem.setU32(65536 + 8, 0xdeadbeef), true);
  assert.equal(mem.getU32(65536 + 8), 0xdeadbeef);
  assert.equal(mem.string(10, len), "before");
});

class TestContext extends Context {
  get rootId(): number {
    return 0;
  }
}

test("context table: ids whose slots are taken stay reachable, deletes are exact", () => {
  const table = new ContextTable();
  const ids = [1, 2, 1025, 2049, 3, 1 + 1024 * 7];
  const ctxs = ids.map((id) => new TestContext(id));
  for (const c of ctxs) table.set(c);
  for (const c of ctxs) assert.equal(table.get(c.id), c);
  assert.equal(table.get(0), undefined);
  assert.equal(table.has(4), false);
  assert.equal(table.has(1 + 1024 * 3), false);
  table.delete(1);
  assert.equal(table.has(1), false);
  for (const c of ctxs.slice(1)) assert.equal(table.get(c.id), c);
  table.delete(1025);
  table.delete(4097); // never added
  assert.equal(table.has(1025), false);
  assert.equal(table.get(2049), ctxs[3]);
  assert.equal(table.get(1 + 1024 * 7), ctxs[5]);
  // A new id may take the freed slot while older ids sharing it remain in the overflow.
  const late = new TestContext(1 + 1024 * 9);
  table.set(late);
  assert.equal(table.get(late.id), late);
  assert.equal(table.get(2049), ctxs[3]);
  table.delete(2049);
  table.delete(1 + 1024 * 7);
  table.delete(late.id);
  for (const id of ids) assert.equal(table.has(id), id === 2 || id === 3);
});
