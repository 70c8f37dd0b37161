// Crash reports (host/stack-trace.ts, docs/crash-reports.md) through a compiled module:
// tests/filters/trap-probe traps on purpose as the request header x-trap says; each
// offending statement carries a `trap:<name>` comment whose line the report must name.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startPlugin, type Plugin, type PluginOptions } from "proxy-wasm-as/host";
import { buildFilter } from "../cli/build/compile.js";
import { cliInProcess } from "./support/cli.js";

const SOURCE = "tests/filters/trap-probe/assembly/index.ts";
const LINES = readFileSync(SOURCE, "utf8").split("\n");
let DEBUG = "";
let RELEASE = "";

/** The 1-based line holding `marker`. */
function lineOf(marker: string): number {
  const i = LINES.findIndex((l) => l.includes(marker));
  assert.ok(i >= 0, `${marker} is in ${SOURCE}`);
  return i + 1;
}

/** Where a name is: its prefix is the source file without ".ts". */
const fn = (name: string) => `tests/filters/trap-probe/assembly/index/${name}`;

before(async () => {
  const built = await buildFilter("tests/filters/trap-probe", "trap-probe", "build/test");
  DEBUG = built.debug;
  RELEASE = built.release;
});

/** Starts the plugin and sends one request with x-trap set; answers a callout with a 500. */
async function trap(fault: string, options: Partial<PluginOptions> = {}): Promise<Plugin> {
  const plugin = await startPlugin({ module: DEBUG, clusters: ["*"], ...options });
  assert.equal(plugin.failed, false, plugin.failure ?? "");
  assert.equal(plugin.crashReport, null);
  const stream = plugin.newHttpStream();
  stream.sendRequestHeaders({ ":method": "GET", ":path": "/", ":authority": "example.com", "x-trap": fault }, true);
  const call = plugin.pendingHttpCalls[0];
  if (call !== undefined) plugin.respondHttpCall(call.token, { headers: { ":status": "500" } });
  assert.equal(plugin.failed, true, `x-trap: ${fault} traps`);
  return plugin;
}

test("an out-of-range index panics in ~lib and the report names the filter's line that caused it", async () => {
  const plugin = await trap("index");
  const report = plugin.crashReport!;
  assert.equal(report.sourceMap, `${DEBUG}.map`);
  assert.deepEqual(report.notes, []);
  const frame = report.filterFrame!;
  assert.equal(frame.name, fn("limitFor"));
  assert.deepEqual(frame.source, { file: SOURCE, line: lineOf("trap:index"), column: LINES[lineOf("trap:index") - 1]!.indexOf("LIMITS[slot]") + 1 });
  // The panic and the standard library function that raised it come first, both library code.
  assert.equal(report.frames[0]!.name, "~lib/proxy-wasm-as/assembly/runtime/std-hooks/panic");
  assert.equal(report.frames[1]!.name, "~lib/array/Array<i32>#__get");
  assert.deepEqual([report.frames[1]!.source?.file, report.frames[1]!.source?.line], ["~lib/array.ts", 114]);
  assert.deepEqual(report.frames.map((f) => f.library), [true, true, false, false, true, true]);
  assert.equal(report.frames.at(-1)!.name, "~lib/proxy-wasm-as/assembly/exports/proxy_on_request_headers");
  // The SDK's panic line still says where in ~lib; the failure that follows says where in the filter.
  const critical = plugin.criticalLogs;
  assert.equal(critical[0], "panic: Index out of range at ~lib/array.ts:114:42");
  assert.equal(critical[1], plugin.failure);
  const text = plugin.failure!.split("\n");
  assert.equal(text[0], "Function: proxy_on_request_headers failed: unreachable");
  assert.equal(text[1], "Proxy-Wasm plugin in-VM backtrace:");
  assert.match(text[4]!, new RegExp(`^  2:  0x[0-9a-f]+ - ${fn("limitFor")} at ${SOURCE}:${lineOf("trap:index")}:\\d+$`));
  assert.equal(text.at(-1), `In the filter: frame 2, ${fn("limitFor")} at ${SOURCE}:${frame.source!.line}:${frame.source!.column}`);
});

test("a throw in filter code names the throwing function and its caller's line", async () => {
  const report = (await trap("throw")).crashReport!;
  assert.equal(report.filterFrame!.name, fn("checkQuota"));
  assert.equal(report.filterFrame!.source!.line, lineOf("trap:throw"));
  const caller = report.frames[report.filterFrame!.index + 1]!;
  assert.equal(caller.name, fn("TrapProbe#onRequestHeaders"));
  assert.equal(caller.source!.line, lineOf('checkQuota("tenant-a")'));
});

