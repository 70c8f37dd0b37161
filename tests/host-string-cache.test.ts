// The string cache compares whole words plus an overlapping tail word; strings that differ
// in only one byte anywhere must never be confused.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { StringCache } from "../host/string-cache.js";

test("string cache: a one-byte change at any position of any length is seen", () => {
  const cache = new StringCache();
  const buf = Buffer.alloc(128);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.length);
  for (let len = 1; len <= 64; len++) {
    const base = "abcdefghijklmnopqrstuvwxyz0123456789".repeat(2).slice(0, len);
    for (let i = 0; i < len; i++) {
      buf.write(base, 7, "latin1");
      assert.equal(cache.decode(buf, view, 7, len), base);
      buf[7 + i] = 0x2d; // '-'
      const changed = base.slice(0, i) + "-" + base.slice(i + 1);
      assert.equal(cache.decode(buf, view, 7, len), changed);
      assert.equal(cache.decode(buf, view, 7, len), changed);
    }
  }
});

test("string cache: short strings at the very end of the buffer", () => {
  const cache = new StringCache();
  const buf = Buffer.from("xyz");
  const view = new DataView(buf.buffer, buf.byteOffset, buf.length);
  assert.equal(cache.decode(buf, view, 2, 1), "z");
  assert.equal(cache.decode(buf, view, 1, 2), "yz");
  assert.equal(cache.decode(buf, view, 0, 3), "xyz");
  assert.equal(cache.decode(buf, view, 0, 3), "xyz");
  assert.equal(cache.decode(buf, view, 0, 0), "");
});
