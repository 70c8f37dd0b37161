// `init`, and the `build`/`test` commands in the project it writes, against this
// repository's own build (the scaffold's node_modules link to it). The install
// from a packed tarball is tests/package-install.test.ts.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { appendFileSync, mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { main } from "../cli/main.js";
import type { Io } from "../cli/command.js";
import { REPOSITORY, runIn, scratch } from "../tools/user-project.js";
import { breakIndex } from "./support/out-of-range.js";

const CLI = fileURLToPath(new URL("../cli/main.js", import.meta.url));
const TEMPLATES = ["http-callout", "http-config", "tcp"];
const PACKAGE = JSON.parse(readFileSync(join(REPOSITORY, "package.json"), "utf8")) as {
  version: string;
  peerDependencies: Record<string, string>;
};

let work: ReturnType<typeof scratch>;

before(() => {
  work = scratch("init");
  // What `npm install` gives a scaffold, taken from this repository.
  const modules = join(work.path, "node_modules");
  mkdirSync(join(modules, "@types"), { recursive: true });
  symlinkSync(REPOSITORY, join(modules, "proxy-wasm-as"), "dir");
  for (const name of ["assemblyscript", "typescript", "@types/node"]) symlinkSync(join(REPOSITORY, "node_modules", name), join(modules, name), "dir");
});

after(() => work?.remove());

interface Ran {
  code: number;
  out: string[];
  err: string[];
}

async function cli(cwd: string, ...argv: string[]): Promise<Ran> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (l) => out.push(l), err: (l) => err.push(l), stdin: async () => "", env: process.env, cwd };
  const code = await main(argv, io);
  return { code, out, err };
}

function filesUnder(dir: string, base = dir): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? filesUnder(path, base) : [relative(base, path)];
  });
}

async function scaffold(name: string, template: string): Promise<string> {
  const result = await cli(work.path, "init", name, "--template", template);
  assert.equal(result.code, 0, result.err.join("\n"));
  return join(work.path, name);
}

test("init writes each template's project with every placeholder filled", async () => {
  for (const template of TEMPLATES) {
    const dir = await scaffold(`t-${template}`, template);
    const files = filesUnder(dir).map((f) => f.split("\\").join("/")).sort();
    assert.deepEqual(files, [".gitignore", "README.md", "asconfig.json", "assembly/index.ts", "assembly/tsconfig.json", "manifest.yaml",
      "package.json", "test/filter.test.ts", "tsconfig.json"]);
    for (const file of files) assert.doesNotMatch(readFileSync(join(dir, file), "utf8"), /\{\{|\}\}/, `${template}: ${file}`);
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name: string; scripts: Record<string, string>; devDependencies: Record<string, string> };
    assert.equal(pkg.name, `t-${template}`);
    assert.deepEqual(Object.keys(pkg.scripts).sort(), ["asbuild", "package", "test"]);
    assert.equal(pkg.devDependencies["proxy-wasm-as"], `^${PACKAGE.version}`);
    assert.equal(pkg.devDependencies["assemblyscript"], PACKAGE.peerDependencies["assemblyscript"]);
    assert.match(readFileSync(join(dir, "test", "filter.test.ts"), "utf8"), new RegExp(`build/t-${template}\\.debug\\.wasm`));
    const validated = await cli(dir, "validate");
    assert.equal(validated.code, 0, validated.err.join("\n"));
  }
});

test("init writes the proxy-wasm-as dependency --sdk names, and the name --name gives", async () => {
  const result = await cli(work.path, "init", "Some Folder", "--name", "renamed", "--sdk", "file:../proxy-wasm-as.tgz");
  assert.equal(result.code, 0, result.err.join("\n"));
  const pkg = JSON.parse(readFileSync(join(work.path, "Some Folder", "package.json"), "utf8")) as { name: string; devDependencies: Record<string, string> };
  assert.equal(pkg.name, "renamed");
  assert.equal(pkg.devDependencies["proxy-wasm-as"], "file:../proxy-wasm-as.tgz");
});

test("init writes an --sdk path, given from where it runs, as file: relative to the project; other specs as given", async () => {
  const cases: [sdk: string, into: string, written: string][] = [
    ["./proxy-wasm-as-0.1.0.tgz", "f1", "file:../proxy-wasm-as-0.1.0.tgz"],
    ["proxy-wasm-as-0.1.0.tgz", "nested/f2", "file:../../proxy-wasm-as-0.1.0.tgz"],
    ["../sdk", "f3", "file:../../sdk"],
    ["git+file:///srv/sdk.git", "f4", "git+file:///srv/sdk.git"],
    ["^0.1.0", "f5", "^0.1.0"],
  ];
  const from = join(work.path, "sdk-paths");
  mkdirSync(from);
  for (const [sdk, into, written] of cases) {
    const result = await cli(from, "init", into, "--sdk", sdk);
    assert.equal(result.code, 0, result.err.join("\n"));
    const pkg = JSON.parse(readFileSync(join(from, into, "package.json"), "utf8")) as { devDependencies: Record<string, string> };
    assert.equal(pkg.devDependencies["proxy-wasm-as"], written, sdk);
  }
});

