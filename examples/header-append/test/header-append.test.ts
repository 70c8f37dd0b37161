// header-append on the host, through the compiled module (npm run asbuild).
import { test } from "node:test";
import assert from "node:assert/strict";
import { LogLevel, startPlugin } from "proxy-wasm-as/host";

const MODULE = "build/header-append.wasm";

const REQUEST = { ":method": "GET", ":path": "/status", ":authority": "example.com", ":scheme": "http" };

async function start(configuration?: string, rootId = "header-append") {
  return startPlugin({ module: MODULE, rootId, configuration });
}

/** Runs one request/response through the plugin and returns the stream. */
function exchange(plugin: Awaited<ReturnType<typeof start>>, response: Array<[string, string]> | Record<string, string>) {
  const stream = plugin.newHttpStream();
  stream.sendRequestHeaders(REQUEST, true);
  stream.sendResponseHeaders(response, true);
  stream.complete();
  return stream;
}

test("appends configured headers to the response", async () => {
  const plugin = await start('{"x-powered-by": "proxy-wasm-as", "x-env": "staging"}');
  assert.equal(plugin.configured, true);
  const stream = exchange(plugin, { ":status": "200", "content-type": "text/plain" });
  assert.deepEqual(stream.responseHeaders.getAll("x-powered-by"), ["proxy-wasm-as"]);
  assert.deepEqual(stream.responseHeaders.getAll("x-env"), ["staging"]);
  assert.equal(stream.responseHeaders.get("content-type"), "text/plain");
  assert.equal(stream.responseHeaders.get(":status"), "200");
});

test("appends to an existing header instead of replacing it", async () => {
  const plugin = await start('{"x-env": "staging"}');
  const stream = exchange(plugin, [[":status", "200"], ["x-env", "production"]]);
  assert.deepEqual(stream.responseHeaders.getAll("x-env"), ["production", "staging"]);
});

test("appends on every response, not just the first", async () => {
  const plugin = await start('{"x-a": "1"}');
  for (let i = 0; i < 5; i++) {
    const stream = exchange(plugin, { ":status": "204" });
    assert.deepEqual(stream.responseHeaders.getAll("x-a"), ["1"], `response ${i}`);
  }
});

test("leaves the request untouched", async () => {
  const plugin = await start('{"x-a": "1"}');
  const stream = plugin.newHttpStream();
  stream.sendRequestHeaders(REQUEST, true);
  assert.deepEqual(stream.requestHeaders.entries(), Object.entries(REQUEST));
});

test("many headers, in configuration order", async () => {
  const pairs: Record<string, string> = {};
  for (let i = 0; i < 100; i++) pairs[`x-header-${i}`] = `value-${i}`;
  const plugin = await start(JSON.stringify(pairs));
  assert.equal(plugin.configured, true);
  const stream = exchange(plugin, { ":status": "200" });
  const added = stream.responseHeaders.entries().filter(([name]) => name.startsWith("x-header-"));
  assert.deepEqual(added, Object.entries(pairs));
});

test("duplicate names in the configuration add every value", async () => {
  const plugin = await start('{"x-dup": "one", "x-dup": "two"}');
  const stream = exchange(plugin, { ":status": "200" });
  assert.deepEqual(stream.responseHeaders.getAll("x-dup"), ["one", "two"]);
});

test("Unicode and escaped values arrive as UTF-8", async () => {
  const plugin = await start('{"x-greeting": "héllo wörld ✓ 日本 😀", "x-escaped": "tab\\tquote\\"\\u00e9"}');
  const stream = exchange(plugin, { ":status": "200" });
  assert.equal(stream.responseHeaders.get("x-greeting"), "héllo wörld ✓ 日本 😀");
  assert.equal(stream.responseHeaders.get("x-escaped"), 'tab\tquote"é');
});

test("upper-case names in the configuration become lower-case headers", async () => {
  const plugin = await start('{"X-Upper": "v"}');
  const stream = exchange(plugin, { ":status": "200" });
  assert.deepEqual(stream.responseHeaders.getAll("x-upper"), ["v"]);
});

