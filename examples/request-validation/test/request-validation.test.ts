// request-validation on the host: content types, body limits and required JSON fields per route.
import { test } from "node:test";
import assert from "node:assert/strict";
import { LogLevel, startPlugin, type HttpStream, type Plugin } from "proxy-wasm-as/host";
import { testConfigurationsRefused } from "../../../tests/support/configuration.js";

const MODULE = "build/request-validation.wasm";
const MIB = 1024 * 1024;
const CONFIG = {
  routes: [
    {
      prefix: "/api/users", methods: ["POST", "put"], content_types: ["application/json"], max_body_bytes: 4096,
      required: { "user.id": "number", "user.name": "string", "user.admin": "bool", "user.tags": "array", "meta": "object", "items.0.sku": "string" },
    },
    { prefix: "/api/ping", methods: ["POST"], required: {} },
    { prefix: "/upload", content_types: ["application/octet-stream", "image/png"], max_body_bytes: 1 * MIB },
    { prefix: "/api/bulk", methods: ["POST"], content_types: ["application/json"], max_body_bytes: 8 * MIB, required: { "records": "array" } },
  ],
};

const GOOD_USER = {
  user: { id: 7, name: "Ada", admin: false, tags: ["x"] }, meta: {}, items: [{ sku: "A-1" }],
};

async function start(config: unknown = CONFIG): Promise<Plugin> {
  const plugin = await startPlugin({ module: MODULE, configuration: JSON.stringify(config) });
  assert.equal(plugin.configured, true, JSON.stringify(plugin.logs));
  return plugin;
}

interface Send {
  method?: string;
  path?: string;
  type?: string | null;
  length?: boolean;
  chunk?: number;
  trailers?: boolean;
}

function send(plugin: Plugin, body: string | Uint8Array | null, o: Send = {}): HttpStream {
  const bytes = body === null ? null : typeof body === "string" ? Buffer.from(body) : body;
  const headers: Record<string, string> = { ":method": o.method ?? "POST", ":path": o.path ?? "/api/users", ":authority": "api.example.com" };
  const type = o.type === undefined ? "application/json; charset=utf-8" : o.type;
  if (type !== null) headers["content-type"] = type;
  if (bytes !== null && o.length !== false) headers["content-length"] = String(bytes.length);
  const stream = plugin.newHttpStream();
  stream.sendRequestHeaders(headers, bytes === null);
  if (bytes === null) return stream;
  const chunk = o.chunk ?? 16384;
  if (bytes.length === 0) stream.sendRequestBody(bytes, !o.trailers);
  for (let at = 0; at < bytes.length && stream.localReply === null; at += chunk) {
    stream.sendRequestBody(bytes.subarray(at, at + chunk), !o.trailers && at + chunk >= bytes.length);
  }
  if (o.trailers && stream.localReply === null) stream.sendRequestTrailers({ "x-checksum": "1" });
  return stream;
}

function refused(stream: HttpStream, status: number, reason: string | RegExp): void {
  const reply = stream.localReply;
  assert.notEqual(reply, null, "a local reply");
  assert.equal(reply!.status, status, reply!.bodyText);
  assert.equal(reply!.headers.get("content-type"), "text/plain");
  if (typeof reason === "string") assert.equal(reply!.bodyText, reason + "\n");
  else assert.match(reply!.bodyText, reason);
}

test("a valid body goes upstream untouched", async () => {
  const plugin = await start();
  const body = JSON.stringify(GOOD_USER);
  const stream = send(plugin, body, { chunk: 5 });
  assert.equal(stream.localReply, null);
  assert.equal(Buffer.from(stream.requestBody).toString(), body);
  assert.equal(stream.paused.request, false);
});

