// The AssemblyScript range the SDK supports, as the transform and the CLI check it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { version } from "assemblyscript/asc";
import { compilerVersionProblem, supportedCompilerRange } from "../transform/compiler-version.js";

const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
  peerDependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

test("the supported range is the peer dependency's, and the compiler the repository builds with is in it", () => {
  assert.equal(supportedCompilerRange(), pkg.peerDependencies["assemblyscript"]);
  assert.equal(version, pkg.devDependencies["assemblyscript"]);
  assert.equal(compilerVersionProblem(version), null);
});

test("versions in the range pass; one outside it gets one line naming the range", () => {
  const range = ">=0.27.9 <0.29.0";
  for (const inside of ["0.27.9", "0.28.0", "0.28.20"]) assert.equal(compilerVersionProblem(inside, range), null, inside);
  for (const outside of ["0.27.8", "0.25.2", "0.29.0", "1.0.0"]) {
    assert.equal(compilerVersionProblem(outside, range),
      `proxy-wasm-as supports AssemblyScript >=0.27.9 <0.29.0, not ${outside}: npm install --save-dev "assemblyscript@>=0.27.9 <0.29.0"`);
  }
});
