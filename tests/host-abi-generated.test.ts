// The generated ABI files (docs/abi.md) are checked by `npm test`: `gen-abi --check` passes on
// the repository and fails, naming the file, once a generated file is edited by hand.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { OUTPUTS, exportsByVersion, loadDescription } from "../tools/gen-abi.js";

function check(root: string): { status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [join(root, "out", "tools", "gen-abi.js"), "--check"], { encoding: "utf8", timeout: 30_000 });
  return { status: r.status, stderr: r.stderr };
}

test("gen-abi --check passes on the repository and fails when a generated file is edited", () => {
  assert.equal(check(process.cwd()).status, 0, "the committed generated files match abi/proxy-wasm-abi.json");
  const root = mkdtempSync(join(tmpdir(), "gen-abi-"));
  try {
    for (const path of ["abi/proxy-wasm-abi.json", "out/tools/gen-abi.js", "package.json", ...Object.values(OUTPUTS)]) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      cpSync(path, join(root, path));
    }
    assert.equal(check(root).status, 0, "an untouched copy is up to date");
    const edited = join(root, OUTPUTS.hostTables);
    writeFileSync(edited, readFileSync(edited, "utf8").replace('proxy_log: { module: "env", sig: "iii:i"', 'proxy_log: { module: "env", sig: "ii:i"'));
    const r = check(root);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /stale: host\/abi\/tables\.ts/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("the host's imports and the described host calls are the same set", async () => {
  const { hostCall, checkComplete } = await import("../host/imports/registry.js");
  const { ALL_IMPORTS } = await import("../host/imports/index.js");
  const { HOST_CALLS } = await import("../host/abi/tables.js");
  assert.deepEqual(ALL_IMPORTS.map((d) => d.name).sort(), Object.keys(HOST_CALLS).sort());
  const log = ALL_IMPORTS.find((d) => d.name === "proxy_log")!;
  assert.equal(log.sig, HOST_CALLS.proxy_log!.sig, "the signature comes from the table");
  assert.throws(() => hostCall("proxy_not_described", () => () => 0), /proxy_not_described is implemented but not described/);
  assert.throws(() => checkComplete(ALL_IMPORTS.filter((d) => d.name !== "proxy_done")), /not implemented: proxy_done/);
  assert.throws(() => checkComplete([...ALL_IMPORTS, log]), /proxy_log is implemented twice/);
});

test("each version's export table, built from the common exports and its differences, is the one the description lists", async () => {
  const { EXPORT_SIGNATURES } = await import("../host/abi/tables.js");
  const described = exportsByVersion(loadDescription());
  assert.deepEqual(Object.keys(EXPORT_SIGNATURES), [...described.keys()]);
  for (const [version, table] of described) {
    const built = EXPORT_SIGNATURES[version as keyof typeof EXPORT_SIGNATURES];
    assert.deepEqual(Object.entries(built), [...table], `ABI ${version}: same names, signatures and order`);
  }
  assert.equal(EXPORT_SIGNATURES["0.1.0"].proxy_on_request_headers, "ii:i", "0.1.0's own signature");
  assert.equal(EXPORT_SIGNATURES["0.2.1"].proxy_on_request_headers, "iii:i");
  assert.equal(EXPORT_SIGNATURES["0.1.0"].proxy_on_foreign_function, undefined, "0.1.0 has no foreign functions");
});