test("a trap several calls deep shows the chain of frames with names and lines", async () => {
  const report = (await trap("unreachable")).crashReport!;
  assert.deepEqual(
    report.frames.slice(0, 4).map((f) => [f.name, f.source?.line]),
    [
      [fn("innermost"), lineOf("trap:unreachable")],
      [fn("middle"), lineOf("innermost(depth + 1)")],
      [fn("outer"), lineOf("middle(1)")],
      [fn("TrapProbe#onRequestHeaders"), lineOf("outer();")],
    ],
  );
  assert.equal(report.filterFrame, report.frames[0]);
});

test("a trap in a callout's reply callback shows the SDK's dispatch under the filter's callback", async () => {
  const plugin = await trap("callout");
  assert.match(plugin.failure!, /^Function: proxy_on_http_call_response failed: unreachable\n/);
  const report = plugin.crashReport!;
  assert.equal(report.filterFrame!.name, fn("AuditReply#onResponse"));
  assert.equal(report.filterFrame!.source!.line, lineOf("trap:callout"));
  const below = report.frames.slice(report.filterFrame!.index + 1).map((f) => f.name);
  assert.ok(below.includes("~lib/proxy-wasm-as/assembly/api/callouts/dispatchHttpCallResponse"), below.join(", "));
  assert.equal(below.at(-1), "~lib/proxy-wasm-as/assembly/exports/proxy_on_http_call_response");
});

test("a stack overflow reports the frames V8 kept and says deeper ones were not captured", async () => {
  const plugin = await trap("recurse");
  const report = plugin.crashReport!;
  assert.match(plugin.failure!, /^Function: proxy_on_request_headers failed: Maximum call stack size exceeded\n/);
  assert.ok(report.frames.length > 1 && report.frames.every((f) => f.name === fn("countDown")));
  // The innermost frame overflowed on entry, before any statement; its callers are at the recursive call.
  assert.ok(report.frames.slice(1).every((f) => f.source?.line === lineOf("trap:recurse")));
  assert.match(report.notes.join("\n"), /deeper frames not captured: V8 keeps \d+/);
});

