// The SDK compiles without warnings: a filter's build shows only the
// filter's own. The filters here together use every part of the SDK
// (sdk-probe the typed API, compat-add-header the compatibility layer,
// http-auth the callouts, tcp-stats the TCP side).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compileFilter, sdkWarnings } from "./support/compile.js";

const FILTERS = ["tests/filters/sdk-probe", "tests/filters/compat-add-header", "examples/http-auth", "examples/tcp-stats"];

for (const dir of FILTERS) {
  test(`${dir}: no compiler warning comes from the SDK's files`, async () => {
    const out = mkdtempSync(join(tmpdir(), "sdk-warnings-"));
    try {
      const { error, diagnostics } = await compileFilter(dir, join(out, "filter.wasm"));
      assert.equal(error, null, diagnostics);
      assert.deepEqual(sdkWarnings(diagnostics), []);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
}

test("the warning filter sees a warning in an SDK file", () => {
  const sample = [
    "WARNING AS201: Conversion from type 'usize' to 'i32' will require an explicit cast.",
    "    :",
    " 39 │ size += utf8Length(pair.name);",
    "    └─ in ~lib/proxy-wasm-as/assembly/runtime/wire.ts(39,13)",
    "",
    "WARNING AS201: the same in the filter's own file",
    "    └─ in assembly/index.ts(3,1)",
  ].join("\n");
  assert.equal(sdkWarnings(sample).length, 1);
});
