// custom-error-pages on the host, through the compiled module (npm run asbuild).
import { test } from "node:test";
import assert from "node:assert/strict";
import { startPlugin } from "proxy-wasm-as/host";
import { testConfigurationsRefused } from "../../../tests/support/configuration.js";

const MODULE = "build/custom-error-pages.wasm";
type Plugin = Awaited<ReturnType<typeof startPlugin>>;

const PAGES = {
  pages: {
    "404": { html: "<h1>Not here</h1>", json: '{"error":"not found"}' },
    "5xx": { html: "<h1>We are on it</h1>", json: '{"error":"server error"}' },
    "429": { json: '{"error":"slow down"}' },
  },
};

async function start(configuration: unknown = PAGES) {
  return startPlugin({
    module: MODULE, rootId: "custom-error-pages",
    configuration: typeof configuration === "string" ? configuration : JSON.stringify(configuration),
  });
}

function exchange(plugin: Plugin, status: string, accept: string | null, chunks: string[] = ["upstream body"], method = "GET") {
  const stream = plugin.newHttpStream();
  const request: Record<string, string> = { ":method": method, ":path": "/x", ":authority": "example.com", ":scheme": "http" };
  if (accept !== null) request.accept = accept;
  stream.sendRequestHeaders(request, true);
  const length = String(chunks.reduce((n, c) => n + Buffer.byteLength(c), 0));
  stream.sendResponseHeaders({ ":status": status, "content-type": "text/plain", "content-length": length, "x-upstream": "kept", etag: '"abc"' }, chunks.length === 0);
  chunks.forEach((chunk, i) => stream.sendResponseBody(chunk, i === chunks.length - 1));
  stream.complete();
  return stream;
}

const body = (s: { responseBody: Uint8Array }) => Buffer.from(s.responseBody).toString("utf8");

test("a 404 gets the HTML page for a browser, with its type and length", async () => {
  const plugin = await start();
  const stream = exchange(plugin, "404", "text/html,application/xhtml+xml,*/*;q=0.8");
  assert.equal(body(stream), "<h1>Not here</h1>");
  assert.equal(stream.responseHeaders.get(":status"), "404");
  assert.equal(stream.responseHeaders.get("content-type"), "text/html; charset=utf-8");
  assert.equal(stream.responseHeaders.get("content-length"), String(Buffer.byteLength("<h1>Not here</h1>")));
  assert.equal(stream.responseHeaders.get("x-upstream"), "kept");
  assert.equal(stream.responseHeaders.has("etag"), false);
});

test("accept chooses JSON, with q-values and +json types", async () => {
  const plugin = await start();
  for (const accept of ["application/json", "text/html;q=0.5, application/json", "application/problem+json", "application/*"]) {
    const stream = exchange(plugin, "404", accept);
    assert.equal(body(stream), '{"error":"not found"}', accept);
    assert.equal(stream.responseHeaders.get("content-type"), "application/json");
  }
  for (const accept of ["text/html", "application/json;q=0.2, text/html;q=0.9", "text/*"]) {
    assert.equal(body(exchange(plugin, "404", accept)), "<h1>Not here</h1>", accept);
  }
});

test("without a choice in accept the preferred form is sent (html unless configured)", async () => {
  const plugin = await start();
  assert.equal(body(exchange(plugin, "404", null)), "<h1>Not here</h1>");
  assert.equal(body(exchange(plugin, "404", "*/*")), "<h1>Not here</h1>");
  const jsonFirst = await start({ ...PAGES, prefer: "json" });
  assert.equal(body(exchange(jsonFirst, "404", "*/*")), '{"error":"not found"}');
});

test("a class page serves every status of the class; a status page wins over its class", async () => {
  const plugin = await start();
  for (const status of ["500", "502", "503", "599"]) {
    const stream = exchange(plugin, status, "application/json");
    assert.equal(body(stream), '{"error":"server error"}');
    assert.equal(stream.responseHeaders.get(":status"), status);
  }
  assert.equal(body(exchange(plugin, "403", "application/json")), "upstream body", "no 403 or 4xx page");
});

test("a page with one form is sent whatever accept asks", async () => {
  const plugin = await start();
  const stream = exchange(plugin, "429", "text/html");
  assert.equal(body(stream), '{"error":"slow down"}');
  assert.equal(stream.responseHeaders.get("content-type"), "application/json");
});

test("2xx and 3xx responses pass untouched", async () => {
  const plugin = await start({ pages: { "4xx": { html: "x" }, "5xx": { html: "y" } } });
  for (const status of ["200", "204", "301", "304"]) {
    const stream = exchange(plugin, status, "text/html");
    assert.equal(body(stream), "upstream body");
    assert.equal(stream.responseHeaders.get("content-type"), "text/plain");
    assert.equal(stream.responseHeaders.get("content-length"), "13");
  }
});

test("a large upstream error body in many chunks is dropped, not buffered", async () => {
  const plugin = await start();
  const chunks = Array.from({ length: 64 }, () => "e".repeat(64 * 1024));
  const stream = exchange(plugin, "503", "application/json", chunks);
  assert.equal(body(stream), '{"error":"server error"}');
  assert.equal(stream.responseHeaders.get("content-length"), String('{"error":"server error"}'.length));
  assert.equal(stream.paused.response, false);
});

test("an error without a body is answered with the page under the same status", async () => {
  const plugin = await start();
  const stream = exchange(plugin, "503", "application/json", []);
  assert.equal(stream.localReply?.status, 503);
  assert.equal(stream.localReply?.bodyText, '{"error":"server error"}');
  assert.equal(stream.localReply?.headers.get("content-type"), "application/json");
});

test("a HEAD request without a body is left as it is", async () => {
  const plugin = await start();
  const stream = exchange(plugin, "404", "text/html", [], "HEAD");
  assert.equal(stream.localReply, null);
  assert.equal(body(stream), "");
});

const BAD_CONFIGS: Array<[string, string, RegExp]> = [
  ["invalid JSON", '{"pages": {', /configuration is not valid JSON/],
  ["no configuration", "", /a configuration with "pages" is required/],
  ["an array", "[]", /configuration must be a JSON object, not an array/],
  ["pages not an object", '{"pages": []}', /"pages" must be an object of status to page, not an array/],
  ["a status out of range", '{"pages": {"200": {"html": "x"}}}', /"200" is not a status from 400 to 599/],
  ["a bad class", '{"pages": {"6xx": {"html": "x"}}}', /"6xx" is not a status/],
  ["a page that is a string", '{"pages": {"404": "x"}}', /"pages"."404" must be an object with "html" and\/or "json", not a string/],
  ["an empty page", '{"pages": {"404": {}}}', /"pages"."404" needs "html" or "json"/],
  ["an unknown form", '{"pages": {"404": {"text": "x"}}}', /unknown field "text"/],
  ["a json page that is not JSON", '{"pages": {"404": {"json": "{oops"}}}', /"pages"."404".json is not valid JSON/],
  ["a bad prefer", '{"pages": {"404": {"html": "x"}}, "prefer": "xml"}', /"prefer" must be "html" or "json", not "xml"/],
  ["no pages", '{"pages": {}}', /"pages" names no page/],
  ["an unknown field", '{"page": {}}', /unknown field "page"/],
];

testConfigurationsRefused(MODULE, "custom-error-pages", BAD_CONFIGS, { start });
