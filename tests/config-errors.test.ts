// Every example reports a configuration that is not valid JSON as invalid
// JSON, with the byte where it goes wrong, and never names a kind for a value
// it has not read (docs/sdk.md, "Reading configuration").
import { test } from "node:test";
import assert from "node:assert/strict";
import { LogLevel, startPlugin } from "proxy-wasm-as/host";
import { builtModule, examplesWithManifest } from "./support/examples.js";

/** Documents that are not JSON, and the byte each goes wrong at. */
const INVALID: Array<[string, number]> = [
  ["not json", 0],
  ["nul", 0],
  ["tru", 0],
  ["-", 1],
  ["01", 0],
  ['"x-a', 0],
  ['"x-a" trailing', 6],
  ["[1,", 3],
  ['["x-a", "1"', 11],
  ['{"x-a": 1,}', 9],
  ['{"x-a": [1, }', 12],
  ['{"x-a": nul}', 8],
  ['{"x-a": {"b": 1} "c"}', 17],
];

for (const name of examplesWithManifest()) {
  for (const [document, position] of INVALID) {
    test(`${name}: ${JSON.stringify(document)} is reported as invalid JSON at byte ${position}`, async () => {
      const plugin = await startPlugin({ module: builtModule(name), configuration: document });
      assert.equal(plugin.configured, false);
      assert.equal(plugin.trapped, false, `the VM must not trap (${plugin.failure})`);
      const critical = plugin.logsAt(LogLevel.Critical);
      assert.equal(critical.length, 1, `one critical line, got ${JSON.stringify(plugin.logs)}`);
      assert.match(critical[0], new RegExp(`configuration is not valid JSON: at byte ${position}: `));
    });
  }
}
