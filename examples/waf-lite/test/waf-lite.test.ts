// waf-lite on the host: the rule set of rules.json against a corpus of attacks and look-alikes,
// block and detect modes, anomaly scoring, per-rule counters, body limits and bad configuration.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { LogLevel, startPlugin, type HttpStream, type Plugin } from "proxy-wasm-as/host";
import { testConfigurationsRefused } from "../../../tests/support/configuration.js";
import { CORPUS } from "./corpus.js";

const MODULE = "build/waf-lite.wasm";
const RULES = JSON.parse(readFileSync("examples/waf-lite/rules.json", "utf8")) as Record<string, unknown>;
const README = readFileSync("examples/waf-lite/README.md", "utf8");

async function start(overrides: Record<string, unknown> = {}): Promise<Plugin> {
  const plugin = await startPlugin({ module: MODULE, configuration: JSON.stringify({ ...RULES, ...overrides }) });
  assert.equal(plugin.configured, true, JSON.stringify(plugin.logs));
  return plugin;
}

function get(plugin: Plugin, path: string, headers: Record<string, string> = {}): HttpStream {
  const stream = plugin.newHttpStream();
  stream.sendRequestHeaders({ ":method": "GET", ":path": path, ":authority": "shop.example.com", ...headers }, true);
  return stream;
}

/** A POST whose body arrives in chunks of `chunk` bytes. */
function post(plugin: Plugin, body: Uint8Array | string, type: string, chunk = 65536): HttpStream {
  const bytes = typeof body === "string" ? Buffer.from(body) : body;
  const stream = plugin.newHttpStream();
  stream.sendRequestHeaders({
    ":method": "POST", ":path": "/comments", ":authority": "shop.example.com", "content-type": type,
    "content-length": String(bytes.length),
  }, false);
  for (let at = 0; at < bytes.length && stream.localReply === null; at += chunk) {
    stream.sendRequestBody(bytes.subarray(at, at + chunk), at + chunk >= bytes.length);
  }
  return stream;
}

function blocked(stream: HttpStream): boolean {
  const reply = stream.localReply;
  if (reply === null) return false;
  assert.equal(reply.status, 403);
  assert.equal(reply.details, "waf_lite_blocked");
  assert.match(reply.bodyText, /^request blocked: rule [a-z-]+(, [a-z-]+)*\n$/);
  return true;
}

const ATTACKS = CORPUS.filter((e) => e.kind !== "benign");
const BENIGN = CORPUS.filter((e) => e.kind === "benign");

test("corpus in the query string: every verdict, and the totals the README prints", async () => {
  const plugin = await start();
  for (const entry of CORPUS) {
    const stream = get(plugin, `/search?lang=en&q=${encodeURIComponent(entry.text)}`);
    assert.equal(blocked(stream), entry.detected, `${entry.kind}: ${entry.text}`);
  }
  const detected = ATTACKS.filter((e) => e.detected).length;
  const falsePositives = BENIGN.filter((e) => e.detected).length;
  assert.equal(ATTACKS.length, 36);
  assert.equal(detected, 34);
  assert.equal(BENIGN.length, 19);
  assert.equal(falsePositives, 2);
  assert.ok(README.includes(`**${detected} of ${ATTACKS.length}** attacks blocked`), "README states the detection count");
  assert.ok(README.includes(`**${falsePositives} of ${BENIGN.length}**`), "README states the false-positive count");
  for (const kind of ["sqli", "xss", "traversal", "cmdi"] as const) {
    const all = ATTACKS.filter((e) => e.kind === kind);
    const line = `| ${kind} | ${all.length} | ${all.filter((e) => e.detected).length} |`;
    assert.ok(README.includes(line), `README table row ${line}`);
  }
  assert.equal(plugin.counter("waf_lite.requests_blocked"), BigInt(CORPUS.filter((e) => e.detected).length));
});

test("corpus in a form body, split in chunks: the same verdicts", async () => {
  const plugin = await start();
  for (const entry of CORPUS) {
    const stream = post(plugin, `name=Sam&comment=${encodeURIComponent(entry.text).replace(/%20/g, "+")}`, "application/x-www-form-urlencoded", 7);
    assert.equal(blocked(stream), entry.detected, `${entry.kind}: ${entry.text}`);
  }
});

test("a JSON body is inspected as it is", async () => {
  const plugin = await start();
  assert.equal(blocked(post(plugin, JSON.stringify({ comment: "<script>alert(1)</script>" }), "application/json")), true);
  const fine = post(plugin, JSON.stringify({ comment: "<b>bold</b> from O'Brien" }), "application/json");
  assert.equal(fine.localReply, null);
  assert.equal(Buffer.from(fine.requestBody).toString(), JSON.stringify({ comment: "<b>bold</b> from O'Brien" }));
});

