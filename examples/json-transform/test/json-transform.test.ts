// json-transform on the host, through the compiled module (npm run asbuild).
import { test } from "node:test";
import assert from "node:assert/strict";
import { LogLevel, startPlugin } from "proxy-wasm-as/host";
import { testConfigurationsRefused } from "../../../tests/support/configuration.js";

const MODULE = "build/json-transform.wasm";
type Plugin = Awaited<ReturnType<typeof startPlugin>>;

const OPERATIONS = {
  remove: ["password", "user.ssn"],
  rename: { "user.name": "fullName", "id": "orderId" },
  inject: { "meta.source": "proxy", "user.tier": { level: 2, tags: ["a"] } },
};

async function start(configuration: unknown, allowOnHeadersStopIteration = false) {
  return startPlugin({
    module: MODULE, rootId: "json-transform", allowOnHeadersStopIteration,
    configuration: typeof configuration === "string" ? configuration : JSON.stringify(configuration),
  });
}

const JSON_REQUEST = { ":method": "POST", ":path": "/orders", ":authority": "example.com", ":scheme": "http", "content-type": "application/json" };

function post(plugin: Plugin, chunks: string[], headers: Record<string, string> = JSON_REQUEST) {
  const stream = plugin.newHttpStream();
  const length = chunks.reduce((n, c) => n + Buffer.byteLength(c), 0);
  stream.sendRequestHeaders({ ...headers, "content-length": String(length) }, false);
  chunks.forEach((chunk, i) => stream.sendRequestBody(chunk, i === chunks.length - 1));
  return stream;
}

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString("utf8");

const ORDER = '{"id": 7, "password": "hunter2", "price": 1.50, "big": 12345678901234567890,\n "user": {"name": "Zoë \\u00e9", "ssn": "123", "tags": [ 1, 2 ]}, "items": [{"id": 1}]}';
const ORDER_OUT = '{"orderId":7,"price":1.50,"big":12345678901234567890,"user":{"fullName":"Zoë \\u00e9","tags":[ 1, 2 ],"tier":{"level":2,"tags":["a"]}},"items":[{"id": 1}],"meta":{"source":"proxy"}}';

test("renames, removes and injects by path, copying untouched values byte for byte", async () => {
  const plugin = await start(OPERATIONS);
  assert.equal(plugin.configured, true);
  const stream = post(plugin, [ORDER.slice(0, 30), ORDER.slice(30)]);
  assert.equal(text(stream.requestBody), ORDER_OUT);
  assert.deepEqual(JSON.parse(text(stream.requestBody)).user.tier, { level: 2, tags: ["a"] });
  // The headers left before the body was read: the length is removed, not guessed.
  assert.equal(stream.requestHeaders.has("content-length"), false);
});

test("with headers held (allow_on_headers_stop_iteration) the content-length is rewritten", async () => {
  const plugin = await start({ ...OPERATIONS, holdHeaders: true }, true);
  const stream = post(plugin, [ORDER.slice(0, 10), ORDER.slice(10, 90), ORDER.slice(90)]);
  assert.equal(text(stream.requestBody), ORDER_OUT);
  assert.equal(stream.requestHeaders.get("content-length"), String(Buffer.byteLength(ORDER_OUT)));
  assert.equal(stream.paused.request, false);
});

test("an injection replaces an existing value, and member names with escapes match", async () => {
  const plugin = await start({ inject: { "a.b": true }, remove: ["na\u006de"] });
  const stream = post(plugin, ['{"a": {"b": [1, 2], "c": null}, "na\\u006de": 1, "keep": "\\"q\\""}']);
  assert.equal(text(stream.requestBody), '{"a":{"b":true,"c":null},"keep":"\\"q\\""}');
});

