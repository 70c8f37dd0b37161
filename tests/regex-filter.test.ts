// The regular-expression module (docs/regex.md) inside a filter, on the host:
// tests/filters/regex-probe compiles the configured pattern, searches the
// `x-subject` request header and refuses request bodies that match.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { startPlugin } from "proxy-wasm-as/host";
import { buildFilter } from "../cli/build/compile.js";

let MODULE = "";

before(async () => {
  MODULE = (await buildFilter("tests/filters/regex-probe", "regex-probe", "build/test")).release;
});

const BASE = { ":method": "POST", ":path": "/", ":authority": "example.com", ":scheme": "https" };

async function start(configuration: string) {
  return startPlugin({ module: MODULE, rootId: "", configuration });
}

type Plugin = Awaited<ReturnType<typeof start>>;

function headersFor(plugin: Plugin, subject: string): Record<string, string | null> {
  const stream = plugin.newHttpStream();
  stream.sendRequestHeaders({ ...BASE, "x-subject": subject }, true);
  const out: Record<string, string | null> = {};
  for (const name of ["x-regex-match", "x-regex-group", "x-regex-token", "x-regex-masked"]) {
    out[name] = stream.requestHeaders.get(name) ?? null;
  }
  stream.complete();
  return out;
}

test("a header is matched against the configured pattern, with groups and a replacement", async () => {
  const plugin = await start("i/^bearer\\s+(?<token>[\\w.-]+)$");
  assert.equal(plugin.configured, true);
  assert.deepEqual(headersFor(plugin, "Bearer abc.DEF-1"), {
    "x-regex-match": "0-16",
    "x-regex-group": "abc.DEF-1",
    "x-regex-token": "abc.DEF-1",
    "x-regex-masked": "<Bearer abc.DEF-1>",
  });
  assert.deepEqual(headersFor(plugin, "Basic dXNlcg=="), {
    "x-regex-match": "none", "x-regex-group": null, "x-regex-token": null, "x-regex-masked": null,
  });
  assert.deepEqual(plugin.criticalLogs, []);
});

test("every match is replaced, and UTF-16 positions are reported for header text", async () => {
  const plugin = await start("/(\\d{3})-\\d{4}");
  const result = headersFor(plugin, "call 555-1234 or 555-9876");
  assert.equal(result["x-regex-match"], "5-13");
  assert.equal(result["x-regex-group"], "555");
  assert.equal(result["x-regex-token"], "-");
  assert.equal(result["x-regex-masked"], "call <555-1234> or <555-9876>");
});

test("a pathological pattern on a long header answers without stalling the worker", async () => {
  const plugin = await start("/^(a+)+$");
  const long = "a".repeat(30000) + "!";
  assert.equal(headersFor(plugin, long)["x-regex-match"], "none");
  assert.equal(headersFor(plugin, "aaaa")["x-regex-match"], "0-4");
});

test("a request body that matches, read as UTF-8 bytes, is refused with the byte offset", async () => {
  const plugin = await start("i/union\\s+select");
  const stream = plugin.newHttpStream();
  stream.sendRequestHeaders(BASE, false);
  stream.sendRequestBody("q=ünïcode&x=1 ", false);
  stream.sendRequestBody("UNION  Select * from t", true);
  const reply = stream.localReply;
  assert.equal(reply?.status, 403);
  // "q=ünïcode&x=1 " is 16 bytes in UTF-8 (ü and ï take two each).
  assert.equal(reply?.bodyText, "blocked: UNION  Select at byte 16");
  assert.equal(reply?.details, "regex_probe_blocked");
  stream.complete();

  const clean = plugin.newHttpStream();
  clean.sendRequestHeaders(BASE, false);
  clean.sendRequestBody("a union of selected things", true);
  assert.equal(clean.localReply, null);
  clean.complete();
});

test("matching on every request runs in constant memory", async () => {
  const plugin = await start("i/(?<key>\\w+)=(\\d+)");
  const subject = "a=1 b=22 c=333 " + "filler ".repeat(50);
  for (let i = 0; i < 500; i++) assert.equal(headersFor(plugin, subject)["x-regex-match"], "0-3");
  const pages = plugin.memoryPages();
  for (let i = 0; i < 5000; i++) assert.equal(headersFor(plugin, subject)["x-regex-token"], "-");
  assert.equal(plugin.memoryPages(), pages);
});

test("a bad pattern is refused at configuration with its position and reason, without a trap", async () => {
  const plugin = await start("/ab(c");
  assert.equal(plugin.configured, false);
  assert.equal(plugin.trapped, false);
  assert.deepEqual(plugin.criticalLogs, ["regex-probe: bad pattern at 2: missing )"]);
  const lookahead = await start("/a(?=b)");
  assert.deepEqual(lookahead.criticalLogs, ["regex-probe: bad pattern at 1: lookaround is not supported"]);
  const flags = await start("x/a");
  assert.deepEqual(flags.criticalLogs, ["regex-probe: bad pattern at -1: unknown flag x"]);
});
