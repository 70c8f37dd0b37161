// Builds and tests every example with the lowest and the highest AssemblyScript
// release in the SDK's supported range (package.json peerDependencies), each in a
// new project that installs the packed package and that compiler, as a user would.
// The repository's own build (npm test) uses the pinned development version.
//   node out/tools/compiler-range.js [version ...]   (default: the range's ends)
import { cpSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import semver from "semver";
import { supportedCompilerRange } from "../transform/compiler-version.js";
import { QUIET_INSTALL, REPOSITORY, copySources, mustRun, newProject, pack, scratch } from "./user-project.js";

const MINUTE = 60_000;
const COUNT_REPORTER = new URL("../cli/project/test-count-reporter.js", import.meta.url).href;

/** The oldest and the newest published release in `range`. */
async function rangeEnds(range: string): Promise<string[]> {
  const listed = JSON.parse(await mustRun(REPOSITORY, "npm", ["view", `assemblyscript@${range}`, "version", "--json"], 2 * MINUTE)) as string | string[];
  const versions = Array.isArray(listed) ? listed : [listed];
  const lowest = semver.minSatisfying(versions, range);
  const highest = semver.maxSatisfying(versions, range);
  if (lowest === null || highest === null) throw new Error(`no published assemblyscript release is in ${range}`);
  return [...new Set([lowest, highest])];
}

/** Builds every example with `version` and runs the examples' compiled tests against those builds. */
async function checkVersion(version: string, tarball: string, examples: string[], root: string): Promise<void> {
  const project = join(root, `assemblyscript-${version}`);
  newProject(project, `compiler-${version.replace(/\W/g, "-")}`);
  await mustRun(project, "npm", ["install", ...QUIET_INSTALL, tarball, `assemblyscript@${version}`], 10 * MINUTE);
  cpSync(join(REPOSITORY, "examples"), join(project, "examples"), { recursive: true });
  const cli = join(project, "node_modules", ".bin", "proxy-wasm-as");
  for (const name of examples) {
    const built = await mustRun(project, cli, ["build", join("examples", name)], 10 * MINUTE);
    console.log(`  ${built.trim()}`);
  }
  // The tests read build/<name>.wasm from where they run: this project's builds.
  const tests = examples.flatMap((name) => {
    const dir = join(REPOSITORY, "out", "examples", name, "test");
    return readdirSync(dir).filter((f) => f.endsWith(".test.js")).map((f) => join(dir, f));
  });
  const counts = join(project, "counts.json");
  await mustRun(project, process.execPath, ["--test", "--test-timeout=120000", "--test-reporter=dot", "--test-reporter-destination=stdout",
    `--test-reporter=${COUNT_REPORTER}`, `--test-reporter-destination=${counts}`, ...tests], 15 * MINUTE);
  const { ran } = JSON.parse(readFileSync(counts, "utf8")) as { ran: number };
  if (ran === 0) throw new Error(`assemblyscript ${version}: no example test ran`);
  console.log(`assemblyscript ${version}: ${examples.length} examples built, ${ran} example tests passed`);
}

async function main(): Promise<void> {
  const range = supportedCompilerRange();
  const versions = process.argv.length > 2 ? process.argv.slice(2) : await rangeEnds(range);
  console.log(`supported AssemblyScript: ${range}; checking ${versions.join(" and ")}`);
  const examples = readdirSync(join(REPOSITORY, "examples")).sort();
  const work = scratch("compilers");
  try {
    const source = join(work.path, "source");
    copySources(source);
    const { tarball } = await pack(source, join(work.path, "packed"), 5 * MINUTE);
    for (const version of versions) await checkVersion(version, tarball, examples, work.path);
  } finally {
    work.remove();
  }
}

main().catch((error: unknown) => {
  console.error((error as Error).message);
  process.exitCode = 1;
});