test("paths do not descend into arrays, and a document that is not an object passes as it is", async () => {
  const plugin = await start({ remove: ["items.id"], inject: { x: 1 } });
  assert.equal(text(post(plugin, ['{"items": [{"id": 1}]}']).requestBody), '{"items":[{"id": 1}],"x":1}');
  assert.equal(text(post(plugin, ['  [1, {"x": 2}] ']).requestBody), '  [1, {"x": 2}] ');
});

test("only JSON bodies are transformed (application/json and +json)", async () => {
  const plugin = await start({ remove: ["a"] });
  const problem = post(plugin, ['{"a":1,"b":2}'], { ...JSON_REQUEST, "content-type": "application/problem+json; charset=utf-8" });
  assert.equal(text(problem.requestBody), '{"b":2}');
  const form = post(plugin, ['{"a":1,"b":2}'], { ...JSON_REQUEST, "content-type": "text/plain" });
  assert.equal(text(form.requestBody), '{"a":1,"b":2}');
  assert.equal(form.requestHeaders.get("content-length"), "13");
});

test("a request above maxBytes is answered 413: at once from content-length, or as its chunks overflow", async () => {
  const plugin = await start({ remove: ["a"], maxBytes: 100 });
  const declared = post(plugin, ["x".repeat(101)]);
  assert.equal(declared.localReply?.status, 413);
  assert.equal(declared.localReply?.details, "request_payload_too_large");
  const stream = plugin.newHttpStream();
  stream.sendRequestHeaders(JSON_REQUEST, false); // no content-length: chunked
  stream.sendRequestBody("x".repeat(60), false);
  assert.equal(stream.localReply === null, true, "60 bytes are within the limit");
  stream.sendRequestBody("x".repeat(60), false);
  assert.equal(stream.localReply?.status, 413);
});

test("a response above maxBytes is answered 500 while its headers are held, and reset after they left", async () => {
  const held = await start({ remove: ["a"], maxBytes: 100, request: false, response: true, holdHeaders: true }, true);
  const stream = held.newHttpStream();
  stream.sendRequestHeaders({ ":method": "GET", ":path": "/", ":authority": "example.com" }, true);
  stream.sendResponseHeaders({ ":status": "200", "content-type": "application/json" }, false);
  stream.sendResponseBody("x".repeat(101), false);
  assert.equal(stream.localReply?.status, 500);
  assert.equal(stream.localReply?.details, "response_payload_too_large");

  const passed = await start({ remove: ["a"], maxBytes: 100, request: false, response: true });
  const late = passed.newHttpStream();
  late.sendRequestHeaders({ ":method": "GET", ":path": "/", ":authority": "example.com" }, true);
  late.sendResponseHeaders({ ":status": "200", "content-type": "application/json" }, false);
  late.sendResponseBody("x".repeat(101), false);
  assert.equal(late.localReply, null);
  assert.notEqual(late.resetReason, null);
});

test("the response side rewrites when configured, and leaves requests alone then", async () => {
  const plugin = await start({ remove: ["secret"], request: false, response: true, holdHeaders: true }, true);
  const stream = plugin.newHttpStream();
  stream.sendRequestHeaders({ ...JSON_REQUEST, "content-length": "14" }, false);
  stream.sendRequestBody('{"secret": 1 }', true);
  assert.equal(text(stream.requestBody), '{"secret": 1 }');
  stream.sendResponseHeaders({ ":status": "200", "content-type": "application/json", "content-length": "25" }, false);
  stream.sendResponseBody('{"secret": 1, "ok": true}', true);
  assert.equal(text(stream.responseBody), '{"ok":true}');
  assert.equal(stream.responseHeaders.get("content-length"), "11");
});

test("invalid JSON passes untouched with a warning by default", async () => {
  const plugin = await start({ remove: ["a"], holdHeaders: true }, true);
  const stream = post(plugin, ['{"a": 1,', ' oops}']);
  assert.equal(text(stream.requestBody), '{"a": 1, oops}');
  assert.equal(stream.requestHeaders.get("content-length"), "14");
  assert.equal(stream.localReply, null);
  assert.match(plugin.logsAt(LogLevel.Warn)[0] ?? "", /request body is not valid JSON \(at byte 9: .*\); passed untouched/);
});