test("an empty value is appended as an empty header", async () => {
  const plugin = await start('{"x-empty": ""}');
  const stream = exchange(plugin, { ":status": "200" });
  assert.deepEqual(stream.responseHeaders.getAll("x-empty"), [""]);
});

test("no configuration adds nothing", async () => {
  const plugin = await start(undefined);
  assert.equal(plugin.configured, true);
  const response = { ":status": "200", "content-length": "0" };
  const stream = exchange(plugin, response);
  assert.deepEqual(stream.responseHeaders.entries(), Object.entries(response));
});

test("an empty object adds nothing", async () => {
  const plugin = await start("{}");
  assert.equal(plugin.configured, true);
  const stream = exchange(plugin, { ":status": "200" });
  assert.deepEqual(stream.responseHeaders.entries(), [[":status", "200"]]);
});

test("the happy path logs nothing, even at trace level", async () => {
  const plugin = await start('{"x-a": "1"}');
  exchange(plugin, { ":status": "200" });
  assert.deepEqual(plugin.logs, []);
});

const BAD_CONFIGS: Array<[string, string, RegExp]> = [
  ["not JSON", "{not json", /configuration is not valid JSON: at byte 1: /],
  ["truncated JSON", '{"x-a": "1"', /configuration is not valid JSON: at byte 11: /],
  ["a bare string", "x-a: 1", /configuration is not valid JSON/],
  ["an array", '["x-a", "1"]', /must be a JSON object of header name to string value, not an array/],
  ["a JSON string", '"x-a"', /must be a JSON object of header name to string value, not a string/],
  ["a number", "42", /must be a JSON object of header name to string value, not a number/],
  ["null", "null", /must be a JSON object of header name to string value, not null/],
  ["a number value", '{"x-a": 1}', /the value of "x-a" must be a string, not a number/],
  ["a boolean value", '{"x-a": true}', /the value of "x-a" must be a string, not a boolean/],
  ["a null value", '{"x-a": null}', /the value of "x-a" must be a string, not null/],
  ["an object value", '{"x-a": {"b": "c"}}', /the value of "x-a" must be a string, not an object/],
  ["an array value", '{"x-a": ["1"]}', /the value of "x-a" must be a string, not an array/],
  ["a name with a space", '{"bad name": "1"}', /"bad name" is not a valid header name/],
  ["an empty name", '{"": "1"}', /"" is not a valid header name/],
  ["a name with a colon", '{"x:a": "1"}', /"x:a" is not a valid header name/],
];

for (const [what, configuration, message] of BAD_CONFIGS) {
  test(`rejects ${what} with a critical log, without trapping`, async () => {
    const plugin = await start(configuration);
    assert.equal(plugin.configured, false);
    assert.match(plugin.startupFailure ?? "", /^proxy_on_configure returned false/, `rejected, not trapped (${plugin.failure})`);
    const critical = plugin.logsAt(LogLevel.Critical);
    assert.equal(critical.length, 1, `one critical line, got ${JSON.stringify(plugin.logs)}`);
    assert.match(critical[0], message);
    assert.match(critical[0], /^header-append: /);
  });
}

test("a configuration with a bad value after good ones adds nothing", async () => {
  const plugin = await start('{"x-good": "1", "x-bad": 2}');
  assert.equal(plugin.configured, false);
  const stream = exchange(plugin, { ":status": "200" });
  assert.equal(stream.responseHeaders.has("x-good"), false);
});

for (const rootId of ["", "some_sme_root", "header-append"]) {
  test(`serves root id ${JSON.stringify(rootId)} with the fallback root`, async () => {
    const plugin = await start('{"x-a": "1"}', rootId);
    assert.equal(plugin.configured, true);
    const stream = exchange(plugin, { ":status": "200" });
    assert.deepEqual(stream.responseHeaders.getAll("x-a"), ["1"]);
  });
}
