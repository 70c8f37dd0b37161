// WebAssembly text written inside a test, compiled with wat2wasm (wabt) into bytes.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export function wat(text: string, features: string[] = []): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), "wat-"));
  try {
    writeFileSync(join(dir, "m.wat"), text);
    const r = spawnSync("wat2wasm", [...features, join(dir, "m.wat"), "-o", join(dir, "m.wasm")], { encoding: "utf8", timeout: 30_000 });
    if (r.status !== 0) throw new Error(`wat2wasm failed: ${r.stderr}${r.error ?? ""}`);
    return new Uint8Array(readFileSync(join(dir, "m.wasm")));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The imports and exports every proxy-wasm test module needs, ahead of the module's own body. */
export const PROLOGUE = `
  (memory (export "memory") 2)
  (func (export "proxy_abi_version_0_2_1"))
  (func (export "malloc") (param i32) (result i32) (i32.const 4096))`;
