// Whether a built module is older than the sources it is built from: the filter
// folder's AssemblyScript files and its asconfig.json (tests, dependencies and output
// folders aside). `package` builds a stale module again, or refuses and says why.
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const SKIPPED = new Set(["node_modules", "test", "tests", "build", "dist", "out"]);

function newestSource(dir: string, depth = 0): { file: string; mtimeMs: number } | null {
  let newest: { file: string; mtimeMs: number } | null = null;
  // Bounded depth: a filter's sources sit a few folders deep at most.
  if (depth > 8) return null;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith(".") || SKIPPED.has(entry.name)) continue;
    const path = join(dir, entry.name);
    let found: { file: string; mtimeMs: number } | null = null;
    if (entry.isDirectory()) found = newestSource(path, depth + 1);
    else if (entry.isFile() && (entry.name.endsWith(".ts") || entry.name === "asconfig.json")) found = { file: path, mtimeMs: statSync(path).mtimeMs };
    if (found && (!newest || found.mtimeMs > newest.mtimeMs)) newest = found;
  }
  return newest;
}

/** Why `module` is older than the sources in `filterDir`, or null when it is not. */
export function staleBecause(module: string, filterDir: string): string | null {
  const source = newestSource(filterDir);
  if (source === null) return null;
  const built = statSync(module).mtimeMs;
  if (source.mtimeMs <= built) return null;
  return `${module} is older than its source ${relative(filterDir, source.file) || source.file} (changed ${new Date(source.mtimeMs).toISOString()}, built ${new Date(built).toISOString()})`;
}
