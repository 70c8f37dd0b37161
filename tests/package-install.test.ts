// The package as a user installs it: `npm pack` of sources that were never built,
// the tarball installed into a new project, `init` for every template, and in each
// scaffold its own `npm test`, `npm run package`, `push` and `render`, and a crash report that
// names the filter's line when the filter is broken; then an install from a git URL
// of a clone that was never built. Slow by nature (npm installs): one pack, one
// install and one npm cache serve every template.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { loadLayout } from "../cli/package/layout.js";
import { breakIndex } from "./support/out-of-range.js";
import { startStubRegistry } from "./support/stub-registry.js";
import { readTar } from "../cli/package/tar.js";
import {
  QUIET_INSTALL, copySources, mustRun, newProject, pack, pinnedVersion, runIn, scratch, type PackedPackage,
} from "../tools/user-project.js";

const MINUTE = 60_000;
const TEMPLATES = readdirSync(new URL("../../templates/", import.meta.url)).filter((n) => n !== "common" && !n.includes(".")).sort();

let work: ReturnType<typeof scratch>;
let source: string;
let packed: PackedPackage;

before(async () => {
  work = scratch("install");
  source = join(work.path, "source");
  copySources(source);
  packed = await pack(source, join(work.path, "packed"), 5 * MINUTE);
}, { timeout: 6 * MINUTE });

after(() => work?.remove());

test("the tarball holds what users need and nothing else", () => {
  const files = packed.files;
  for (const needed of ["index.ts", "exports.ts", "advanced.ts", "compat.ts", "asconfig.json", "out/cli/main.js", "out/host/index.js",
    "out/host/index.d.ts", "out/transform/index.js", "assembly/index.ts", "manifest/extension-manifest.schema.json",
    "templates/common/package.json", "templates/common/gitignore"]) {
    assert.ok(files.includes(needed), `${needed} is packed`);
  }
  const unwanted = files.filter((f) => /^(tests|tools|bench|examples|host|cli|transform)\//.test(f) || /^out\/(tests|tools|examples|bench)\//.test(f) ||
    f.startsWith("assembly/__tests__/") || f.endsWith(".map") || f.endsWith(".tsbuildinfo"));
  assert.deepEqual(unwanted, []);
});

