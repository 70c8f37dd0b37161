// HeaderMap keeps its entries in one flat key/value array with a presence mask; these
// pin down what that representation must not change (docs/envoy-semantics.md, "Header maps").
import { test } from "node:test";
import assert from "node:assert/strict";
import { HeaderMap, REQUEST_INLINE, RESPONSE_INLINE, TRAILER_INLINE } from "../host/header-map.js";
import { decodePairs, pairsByteLength, writePairs } from "../host/abi/pairs.js";
import { Buffer } from "node:buffer";

test("keys and values are getters over the entries, in iteration order", () => {
  const m = new HeaderMap([["x-a", "1"], [":path", "/"], ["x-a", "2"]], REQUEST_INLINE);
  assert.deepEqual(m.keys, [":path", "x-a", "x-a"]);
  assert.deepEqual(m.values, ["/", "1", "2"]);
  assert.equal(m.size, 3);
  // They are copies: editing them leaves the map alone.
  m.keys.push("x-b");
  assert.equal(m.size, 3);
});

test("duplicates of a non-inline header keep their order; get returns the first", () => {
  const m = new HeaderMap(null, RESPONSE_INLINE);
  for (const v of ["1", "2", "3"]) m.add("X-Dup", v);
  assert.deepEqual(m.entries(), [["x-dup", "1"], ["x-dup", "2"], ["x-dup", "3"]]);
  assert.equal(m.get("x-dup"), "1");
});

test("inline joins and cookie '; ' still apply when many headers share the mask bits", () => {
  const m = new HeaderMap(null, REQUEST_INLINE);
  // More distinct keys than mask bits, so every bit is set and lookups must compare keys.
  for (let i = 0; i < 40; i++) m.add(`x-h${i}`, String(i));
  m.add("cookie", "a=1");
  m.add("Cookie", "b=2");
  m.add("x-forwarded-for", "1.1.1.1");
  m.add("x-forwarded-for", "2.2.2.2");
  assert.deepEqual(m.getAll("cookie"), ["a=1; b=2"]);
  assert.deepEqual(m.getAll("x-forwarded-for"), ["1.1.1.1,2.2.2.2"]);
  for (let i = 0; i < 40; i++) assert.equal(m.get(`x-h${i}`), String(i));
  assert.equal(m.get("x-absent"), undefined);
  assert.equal(m.size, 42);
});

test("a removed header is absent and can be added again; others stay found", () => {
  const m = new HeaderMap([["grpc-status", "0"], ["x-a", "1"], ["grpc-message", "m"]], TRAILER_INLINE);
  assert.equal(m.remove("grpc-status"), 1);
  assert.equal(m.has("grpc-status"), false);
  assert.equal(m.get("grpc-message"), "m");
  m.add("grpc-status", "2");
  m.add("grpc-status", "3");
  assert.deepEqual(m.entries(), [["x-a", "1"], ["grpc-message", "m"], ["grpc-status", "2,3"]]);
  m.clear();
  assert.equal(m.size, 0);
  assert.equal(m.has("x-a"), false);
  m.add(":status", "200");
  assert.deepEqual(m.entries(), [[":status", "200"]]);
});

test("the empty header name is stored and found like any other", () => {
  const m = new HeaderMap([["", "v"]]);
  assert.equal(m.get(""), "v");
  assert.equal(m.remove(""), 1);
  assert.equal(m.has(""), false);
});

test("clone copies entries, pseudo-header position and lookups independently", () => {
  const m = new HeaderMap([["x-a", "1"], [":path", "/"]], REQUEST_INLINE);
  const c = m.clone();
  c.add(":method", "GET");
  c.remove("x-a");
  assert.deepEqual(c.entries(), [[":path", "/"], [":method", "GET"]]);
  assert.deepEqual(m.entries(), [[":path", "/"], ["x-a", "1"]]);
  assert.equal(m.get("x-a"), "1");
});

test("byteSize and the serialised pairs cover every entry in order", () => {
  const m = new HeaderMap([[":path", "/é"], ["x-k", "1"], ["x-k", "22"]], REQUEST_INLINE);
  assert.equal(m.byteSize(), 5 + 3 + 3 + 1 + 3 + 2);
  const flat = m.flat;
  const out = Buffer.alloc(pairsByteLength(flat, m.size));
  writePairs(out, 0, flat, m.size);
  assert.deepEqual(decodePairs(out), [[":path", "/é"], ["x-k", "1"], ["x-k", "22"]]);
});
