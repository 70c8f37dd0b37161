// Files the CLI reads, made hostile: alias bombs, links out of the filter folder,
// devices, FIFOs, oversized files and manifests with huge or countless errors. Each is
// refused quickly with one bounded message that names the file and the limit.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PHASES } from "../host/index.js";
import { MAX_REPORTED_ERRORS } from "../cli/manifest/validate.js";
import { cliInProcess } from "./support/cli.js";
import { builtModule, examplesWithManifest } from "./support/examples.js";
import { tempDir } from "./support/tools.js";
import { readFileSync } from "node:fs";

const GOOD = "schemaVersion: 1\nname: x\nversion: '1'\nphase: PostAuthZ\npriority: 1\nmodule: plugin.wasm\n";

const BILLION_LAUGHS = [
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ...["b", "c", "d", "e", "f", "g", "h", "i"].map((n, i) => `${n}: &${n} [${Array(9).fill(`*${"abcdefghi"[i]}`).join(",")}]`),
].join("\n") + "\n";

function withDir<T>(body: (dir: string) => Promise<T>): Promise<T> {
  const dir = tempDir("hostile");
  return body(dir.path).finally(() => dir.remove());
}

/** A filter folder holding `manifest.yaml` made by `make`, and build/<name>.wasm beside it. */
function filterFolder(root: string, make: (manifest: string) => void): string {
  const folder = join(root, "x");
  mkdirSync(folder);
  make(join(folder, "manifest.yaml"));
  mkdirSync(join(root, "build"), { recursive: true });
  copyFileSync(builtModule(examplesWithManifest()[0]), join(root, "build", "x.wasm"));
  return folder;
}

test("the manifest schema's phases are the host's PHASES", () => {
  const schema = JSON.parse(readFileSync(join("manifest", "extension-manifest.schema.json"), "utf8")) as { properties: { phase: { enum: string[] } } };
  assert.deepEqual(schema.properties.phase.enum, [...PHASES]);
});

test("YAML alias bombs and cycles are refused at the alias, with file:line:col", async () => {
  await withDir(async (dir) => {
    const bomb = join(dir, "bomb.yaml");
    writeFileSync(bomb, BILLION_LAUGHS);
    const started = Date.now();
    const r = await cliInProcess(["render", join("examples", examplesWithManifest()[0]), "--image", "quay.io/a/b:1", "--config", bomb]);
    assert.equal(r.code, 1);
    assert.match(r.err, /^error: render: .*bomb\.yaml:\d+:\d+: aliases expand to more than 100000 values \(the limit on alias expansion\)/);
    assert.ok(Date.now() - started < 10_000, "refused quickly");
    const cycle = join(dir, "cycle.yaml");
    writeFileSync(cycle, "a: 1\nb: &x\n  c: [1, *x]\n");
    const c = await cliInProcess(["render", join("examples", examplesWithManifest()[0]), "--image", "quay.io/a/b:1", "--config", cycle]);
    assert.equal(c.code, 1);
    assert.match(c.err, /cycle\.yaml:3:10: alias \*x refers to a value that contains it \(a cycle\)$/);
    const manifest = join(dir, "manifest.yaml");
    writeFileSync(manifest, GOOD + "description: &d [*d]\n");
    const v = await cliInProcess(["validate", manifest]);
    assert.equal(v.code, 1);
    assert.match(v.err, /manifest\.yaml:7:\d+: alias \*d refers to a value that contains it/);
  });
});

test("validate and package read only regular files inside the filter folder", async () => {
  const refused = async (make: (manifest: string) => void, reason: RegExp) =>
    withDir(async (dir) => {
      const folder = filterFolder(dir, make);
      const v = await cliInProcess(["validate", folder]);
      assert.equal(v.code, 1, v.err);
      assert.match(v.err, reason);
      assert.doesNotMatch(v.err, /root:/, "no content of the target is shown");
      const p = await cliInProcess(["package", folder, "--out", join(dir, "dist"), "--build-dir", join(dir, "build")]);
      assert.equal(p.code, 1, p.err);
      assert.match(p.err, reason);
    });
  await refused((m) => symlinkSync("/etc/passwd", m), /manifest\.yaml:1:1: resolves outside .* \(a link out of the folder is not followed\)/);
  await refused((m) => symlinkSync("/dev/zero", m), /resolves outside/);
  await withDir(async (elsewhere) => {
    const valid = join(elsewhere, "manifest.yaml");
    writeFileSync(valid, GOOD);
    await refused((m) => symlinkSync(valid, m), /resolves outside/);
  });
  await refused((m) => execFileSync("mkfifo", [m]), /manifest\.yaml:1:1: is a FIFO, not a regular file/);
  await refused((m) => mkdirSync(m), /manifest\.yaml:1:1: is a directory, not a regular file/);
  await refused((m) => writeFileSync(m, GOOD + "#".repeat(2 * 1024 * 1024) + "\n"), /is \d+ bytes, more than the limit of 1048576 \(a manifest\.yaml is limited to 1 MiB\)/);
  // A link that stays inside the folder is fine.
  await withDir(async (dir) => {
    const folder = filterFolder(dir, (m) => {
      writeFileSync(join(m, "..", "real.yaml"), GOOD);
      symlinkSync("real.yaml", m);
    });
    const v = await cliInProcess(["validate", folder]);
    assert.equal(v.code, 0, v.err);
  });
});

test("package refuses a module that is not a regular file or is over --max-module-bytes", async () => {
  await withDir(async (dir) => {
    const folder = filterFolder(dir, (m) => writeFileSync(m, GOOD));
    const args = ["package", folder, "--out", join(dir, "dist"), "--build-dir", join(dir, "build")];
    const small = await cliInProcess([...args, "--max-module-bytes", "100"]);
    assert.equal(small.code, 1);
    assert.match(small.err, /x\.wasm: is \d+ bytes, more than the limit of 100 \(--max-module-bytes\)/);
    const module = join(dir, "build", "x.wasm");
    execFileSync("rm", [module]);
    execFileSync("mkfifo", [module]);
    const fifo = await cliInProcess(args);
    assert.equal(fifo.code, 1);
    assert.match(fifo.err, /x\.wasm: is a FIFO, not a regular file/);
  });
});

test("manifest errors are bounded: long values cut, at most 20 listed, the rest counted", async () => {
  await withDir(async (dir) => {
    const file = join(dir, "manifest.yaml");
    writeFileSync(file, GOOD + `${"k".repeat(1_000_000)}: 1\n`);
    const long = await cliInProcess(["validate", file]);
    assert.equal(long.code, 1);
    const line = long.err.split("\n")[0];
    assert.ok(line.length < 400, `one short line, got ${line.length} characters`);
    assert.match(line, /unknown key "k{80}…\(999920 more characters\)"/);

    const many = Array.from({ length: 100_000 }, (_, i) => `u${i}: 1`).join("\n");
    writeFileSync(file, GOOD + many + "\n");
    const r = await cliInProcess(["validate", file]);
    assert.equal(r.code, 1);
    const lines = r.err.split("\n");
    assert.equal(lines.filter((l) => /unknown key/.test(l)).length, MAX_REPORTED_ERRORS);
    assert.ok(lines.some((l) => /… and 99980 more problems \(only the first 20 are listed\)/.test(l)), r.err.slice(-300));
    assert.ok(r.err.length < 10_000, `${r.err.length} characters of errors`);
  });
});
