// The CLI as a user runs it: node out/cli/main.js <command> …
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadAll } from "js-yaml";
import { examplesWithManifest } from "./support/examples.js";
import { startRegistry } from "./support/registry.js";
import { freePort, run, skopeo, tempDir } from "./support/tools.js";

const CLI = join("out", "cli", "main.js");
const cli = (args: string[], input?: string) => run(process.execPath, [CLI, ...args], { input, timeoutMs: 60_000 });

/** A failure is one line on stderr starting with "error:". */
function assertOneLineError(result: { code: number; stderr: string }, pattern: RegExp): void {
  assert.notEqual(result.code, 0);
  const lines = result.stderr.trim().split("\n").filter((l) => !l.startsWith("•"));
  assert.equal(lines.length, 1, result.stderr);
  assert.match(lines[0], pattern);
}

test("help: the dispatcher and every command", async () => {
  const top = await cli(["--help"]);
  assert.equal(top.code, 0);
  for (const name of ["validate", "package", "push", "render", "run"]) {
    assert.match(top.stdout, new RegExp(`^  ${name} `, "m"));
    const help = await cli([name, "--help"]);
    assert.equal(help.code, 0, name);
    assert.match(help.stdout, new RegExp(`^Usage: proxy-wasm-as ${name} `));
  }
  assert.equal((await cli([])).code, 2);
  const unknown = await cli(["deploy"]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command 'deploy'/);
  assertOneLineError(await cli(["package", "--bogus"]), /^error: package: unknown option '--bogus'.*\(see package --help\)$/);
});

test("usage errors exit 2 in every command, with a suggestion for a near miss", async () => {
  const usage = [
    { argv: ["validate", "--al"], line: /^error: validate: unknown option '--al' \(Did you mean --all\?\) \(see validate --help\)$/ },
    { argv: ["package", "--buil", "x"], line: /^error: package: unknown option '--buil' \(Did you mean --build\?\)/ },
    { argv: ["package", "--epoch", "-1", "x"], line: /^error: package: option '--epoch <seconds>' argument '-1' is invalid/ },
    { argv: ["push", "only-one"], line: /^error: push: missing required argument 'reference'/ },
    { argv: ["push", "--format", "oic", "a", "b/c:1"], line: /^error: push: .*'oic' is invalid\. expected one of oci, docker/ },
    { argv: ["render", "x", "--phase", "Stats"], line: /^error: render: .*'Stats' is invalid\. expected one of PreAuthN,/ },
    { argv: ["render", "x", "--port", "eighty"], line: /^error: render: option '--port <n>' argument 'eighty' is invalid/ },
    { argv: ["run", "--tiks", "1", "x.wasm"], line: /^error: run: unknown option '--tiks' \(Did you mean --ticks\?\)/ },
    { argv: ["run", "--ticks", "1.5", "x.wasm"], line: /^error: run: option '--ticks <n>' argument '1\.5' is invalid/ },
    { argv: ["run", "--ticks", "0x10", "x.wasm"], line: /^error: run: option '--ticks <n>' argument '0x10' is invalid\. expected a whole number/ },
    { argv: ["run", "--requests", "0", "x.wasm"], line: /^error: run: option '--requests <n>' argument '0' is invalid/ },
    { argv: ["push", "--timeout", "soon", "a", "b/c:1"], line: /^error: push: option '--timeout <seconds>' argument 'soon' is invalid/ },
    { argv: ["run", "a.wasm", "b.wasm"], line: /^error: run: too many arguments/ },
    { argv: ["rnu"], line: /^error: unknown command 'rnu' \(Did you mean run\?\)/ },
  ];
  for (const { argv, line } of usage) {
    const result = await cli(argv);
    assert.equal(result.code, 2, `${argv.join(" ")}: ${result.stderr}`);
    assertOneLineError(result, line);
  }
  const failure = await cli(["validate", join("no", "such", "manifest.yaml")]);
  assert.equal(failure.code, 1, failure.stderr);
});

