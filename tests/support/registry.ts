// A real registry (Debian's docker-registry, CNCF distribution 2.8) on a free
// loopback port with temporary storage; stopped by stop(), also on failure.
import bcrypt from "bcryptjs";
import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort, requireTool, tempDir } from "./tools.js";

export interface RunningRegistry {
  /** 127.0.0.1:<port> */
  host: string;
  stop: () => Promise<void>;
}

export interface RegistryOptions {
  /** Turn on htpasswd (bcrypt) authentication with this one user. */
  user?: { username: string; password: string };
}

export async function startRegistry(options: RegistryOptions = {}): Promise<RunningRegistry> {
  requireTool("docker-registry", "docker-registry");
  const dir = tempDir("registry");
  let child: ChildProcess | null = null;
  const stop = async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child!.once("exit", () => resolve()));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child!.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    }
    dir.remove();
  };
  try {
    const port = await freePort();
    const host = `127.0.0.1:${port}`;
    let auth = "";
    if (options.user) {
      // distribution reads only bcrypt entries from htpasswd files.
      const hash = bcrypt.hashSync(options.user.password, 6);
      writeFileSync(join(dir.path, "htpasswd"), `${options.user.username}:${hash}\n`);
      auth = `auth:\n  htpasswd:\n    realm: test-registry\n    path: ${join(dir.path, "htpasswd")}\n`;
    }
    const config = [
      "version: 0.1",
      "log:",
      "  level: warn",
      "  accesslog:",
      "    disabled: true",
      "storage:",
      "  filesystem:",
      `    rootdirectory: ${join(dir.path, "data")}`,
      "  delete:",
      "    enabled: true",
      "  maintenance:",
      "    uploadpurging:",
      "      enabled: false",
      "http:",
      `  addr: ${host}`,
      "  secret: test-only-secret",
      "health:",
      "  storagedriver:",
      "    enabled: false",
      auth,
    ].join("\n");
    const configFile = join(dir.path, "config.yml");
    writeFileSync(configFile, config);
    let output = "";
    child = spawn("docker-registry", ["serve", configFile], { stdio: ["ignore", "pipe", "pipe"] });
    child.stdout?.on("data", (d: Buffer) => { output += d.toString(); });
    child.stderr?.on("data", (d: Buffer) => { output += d.toString(); });
    const deadline = Date.now() + 15_000;
    for (let i = 0; i < 300; i++) {
      if (child.exitCode !== null) throw new Error(`docker-registry exited with ${child.exitCode}: ${output}`);
      try {
        const response = await fetch(`http://${host}/v2/`, { signal: AbortSignal.timeout(1000) });
        await response.body?.cancel();
        if (response.status === 200 || response.status === 401) return { host, stop };
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`docker-registry did not answer on ${host} within 15 s: ${output}`);
  } catch (error) {
    await stop();
    throw error;
  }
}
