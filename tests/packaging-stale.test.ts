// package never packages a module older than its filter's sources: it builds it again,
// or (with --no-build, or with nothing to build from) refuses and says why.
import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cliInProcess } from "./support/cli.js";
import { builtModule } from "./support/examples.js";
import { tempDir } from "./support/tools.js";

const LONG_AGO = new Date("2001-01-01T00:00:00Z");

test("a module older than its sources is built again before it is packaged", { timeout: 300_000 }, async () => {
  const dir = tempDir("stale");
  try {
    const build = join(dir.path, "build");
    mkdirSync(build);
    const module = join(build, "header-append.wasm");
    copyFileSync(builtModule("header-append"), module);
    utimesSync(module, LONG_AGO, LONG_AGO);
    const args = ["package", join("examples", "header-append"), "--out", join(dir.path, "dist"), "--build-dir", build];

    const refused = await cliInProcess([...args, "--no-build"]);
    assert.equal(refused.code, 1);
    assert.match(refused.err, /^error: package: .*header-append\.wasm is older than its source (assembly\/\S+\.ts|asconfig\.json) \(changed .*, built 2001-01-01T00:00:00\.000Z\): build it first/);

    const rebuilt = await cliInProcess(args);
    assert.equal(rebuilt.code, 0, rebuilt.err);
    assert.match(rebuilt.err, /• building header-append: .*header-append\.wasm is older than its source/);
    assert.ok(statSync(module).mtime > LONG_AGO, "the module was rebuilt");

    const fresh = await cliInProcess(args);
    assert.equal(fresh.code, 0, fresh.err);
    assert.doesNotMatch(fresh.err, /building/, "an up-to-date module is packaged as it is");
  } finally {
    dir.remove();
  }
});

test("a stale module with nothing to build it from is refused with the reason", async () => {
  const dir = tempDir("stale-nobuild");
  try {
    const folder = join(dir.path, "x");
    mkdirSync(join(folder, "assembly"), { recursive: true });
    writeFileSync(join(folder, "manifest.yaml"), "schemaVersion: 1\nname: x\nversion: '1'\nphase: PostAuthZ\npriority: 1\nmodule: plugin.wasm\n");
    writeFileSync(join(folder, "assembly", "index.ts"), "// changed\n");
    const build = join(dir.path, "build");
    mkdirSync(build);
    copyFileSync(builtModule("header-append"), join(build, "x.wasm"));
    utimesSync(join(build, "x.wasm"), LONG_AGO, LONG_AGO);
    const r = await cliInProcess(["package", folder, "--out", join(dir.path, "dist"), "--build-dir", build]);
    assert.equal(r.code, 1);
    assert.match(r.err, /x\.wasm is older than its source assembly\/index\.ts .*, and .*x has no asconfig\.json to build it from$/);
  } finally {
    dir.remove();
  }
});
