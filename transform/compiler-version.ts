// The AssemblyScript versions the SDK is built and tested with: the range in the
// package's peerDependencies. A compiler outside it fails the build with one line
// naming the range instead of an error deep in the compiler or the SDK.
import { readFileSync } from "node:fs";
import semver from "semver";

/** The supported range, as package.json states it. */
export function supportedCompilerRange(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    peerDependencies: { assemblyscript: string };
  };
  return pkg.peerDependencies.assemblyscript;
}

/** null when `version` is in `range`, else the one-line reason. */
export function compilerVersionProblem(version: string, range: string = supportedCompilerRange()): string | null {
  if (semver.satisfies(version, range)) return null;
  return `proxy-wasm-as supports AssemblyScript ${range}, not ${version}: npm install --save-dev "assemblyscript@${range}"`;
}
