import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { validateManifestFile, validateManifestText } from "../cli/manifest/validate.js";
import { examplesWithManifest } from "./support/examples.js";

const GOOD = `schemaVersion: 1
name: add-header
description: Adds response headers from config
version: 0.1.0
phase: PostAuthZ
priority: 100
module: plugin.wasm
`;

function problems(text: string): string[] {
  return validateManifestText(text, "m.yaml").errors.map((e) => e.message);
}

test("every example's manifest.yaml is valid", () => {
  const examples = examplesWithManifest();
  assert.ok(examples.length > 0, "no example has a manifest.yaml");
  for (const name of examples) {
    const result = validateManifestFile(join("examples", name, "manifest.yaml"));
    assert.deepEqual(result.errors.map((e) => e.message), [], name);
    assert.equal(result.manifest?.module, "plugin.wasm");
  }
});

test("a good manifest passes; schemaVersion may be 1 or \"1\"", () => {
  assert.deepEqual(problems(GOOD), []);
  assert.deepEqual(problems(GOOD.replace("schemaVersion: 1", 'schemaVersion: "1"')), []);
  const result = validateManifestText(GOOD, "m.yaml");
  assert.equal(result.manifest?.priority, 100);
});

test("every phase is accepted, and phases are case-sensitive", () => {
  for (const phase of ["PreAuthN", "PostAuthN", "PreAuthZ", "PostAuthZ", "PreStats", "PostStats"]) {
    assert.deepEqual(problems(GOOD.replace("PostAuthZ", phase)), [], phase);
  }
  assert.deepEqual(problems(GOOD.replace("PostAuthZ", "postauthz")), [
    "m.yaml:5:8: phase: string \"postauthz\" is not one of PreAuthN, PostAuthN, PreAuthZ, PostAuthZ, PreStats, PostStats (values are case-sensitive: did you mean PostAuthZ?)",
  ]);
  assert.match(problems(GOOD.replace("PostAuthZ", "AUTHZ"))[0], /^m\.yaml:5:8: phase: string "AUTHZ" is not one of/);
});

test("errors name file, line and column of the offending value or key", () => {
  const text = `schemaVersion: 2
name: Header_Append
version: 1.0
Phase: PostAuthZ
phase: PostAuthZ
priority: "100"
module: /plugin.wasm
`;
  assert.deepEqual(problems(text), [
    'm.yaml:1:16: schemaVersion: number 2 is not one of 1, "1"',
    'm.yaml:2:7: name: string "Header_Append" must be a lowercase DNS label (a-z, 0-9 and -, starting and ending with a letter or digit)',
    "m.yaml:3:10: version: must be a string, got number 1 (put it in quotes)",
    'm.yaml:4:1: unknown key "Phase" (keys are case-sensitive: did you mean "phase"?)',
    'm.yaml:6:11: priority: must be an integer, got string "100"',
    'm.yaml:7:9: module: string "/plugin.wasm" must be a relative path inside the image (no leading /, no . or .. segments, no backslashes)',
  ]);
});

test("priority must be an integer within int32", () => {
  assert.match(problems(GOOD.replace("priority: 100", "priority: 1.5"))[0], /^m\.yaml:6:11: priority: must be an integer, got number 1\.5$/);
  assert.match(problems(GOOD.replace("priority: 100", "priority: 4294967296"))[0], /^m\.yaml:6:11: priority: number 4294967296 must be <= 2147483647$/);
  assert.deepEqual(problems(GOOD.replace("priority: 100", "priority: -5")), []);
});

test("missing keys are reported at the mapping, with the key's name", () => {
  const text = GOOD.replace("module: plugin.wasm\n", "").replace("priority: 100\n", "");
  assert.deepEqual(problems(text), ['m.yaml:1:1: missing required key "priority"', 'm.yaml:1:1: missing required key "module"']);
});

test("module must be a relative path that exists in the image", () => {
  assert.match(problems(GOOD.replace("module: plugin.wasm", "module: ../plugin.wasm"))[0], /^m\.yaml:7:9: module: .* must be a relative path/);
  assert.match(problems(GOOD.replace("module: plugin.wasm", "module: a/./b.wasm"))[0], /must be a relative path/);
  assert.deepEqual(problems(GOOD.replace("module: plugin.wasm", "module: extension.wasm")), [
    'm.yaml:7:9: module: "extension.wasm" does not exist in the image, which holds manifest.yaml, plugin.wasm (use "module: plugin.wasm": Istio\'s WasmPlugin only finds a module named plugin.wasm)',
  ]);
  // With another image content, the same manifest is fine.
  assert.deepEqual(validateManifestText(GOOD.replace("plugin.wasm", "extension.wasm"), "m.yaml", { imageFiles: ["manifest.yaml", "extension.wasm"] }).errors, []);
});

test("YAML syntax errors, duplicate keys, several documents and non-mappings are located", () => {
  assert.match(problems("schemaVersion: 1\nname: [a\n")[0], /^m\.yaml:\d+:\d+: invalid YAML: /);
  assert.match(problems(GOOD + "phase: PreStats\n")[0], /^m\.yaml:8:1: invalid YAML: duplicated mapping key/);
  assert.equal(problems(GOOD + "---\n" + GOOD)[0], "m.yaml:8:1: expected one YAML document, found several");
  assert.equal(problems("- a\n- b\n")[0], "m.yaml:1:1: (document): must be a mapping, got a list");
  assert.equal(problems("")[0], "m.yaml:1:1: the file is empty");
});

test("nested positions follow flow and block styles", () => {
  const text = `{schemaVersion: 1, name: x, version: "1", phase: PreStats,\n  priority: 1, module: plugin.wasm, extra: {a: 1}}\n`;
  assert.deepEqual(problems(text), ['m.yaml:2:37: unknown key "extra" (allowed: schemaVersion, name, description, version, phase, priority, module)']);
});

test("a key with control characters is reported on one line, escaped", () => {
  const lines = problems(GOOD + '"bad\\nkey\\u0007": 1\n');
  assert.deepEqual(lines, ['m.yaml:8:1: unknown key "bad\\nkey\\u0007" (allowed: schemaVersion, name, description, version, phase, priority, module)']);
  assert.ok(lines.every((l) => !/[\u0000-\u001f]/.test(l)));
});

test("a missing file is an error, not an exception", () => {
  const result = validateManifestFile("no/such/manifest.yaml");
  assert.equal(result.errors[0].message, "no/such/manifest.yaml:1:1: file not found");
});
