// pii-redaction on the host, through the compiled module (npm run asbuild).
import { test } from "node:test";
import assert from "node:assert/strict";
import { LogLevel, startPlugin } from "proxy-wasm-as/host";
import { testConfigurationsRefused } from "../../../tests/support/configuration.js";

const MODULE = "build/pii-redaction.wasm";
const REQUEST = { ":method": "GET", ":path": "/profile", ":authority": "example.com", ":scheme": "http" };
const JSON_RESPONSE = { ":status": "200", "content-type": "application/json; charset=utf-8" };

type Plugin = Awaited<ReturnType<typeof startPlugin>>;

async function start(configuration?: string) {
  return startPlugin({ module: MODULE, rootId: "pii-redaction", configuration });
}

/** Sends `chunks` as the response body and returns what went downstream. */
function respond(plugin: Plugin, chunks: string[], headers: Record<string, string> = JSON_RESPONSE) {
  const stream = plugin.newHttpStream();
  stream.sendRequestHeaders(REQUEST, true);
  stream.sendResponseHeaders(headers, false);
  chunks.forEach((chunk, i) => stream.sendResponseBody(chunk, i === chunks.length - 1));
  stream.complete();
  return stream;
}

const text = (stream: { responseBody: Uint8Array }) => Buffer.from(stream.responseBody).toString("utf8");

// Every kind of match and near miss, with what the filter must send instead.
const SAMPLE =
  "Mail alice.smith+news@example.co.uk or bob@mail.example.com. " +
  "Cards 4111 1111 1111 1111, 5500-0000-0000-0004 and 4222222222222; " +
  "not cards: 4111 1111 1111 1112 (Luhn), 555-123-4567 (short), 41111111111111111111111 (too long), " +
  "ab4111111111111111 (glued to letters). Not mail: x@localhost, @example.com, me@a.b1. " +
  "End: zed@example.org";
const MASKED =
  "Mail ****************@************* or ***@****************. " +
  "Cards **** **** **** 1111, ****-****-****-0004 and *********2222; " +
  "not cards: 4111 1111 1111 1112 (Luhn), 555-123-4567 (short), 41111111111111111111111 (too long), " +
  "ab4111111111111111 (glued to letters). Not mail: x@localhost, @example.com, me@a.b1. " +
  "End: ***@***********";

test("masks e-mail addresses and Luhn-valid card numbers, and nothing else", async () => {
  const plugin = await start();
  assert.equal(plugin.configured, true);
  const stream = respond(plugin, [SAMPLE]);
  assert.equal(text(stream), MASKED);
  assert.equal(plugin.counter("pii_redaction.masked.kind.email"), 3n);
  assert.equal(plugin.counter("pii_redaction.masked.kind.card"), 3n);
});

test("a match split across two chunks is masked at every split point", async () => {
  const plugin = await start();
  for (let split = 0; split <= SAMPLE.length; split++) {
    const stream = respond(plugin, [SAMPLE.slice(0, split), SAMPLE.slice(split)]);
    assert.equal(text(stream), MASKED, `split at ${split}`);
  }
  const splits = BigInt(SAMPLE.length + 1);
  assert.equal(plugin.counter("pii_redaction.masked.kind.email"), 3n * splits);
  assert.equal(plugin.counter("pii_redaction.masked.kind.card"), 3n * splits);
});

test("one byte per chunk gives the same result", async () => {
  const plugin = await start();
  const stream = respond(plugin, [...SAMPLE]);
  assert.equal(text(stream), MASKED);
});

test("three chunks: every pair of split points around a card and an address", async () => {
  const plugin = await start();
  const sample = "id 4111-1111-1111-1111 owner bob@mail.example.com.";
  const masked = "id ****-****-****-1111 owner ***@****************.";
  for (let a = 0; a <= sample.length; a++) {
    for (let b = a; b <= sample.length; b++) {
      const stream = respond(plugin, [sample.slice(0, a), sample.slice(a, b), sample.slice(b)]);
      assert.equal(text(stream), masked, `splits at ${a}, ${b}`);
    }
  }
});

test("masking keeps the length, so content-length stays as it is", async () => {
  const plugin = await start();
  const length = String(Buffer.byteLength(SAMPLE));
  const stream = respond(plugin, [SAMPLE.slice(0, 40), SAMPLE.slice(40)], { ...JSON_RESPONSE, "content-length": length });
  assert.equal(stream.responseHeaders.get("content-length"), length);
  assert.equal(stream.responseBody.length, Buffer.byteLength(SAMPLE));
});

test("UTF-8 text around matches passes byte for byte (local parts are ASCII)", async () => {
  const plugin = await start();
  const stream = respond(plugin, ["héllo ✓ 😀 joão@exemplo.com.br → é@x.io"]);
  assert.equal(text(stream), "héllo ✓ 😀 joã*@************** → é@x.io");
});

