// The long fuzz run: the suites `npm test` runs briefly (tests/fuzz-*.test.ts), with more
// cases per seed. `npm run fuzz [-- SCALE]`; SCALE defaults to 20.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";

const scale = process.argv[2] ?? "20";
const dir = join("out", "tests");
const suites = readdirSync(dir).filter((f) => /^fuzz-.*\.test\.js$/.test(f)).map((f) => join(dir, f));
const r = spawnSync(process.execPath, ["--test", "--test-timeout=3600000", ...suites], {
  stdio: "inherit",
  env: { ...process.env, PROXY_WASM_AS_FUZZ_SCALE: scale, PROXY_WASM_AS_CALLBACK_LIMIT_MS: process.env.PROXY_WASM_AS_CALLBACK_LIMIT_MS ?? "30000" },
});
process.exitCode = r.status ?? 1;
