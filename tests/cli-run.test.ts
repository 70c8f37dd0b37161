// `proxy-wasm-as run`: the CLI's main() in this process, and the installed entry spawned.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cliInProcess } from "./support/cli.js";
import { buildC, buildWat } from "./fixtures/build.js";

const F: Record<string, string> = {};
before(() => {
  for (const n of ["callout", "tcp", "timer", "traps", "chain"]) F[n] = buildWat(n);
  F["body-rewriter"] = buildC("body-rewriter");
});

const run = (...argv: string[]) => cliInProcess(["run", ...argv]);

test("--help and usage errors", async () => {
  const help = await run("--help");
  assert.equal(help.code, 0);
  assert.match(help.out, /Usage: proxy-wasm-as run \[options\] <filter>/);
  assert.equal((await run()).code, 2);
  const bad = await run("--nope", "x.wasm");
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--nope/);
  assert.equal((await run("--ticks", "x", F.timer!)).code, 2);
  const missing = await run("does/not/exist.wasm");
  assert.equal(missing.code, 1);
  assert.match(missing.err, /Cannot read Wasm module/);
});

test("HTTP: callbacks with their actions, logs, the body rewritten, final maps", async () => {
  const r = await run("-H", ":method: POST", "-H", ":path: /up", "-H", ":authority: a", "-H", "content-length: 11", "--body", "hello world", "--response-body", "resp", F["body-rewriter"]!);
  assert.equal(r.code, 0, r.err);
  const lines = r.out.split("\n");
  const at = (s: string) => lines.findIndex((l) => l.includes(s));
  assert.ok(at("proxy_on_request_headers  [context 2] → Continue (0)") > 0);
  assert.ok(at("[info] rewrote 11 bytes") < at("proxy_on_request_body  [context 2] → Continue (0)"), "a callback's logs come before its line");
  assert.match(r.out, /request body: "HELLO WORLD"/);
  assert.match(r.out, /response body: "resp\\n-- rewritten\\n"/);
  assert.doesNotMatch(r.out, /content-length: 11/);
});

test("callouts are answered from --callout-response; --json prints one document", async () => {
  const r = await run("--json", "--callout-response", "403:nope", F.callout!);
  assert.equal(r.code, 0);
  const doc = JSON.parse(r.out);
  const callout = doc.events.find((e: { type: string }) => e.type === "callout");
  assert.deepEqual([callout.token, callout.cluster, callout.method, callout.path, callout.answer], [4, "backend", "GET", "/check", "403"]);
  assert.deepEqual(doc.request.headers.find((h: string[]) => h[0] === "x-callout-status"), ["x-callout-status", "403"]);
  const cb = doc.events.find((e: { type: string; callback?: string }) => e.callback === "proxy_on_request_headers");
  assert.equal(cb.action, "StopAllIterationAndWatermark");

  const reset = JSON.parse((await run("--json", "--callout-response", "reset", F.callout!)).out);
  assert.equal(reset.localReply.status, 503);
  assert.equal(reset.localReply.body, "callout failed");
});

test("config, root id, properties; a local reply and the response callbacks it gets", async () => {
  const r = await run("--json", "--config", "ddenier", "--root-id", "r", "--property", "x.y=z", F.chain!);
  const doc = JSON.parse(r.out);
  assert.equal(doc.plugin.rootId, "r");
  assert.equal(doc.localReply.status, 403);
  assert.equal(doc.localReply.body, "denied by denier");
  assert.deepEqual(
    doc.events.filter((e: { type: string }) => e.type === "callback").map((e: { callback: string }) => e.callback),
    ["proxy_on_configure", "proxy_on_request_headers", "proxy_on_response_headers", "proxy_on_log"],
  );
  assert.deepEqual(doc.response.headers.find((h: string[]) => h[0] === "x-chain-resp"), ["x-chain-resp", "denier"]);
});

test("--ticks fires the timer on a virtual clock", async () => {
  const doc = JSON.parse((await run("--json", "--ticks", "3", F.timer!)).out);
  assert.equal(doc.events.filter((e: { callback?: string }) => e.callback === "proxy_on_tick").length, 3);
});

test("a trap: exit 1 and 503, or with --fail-open the traffic passes", async () => {
  const closed = await run("--vm-config", "b", F.traps!);
  assert.equal(closed.code, 1);
  assert.match(closed.out, /proxy_on_request_headers  \[context 2\] → trapped/);
  assert.match(closed.out, /local reply: 503 details=wasm_fail_stream grpc-status=14/);
  assert.match(closed.out, /VM failed: Function: proxy_on_request_headers failed/);
  const open = await run("--json", "--fail-open", "--vm-config", "b", F.traps!);
  assert.equal(open.code, 1);
  assert.equal(JSON.parse(open.out).localReply, null);
});

test("--tcp drives one connection", async () => {
  const r = await run("--tcp", "--body", "hello", "--response-body", "world", F.tcp!);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /proxy_on_downstream_data  \[context 2\] → Continue \(0\)/);
  assert.match(r.out, /to upstream: ">hello"/);
  assert.match(r.out, /to client: "world<"/);
  assert.match(r.out, /\[info\] down-close-2/);
  assert.match(r.out, /closed by: downstream/);
});

test("@file values, through the installed entry", () => {
  const dir = mkdtempSync(join(tmpdir(), "pwa-run-"));
  const config = join(dir, "config.txt");
  writeFileSync(config, "aname-from-file");
  const r = spawnSync(process.execPath, ["out/cli/main.js", "run", "--config", `@${config}`, F.chain!], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /x-chain: name-from-file/);
  const bad = spawnSync(process.execPath, ["out/cli/main.js", "run"], { encoding: "utf8" });
  assert.equal(bad.status, 2);
});
