// The package as its users get it, for the install test and the compiler-range
// check: a copy of the repository's sources (never built), the tarball `npm pack`
// makes of it, and new projects that install it with the npm on PATH, as a user would.
import { execFile } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, delimiter, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository (out/tools/ is two levels below it). */
export const REPOSITORY = fileURLToPath(new URL("../../", import.meta.url));

/** What a fresh checkout does not have: installs anywhere, and the top-level build outputs. */
const INSTALLS = new Set(["node_modules", ".git"]);
const OUTPUTS = new Set(["out", "build", "dist"]);

export interface Finished {
  code: number;
  stdout: string;
  /** stdout and stderr, for reports. */
  output: string;
}

/**
 * The environment a user's shell would give: without the variables an enclosing
 * `npm run` or test runner sets and without any node_modules/.bin on PATH, so the npm, tsc and
 * asc used are the project's own, never this repository's.
 */
export function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  const enclosing = new Set(["INIT_CWD", "NODE_TEST_CONTEXT"]); // set by npm run and by node --test
  for (const [key, value] of Object.entries(process.env)) if (!/^npm_/i.test(key) && !enclosing.has(key)) env[key] = value;
  env.PATH = (process.env.PATH ?? "").split(delimiter).filter((p) => !p.split(sep).includes("node_modules")).join(delimiter);
  return env;
}

/** Runs a program in `cwd` with userEnv(), killed after `timeoutMs`; never throws for a non-zero exit. */
export function runIn(cwd: string, program: string, args: string[], timeoutMs: number): Promise<Finished> {
  return new Promise((resolve, reject) => {
    execFile(program, args, { cwd, env: userEnv(), timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, encoding: "utf8" }, (error, stdout, stderr) => {
      const output = `${stdout}${stderr}`;
      if (error && typeof (error as { code?: unknown }).code !== "number") {
        reject(new Error(`${program} ${args.join(" ")} in ${cwd} ${(error as { killed?: boolean }).killed ? `ran longer than ${timeoutMs} ms` : `failed: ${error.message}`}\n${output}`));
        return;
      }
      resolve({ code: error ? Number((error as { code?: number }).code) : 0, stdout, output });
    });
  });
}

/** runIn that fails with the command's output unless it exits 0; gives its standard output. */
export async function mustRun(cwd: string, program: string, args: string[], timeoutMs: number): Promise<string> {
  const result = await runIn(cwd, program, args, timeoutMs);
  if (result.code !== 0) throw new Error(`${program} ${args.join(" ")} in ${cwd} exited ${result.code}\n${result.output}`);
  return result.stdout;
}

/** npm flags for installs that use the local cache first and print little. */
export const QUIET_INSTALL = ["--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"];

/** A new temporary folder; remove() deletes it. */
export function scratch(prefix: string): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), `pwa-${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Copies the repository's sources (no installs, no build outputs) into `dest`. */
export function copySources(dest: string): void {
  cpSync(REPOSITORY, dest, {
    recursive: true,
    filter: (source) => {
      const parts = relative(REPOSITORY, source).split(sep);
      return !parts.some((part) => INSTALLS.has(part)) && !OUTPUTS.has(parts[0]!) && !parts.join("/").startsWith("bench/peer/build") &&
        !source.endsWith(".log");
    },
  });
}

export interface PackedPackage {
  tarball: string;
  /** Paths inside the package. */
  files: string[];
}

/**
 * `npm pack` of a source copy: its `prepare` builds the Node parts with the
 * repository's installed tools (node_modules linked in, as `npm ci` would give).
 */
export async function pack(sourceDir: string, destDir: string, timeoutMs: number): Promise<PackedPackage> {
  symlinkSync(join(REPOSITORY, "node_modules"), join(sourceDir, "node_modules"), "dir");
  mkdirSync(destDir, { recursive: true });
  const output = await mustRun(sourceDir, "npm", ["pack", "--json", "--loglevel=error", "--pack-destination", destDir], timeoutMs);
  // The JSON report follows whatever the prepare script printed.
  const json = output.slice(output.search(/^\[$/m));
  const [packed] = JSON.parse(json) as { filename: string; files: { path: string }[] }[];
  return { tarball: join(destDir, basename(packed!.filename)), files: packed!.files.map((f) => f.path) };
}

/** A new, empty ES-module project in `dir`. */
export function newProject(dir: string, name: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name, version: "0.0.0", private: true, type: "module" }, null, 2) + "\n");
}

/** The version pinned in this repository's package.json for a dependency (dev or not). */
export function pinnedVersion(name: string): string {
  const pkg = JSON.parse(readFileSync(join(REPOSITORY, "package.json"), "utf8")) as {
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
  };
  const version = pkg.devDependencies?.[name] ?? pkg.dependencies?.[name];
  if (version === undefined) throw new Error(`package.json pins no version of ${name}`);
  return version;
}