test("validate: ok for the examples, file:line:column for a bad manifest", async () => {
  const ok = await cli(["validate", "--all"]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(ok.stdout.trim().split("\n").length, examplesWithManifest().length);
  const dir = tempDir("cli-validate");
  try {
    const file = join(dir.path, "manifest.yaml");
    writeFileSync(file, "schemaVersion: 1\nname: x\nversion: '1'\nphase: Stats\npriority: 1\nmodule: plugin.wasm\n");
    const bad = await cli(["validate", file]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /manifest\.yaml:4:8: phase: string "Stats" is not one of PreAuthN/);
  } finally {
    dir.remove();
  }
});

test("package, then push to a registry with a password on stdin, then render with the printed digest", async () => {
  const out = tempDir("cli-flow");
  const user = { username: "ci", password: "pw-from-stdin" };
  const registry = await startRegistry({ user });
  try {
    const name = examplesWithManifest()[0];
    const packaged = await cli(["package", join("examples", name), "--out", out.path]);
    assert.equal(packaged.code, 0, packaged.stderr);
    assert.match(packaged.stderr, new RegExp(`• packaging ${name} `));
    const summary = JSON.parse(readFileSync(join(out.path, name, "image.json"), "utf8")) as { manifests: { oci: string }; tag: string };
    assert.match(packaged.stdout, new RegExp(`^${name} ${summary.tag} ${summary.manifests.oci} `));

    const digestFile = join(out.path, "digest");
    const pushed = await cli(["push", join(out.path, name, `${name}.tar`), `${registry.host}/mesh/${name}`, "--username", user.username, "--password-stdin", "--digest-file", digestFile], `${user.password}\n`);
    assert.equal(pushed.code, 0, pushed.stderr);
    assert.equal(pushed.stdout.trim(), `${registry.host}/mesh/${name}:${summary.tag}@${summary.manifests.oci}`);
    assert.match(pushed.stderr, /• uploading layer sha256:/);
    assert.match(pushed.stderr, /• verifying /);
    assert.equal(readFileSync(digestFile, "utf8").trim(), summary.manifests.oci);
    const inspected = JSON.parse(await skopeo(["inspect", "--tls-verify=false", "--creds", `${user.username}:${user.password}`, `docker://${registry.host}/mesh/${name}:${summary.tag}`])) as { Digest: string };
    assert.equal(inspected.Digest, summary.manifests.oci);

    const config = join(out.path, "config.yaml");
    writeFileSync(config, "x-greeting: hello\n");
    const output = join(out.path, "resources.yaml");
    const rendered = await cli(["render", join("examples", name), "--image", `${registry.host}/mesh/${name}:${summary.tag}`, "--digest", summary.manifests.oci, "--config", config, "--kind", "wasmplugin,sme", "--selector", "app=web", "-o", output]);
    assert.equal(rendered.code, 0, rendered.stderr);
    const [plugin, sme] = loadAll(readFileSync(output, "utf8")) as any[];
    assert.equal(plugin.kind, "WasmPlugin");
    assert.equal(plugin.spec.sha256, summary.manifests.oci.slice(7));
    assert.equal(plugin.spec.url, `oci://${registry.host}/mesh/${name}:${summary.tag}`);
    assert.deepEqual(plugin.spec.pluginConfig, { "x-greeting": "hello" });
    assert.equal(sme.kind, "ServiceMeshExtension");
    assert.deepEqual(sme.spec.workloadSelector, { labels: { app: "web" } });

    const wrong = await cli(["push", join(out.path, name, "oci"), `${registry.host}/mesh/${name}`, "--username", user.username, "--password-stdin"], "nope\n");
    assertOneLineError(wrong, /^error: push: .*401 Unauthorized/);
  } finally {
    await registry.stop();
    out.remove();
  }
});

test("bad input ends with a non-zero exit and a one-line cause", async () => {
  const dir = tempDir("cli-bad");
  try {
    const name = examplesWithManifest()[0];
    const list = join(dir.path, "list.yaml");
    writeFileSync(list, "- a\n- b\n");
    assertOneLineError(await cli(["render", join("examples", name), "--image", "quay.io/a/b:1", "--config", list]), /^error: render: .*list\.yaml:1:1: the configuration must be a mapping/);
    const broken = join(dir.path, "broken.json");
    writeFileSync(broken, '{"a": [1, 2}\n');
    assertOneLineError(await cli(["render", join("examples", name), "--image", "quay.io/a/b:1", "--config", broken]), /^error: render: .*broken\.json:1:\d+: invalid YAML/);
    assertOneLineError(await cli(["render", join("examples", name), "--image", "quay.io/a/b"]), /needs a tag or a digest/);
    assertOneLineError(await cli(["render", join("examples", name), "--kind", "gateway", "--image", "quay.io/a/b:1"]), /unknown --kind "gateway"/);
    assertOneLineError(await cli(["render", join("examples", name)]), /--image is required/);
    assertOneLineError(await cli(["package", join(dir.path, "nowhere")]), /has no manifest\.yaml/);
    assertOneLineError(await cli(["push", join("examples", name), "registry-without-host:1"]), /needs a registry host/);
    const port = await freePort();
    const refused = await cli(["push", join(dir.path), `127.0.0.1:${port}/a/b:1`, "--attempts", "1"]);
    assertOneLineError(refused, /^error: push: .*is not an OCI image layout/);
    const packaged = await cli(["package", join("examples", name), "--out", dir.path]);
    assert.equal(packaged.code, 0);
    assertOneLineError(await cli(["push", join(dir.path, name, "oci"), `127.0.0.1:${port}/a/b:1`, "--attempts", "1"]), /^error: push: checking the registry: cannot reach 127\.0\.0\.1:\d+: connection refused$/);
    const envoy = await cli(["render", join("examples", name), "--kind", "envoy", "--module", "build/x.wasm"]);
    assert.equal(envoy.code, 0, envoy.stderr);
    assert.match(envoy.stdout, /filename: build\/x\.wasm/);
    assert.ok(existsSync(join(dir.path, name, `${name}.tar`)));
  } finally {
    dir.remove();
  }
});