test("init refuses a folder in use, a name that cannot name a filter and an unknown template, in one line each", async () => {
  mkdirSync(join(work.path, "busy"));
  writeFileSync(join(work.path, "busy", "notes.txt"), "mine\n");
  const busy = await cli(work.path, "init", "busy");
  assert.equal(busy.code, 1);
  assert.deepEqual(busy.err, ["error: init: busy already exists and is not an empty folder"]);
  assert.equal(readFileSync(join(work.path, "busy", "notes.txt"), "utf8"), "mine\n");

  const badName = await cli(work.path, "init", "My_Filter");
  assert.equal(badName.code, 2);
  assert.deepEqual(badName.err, ['error: init: "My_Filter" cannot name a filter: use up to 63 lowercase letters, digits and "-" (or give --name)']);

  const badTemplate = await cli(work.path, "init", "x", "--template", "grpc");
  assert.equal(badTemplate.code, 2);
  assert.equal(badTemplate.err.length, 1);
  assert.match(badTemplate.err[0]!, /--template.*grpc.*http-callout, http-config, tcp/);
});

test("a scaffold's test command passes, and fails when a test fails or none ran", { timeout: 10 * 60_000 }, async () => {
  const dir = await scaffold("checked", "http-config");
  const passed = await cli(dir, "test");
  assert.equal(passed.code, 0, passed.err.join("\n"));
  assert.match(passed.out.join("\n"), /checked: release [\d,]+ bytes build\/checked\.wasm, debug [\d,]+ bytes build\/checked\.debug\.wasm/);
  assert.ok(passed.out.includes("test: 5 tests passed"), passed.out.join("\n"));

  const testFile = join(dir, "test", "filter.test.ts");
  const original = readFileSync(testFile, "utf8");
  writeFileSync(testFile, original.replace('"payments");', '"someone else");'));
  const failed = await cli(dir, "test");
  assert.equal(failed.code, 1);
  assert.deepEqual(failed.err.slice(-1), ["error: test: 1 of 5 tests failed"]);

  writeFileSync(testFile, "export {};\n");
  const none = await cli(dir, "test");
  assert.equal(none.code, 1);
  assert.deepEqual(none.err.slice(-1), ["error: test: no test ran (1 test file defined none)"]);
});

test("a filter that traps fails its scaffold test with the crash report, down to the line in assembly/index.ts", { timeout: 10 * 60_000 }, async () => {
  const dir = await scaffold("crashing", "http-config");
  const line = breakIndex(dir);
  // Its own process in the project folder, as npm test runs it: the compiler names sources from there.
  const failed = await runIn(dir, process.execPath, [CLI, "test"], 5 * 60_000);
  assert.equal(failed.code, 1);
  assert.match(failed.output, /AssertionError \[ERR_ASSERTION\]: panic: Index out of range/);
  assert.match(failed.output, /Proxy-Wasm plugin in-VM backtrace:/);
  assert.match(failed.output, new RegExp(`In the filter: frame \\d+, assembly/index/Filter#onRequestHeaders at assembly/index\\.ts:${line}:\\d+`), failed.output);
  assert.match(failed.output, /error: test: 1 of 5 tests failed\n$/);
});

test("build fails with the compiler's diagnostics when the filter does not compile", { timeout: 5 * 60_000 }, async () => {
  const dir = await scaffold("broken", "tcp");
  appendFileSync(join(dir, "assembly", "index.ts"), "\nconst wrong: i32 = \"text\";\n");
  const result = await cli(dir, "build");
  assert.equal(result.code, 1);
  assert.match(result.err.join("\n"), /TS2322/);
  assert.deepEqual(result.err.slice(-1), ["error: build: broken does not compile"]);
  const outside = await cli(work.path, "build");
  assert.equal(outside.code, 1);
  assert.match(outside.err.join("\n"), /has no asconfig\.json/);
});

/** Starts the CLI with --watch; resolves with its output once `count` lines match `pattern`, then stops it. */
function watchUntil(dir: string, args: string[], pattern: RegExp, count: number, onMatch: (n: number) => void, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env };
    delete env.NODE_TEST_CONTEXT;
    const child = spawn(process.execPath, [CLI, ...args], { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    let seen = 0;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`no ${count} × ${pattern} within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const take = (chunk: Buffer) => {
      output += chunk.toString("utf8");
      const matches = output.split("\n").filter((line) => pattern.test(line)).length;
      while (seen < matches) {
        seen++;
        if (seen === count) child.kill("SIGTERM");
        else onMatch(seen);
      }
    };
    child.stdout.on("data", take);
    child.stderr.on("data", take);
    child.on("close", (code) => {
      clearTimeout(timer);
      if (seen >= count) resolve(output);
      else reject(new Error(`the watcher ended (${code}) before ${count} × ${pattern}:\n${output}`));
    });
  });
}

test("build --watch builds again after a source changes", { timeout: 5 * 60_000 }, async () => {
  const dir = await scaffold("watched", "tcp");
  const source = join(dir, "assembly", "index.ts");
  const output = await watchUntil(dir, ["build", "--watch"], /^watched: release /, 2,
    () => appendFileSync(source, "\nexport const changed: i32 = 1;\n"), 4 * 60_000);
  assert.match(output, /changed: assembly\/index\.ts/);
});

test("test --watch runs the tests again after a test changes", { timeout: 5 * 60_000 }, async () => {
  const dir = await scaffold("retested", "tcp");
  const testFile = join(dir, "test", "filter.test.ts");
  const output = await watchUntil(dir, ["test", "--watch"], /^test: \d+ tests? passed/, 2,
    () => appendFileSync(testFile, "\ntest(\"one more\", () => {});\n"), 4 * 60_000);
  assert.match(output, /test: 3 tests passed[\s\S]*changed: test\/filter\.test\.ts[\s\S]*test: 4 tests passed/);
});

