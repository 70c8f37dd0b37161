// Building one filter folder for the CLI: the release and debug modules, their
// sizes, and the compiler check that comes first. The compiler is loaded only
// when a command builds, so every other command starts without it.
import { statSync } from "node:fs";
import { join, relative } from "node:path";
import { CliError, type Io } from "../command.js";
import { compilerVersionProblem } from "../../transform/compiler-version.js";
import type { FilterFolder } from "./folder.js";

export interface BuiltFilter {
  release: string;
  releaseBytes: number;
  debug: string;
  debugBytes: number;
}

/** Fails with one line when the installed AssemblyScript is outside the supported range. */
export async function checkCompiler(command: string): Promise<void> {
  let compilerVersion: string;
  try {
    ({ version: compilerVersion } = await import("assemblyscript/asc"));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ERR_MODULE_NOT_FOUND") throw error;
    throw new CliError(`${command}: AssemblyScript is not installed here: npm install --save-dev assemblyscript`);
  }
  const problem = compilerVersionProblem(compilerVersion);
  if (problem !== null) throw new CliError(`${command}: ${problem}`);
}

/**
 * Builds `<outDir>/<name>.wasm` and `<name>.debug.wasm`. A compile error throws
 * an Error whose message holds the compiler's diagnostics (several lines).
 */
export async function buildFolder(folder: FilterFolder, outDir: string): Promise<BuiltFilter> {
  const { buildFilter } = await import("../build/compile.js");
  const built = await buildFilter(folder.dir, folder.name, outDir);
  return { release: built.release, releaseBytes: built.bytes, debug: built.debug, debugBytes: statSync(built.debug).size };
}

/** "<name>: release 3,884 bytes build/x.wasm, debug 9,120 bytes build/x.debug.wasm" */
export function describeBuild(folder: FilterFolder, built: BuiltFilter, cwd: string): string {
  const shown = (path: string) => relative(cwd, path) || path;
  const bytes = (n: number) => `${n.toLocaleString("en-US")} bytes`;
  return `${folder.name}: release ${bytes(built.releaseBytes)} ${shown(built.release)}, debug ${bytes(built.debugBytes)} ${shown(built.debug)}`;
}

/** Where builds go by default: build/ where the command runs. */
export function defaultOutDir(cwd: string): string {
  return join(cwd, "build");
}

/** Builds once and prints the sizes, or the compiler's diagnostics; gives whether it built. */
export async function buildAndReport(folder: FilterFolder, outDir: string, io: Io): Promise<boolean> {
  try {
    io.out(describeBuild(folder, await buildFolder(folder, outDir), io.cwd));
    return true;
  } catch (error) {
    for (const line of (error as Error).message.split("\n")) if (line.trim() !== "") io.err(line);
    return false;
  }
}
