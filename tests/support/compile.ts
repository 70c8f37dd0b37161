// Compiles a filter folder (one with an asconfig.json) with asc and keeps
// everything the compiler said, warnings included (asbuild only reports
// errors).
import asc from "assemblyscript/asc";
import { join } from "node:path";

export interface Compiled {
  /** The compiler's error, or null when the module was written. */
  error: Error | null;
  /** Everything the compiler wrote to stderr: diagnostics with their locations. */
  diagnostics: string;
}

export async function compileFilter(dir: string, outFile: string, target: "release" | "debug" = "release"): Promise<Compiled> {
  let diagnostics = "";
  const sink = { write: (text: string | Uint8Array) => { diagnostics += typeof text === "string" ? text : Buffer.from(text).toString(); return true; } };
  const { error } = await asc.main(
    ["--config", join(dir, "asconfig.json"), "--target", target, "--outFile", outFile, "--noColors"],
    { stdout: sink as never, stderr: sink as never },
  );
  return { error: error ?? null, diagnostics };
}

/** The warnings whose location is in the SDK's own files (~lib/proxy-wasm-as/…). */
export function sdkWarnings(diagnostics: string): string[] {
  return diagnostics.split(/\n(?=\S)/).filter((block) => /^WARNING/.test(block) && block.includes("~lib/proxy-wasm-as/"));
}
