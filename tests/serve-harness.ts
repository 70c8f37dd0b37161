// Starts a real `proxy-wasm-as serve` process on loopback for the serve tests: ephemeral
// ports read from --port-file, output captured, and a stop that waits for the exit code.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import http from "node:http";
import net from "node:net";

/** Compiled to out/tests/serve-harness.js: the repository root is two levels up. */
export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const CLI = join(ROOT, "out", "cli", "main.js");

export interface ServeProcess {
  port: number;
  /** The serve process's id (to read its resident memory). */
  pid: number;
  admin: number | null;
  url: string;
  /** Everything printed so far (stdout and stderr). */
  output(): string;
  /** Waits until the output matches. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** SIGTERM, then the exit code (SIGKILL after the timeout). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const running = new Set<ChildProcess>();
process.on("exit", () => {
  for (const c of running) c.kill("SIGKILL");
});

async function until<T>(what: string, timeoutMs: number, probe: () => T | undefined): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Runs `serve` with `args` (plus --listen 127.0.0.1:0 and a port file) and waits until it listens. */
export async function startServe(args: string[], options: { admin?: boolean; cwd?: string } = {}): Promise<ServeProcess> {
  const dir = mkdtempSync(join(tmpdir(), "serve-test-"));
  const portFile = join(dir, "ports.json");
  const extra = ["--listen", "127.0.0.1:0", "--port-file", portFile, ...(options.admin ? ["--admin", "127.0.0.1:0"] : [])];
  const child = spawn(process.execPath, [CLI, "serve", ...args, ...extra], { cwd: options.cwd ?? ROOT, env: { ...process.env, NO_COLOR: "1" } });
  running.add(child);
  let out = "";
  child.stdout.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr.on("data", (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => {
    running.delete(child);
    rmSync(dir, { recursive: true, force: true });
    resolve(code);
  }));
  let exitCode: number | null | undefined;
  void exited.then((c) => (exitCode = c));
  const ports = await until(`serve to listen (output so far:\n${out})`, 15_000, () => {
    if (exitCode !== undefined) throw new Error(`serve exited with ${exitCode}:\n${out}`);
    try {
      return JSON.parse(readFileSync(portFile, "utf8")) as { port: number; admin: number | null };
    } catch {
      return undefined;
    }
  });
  return {
    port: ports.port,
    pid: child.pid!,
    admin: ports.admin,
    url: `http://127.0.0.1:${ports.port}`,
    output: () => out,
    waitFor: (pattern, timeoutMs = 5000) => until(`${pattern} in the output:\n${out}`, timeoutMs, () => out.match(pattern) ?? undefined),
    stop: async (signal = "SIGTERM") => {
      if (exitCode !== undefined) return exitCode;
      child.kill(signal);
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** A loopback HTTP server for upstreams and callout clusters; stop it with close(). */
export async function startHttpServer(handler: http.RequestListener): Promise<{ port: number; url: string; close(): Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

/** A port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** One request with Node's http client; resolves with status, headers and body. */
export function request(
  url: string,
  options: http.RequestOptions & { body?: Buffer | string } = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(options.body);
  });
}

export function build(name: string): string {
  return join(ROOT, "build", `${name}.wasm`);
}

/** The body of an admin page (`/stats/prometheus`, `/ready`, `/plugins`, …). */
export async function adminText(admin: number | null, path: string): Promise<string> {
  if (admin === null) throw new Error("serve was started without --admin");
  return (await fetch(`http://127.0.0.1:${admin}${path}`, { signal: AbortSignal.timeout(5000) })).text();
}

/** The value of `name` on serve's admin /stats/prometheus (0 when serve has not shown it yet). */
export async function adminStat(admin: number | null, name: string): Promise<number> {
  const text = await adminText(admin, "/stats/prometheus");
  const line = text.split("\n").find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(" ") + 1));
}

/** A TCP echo server on loopback (half-close passed back), for `serve --tcp` upstreams. */
export async function startTcpEcho(): Promise<{ port: number; close: () => Promise<void> }> {
  const echo = net.createServer({ allowHalfOpen: true }, (s) => s.pipe(s));
  await new Promise<void>((r) => echo.listen(0, "127.0.0.1", r));
  return { port: (echo.address() as net.AddressInfo).port, close: () => new Promise<void>((r) => echo.close(() => r())) };
}

/** Sends `text` to `port`, ends the write side and gives back what came back before the end (10 s at most). */
export function tcpRoundTrip(port: number, text: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const c = net.connect(port, "127.0.0.1", () => c.end(text));
    let got = "";
    c.on("data", (d: Buffer) => (got += d.toString()));
    c.on("end", () => resolve(got));
    c.on("error", reject);
    setTimeout(() => { c.destroy(); reject(new Error(`no end of stream after 10 s (got "${got}")`)); }, 10_000).unref();
  });
}
