// Times the crypto module's signature checks inside a compiled filter: the
// release build of tests/filters/crypto-probe runs on the host, and each
// kind of token is sent many times. A request that is refused before any
// crypto (no Authorization header) is timed too and subtracted, so the
// figures are µs per verification (SHA-256 of the signing input included).
// Keys and tokens come from Node's crypto; every timed request must pass.
//
// With --baseline FILE.wasm (a crypto-probe release build from another revision) both
// modules are timed in the same run, round by round, and printed side by side.
//
// Usage: npm run bench:crypto [-- --requests N] [-- --rounds R] [-- --baseline FILE.wasm]
import { createHmac, generateKeyPairSync, sign as signWith, type KeyObject } from "node:crypto";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { statSync } from "node:fs";
import { LogLevel, startPlugin, type Plugin } from "../host/index.js";
import { buildFilter } from "../cli/build/compile.js";

/** Compiled to out/tools/bench-crypto.js, so the repository root is two levels up. */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(name);
  if (index < 0) return fallback;
  const value = Number(process.argv[index + 1]);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} needs a positive integer`);
  return value;
}

const b64url = (value: string | Buffer): string => Buffer.from(value).toString("base64url");

/** A JWS signing input; the JSON payload is `payloadBytes` long (base64url makes it 4/3 as long). */
function signingInput(alg: string, payloadBytes: number): string {
  const payload = JSON.stringify({ sub: "bench", pad: "" });
  const padded = payload.replace('"pad":""', `"pad":"${"x".repeat(Math.max(0, payloadBytes - payload.length))}"`);
  return `${b64url(JSON.stringify({ alg }))}.${b64url(padded)}`;
}

function asymmetricToken(alg: "RS256" | "ES256", key: KeyObject): string {
  const input = signingInput(alg, 100);
  const signature = signWith("sha256", Buffer.from(input), alg === "ES256" ? { key, dsaEncoding: "ieee-p1363" } : key);
  return `${input}.${b64url(signature)}`;
}

interface Case {
  name: string;
  configuration: string;
  token: string | null;
}

function rsaCase(bits: number): Case {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: bits, publicExponent: 65537 });
  const jwk = publicKey.export({ format: "jwk" });
  return {
    name: `RS256-${bits}`,
    configuration: JSON.stringify({ rs256_jwk: { n: jwk.n, e: jwk.e }, allow_cidrs: ["0.0.0.0/0"] }),
    token: asymmetricToken("RS256", privateKey),
  };
}

function cases(): Case[] {
  const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const ecJwk = ec.publicKey.export({ format: "jwk" });
  const secret = Buffer.from("bench secret, 32 bytes long.....");
  // An HS256 token whose signing input is 1 KB.
  const hsBody = signingInput("HS256", 768);
  const hsToken = `${hsBody}.${createHmac("sha256", secret).update(hsBody).digest("base64url")}`;
  return [
    rsaCase(2048),
    rsaCase(4096),
    {
      name: "ES256",
      configuration: JSON.stringify({ es256_jwk: { x: ecJwk.x, y: ecJwk.y }, allow_cidrs: ["0.0.0.0/0"] }),
      token: asymmetricToken("ES256", ec.privateKey),
    },
    {
      name: "HMAC-SHA256 1 KB",
      configuration: JSON.stringify({ hs256_secret: secret.toString("base64url"), allow_cidrs: ["0.0.0.0/0"] }),
      token: hsToken,
    },
  ];
}

/** Sends the token `requests` times; returns µs per request. Throws unless each answer is the expected one. */
function time(plugin: Plugin, token: string | null, requests: number): number {
  const headers: Record<string, string> = { ":method": "GET", ":path": "/", ":authority": "example.com", ":scheme": "https" };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const started = performance.now();
  for (let i = 0; i < requests; i++) {
    const stream = plugin.newHttpStream({ sourceAddress: "10.1.2.3:40000" });
    stream.sendRequestHeaders(headers, true);
    const status = stream.localReply?.status ?? 200;
    if (status !== (token === null ? 401 : 200)) throw new Error(`unexpected status ${status}`);
    stream.complete();
  }
  return ((performance.now() - started) * 1000) / requests;
}

interface Timed {
  label: string;
  plugin: Plugin;
  count: number;
  best: number;
  floor: number;
}

async function main(): Promise<void> {
  const requests = option("--requests", 200);
  const rounds = option("--rounds", 3);
  const baselineIndex = process.argv.indexOf("--baseline");
  const built = await buildFilter(join(ROOT, "tests/filters/crypto-probe"), "crypto-probe", join(ROOT, "build/bench"));
  const modules = [{ label: "this build", path: built.release }];
  if (baselineIndex >= 0) modules.unshift({ label: "baseline", path: process.argv[baselineIndex + 1] ?? "" });
  for (const module of modules) console.log(`crypto-probe ${module.label}: ${statSync(module.path).size} bytes`);
  console.log(`µs per verification, best of ${rounds} rounds, less a refused request`);
  console.log(`${"verification".padEnd(18)}${modules.map((m) => m.label.padStart(12)).join("")}`);
  for (const item of cases()) {
    const timed: Timed[] = [];
    for (const module of modules) {
      const plugin = await startPlugin({ module: module.path, configuration: item.configuration, logLevel: LogLevel.Warn });
      if (!plugin.configured) throw new Error(`${item.name}: ${module.label} refused its configuration`);
      // Warm up so the tiers settle; fewer requests for the slow cases so a run stays short.
      time(plugin, item.token, 5);
      const warm = time(plugin, item.token, 5);
      const count = Math.max(20, Math.min(requests * 20, Math.round((requests * 2000) / Math.max(warm, 1))));
      timed.push({ label: module.label, plugin, count, best: Infinity, floor: Infinity });
    }
    for (let round = 0; round < rounds; round++) {
      for (const entry of timed) {
        entry.floor = Math.min(entry.floor, time(entry.plugin, null, entry.count));
        entry.best = Math.min(entry.best, time(entry.plugin, item.token, entry.count));
      }
    }
    console.log(`${item.name.padEnd(18)}${timed.map((t) => (t.best - t.floor).toFixed(1).padStart(12)).join("")}`);
  }
}

main().catch((error: unknown) => {
  console.error((error as Error).message);
  process.exitCode = 1;
});
