// Helpers for tests that need external programs, temporary folders and ports.
import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Fails (never skips) when a program is missing, saying which package provides it. */
export function requireTool(program: string, debianPackage: string): void {
  const found = spawnSync("sh", ["-c", `command -v ${program}`], { encoding: "utf8" });
  if (found.status !== 0) {
    throw new Error(`${program} is not installed: install it with "apt-get install -y --no-install-recommends ${debianPackage}" (.ci/run does this)`);
  }
}

export function tempDir(prefix: string): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), `pwa-${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Starts `server` on a free port of 127.0.0.1 and gives back that port. */
export function listenOnLoopback(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      resolve(typeof address === "object" && address ? address.port : 0);
    });
  });
}

/** A port that was free on 127.0.0.1 a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    listenOnLoopback(server).then((port) => server.close(() => resolve(port)), reject);
  });
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program with a time limit; never throws for a non-zero exit. */
export function run(program: string, args: string[], options: { cwd?: string; input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(program, args, { cwd: options.cwd, timeout: options.timeoutMs ?? 60_000, env: options.env ?? process.env, maxBuffer: 64 * 1024 * 1024, encoding: "utf8" }, (error, stdout, stderr) => {
      if (error && typeof (error as { code?: unknown }).code !== "number") {
        if ((error as { killed?: boolean }).killed) reject(new Error(`${program} ${args.join(" ")} timed out\n${stderr}`));
        else reject(error);
        return;
      }
      resolve({ code: error ? Number((error as { code?: number }).code) : 0, stdout, stderr });
    });
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** skopeo with what a plain-HTTP loopback registry and a machine without policy.json need. */
export async function skopeo(args: string[]): Promise<string> {
  const result = await run("skopeo", ["--insecure-policy", ...args], { timeoutMs: 60_000 });
  if (result.code !== 0) throw new Error(`skopeo ${args.join(" ")} failed (${result.code}): ${result.stderr.trim()}`);
  return result.stdout;
}