test("the 403 names the rules that matched, and the log says why without the request's text", async () => {
  const plugin = await start();
  const stream = get(plugin, `/search?q=${encodeURIComponent("1 UNION SELECT password FROM users")}`, { "x-request-id": "req-7" });
  assert.equal(stream.localReply?.bodyText, "request blocked: rule sqli-union, sqli-select-from\n");
  const warning = plugin.logsAt(LogLevel.Warn).join("\n");
  assert.match(warning, /waf-lite: blocked \(score 8 >= 5, rules sqli-union, sqli-select-from, request req-7\)/);
  assert.doesNotMatch(warning, /password/);
});

test("anomaly scoring: two weak signals block together, one alone passes, the threshold decides", async () => {
  const plugin = await start();
  const weak = "Please select a plan from the list";
  assert.equal(blocked(get(plugin, `/s?q=${encodeURIComponent(weak)}`)), false);
  assert.equal(blocked(get(plugin, `/s?q=${encodeURIComponent(weak)}&note=${encodeURIComponent("; cat lovers")}`)), true);
  const lenient = await start({ threshold: 10 });
  assert.equal(blocked(get(lenient, `/s?q=${encodeURIComponent("<script>")}`)), false, "5 < 10");
  assert.equal(blocked(get(lenient, `/s?q=${encodeURIComponent("<svg/onload=alert(1)>")}`)), true, "10 >= 10");
});

test("a rule counts once per request, wherever it matches; each rule has its counter", async () => {
  const plugin = await start();
  const stream = plugin.newHttpStream();
  stream.sendRequestHeaders({ ":method": "POST", ":path": "/s?q=%3Cscript%3E", ":authority": "a", "content-type": "text/plain" }, false);
  stream.sendRequestBody("<script>", true);
  assert.equal(stream.localReply?.bodyText, "request blocked: rule xss-script\n");
  get(plugin, "/s?q=%3Cscript%3E");
  get(plugin, "/s?q=fine");
  assert.equal(plugin.counter("waf_lite.rule.xss-script"), 2n);
  assert.equal(plugin.counter("waf_lite.rule.sqli-union"), 0n, "every rule's counter exists from the start");
});

test("headers: a rule aimed at one header, and the path percent-decoded", async () => {
  const plugin = await start();
  assert.equal(blocked(get(plugin, "/", { "user-agent": "sqlmap/1.7.2#stable (https://sqlmap.org)" })), true);
  assert.equal(blocked(get(plugin, "/", { "cookie": "session=1' OR '1'='1" })), true);
  assert.equal(blocked(get(plugin, "/", { "referer": "https://x.test/?<script>" })), true);
  assert.equal(blocked(get(plugin, "/", { "x-note": "<script>" })), false, "no rule looks at x-note");
  const twoCookies = plugin.newHttpStream();
  // Envoy joins a second cookie header onto the first with "; ": the rule sees both.
  twoCookies.sendRequestHeaders([[":method", "GET"], [":path", "/"], [":authority", "a"], ["cookie", "theme=dark"], ["cookie", "id=1' OR '1'='1"]], true);
  assert.equal(blocked(twoCookies), true);
  assert.equal(blocked(get(plugin, "/static/..%2F..%2Fetc/passwd")), true);
  assert.equal(blocked(get(plugin, "/static/app.js", { "user-agent": "Mozilla/5.0" })), false);
});

test("a \"headers\" target sees every header value but no pseudo-header", async () => {
  const plugin = await start({ rules: [{ id: "evil", targets: ["headers"], pattern: "evil" }] });
  assert.equal(blocked(get(plugin, "/", { "x-anything": "so evil" })), true);
  assert.equal(blocked(get(plugin, "/evil")), false);
});

test("a \"header:<name>\" target sees every value of that header, and no other header", async () => {
  const plugin = await start({ rules: [{ id: "evil", targets: ["header:x-note"], pattern: "evil" }] });
  const stream = plugin.newHttpStream();
  stream.sendRequestHeaders([[":method", "GET"], [":path", "/"], [":authority", "a"], ["x-note", "fine"], ["x-note", "so evil"]], true);
  assert.equal(blocked(stream), true);
  assert.equal(blocked(get(plugin, "/", { "x-other": "so evil" })), false);
});

test("detect mode: nothing is refused; the request is logged and counted", async () => {
  const plugin = await start({ mode: "detect" });
  const stream = get(plugin, `/search?q=${encodeURIComponent("' OR '1'='1")}`);
  assert.equal(stream.localReply, null);
  assert.equal(stream.paused.request, false);
  const form = post(plugin, "comment=%3Cscript%3Ealert(1)%3C/script%3E", "application/x-www-form-urlencoded");
  assert.equal(form.localReply, null);
  assert.equal(Buffer.from(form.requestBody).toString(), "comment=%3Cscript%3Ealert(1)%3C/script%3E", "the body goes on unchanged");
  assert.equal(plugin.counter("waf_lite.requests_detected"), 2n);
  assert.equal(plugin.counter("waf_lite.requests_blocked"), 0n);
  assert.equal(plugin.counter("waf_lite.rule.sqli-tautology"), 1n);
  assert.match(plugin.logsAt(LogLevel.Warn).join("\n"), /waf-lite: detected \(score 5 >= 5, rules sqli-tautology\)/);
});