test("a missing field, and a field of the wrong type, are named", async () => {
  const plugin = await start();
  const cases: Array<[unknown, string]> = [
    [{ ...GOOD_USER, user: { ...GOOD_USER.user, id: undefined } }, "missing field user.id"],
    [{ ...GOOD_USER, user: { ...GOOD_USER.user, id: "7" } }, "field user.id must be a number, not a string"],
    [{ ...GOOD_USER, user: { ...GOOD_USER.user, name: null } }, "field user.name must be a string, not null"],
    [{ ...GOOD_USER, user: { ...GOOD_USER.user, admin: "no" } }, "field user.admin must be a boolean, not a string"],
    [{ ...GOOD_USER, user: { ...GOOD_USER.user, tags: {} } }, "field user.tags must be an array, not an object"],
    [{ ...GOOD_USER, meta: [] }, "field meta must be an object, not an array"],
    [{ ...GOOD_USER, user: 5 }, "missing field user.id"],
    [{ ...GOOD_USER, items: [] }, "missing field items.0.sku"],
    [{ ...GOOD_USER, items: [{ sku: 1 }] }, "field items.0.sku must be a string, not a number"],
    [[GOOD_USER], "missing field user.id"],
  ];
  for (const [body, reason] of cases) {
    const stream = send(plugin, JSON.stringify(body));
    refused(stream, 400, reason);
    assert.equal(stream.localReply?.details, "request_validation_failed");
  }
});

test("a body that is not JSON is a 400 with the byte position", async () => {
  const plugin = await start();
  refused(send(plugin, "{\"user\": {\"id\": 7,}}"), 400, /^body is not valid JSON: at byte 17: .+\n$/);
  refused(send(plugin, "{\"user\": "), 400, /^body is not valid JSON: at byte 9: /);
  refused(send(plugin, "", { path: "/api/ping" }), 400, /^body is not valid JSON: at byte 0: /);
  refused(send(plugin, "[1] [2]", { path: "/api/ping" }), 400, /^body is not valid JSON: at byte 4: /);
  assert.equal(send(plugin, "[1, 2]", { path: "/api/ping" }).localReply, null, "required {} checks the syntax only");
});

test("a route that needs a JSON body refuses a request without one", async () => {
  const plugin = await start();
  refused(send(plugin, null), 400, "a JSON body is required");
});

test("content types: parameters and case do not matter; others are a 415", async () => {
  const plugin = await start();
  assert.equal(send(plugin, JSON.stringify(GOOD_USER), { type: "Application/JSON ; charset=UTF-8" }).localReply, null);
  const wrong = send(plugin, JSON.stringify(GOOD_USER), { type: "text/plain" });
  refused(wrong, 415, "content type must be application/json, not \"text/plain\"");
  assert.equal(wrong.localReply?.details, "request_validation_unsupported_media_type");
  refused(send(plugin, JSON.stringify(GOOD_USER), { type: null }), 415, "content type must be application/json, not none");
  refused(send(plugin, "x", { path: "/upload/a", method: "PUT", type: "text/plain" }), 415,
    "content type must be application/octet-stream or image/png, not \"text/plain\"");
});

test("routes: first match by path prefix (the query aside) and method; others pass unchecked", async () => {
  const plugin = await start();
  refused(send(plugin, "{}", { path: "/api/users/42?dry=1", method: "PUT" }), 400, "missing field user.id");
  assert.equal(send(plugin, "not json", { path: "/api/users", method: "PATCH" }).localReply, null, "PATCH is not listed");
  assert.equal(send(plugin, "not json", { path: "/api/orders" }).localReply, null, "no route for /api/orders");
  assert.equal(send(plugin, null, { path: "/api/users", method: "GET" }).localReply, null);
});

test("a declared length over the limit is a 413 before the body is read", async () => {
  const plugin = await start();
  const stream = plugin.newHttpStream();
  stream.sendRequestHeaders({ ":method": "POST", ":path": "/api/users", ":authority": "a", "content-type": "application/json", "content-length": "4097" }, false);
  refused(stream, 413, "request body exceeds 4096 bytes");
  assert.equal(stream.localReply?.details, "request_validation_too_large");
});

test("a chunked body over the limit is a 413 once it grows past it", async () => {
  const plugin = await start();
  const body = JSON.stringify({ ...GOOD_USER, pad: "x".repeat(5000) });
  refused(send(plugin, body, { length: false, chunk: 1000 }), 413, "request body exceeds 4096 bytes");
  const exact = JSON.stringify({ ...GOOD_USER, pad: "" });
  const padded = JSON.stringify({ ...GOOD_USER, pad: "x".repeat(4096 - exact.length) });
  assert.equal(padded.length, 4096);
  assert.equal(send(plugin, padded, { length: false, chunk: 1000 }).localReply, null, "exactly the limit is fine");
});

