// A deliberate mistake for crash-report checks in scaffolds: the http-config
// template's filter reads one past the end of its denied prefixes, which traps
// in the standard library (Index out of range) while a request's headers pass.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Breaks the http-config scaffold in `dir`; gives the 1-based line of assembly/index.ts that now reads out of range. */
export function breakIndex(dir: string): number {
  const source = join(dir, "assembly", "index.ts");
  const lines = readFileSync(source, "utf8").split("\n");
  const at = lines.findIndex((l) => l.includes("path.startsWith(prefixes[i])"));
  assert.ok(at >= 0, "the http-config template reads prefixes[i]");
  lines[at] = lines[at]!.replace("prefixes[i]", "prefixes[i + 1]");
  writeFileSync(source, lines.join("\n"));
  return at + 1;
}