test("a 10 MB body in 64 KB chunks streams in constant memory", async () => {
  const plugin = await start();
  const unit = "user carol@example.net paid with 4111 1111 1111 1111 on 2024-01-01; ";
  const maskedUnit = "user *****@*********** paid with **** **** **** 1111 on 2024-01-01; ";
  const body = Buffer.from(unit.repeat(Math.ceil((10 * 1024 * 1024) / unit.length)));
  const chunk = 64 * 1024;
  const stream = plugin.newHttpStream();
  stream.sendRequestHeaders(REQUEST, true);
  stream.sendResponseHeaders({ ":status": "200", "content-type": "text/plain" }, false);
  let pagesAfterFirstMegabyte = 0;
  for (let offset = 0; offset < body.length; offset += chunk) {
    const end = Math.min(offset + chunk, body.length);
    stream.sendResponseBody(body.subarray(offset, end), end === body.length);
    // What went downstream never lags what came in by more than the bounded tail.
    assert.ok(end - stream.responseBody.length <= 320, `held ${end - stream.responseBody.length} bytes at ${end}`);
    if (offset === 16 * chunk) pagesAfterFirstMegabyte = plugin.memoryPages();
  }
  stream.complete();
  assert.ok(pagesAfterFirstMegabyte > 0);
  assert.equal(plugin.memoryPages(), pagesAfterFirstMegabyte, "memory must not grow with the body");
  assert.equal(stream.responseBody.length, body.length);
  const out = Buffer.from(stream.responseBody).toString("utf8");
  assert.equal(out, maskedUnit.repeat(body.length / unit.length));
  const units = BigInt(body.length / unit.length);
  assert.equal(plugin.counter("pii_redaction.masked.kind.email"), units);
  assert.equal(plugin.counter("pii_redaction.masked.kind.card"), units);
});

test("only configured content types are scanned", async () => {
  const plugin = await start('{"contentTypes": ["text/html", "application/*"]}');
  assert.equal(text(respond(plugin, ["a@b.co"], { ":status": "200", "content-type": "text/html" })), "*@****");
  assert.equal(text(respond(plugin, ["a@b.co"], { ":status": "200", "content-type": "application/xml" })), "*@****");
  assert.equal(text(respond(plugin, ["a@b.co"], { ":status": "200", "content-type": "text/plain" })), "a@b.co");
  assert.equal(text(respond(plugin, ["a@b.co"], { ":status": "200" })), "a@b.co");
});

test("the default content types are text/* and application/json", async () => {
  const plugin = await start();
  assert.equal(text(respond(plugin, ["a@b.co"], { ":status": "200", "content-type": "Text/CSV" })), "*@****");
  assert.equal(text(respond(plugin, ["a@b.co"], { ":status": "200", "content-type": "image/png" })), "a@b.co");
});

test("compressed bodies are not scanned", async () => {
  const plugin = await start();
  const stream = respond(plugin, ["a@b.co"], { ":status": "200", "content-type": "text/plain", "content-encoding": "gzip" });
  assert.equal(text(stream), "a@b.co");
});

test("kinds can be turned off, and the mask and kept digits chosen", async () => {
  const plugin = await start('{"emails": false, "mask": "#", "cardKeepLast": 0}');
  const stream = respond(plugin, ["a@b.co 4111111111111111"]);
  assert.equal(text(stream), "a@b.co ################");
});

test("a tail held back when trailers end the body resets the stream instead of truncating it", async () => {
  const plugin = await start();
  const stream = plugin.newHttpStream();
  stream.sendRequestHeaders(REQUEST, true);
  stream.sendResponseHeaders(JSON_RESPONSE, false);
  stream.sendResponseBody("contact bob", false);
  stream.sendResponseTrailers({ "x-checksum": "1" });
  assert.notEqual(stream.resetReason, null);
  assert.match(plugin.logsAt(LogLevel.Error)[0] ?? "", /trailers ended the body while 3 bytes were held back/);
});

test("trailers after a body with nothing held pass normally", async () => {
  const plugin = await start();
  const stream = plugin.newHttpStream();
  stream.sendRequestHeaders(REQUEST, true);
  stream.sendResponseHeaders(JSON_RESPONSE, false);
  stream.sendResponseBody("card 4111 1111 1111 1111. ", false);
  stream.sendResponseTrailers({ "x-checksum": "1" });
  stream.complete();
  assert.equal(stream.resetReason, null);
  assert.equal(text(stream), "card **** **** **** 1111. ");
});

const BAD_CONFIGS: Array<[string, string, RegExp]> = [
  ["invalid JSON", "{nope", /configuration is not valid JSON: at byte 1/],
  ["an array", "[]", /configuration must be a JSON object, not an array/],
  ["contentTypes not an array", '{"contentTypes": "text/plain"}', /"contentTypes" must be an array of media types, not a string/],
  ["a content type that is not a string", '{"contentTypes": [1]}', /"contentTypes" entries must be strings, not a number/],
  ["a content type without a slash", '{"contentTypes": ["json"]}', /"contentTypes": "json" is not a media type/],
  ["emails not a boolean", '{"emails": "yes"}', /"emails" must be true or false, not a string/],
  ["a mask that is a letter", '{"mask": "x"}', /"mask" must be one printable ASCII character/],
  ["a mask of two characters", '{"mask": "**"}', /"mask" must be one printable ASCII character/],
  ["cardKeepLast out of range", '{"cardKeepLast": 7}', /"cardKeepLast" must be a whole number from 0 to 6/],
  ["an unknown field", '{"emial": true}', /unknown field "emial"/],
];

testConfigurationsRefused(MODULE, "pii-redaction", BAD_CONFIGS, { start });