test("a streamed upload is counted, not buffered: 3 MiB in 64 KiB chunks against a 1 MiB limit", async () => {
  const plugin = await start();
  const small = Buffer.alloc(MIB, 7);
  const ok = send(plugin, small, { path: "/upload/img", type: "image/png", length: false, chunk: 65536 });
  assert.equal(ok.localReply, null);
  assert.equal(Buffer.compare(ok.requestBody, small), 0);
  const big = send(plugin, Buffer.alloc(3 * MIB, 7), { path: "/upload/img", type: "image/png", length: false, chunk: 65536 });
  refused(big, 413, "request body exceeds 1048576 bytes");
});

test("a 5 MiB JSON body in 64 KiB chunks is buffered, parsed and passed on whole", async () => {
  const plugin = await start();
  const records = Array.from({ length: 100000 }, (_, i) => ({ id: i, name: `record ${i}`, tags: ["a", "b"] }));
  const body = JSON.stringify({ records });
  assert.ok(body.length > 4 * MIB && body.length < 8 * MIB, String(body.length));
  const stream = send(plugin, body, { path: "/api/bulk", chunk: 65536 });
  assert.equal(stream.localReply, null);
  assert.equal(Buffer.compare(stream.requestBody, Buffer.from(body)), 0);
  // A raw control character is invalid JSON inside a string and outside one.
  const broken = body.slice(0, 3 * MIB) + "\u0001" + body.slice(3 * MIB);
  refused(send(plugin, broken, { path: "/api/bulk", chunk: 65536 }), 400, new RegExp(`^body is not valid JSON: at byte ${3 * MIB}: `));
  refused(send(plugin, JSON.stringify({ records: {} }), { path: "/api/bulk" }), 400, "field records must be an array, not an object");
});

test("a body that ends with trailers is checked at the trailers", async () => {
  const plugin = await start();
  refused(send(plugin, "{}", { trailers: true }), 400, "missing field user.id");
  const ok = send(plugin, JSON.stringify(GOOD_USER), { trailers: true });
  assert.equal(ok.localReply, null);
  assert.equal(Buffer.from(ok.requestBody).toString(), JSON.stringify(GOOD_USER));
});

const BAD: Array<[string, unknown, RegExp]> = [
  ["not JSON", "{\"routes\": [}", /configuration is not valid JSON: at byte 12/],
  ["no routes", {}, /"routes" must be a non-empty array of routes/],
  ["a route that is not an object", { routes: [1] }, /"routes\[0\]" must be an object, not a number/],
  ["a relative prefix", { routes: [{ prefix: "api" }] }, /"routes"\[0\]\.prefix must be a string starting with '\/'/],
  ["methods not an array", { routes: [{ methods: "POST" }] }, /"routes"\[0\]\.methods must be an array of strings/],
  ["an empty content type", { routes: [{}, { content_types: [""] }] }, /"routes"\[1\]\.content_types\[0\] must be a non-empty string/],
  ["a negative limit", { routes: [{ max_body_bytes: -1 }] }, /"routes"\[0\]\.max_body_bytes must be a whole number of bytes/],
  ["a fractional limit", { routes: [{ max_body_bytes: 1.5 }] }, /"routes"\[0\]\.max_body_bytes must be a whole number of bytes/],
  ["required not an object", { routes: [{ required: ["a"] }] }, /"routes"\[0\]\.required must be an object of field path -> type/],
  ["an unknown type", { routes: [{ required: { "a.b": "integer" } }] }, /"routes"\[0\]\.required\."a\.b" must be "string", "number", "bool", "object" or "array"/],
  ["an empty path segment", { routes: [{ required: { "a..b": "string" } }] }, /"routes"\[0\]\.required has a bad field path "a\.\.b"/],
];

testConfigurationsRefused(MODULE, "request-validation", BAD);