test("init, npm test, npm run package, push and render work in a project that installed the tarball", { timeout: 20 * MINUTE }, async (t) => {
  const app = join(work.path, "app");
  newProject(app, "app");
  // assemblyscript comes in as the package's peer dependency (the newest release in its range).
  await mustRun(app, "npm", ["install", ...QUIET_INSTALL, packed.tarball, `typescript@${pinnedVersion("typescript")}`,
    `@types/node@${pinnedVersion("@types/node")}`], 10 * MINUTE);
  const cli = join(app, "node_modules", ".bin", "proxy-wasm-as");
  const registry = await startStubRegistry();
  t.after(() => registry.stop());
  const compiler = JSON.parse(readFileSync(join(app, "node_modules", "assemblyscript", "package.json"), "utf8")) as { version: string };
  t.diagnostic(`assemblyscript ${compiler.version}`);

  // ES modules only, and the filter-code entry is not for Node: one line each.
  const required = await runIn(app, "node", ["-e", "require('proxy-wasm-as/host')"], MINUTE);
  assert.notEqual(required.code, 0);
  assert.match(required.output, /proxy-wasm-as is ES modules only: import it/);
  const imported = await runIn(app, "node", ["--input-type=module", "-e", "import 'proxy-wasm-as'"], MINUTE);
  assert.notEqual(imported.code, 0);
  assert.match(imported.output, /proxy-wasm-as is AssemblyScript filter code for asc; in Node import "proxy-wasm-as\/host"/);

  // The host's types are the built declarations, without internal members, and check under strict settings.
  const declarations = join(app, "node_modules", "proxy-wasm-as", "out", "host");
  for (const file of filesUnder(declarations).filter((f) => f.endsWith(".d.ts"))) {
    assert.doesNotMatch(readFileSync(file, "utf8"), /@internal/, file);
  }
  writeFileSync(join(app, "uses-host.ts"), 'import { startPlugin, type Plugin } from "proxy-wasm-as/host";\nexport const started: Promise<Plugin> = startPlugin({ module: "x.wasm" });\n');
  await mustRun(app, join(app, "node_modules", ".bin", "tsc"), ["--noEmit", "--strict", "--skipLibCheck", "false", "--module", "nodenext",
    "--moduleResolution", "nodenext", "--target", "es2022", "--types", "node", "uses-host.ts"], 2 * MINUTE);

  for (const template of TEMPLATES) {
    await t.test(template, { timeout: 10 * MINUTE }, async () => {
      const name = `my-${template}`;
      const dir = join(app, name);
      await mustRun(app, cli, ["init", name, "--template", template], MINUTE);
      for (const file of ["package.json", "asconfig.json", "tsconfig.json", ".gitignore", "README.md", "manifest.yaml", "assembly/index.ts"]) {
        assert.ok(existsSync(join(dir, file)), `${template}: ${file}`);
      }

      const started = Date.now();
      const tested = await mustRun(dir, "npm", ["test"], 5 * MINUTE);
      t.diagnostic(`${template}: npm test took ${((Date.now() - started) / 1000).toFixed(1)} s`);
      const count = /test: (\d+) tests? passed/.exec(tested);
      assert.ok(count && Number(count[1]) > 0, `${template}: npm test ran tests\n${tested}`);

      await mustRun(dir, "npm", ["run", "package"], 5 * MINUTE);
      const image = await loadLayout(join(dir, "dist", name, "oci"));
      const layer = image.parsed.layers[0]!;
      const members = await readTar(gunzipSync(image.blobs.get(layer.digest)!));
      const inImage = (file: string) => members.find((m) => m.name.replace(/^\.\//, "") === file)?.data;
      assert.deepEqual(inImage("plugin.wasm"), readFileSync(join(dir, "build", `${name}.wasm`)), `${template}: the image holds the built module`);
      const manifest = join(work.path, `${name}.manifest.yaml`);
      writeFileSync(manifest, inImage("manifest.yaml")!);
      await mustRun(dir, cli, ["validate", manifest], MINUTE);

      // Then to a registry on loopback and into the mesh's resources, one command each.
      const reference = `${registry.host}/me/${name}:0.1.0`;
      const pushed = (await mustRun(dir, cli, ["push", `dist/${name}/oci`, reference], 2 * MINUTE)).trim();
      assert.equal(pushed, `${reference}@${image.manifest.digest}`);
      assert.ok(registry.manifests.size > 0);
      const rendered = await mustRun(dir, cli, ["render", ".", "--image", reference, "--digest", image.manifest.digest, "--kind", "sme,wasmplugin"], MINUTE);
      assert.match(rendered, /kind: ServiceMeshExtension[\s\S]*kind: WasmPlugin/);
      assert.match(rendered, new RegExp(`sha256: ${image.manifest.digest.slice(7)}`));

      // A mistake in the filter: its own npm test fails with a report that names the filter's file and line.
      if (template === "http-config") {
        const line = breakIndex(dir);
        const crashed = await runIn(dir, "npm", ["test"], 5 * MINUTE);
        assert.notEqual(crashed.code, 0, crashed.output);
        assert.match(crashed.output, /Index out of range/);
        assert.match(crashed.output, new RegExp(`In the filter: frame \\d+, assembly/index/Filter#onRequestHeaders at assembly/index\\.ts:${line}:\\d+`), crashed.output);
      }
    });
  }
});

test("installing from a git URL builds the package from a clone that was never built", { timeout: 20 * MINUTE }, async () => {
  const repo = join(work.path, "git-source");
  copySources(repo);
  const git = (...args: string[]) => execFileSync("git", ["-c", "user.name=test", "-c", "user.email=test@localhost", ...args], { cwd: repo, stdio: "pipe" });
  git("init", "-q");
  git("add", "-A"); // as a commit would: a source file an ignore pattern hides is missing here too
  git("commit", "-q", "-m", "sources");
  const app = join(work.path, "git-app");
  newProject(app, "git-app");
  await mustRun(app, "npm", ["install", ...QUIET_INSTALL, `git+file://${repo}`], 15 * MINUTE);
  const installed = join(app, "node_modules", "proxy-wasm-as");
  assert.ok(existsSync(join(installed, "out", "host", "index.d.ts")), "prepare built the declarations");
  assert.ok(!existsSync(join(installed, "tests")), "only the packed files are installed");
  const cli = join(app, "node_modules", ".bin", "proxy-wasm-as");
  assert.equal((await mustRun(app, cli, ["--version"], MINUTE)).trim(), readVersion());
  await mustRun(app, cli, ["init", "probe", "--template", "tcp"], MINUTE);
  const built = await mustRun(join(app, "probe"), cli, ["build"], 5 * MINUTE);
  assert.match(built, /probe: release [\d,]+ bytes build\/probe\.wasm, debug [\d,]+ bytes build\/probe\.debug\.wasm/);
  const host = await mustRun(app, "node", ["--input-type=module", "-e", "import('proxy-wasm-as/host').then((h) => console.log(typeof h.startPlugin))"], MINUTE);
  assert.equal(host.trim(), "function");
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)]);
}

function readVersion(): string {
  return (JSON.parse(readFileSync(join(source, "package.json"), "utf8")) as { version: string }).version;
}