const MIB = 1024 * 1024;

function bigBody(size: number, insert: string | null = null, at = 0): Uint8Array {
  const bytes = Buffer.alloc(size, "lorem ipsum dolor sit amet ");
  if (insert !== null) bytes.write(insert, at);
  return bytes;
}

test("a 4 MiB body in 64 KiB chunks: the first body_limit bytes are inspected, all of it goes on", async () => {
  const plugin = await start();
  const clean = bigBody(4 * MIB);
  const passed = post(plugin, clean, "text/plain");
  assert.equal(passed.localReply, null);
  assert.equal(Buffer.compare(passed.requestBody, clean), 0, "every byte reaches the upstream, in order");
  assert.equal(plugin.counter("waf_lite.body_over_limit"), 1n);

  assert.equal(blocked(post(plugin, bigBody(4 * MIB, "<script>", 29_995), "text/plain", 10_000)), true, "split across two chunks");
  // The rule needs the 7 bytes of "<script": the last 7 inspected bytes are 65,529 to 65,535.
  assert.equal(blocked(post(plugin, bigBody(4 * MIB, "<script>", 65_529), "text/plain")), true, "ending at the limit's last byte");
  assert.equal(blocked(post(plugin, bigBody(4 * MIB, "<script>", 65_530), "text/plain")), false, "one byte past the limit");
  const late = post(plugin, bigBody(4 * MIB, "<script>", 3 * MIB), "text/plain");
  assert.equal(late.localReply, null, "beyond body_limit nothing is inspected (inspect_prefix)");
  assert.equal(plugin.counter("waf_lite.body_over_limit"), 5n);
});

test("body_over_limit \"reject\" answers 413 to a body larger than body_limit", async () => {
  const plugin = await start({ body_over_limit: "reject", body_limit: 1000 });
  const stream = post(plugin, bigBody(2 * MIB), "text/plain");
  assert.equal(stream.localReply?.status, 413);
  assert.equal(stream.localReply?.details, "waf_lite_body_over_limit");
  assert.equal(post(plugin, bigBody(1000), "text/plain").localReply, null, "exactly the limit is fine");
});

const ONE_RULE = { id: "r", targets: ["query"], pattern: "x" };
const BAD: Array<[string, unknown, RegExp]> = [
  ["not JSON", "{\"rules\": [", /configuration is not valid JSON: at byte \d+/],
  ["no rules", {}, /"rules" must be a non-empty array of rules/],
  ["a bad mode", { mode: "monitor", rules: [ONE_RULE] }, /"mode" must be "block" or "detect"/],
  ["a zero threshold", { threshold: 0, rules: [ONE_RULE] }, /"threshold" must be a whole number from 1 to 100000/],
  ["a body limit over 1 MiB", { body_limit: 2 * MIB, rules: [ONE_RULE] }, /"body_limit" must be a whole number of bytes from 0 to 1048576/],
  ["a bad over-limit action", { body_over_limit: "drop", rules: [ONE_RULE] }, /"body_over_limit" must be "inspect_prefix" or "reject"/],
  ["a body rule with no body limit", { body_limit: 0, rules: [{ ...ONE_RULE, targets: ["body"] }] }, /"body_limit" is 0, but a rule inspects the body/],
  ["a rule that is not an object", { rules: ["x"] }, /"rules\[0\]" must be an object with "id", "pattern", "targets" and "score", not a string/],
  ["a rule without id", { rules: [{ targets: ["query"], pattern: "x" }] }, /"rules"\[0\]\.id must be a string of 1 to 64 characters/],
  ["an id with a dot", { rules: [{ ...ONE_RULE, id: "a.b" }] }, /"rules"\[0\]\.id may hold only letters, digits/],
  ["a repeated id", { rules: [ONE_RULE, ONE_RULE] }, /"rules"\[1\]\.id repeats "r"/],
  ["a pattern that does not compile", { rules: [{ ...ONE_RULE, pattern: "a(b" }] }, /"rules"\[0\]\.pattern does not compile: at \d+: /],
  ["a backreference", { rules: [{ ...ONE_RULE, pattern: "(a)\\1" }] }, /"rules"\[0\]\.pattern does not compile: .*backreferences are not supported/],
  ["a bad flag", { rules: [{ ...ONE_RULE, flags: "g" }] }, /"rules"\[0\]\.pattern does not compile/],
  ["no targets", { rules: [{ id: "r", pattern: "x" }] }, /"rules"\[0\]\.targets must be a non-empty array/],
  ["an unknown target", { rules: [{ ...ONE_RULE, targets: ["query", "cookies"] }] }, /"rules"\[0\]\.targets\[1\] is not a target: "cookies"/],
  ["a zero score", { rules: [{ ...ONE_RULE, score: 0 }] }, /"rules"\[0\]\.score must be a whole number from 1 to 1000/],
];

testConfigurationsRefused(MODULE, "waf-lite", BAD);
