// Compiles one filter folder into <name>.wasm (release) and <name>.debug.wasm
// (with names). A folder with an asconfig.json is a filter.
import asc from "assemblyscript/asc";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

export interface BuildResult {
  name: string;
  release: string;
  debug: string;
  bytes: number;
}

/** The example folders that hold a filter. */
export function findFilters(examplesDir = "examples"): string[] {
  if (!existsSync(examplesDir)) return [];
  return readdirSync(examplesDir)
    .filter((name) => existsSync(join(examplesDir, name, "asconfig.json")))
    .sort();
}

async function compile(configPath: string, target: "release" | "debug", outFile: string): Promise<string> {
  let errors = "";
  const { error } = await asc.main(["--config", configPath, "--target", target, "--outFile", outFile], {
    stdout: { write: () => true } as never,
    stderr: { write: (text: string | Uint8Array) => { errors += typeof text === "string" ? text : Buffer.from(text).toString(); return true; } } as never,
  });
  if (error) return `${errors}${error.message}`;
  return "";
}

/** Builds one filter folder; throws with the compiler's diagnostics on failure. */
export async function buildFilter(dir: string, name: string, outDir = "build"): Promise<BuildResult> {
  const config = join(dir, "asconfig.json");
  const release = join(outDir, `${name}.wasm`);
  const debug = join(outDir, `${name}.debug.wasm`);
  for (const [target, out] of [["release", release], ["debug", debug]] as const) {
    const problem = await compile(config, target, out);
    if (problem) throw new Error(`${name}: ${target} build failed\n${problem}`);
  }
  return { name, release, debug, bytes: statSync(release).size };
}
