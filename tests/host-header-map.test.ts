// Envoy header map semantics (docs/envoy-semantics.md, "Header maps").
import { test } from "node:test";
import assert from "node:assert/strict";
import { HeaderMap, REQUEST_INLINE, RESPONSE_INLINE } from "../host/header-map.js";

test("keys are lower-cased on input and lookup", () => {
  const m = new HeaderMap({ "X-Custom": "a" }, REQUEST_INLINE);
  assert.deepEqual(m.entries(), [["x-custom", "a"]]);
  assert.equal(m.get("X-CUSTOM"), "a");
  assert.equal(m.has("x-custom"), true);
  assert.equal(m.get("x-absent"), undefined);
});

test("pseudo-headers iterate first, each in insertion order", () => {
  const m = new HeaderMap([["x-a", "1"], [":path", "/"], ["x-b", "2"], [":method", "GET"]], REQUEST_INLINE);
  assert.deepEqual(m.entries().map(([k]) => k), [":path", ":method", "x-a", "x-b"]);
  m.add(":scheme", "https");
  assert.deepEqual(m.entries().map(([k]) => k), [":path", ":method", ":scheme", "x-a", "x-b"]);
});

test("add on a non-inline header keeps a second entry; get returns the first", () => {
  const m = new HeaderMap({ "x-k": "old" }, REQUEST_INLINE);
  m.add("x-k", "new");
  assert.deepEqual(m.getAll("x-k"), ["old", "new"]);
  assert.equal(m.get("x-k"), "old");
  assert.equal(m.size, 2);
});

test("add on an inline header appends with a comma", () => {
  const m = new HeaderMap({ "x-forwarded-for": "10.0.0.1" }, REQUEST_INLINE);
  m.add("X-Forwarded-For", "10.0.0.2");
  assert.deepEqual(m.entries(), [["x-forwarded-for", "10.0.0.1,10.0.0.2"]]);
  const r = new HeaderMap({ "content-type": "text/plain" }, RESPONSE_INLINE);
  r.add("content-type", "text/html");
  assert.deepEqual(r.getAll("content-type"), ["text/plain,text/html"]);
});

test("cookie is joined with '; '", () => {
  const m = new HeaderMap({ cookie: "a=1" }, REQUEST_INLINE);
  m.add("cookie", "b=2");
  assert.deepEqual(m.getAll("cookie"), ["a=1; b=2"]);
});

test("appending to an empty inline value adds no delimiter", () => {
  const m = new HeaderMap({ via: "" }, REQUEST_INLINE);
  m.add("via", "proxy");
  assert.deepEqual(m.getAll("via"), ["proxy"]);
});

test("the same name is inline only in the map kind Envoy registers it for", () => {
  const req = new HeaderMap({ "user-agent": "a" }, REQUEST_INLINE);
  req.add("user-agent", "b");
  assert.deepEqual(req.getAll("user-agent"), ["a,b"]);
  const resp = new HeaderMap({ "user-agent": "a" }, RESPONSE_INLINE);
  resp.add("user-agent", "b");
  assert.deepEqual(resp.getAll("user-agent"), ["a", "b"]);
});

test("set replaces every occurrence (re-added at the end) or adds", () => {
  const m = new HeaderMap([["x-k", "1"], ["x-o", "o"], ["x-k", "2"]], REQUEST_INLINE);
  m.set("X-K", "3");
  assert.deepEqual(m.entries(), [["x-o", "o"], ["x-k", "3"]]);
  m.set("x-new", "n");
  assert.equal(m.get("x-new"), "n");
  m.set(":path", "/p");
  assert.equal(m.entries()[0]![0], ":path");
});

test("remove drops every occurrence and keeps pseudo-header ordering intact", () => {
  const m = new HeaderMap([[":path", "/"], [":method", "GET"], ["x-k", "1"], ["x-k", "2"]], REQUEST_INLINE);
  assert.equal(m.remove("X-K"), 2);
  assert.equal(m.has("x-k"), false);
  assert.equal(m.remove("x-k"), 0);
  m.remove(":path");
  m.add("x-z", "z");
  m.add(":authority", "h");
  assert.deepEqual(m.entries().map(([k]) => k), [":method", ":authority", "x-z"]);
});

test("byteSize is the sum of key and value lengths in bytes", () => {
  const m = new HeaderMap([[":path", "/abc"], ["x-u", "é"]], REQUEST_INLINE);
  assert.equal(m.byteSize(), 5 + 4 + 3 + 2);
});

test("joined() comma-joins repeated names for the request.headers attribute", () => {
  const m = new HeaderMap([["x-k", "1"], ["x-o", "o"], ["x-k", "2"]]);
  assert.deepEqual(m.joined(), [["x-k", "1,2"], ["x-o", "o"]]);
});
