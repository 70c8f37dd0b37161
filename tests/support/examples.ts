// The examples the packaging tests run over, and their built modules.
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

/** Every examples/<name> with a manifest.yaml. */
export function examplesWithManifest(): string[] {
  return readdirSync("examples").filter((n) => existsSync(join("examples", n, "manifest.yaml"))).sort();
}

/** build/<name>.wasm, or a failure telling how to make it. */
export function builtModule(name: string): string {
  const path = join("build", `${name}.wasm`);
  if (!existsSync(path)) throw new Error(`${path} is missing: run npm run asbuild (npm test does) before these tests`);
  return path;
}
