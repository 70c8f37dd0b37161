// `proxy-wasm-as run`: the CLI's main() in this process, and the installed entry spawned.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cliInProcess } from "./support/cli.js";
import { builtModule } from "./support/examples.js";
import { buildC, buildWat } from "./fixtures/build.js";

const F: Record<string, string> = {};
before(() => {
  for (const n of ["callout", "tcp", "timer", "traps", "chain", "grpc"]) F[n] = buildWat(n);
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
  assert.deepEqual(doc.exchanges[0].request.headers.find((h: string[]) => h[0] === "x-callout-status"), ["x-callout-status", "403"]);
  const cb = doc.events.find((e: { type: string; callback?: string }) => e.callback === "proxy_on_request_headers");
  assert.equal(cb.action, "StopAllIterationAndWatermark");

  const reset = JSON.parse((await run("--json", "--callout-response", "reset", F.callout!)).out);
  assert.equal(reset.exchanges[0].localReply.status, 503);
  assert.equal(reset.exchanges[0].localReply.body, "callout failed");
});

test("config, root id, properties; a local reply and the response callbacks it gets", async () => {
  const r = await run("--json", "--config", "ddenier", "--root-id", "r", "--property", "x.y=z", F.chain!);
  const doc = JSON.parse(r.out);
  assert.equal(doc.plugin.rootId, "r");
  assert.equal(doc.exchanges[0].localReply.status, 403);
  assert.equal(doc.exchanges[0].localReply.body, "denied by denier");
  assert.deepEqual(
    doc.events.filter((e: { type: string }) => e.type === "callback").map((e: { callback: string }) => e.callback),
    ["proxy_on_configure", "proxy_on_request_headers", "proxy_on_response_headers", "proxy_on_log"],
  );
  assert.deepEqual(doc.exchanges[0].response.headers.find((h: string[]) => h[0] === "x-chain-resp"), ["x-chain-resp", "denier"]);
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
  assert.equal(JSON.parse(open.out).exchanges[0].localReply, null);
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

type Doc = { events: Array<{ type: string; callback?: string; context?: number; [k: string]: unknown }>; exchanges: any[]; metrics: any[]; shutdown: any; stopped: string | null };
const json = async (...argv: string[]) => {
  const r = await run("--json", ...argv);
  return { ...r, doc: JSON.parse(r.out) as Doc };
};
const callbacks = (doc: Doc, name: string) => doc.events.filter((e) => e.callback === name);

test("-H replaces only the default of its own name", async () => {
  const { doc, code } = await json("-H", "x-a: 1", "-H", ":path: /p", F.timer!);
  assert.equal(code, 0);
  assert.deepEqual(doc.exchanges[0].request.headers, [[":method", "GET"], [":path", "/p"], [":authority", "example.com"], [":scheme", "http"], ["x-a", "1"]]);
  const post = await json("--body", "b", "-R", "x-r: 2", F.timer!);
  assert.deepEqual(post.doc.exchanges[0].request.headers[0], [":method", "POST"]);
  assert.deepEqual(post.doc.exchanges[0].response.headers, [[":status", "200"], ["x-r", "2"]]);
});

test("--config @file.yaml is read as render reads it and passed as JSON", async () => {
  const dir = mkdtempSync(join(tmpdir(), "pwa-run-"));
  const yaml = join(dir, "config.yaml");
  writeFileSync(yaml, "x-from-yaml: 'yes'\n");
  const { doc, code, err } = await json("--config", `@${yaml}`, builtModule("header-append"));
  assert.equal(code, 0, err);
  assert.deepEqual(doc.exchanges[0].response.headers.find((h: string[]) => h[0] === "x-from-yaml"), ["x-from-yaml", "yes"]);
  const list = join(dir, "list.yml");
  writeFileSync(list, "- a\n");
  const bad = await run("--config", `@${list}`, builtModule("header-append"));
  assert.equal(bad.code, 1);
  assert.match(bad.err, /^error: run: .*list\.yml:1:1: the configuration must be a mapping/);
});

test("a plugin whose configure or vm_start fails takes no traffic: run stops and says why", async () => {
  const rejected = await run("--config", "not json", builtModule("header-append"));
  assert.equal(rejected.code, 1);
  assert.match(rejected.err, /^error: run: .*proxy_on_configure returned false: the plugin rejected its configuration \(it logged: .+\); no traffic was sent$/);
  assert.match(rejected.out, /proxy_on_configure  \[context 1\] → 0/);
  assert.doesNotMatch(rejected.out, /proxy_on_request_headers|proxy_on_context_create  \[context 2\]/);
  const trapped = await json("--vm-config", "l", F.traps!);
  assert.equal(trapped.code, 1);
  assert.match(trapped.doc.stopped!, /^Function: proxy_on_configure failed/);
  assert.equal(trapped.doc.exchanges.length, 0);
  const noStart = await json("--vm-config", "k", F.traps!);
  assert.match(noStart.doc.stopped!, /proxy_on_vm_start failed/);
});

test("trailers, several requests on one VM, and shutting the VM down", async () => {
  const { doc, code } = await json("--vm-config", "z", "--trailer", "x-t: 1", "--response-trailer", "x-r: 2", "--requests", "3", "--shutdown", F.traps!);
  assert.equal(code, 0);
  assert.equal(doc.exchanges.length, 3);
  assert.deepEqual(callbacks(doc, "proxy_on_request_headers").map((e) => e.context), [2, 3, 4]);
  assert.equal(callbacks(doc, "proxy_on_request_trailers").length, 3);
  assert.equal(callbacks(doc, "proxy_on_response_trailers").length, 3);
  assert.deepEqual(doc.exchanges[2].request.trailers, [["x-t", "1"]]);
  assert.deepEqual(doc.exchanges[2].response.trailers, [["x-r", "2"]]);
  assert.equal(callbacks(doc, "proxy_on_done").at(-1)?.context, 1, "the root context is asked last");
  assert.deepEqual(doc.shutdown, { rootDeleted: true });
  const text = await run("--vm-config", "z", "--shutdown", F.traps!);
  assert.match(text.out, /shutdown: root context deleted/);
  assert.equal((await run("--tcp", "--trailer", "a: b", F.tcp!)).code, 2);
});

test("gRPC calls are answered from --grpc-response", async () => {
  const ok = await json("--config", "call", "--grpc-response", "0:pong", F.grpc!);
  assert.equal(ok.code, 0, ok.err);
  const call = ok.doc.events.find((e) => e.type === "grpc")!;
  assert.deepEqual([call.service, call.method, call.timeoutMs, call.answer], ["svc.Echo", "Say", 1000, "ok"]);
  assert.deepEqual(ok.doc.exchanges[0].request.headers.find((h: string[]) => h[0] === "x-grpc-message"), ["x-grpc-message", "pong"]);
  const failed = await json("--config", "call", "--grpc-response", "14:backend down", F.grpc!);
  assert.equal(failed.doc.exchanges[0].localReply.status, 503);
  assert.equal(failed.doc.exchanges[0].localReply.body, "backend down");
  assert.match(String(failed.doc.events.find((e) => e.type === "grpc")!.answer), /status 14 \(Unavailable\)/);
  const unanswered = await json("--config", "call", F.grpc!);
  assert.match(String(unanswered.doc.events.find((e) => e.type === "grpc")!.answer), /left unanswered/);
  assert.equal((await run("--grpc-response", "99", F.grpc!)).code, 2);
});

test("queue notifications are delivered; --enqueue posts as another worker; --json has the metrics", async () => {
  const module = builtModule("queue-aggregator");
  const { doc, code, err } = await json("-H", ":path: /a?q=1", "--requests", "2", "--enqueue", "request-facts=/b", module);
  assert.equal(code, 0, err);
  assert.ok(callbacks(doc, "proxy_on_queue_ready").length >= 1);
  const gauge = (path: string) => doc.metrics.find((m: { name: string }) => m.name.endsWith(`.path.${path}`));
  assert.deepEqual(gauge("/a"), { name: "wasmcustom.requests_by_path.path./a", type: "gauge", value: "2" });
  assert.equal(gauge("/b")?.value, "1");
  assert.deepEqual(doc.events.find((e) => e.type === "enqueue"), { type: "enqueue", queue: "request-facts", item: "/b", result: "Ok" });
  const text = await run("-H", ":path: /a", module);
  assert.match(text.out, /^metrics:$/m);
  assert.match(text.out, /wasmcustom\.requests_by_path\.path\.\/a \(gauge\) 1/);
});

test("--json has the local reply's own headers and each callout's timeout; timeout answers move the clock", async () => {
  const denied = await json("--config", "ddenier", F.chain!);
  assert.deepEqual(denied.doc.exchanges[0].localReply.headers.find((h: string[]) => h[0] === ":status"), [":status", "403"]);
  const timedOut = await json("--callout-response", "timeout", F.callout!);
  const callout = timedOut.doc.events.find((e) => e.type === "callout")!;
  assert.equal(callout.timeoutMs, 500);
  assert.equal(callout.answer, "timed out after 500 ms");
  assert.deepEqual(timedOut.doc.exchanges[0].request.headers.find((h: string[]) => h[0] === "x-callout-status"), ["x-callout-status", "504"]);
});
