// The benchmark's setup as `npm run bench` runs it on a fresh clone: node_modules/.bin
// first on PATH, the peer toolchain installed with the `npm` found there into a fresh
// copy of bench/peer, all three modules built, started and checked. Timings are not
// taken (performance is measured by `npm run bench`, never by a test).
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { delimiter, join, resolve } from "node:path";
import { builtModule } from "./support/examples.js";
import { run } from "./support/tools.js";

test("no dependency puts a second npm in node_modules/.bin", () => {
  for (const name of ["npm", "npx"]) assert.ok(!existsSync(join("node_modules", ".bin", name)), `node_modules/.bin/${name} would shadow the real ${name} inside npm scripts`);
});

test("the benchmark's setup installs the peer toolchain and builds every module", { timeout: 600_000 }, async () => {
  builtModule("header-append");
  const PATH = [resolve("node_modules", ".bin"), process.env.PATH ?? ""].join(delimiter);
  const r = await run(process.execPath, [join("out", "tools", "bench.js"), "--setup-only", "--fresh-peer"], { env: { ...process.env, PATH }, timeoutMs: 540_000 });
  assert.equal(r.code, 0, r.stderr.slice(-2000));
  assert.match(r.stderr, /bench: install peer toolchain: npm ci --prefix /);
  for (const name of ["ours", "floor", "peer"]) assert.match(r.stdout, new RegExp(`^${name}: \\d+ bytes, starts and appends the headers$`, "m"));
});
