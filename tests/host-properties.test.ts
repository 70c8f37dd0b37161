// Property value encodings , request attributes and the buffer rules of
// proxy_set_buffer_bytes / proxy_get_buffer_bytes (docs/envoy-semantics.md, "Properties",
// "Buffers").
import { test } from "node:test";
import assert from "node:assert/strict";
import { decodePairs } from "../host/abi/pairs.js";
import { applySetBufferBytes, sliceForGet } from "../host/body-buffer.js";
import { HeaderMap, REQUEST_INLINE } from "../host/header-map.js";
import { encodePropertyValue, pathKey, requestHeaderAttribute, splitAddress, wirePathKey } from "../host/properties.js";

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array | null) => (b === null ? null : new TextDecoder().decode(b));

test("strings are raw UTF-8 without terminator, bytes are kept as given", () => {
  assert.deepEqual([...encodePropertyValue("hé")], [0x68, 0xc3, 0xa9]);
  assert.deepEqual([...encodePropertyValue(Uint8Array.of(0, 1, 2))], [0, 1, 2]);
  assert.equal(encodePropertyValue("").length, 0);
});

test("integers are 8-byte little-endian, negatives in two's complement", () => {
  assert.deepEqual([...encodePropertyValue(8443)], [0xfb, 0x20, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual([...encodePropertyValue(8443n)], [0xfb, 0x20, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual([...encodePropertyValue(-1)], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
  assert.deepEqual([...encodePropertyValue(2n ** 63n)], [0, 0, 0, 0, 0, 0, 0, 0x80]);
});

test("non-integer numbers are IEEE-754 doubles, booleans one byte", () => {
  const d = encodePropertyValue(1.5);
  assert.equal(new DataView(d.buffer).getFloat64(0, true), 1.5);
  assert.deepEqual([...encodePropertyValue(true)], [1]);
  assert.deepEqual([...encodePropertyValue(false)], [0]);
});

test("paths: dotted strings split into segments, arrays keep dots inside segments", () => {
  assert.equal(pathKey("source.address"), "source\0address");
  assert.equal(pathKey(["a", "b.c"]), "a\0b.c");
  assert.equal(wirePathKey("request\0path\0"), "request\0path");
  assert.equal(wirePathKey("plugin_name"), "plugin_name");
});

test("request attributes derived from headers", () => {
  const h = new HeaderMap(
    { ":path": "/a/b?x=1&y=2#frag", ":authority": "example.com", ":method": "POST", ":scheme": "https", "user-agent": "curl", "x-request-id": "rid" },
    REQUEST_INLINE,
  );
  assert.equal(text(requestHeaderAttribute("path", h)), "/a/b?x=1&y=2#frag");
  assert.equal(text(requestHeaderAttribute("url_path", h)), "/a/b");
  assert.equal(text(requestHeaderAttribute("query", h)), "x=1&y=2");
  assert.equal(text(requestHeaderAttribute("host", h)), "example.com");
  assert.equal(text(requestHeaderAttribute("method", h)), "POST");
  assert.equal(text(requestHeaderAttribute("scheme", h)), "https");
  assert.equal(text(requestHeaderAttribute("useragent", h)), "curl");
  assert.equal(text(requestHeaderAttribute("id", h)), "rid");
  assert.equal(requestHeaderAttribute("referer", h), null, "absent header → not found");
  assert.equal(requestHeaderAttribute("nonsense", h), null);
  const noQuery = new HeaderMap({ ":path": "/p" });
  assert.equal(text(requestHeaderAttribute("query", noQuery)), "");
});

test("request.headers is a pairs-encoded map with repeated names comma-joined", () => {
  const h = new HeaderMap([[":path", "/"], ["x-k", "1"], ["x-k", "2"]]);
  assert.deepEqual(decodePairs(requestHeaderAttribute("headers", h)!), [[":path", "/"], ["x-k", "1,2"]]);
});

test("addresses split into host and port", () => {
  assert.deepEqual(splitAddress("10.0.0.1:8080"), { host: "10.0.0.1", port: 8080 });
  assert.deepEqual(splitAddress("[::1]:443"), { host: "[::1]", port: 443 });
  assert.ok(Number.isNaN(splitAddress("[::1]").port));
});

test("set buffer: start 0 drops `size` bytes then prepends", () => {
  const cur = bytes("hello");
  assert.equal(text(applySetBufferBytes(cur, 0, 0, bytes(">>"))), ">>hello");
  assert.equal(text(applySetBufferBytes(cur, 0, 2, bytes("J"))), "Jllo");
  assert.equal(text(applySetBufferBytes(cur, 0, 5, bytes("new"))), "new");
  assert.equal(text(applySetBufferBytes(cur, 0, 0x7fffffff, bytes("new"))), "new");
  assert.equal(text(applySetBufferBytes(cur, 0, 0xffffffff, new Uint8Array(0))), "");
});

test("set buffer: start at or past the end appends, the middle is refused", () => {
  const cur = bytes("hello");
  assert.equal(text(applySetBufferBytes(cur, 5, 0, bytes("!"))), "hello!");
  assert.equal(text(applySetBufferBytes(cur, 0x7fffffff, 0, bytes("!"))), "hello!");
  assert.equal(applySetBufferBytes(cur, 1, 0, bytes("x")), null);
  assert.equal(applySetBufferBytes(cur, 4, 1, bytes("x")), null);
  assert.equal(text(applySetBufferBytes(new Uint8Array(0), 0, 0, bytes("a"))), "a");
  assert.equal(text(cur), "hello", "the input is not modified");
});

test("get buffer: truncated at the end, empty past it", () => {
  const cur = bytes("hello");
  assert.equal(text(sliceForGet(cur, 0, 0xffffffff)), "hello");
  assert.equal(text(sliceForGet(cur, 1, 3)), "ell");
  assert.equal(text(sliceForGet(cur, 3, 100)), "lo");
  assert.equal(sliceForGet(cur, 5, 1).length, 0);
  assert.equal(sliceForGet(cur, 9, 1).length, 0);
});