test("a stack cut before the filter's frame says the frame was not kept rather than absent", async () => {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 2;
  let plugin: Plugin;
  try {
    plugin = await trap("index");
  } finally {
    Error.stackTraceLimit = limit;
  }
  const report = plugin.crashReport!;
  assert.deepEqual(report.frames.map((f) => f.library), [true, true]);
  assert.equal(report.filterFrame, null);
  assert.match(plugin.failure!, /\nIn the filter: no frame of the filter's own code is among those V8 kept\nNote: deeper frames not captured: V8 keeps 2 /);
});

test("a release build has no name section and no map: frames keep export names and the report says what is missing", async () => {
  const plugin = await trap("index", { module: RELEASE });
  const report = plugin.crashReport!;
  assert.ok(report.frames.length > 0);
  assert.equal(report.frames.at(-1)!.name, "proxy_on_request_headers");
  assert.ok(report.frames.every((f) => f.source === null));
  assert.equal(report.filterFrame, null);
  assert.deepEqual(report.notes, [
    "no function names: the module has no name section (debug builds have one)",
    `no source lines: no source map at ${RELEASE}.map (debug builds write one)`,
  ]);
  assert.match(plugin.failure!, /\n {2}0: {2}0x[0-9a-f]+ - unknown\(function index:\d+\)\n/);
  assert.ok(!plugin.failure!.includes("In the filter"), "no claim about which frame is the filter's");
});

test("a module from another toolchain gets named frames but no claim about which is the filter's", async () => {
  const dir = mkdtempSync(join(tmpdir(), "traps-wat-"));
  try {
    const module = join(dir, "traps.wasm");
    execFileSync("wat2wasm", ["--debug-names", "tests/fixtures/traps.wat", "-o", module]);
    const plugin = await startPlugin({ module, vmConfiguration: "b" });
    plugin.newHttpStream().sendRequestHeaders({ ":method": "GET", ":path": "/", ":authority": "example.com" }, true);
    const report = plugin.crashReport!;
    assert.deepEqual(report.frames.map((f) => f.name), ["trap_if", "proxy_on_request_headers"]);
    assert.equal(report.filterFrame, null);
    assert.deepEqual(plugin.failure!.split("\n").slice(0, 4), [
      "Function: proxy_on_request_headers failed: unreachable",
      "Proxy-Wasm plugin in-VM backtrace:",
      `  0:  0x${report.frames[0]!.offset.toString(16)} - trap_if`,
      `  1:  0x${report.frames[1]!.offset.toString(16)} - proxy_on_request_headers`,
    ]);
    assert.ok(!plugin.failure!.includes("In the filter"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A copy of the debug module in a fresh folder, optionally with `map` as its source map. */
function isolatedDebugModule(map?: string): { module: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), "trap-probe-"));
  const module = join(dir, "trap-probe.debug.wasm");
  copyFileSync(DEBUG, module);
  if (map !== undefined) writeFileSync(`${module}.map`, map);
  return { module, dir };
}

test("a missing source map degrades to names and says where it looked", async () => {
  const { module, dir } = isolatedDebugModule();
  try {
    const report = (await trap("index", { module })).crashReport!;
    assert.equal(report.filterFrame!.name, fn("limitFor"));
    assert.ok(report.frames.every((f) => f.source === null));
    assert.deepEqual(report.notes, [`no source lines: no source map at ${module}.map (debug builds write one)`]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a corrupt source map degrades to names and says why", async () => {
  for (const [map, why] of [
    ['{"version":3,"sources":["a.ts"],"mappings":"AAAA', /is not usable \(.*JSON/],
    ['{"version":2,"sources":[],"mappings":""}', /is not usable \(not a version 3 source map\)/],
    ['{"version":3,"sources":["x.ts"],"names":[],"mappings":"!!!!,zzzz"}', /has no position inside these functions \(is it from another build\?\)/],
  ] as const) {
    const { module, dir } = isolatedDebugModule(map);
    try {
      const plugin = await trap("index", { module });
      const report = plugin.crashReport!;
      assert.equal(report.filterFrame!.name, fn("limitFor"), map);
      assert.ok(report.frames.every((f) => f.source === null), map);
      assert.equal(report.notes.length, 1, map);
      assert.match(report.notes[0]!, why);
      assert.ok(plugin.failure!.endsWith(`\nNote: ${report.notes[0]}`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

test("the sourceMap option names the map for a module given as bytes, or turns maps off", async () => {
  const bytes = new Uint8Array(readFileSync(DEBUG));
  const named = (await trap("index", { module: bytes, sourceMap: `${DEBUG}.map` })).crashReport!;
  assert.equal(named.filterFrame!.source!.line, lineOf("trap:index"));
  const unnamed = (await trap("index", { module: bytes })).crashReport!;
  assert.equal(unnamed.filterFrame!.source, null);
  assert.match(unnamed.notes.join("\n"), /the module came without a file name or sourceMappingURL/);
  const off = (await trap("index", { sourceMap: false })).crashReport!;
  assert.equal(off.filterFrame!.name, fn("limitFor"));
  assert.deepEqual(off.notes, ["no source lines: source maps are turned off for this plugin"]);
  const missing = (await trap("index", { sourceMap: join(tmpdir(), "no-such-dir-for-trap-probe", "x.map") })).crashReport!;
  assert.match(missing.notes.join("\n"), /^no source lines: cannot read source map .*x\.map/);
});

test("a compiled module without its bytes still gets names", async () => {
  const module = new WebAssembly.Module(readFileSync(DEBUG));
  const report = (await trap("index", { module })).crashReport!;
  assert.equal(report.filterFrame!.name, fn("limitFor"));
  assert.equal(report.filterFrame!.source, null);
});

test("run prints the backtrace once, then where in the filter it failed; --json carries the frames", async () => {
  const run = async (...args: string[]) => {
    const result = await cliInProcess(["run", "-H", ":path: /", "-H", "x-trap: index", ...args, DEBUG]);
    return { code: result.code, text: [result.out, result.err].filter((t) => t !== "").join("\n") };
  };
  const { code, text } = await run();
  assert.equal(code, 1);
  const where = `${fn("limitFor")} at ${SOURCE}:${lineOf("trap:index")}:`;
  assert.equal(text.split("Proxy-Wasm plugin in-VM backtrace:").length, 2, text);
  assert.match(text, new RegExp(`\n {8}2: {2}0x[0-9a-f]+ - ${where.replace(/[<>]/g, ".")}`));
  assert.ok(text.includes(`\nVM failed: Function: proxy_on_request_headers failed: unreachable\n  In the filter: frame 2, ${where}`), text);

  const json = await run("--json");
  const report = JSON.parse(json.text).plugin.crashReport;
  assert.equal(report.filterFrame.name, fn("limitFor"));
  assert.equal(report.filterFrame.source.line, lineOf("trap:index"));

  const off = await run("--source-map", join(tmpdir(), "no-such-dir-for-trap-probe", "x.map"));
  assert.match(off.text, /\n {2}In the filter: frame 2, \S+limitFor\n {2}Note: no source lines: cannot read source map /);
});