test("invalid JSON is refused with 400 when configured", async () => {
  const plugin = await start({ remove: ["a"], onInvalid: "reject" });
  const stream = post(plugin, ['{"a": 1,', ' oops}']);
  assert.equal(stream.localReply?.status, 400);
  assert.match(stream.localReply?.bodyText ?? "", /request body is not valid JSON: at byte 9/);
  const truncated = post(plugin, ['{"a": "unterminated']);
  assert.equal(truncated.localReply?.status, 400);
});

test("a request ending with trailers is rewritten when the trailers arrive", async () => {
  const plugin = await start({ remove: ["a"] });
  const stream = plugin.newHttpStream();
  stream.sendRequestHeaders(JSON_REQUEST, false);
  stream.sendRequestBody('{"a": 1, ', false);
  stream.sendRequestBody('"b": 2}', false);
  stream.sendRequestTrailers({ "x-checksum": "1" });
  assert.equal(text(stream.requestBody), '{"b":2}');
});

test("a 4 MB body in 64 KB chunks is rewritten whole", async () => {
  const plugin = await start({ remove: ["meta.trace"], rename: { records: "rows" }, maxBytes: 8 * 1024 * 1024 });
  const records = Array.from({ length: 100000 }, (_, i) => ({ id: i, name: `name-${i}`, score: i / 7 }));
  const body = JSON.stringify({ meta: { trace: "t", page: 1 }, records });
  assert.ok(body.length > 3 * 1024 * 1024);
  const chunks: string[] = [];
  for (let i = 0; i < body.length; i += 64 * 1024) chunks.push(body.slice(i, i + 64 * 1024));
  const stream = post(plugin, chunks);
  const out = JSON.parse(text(stream.requestBody));
  assert.deepEqual(out.meta, { page: 1 });
  assert.equal(out.rows.length, 100000);
  assert.deepEqual(out.rows[99999], records[99999]);
});

const BAD_CONFIGS: Array<[string, string, RegExp]> = [
  ["invalid JSON", '{"remove": [', /configuration is not valid JSON: at byte/],
  ["no configuration", "", /a configuration with rename, remove or inject is required/],
  ["an array", "[]", /configuration must be a JSON object, not an array/],
  ["no operation", '{"request": true}', /names no rename, remove or inject/],
  ["both sides off", '{"remove": ["a"], "request": false}', /"request" and "response" are both false/],
  ["remove not an array", '{"remove": "a"}', /"remove" must be an array of paths, not a string/],
  ["a path with an empty name", '{"remove": ["a..b"]}', /"a..b" is not a path/],
  ["a path given twice", '{"remove": ["a"], "rename": {"a": "b"}}', /"a" already has an operation/],
  ["a change under a removed member", '{"remove": ["a"], "inject": {"a.b": 1}}', /"a" is removed or replaced/],
  ["a rename to an empty name", '{"rename": {"a": ""}}', /"rename"."a" must be a non-empty string/],
  ["an infinite injected number", '{"inject": {"a": 1e999}}', /"inject"."a" holds a number JSON cannot write/],
  ["maxBytes out of range", '{"remove": ["a"], "maxBytes": 0}', /"maxBytes" must be a whole number from 1 to 67108864/],
  ["a bad onInvalid", '{"remove": ["a"], "onInvalid": "drop"}', /"onInvalid" must be "pass" or "reject"/],
  ["response not a boolean", '{"remove": ["a"], "response": "yes"}', /"response" must be true or false, not a string/],
  ["an unknown field", '{"remove": ["a"], "renmae": {}}', /unknown field "renmae"/],
];

testConfigurationsRefused(MODULE, "json-transform", BAD_CONFIGS, { start });
