// The README's quick start is real code: its asconfig.json and filter are
// taken from the README, compiled (with no warning from the SDK), and run.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { LogLevel, startPlugin } from "proxy-wasm-as/host";
import { compileFilter, sdkWarnings } from "./support/compile.js";

/** The fenced block that follows the line naming `file` in the README. */
function snippet(readme: string, file: string): string {
  const at = readme.indexOf("`" + file + "`");
  assert.ok(at >= 0, `the README names ${file}`);
  const block = /```[a-z]*\n([\s\S]*?)```/.exec(readme.slice(at));
  assert.ok(block !== null, `a code block follows ${file}`);
  return block[1];
}

// Under build/ (ignored by git) so that "proxy-wasm-as" resolves through the repository's node_modules.
const DIR = join("build", "quick-start");
const MODULE = join(DIR, "hello.wasm");

test("the quick start compiles as written, without SDK warnings", async () => {
  const readme = readFileSync("README.md", "utf8");
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(join(DIR, "assembly"), { recursive: true });
  writeFileSync(join(DIR, "asconfig.json"), snippet(readme, "examples/hello/asconfig.json"));
  writeFileSync(join(DIR, "assembly", "index.ts"), snippet(readme, "examples/hello/assembly/index.ts"));
  const { error, diagnostics } = await compileFilter(DIR, MODULE);
  assert.equal(error, null, diagnostics);
  assert.deepEqual(sdkWarnings(diagnostics), []);
});

function get(plugin: Awaited<ReturnType<typeof startPlugin>>, path: string) {
  const stream = plugin.newHttpStream();
  stream.sendRequestHeaders({ ":method": "GET", ":path": path, ":authority": "example.com" }, true);
  if (stream.localReply === null) stream.sendResponseHeaders({ ":status": "200" }, true);
  stream.complete();
  return stream;
}

test("the quick start greets, answers /forbidden, and serves any root id", async () => {
  for (const rootId of ["", "hello", "anything"]) {
    const plugin = await startPlugin({ module: MODULE, rootId, configuration: '{"greeting": "hi"}' });
    assert.equal(plugin.configured, true);
    assert.equal(get(plugin, "/").responseHeaders.get("x-greeting"), "hi");
    assert.equal(get(plugin, "/forbidden").localReply?.status, 403);
  }
  const unconfigured = await startPlugin({ module: MODULE });
  assert.equal(get(unconfigured, "/").responseHeaders.get("x-greeting"), "hello");
});

test("the quick start refuses a configuration that is not a JSON object, without trapping", async () => {
  for (const [configuration, message] of [
    ["[1]", /hello: configuration must be a JSON object, not an array/],
    ["not json", /hello: configuration is not valid JSON: at byte 0: /],
  ] as const) {
    const plugin = await startPlugin({ module: MODULE, configuration });
    assert.equal(plugin.configured, false);
    assert.equal(plugin.trapped, false, `no trap (${plugin.failure})`);
    assert.match(plugin.logsAt(LogLevel.Critical).join("\n"), message);
  }
});
