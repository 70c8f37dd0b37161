// The CLI under fuzzing, with fixed seeds: the examples' manifest.yaml files mutated into
// validate and package, packaged OCI layouts mutated into push, and pushes to the real
// registry (tests/support/registry.ts) through a proxy that injects faults. A short run is
// part of `npm test`; `npm run fuzz` runs it longer (PROXY_WASM_AS_FUZZ_SCALE).
// What every case requires: the input is accepted, or refused with a short error that names
// the problem (exit 1 or 2, no stack trace, no "undefined"); nothing hangs; nothing outside
// a layout is read; and a tag never resolves to an image whose blobs the registry lacks.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFileSync, cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { dump, load } from "js-yaml";
import { validateManifestText } from "../cli/manifest/validate.js";
import { MEDIA, sha256, type Descriptor } from "../cli/package/image.js";
import { loadLayout, type LoadedImage } from "../cli/package/layout.js";
import { packageExample, type PackageResult } from "../cli/package/package.js";
import { RegistryClient, RegistryError } from "../cli/registry/client.js";
import { manifestFor, pushImage, verifyPushed } from "../cli/registry/push.js";
import { parseReference } from "../cli/registry/reference.js";
import { cliInProcess, cliProcess } from "./support/cli.js";
import { builtModule, examplesWithManifest } from "./support/examples.js";
import { startFaultProxy, type ProxyFault } from "./support/fault-proxy.js";
import { between, FUZZ_SCALE, pick, random } from "./support/fuzz.js";
import { startRegistry, type RunningRegistry } from "./support/registry.js";
import { tempDir } from "./support/tools.js";

const EXAMPLES = examplesWithManifest();
const work = tempDir("fuzz-cli");
let registry: RunningRegistry;
/** Packaged images of a few examples: the starting points of the layout and push cases. */
const packaged: PackageResult[] = [];

before(async () => {
  registry = await startRegistry();
  for (const name of EXAMPLES.slice(0, 3)) {
    builtModule(name);
    packaged.push(await packageExample(join("examples", name), { outDir: join(work.path, "packaged"), build: "never", epoch: 0 }));
  }
});
after(async () => {
  await registry?.stop();
  work.remove();
});

/** Most characters a refusal may print: 20 listed problems of a few hundred characters each. */
const MAX_OUTPUT_CHARS = 16 * 1024;
const MAX_LINE_CHARS = 600;

/** A message a user can act on: bounded, no internals of the program, no placeholder values. */
function assertClear(text: string, context: string): void {
  const where = `${context}:\n${text.slice(0, 2000)}`;
  assert.ok(text.length <= MAX_OUTPUT_CHARS, `${text.length} characters of output; ${where}`);
  for (const line of text.split("\n")) assert.ok(line.length <= MAX_LINE_CHARS, `a line of ${line.length} characters; ${where}`);
  assert.doesNotMatch(text, /\bundefined\b|\[object \w+\]/, where);
  assert.doesNotMatch(text, /^\s+at .*(:\d+:\d+|native)/m, `a stack trace; ${where}`);
  assert.doesNotMatch(text, /\b(TypeError|RangeError|ReferenceError|SyntaxError)\b|Cannot read propert|is not a function|is not iterable|Maximum call stack/, `an internal error; ${where}`);
}

/** An error thrown by CLI code, checked the same way; programming errors are never clear. */
function assertClearError(error: unknown, context: string): string {
  assert.ok(error instanceof Error, `${context}: threw ${String(error)}`);
  assert.ok(!(error instanceof TypeError || error instanceof RangeError || error instanceof ReferenceError), `${context}: ${error.stack}`);
  assertClear(error.message, context);
  return error.message;
}

const since = (started: number) => Date.now() - started;

// ---------------------------------------------------------------------------------------
// Manifests

const KEYS = ["schemaVersion", "name", "description", "version", "phase", "priority", "module"];
const ODD_TEXT = [
  "", " ", "\u0000", "\uFEFF", "\u202Eevil", "e\u0301\u0301\u0301", "😀".repeat(40), "\uD800", "a\u200Bb", "\t", "---", "- x", "&a", "*a", "!!binary",
  "x".repeat(200_000), "-leading", "UPPER", "../plugin.wasm", "/abs.wasm", "plugin.wasm\u0000", "PreAuthZ ", "preauthz", "0x10", "1e999", "~", "null", "{a: 1}", "'",
  "\"", "\\", "%TAG", "#", ": ", "\r", "\u2028", "\uFFFE",
];
const ODD_VALUES: unknown[] = [null, true, false, 0, -1, 1.5, 2 ** 31, -(2 ** 31) - 1, 2 ** 53, 1e308, -1e308, [], {}, [1, [2, [3]]], { a: { b: "c" } }, "1", 1, "plugin.wasm", ...ODD_TEXT];
const YAML_TAGS = ["!!binary aGVsbG8=", "!!timestamp 2001-12-14", "!!set {a, b}", "!!omap [a: 1]", "!!js/regexp /x/", "!custom x", "!!float .nan", "!!int 0x7fffffff", "!!str 1", "!<tag:x> 1", "!!map {}", "!!null"];

type Mutator = (rnd: () => number, text: string) => string;

function parsed(text: string): Record<string, unknown> {
  const data = load(text);
  return data !== null && typeof data === "object" && !Array.isArray(data) ? { ...(data as Record<string, unknown>) } : {};
}

/** Writes the mapping back, as block or flow YAML, or as JSON (which YAML reads too). */
function written(rnd: () => number, data: Record<string, unknown>): string {
  const style = rnd();
  if (style < 0.2) return JSON.stringify(data);
  return dump(data, { flowLevel: style < 0.4 ? 0 : -1, lineWidth: -1, noRefs: true });
}

const lines = (text: string) => text.split("\n");
const atLine = (rnd: () => number, text: string, insert: string) => {
  const all = lines(text);
  all.splice(between(rnd, 0, all.length + 1), 0, insert);
  return all.join("\n");
};
const deep = (rnd: () => number) => {
  const depth = pick(rnd, [10, 100, 1000, 5000, 20_000]);
  return rnd() < 0.5 ? "[".repeat(depth) + "]".repeat(depth) : "{a: ".repeat(depth) + "1" + "}".repeat(depth);
};

const MANIFEST_MUTATORS: Record<string, Mutator> = {
  "drop a key": (rnd, text) => {
    const data = parsed(text);
    delete data[pick(rnd, KEYS)];
    return written(rnd, data);
  },
  "duplicate a key": (rnd, text) => atLine(rnd, text, `${pick(rnd, KEYS)}: ${pick(rnd, ["x", "1", "PreAuthN", "plugin.wasm"])}`),
  "retype a value": (rnd, text) => {
    const data = parsed(text);
    data[pick(rnd, KEYS)] = pick(rnd, ODD_VALUES);
    return written(rnd, data);
  },
  "an unknown or miscased key": (rnd, text) => {
    const data = parsed(text);
    const key = pick(rnd, KEYS);
    data[pick(rnd, [key.toUpperCase(), key + " ", `x-${key}`, "", "k".repeat(between(rnd, 1, 5000)), "\u0000", "a/b~c"])] = pick(rnd, ODD_VALUES);
    return written(rnd, data);
  },
  "a huge value": (rnd, text) => {
    const key = pick(rnd, KEYS);
    const huge = pick(rnd, [`"${"x".repeat(between(rnd, 1000, 900_000))}"`, "9".repeat(between(rnd, 20, 50_000)), `[${"1,".repeat(between(rnd, 1000, 100_000))}1]`]);
    return lines(text).filter((l) => !l.startsWith(`${key}:`)).join("\n") + `\n${key}: ${huge}\n`;
  },
  "deep nesting": (rnd, text) => `${lines(text).filter((l) => !l.startsWith("description:")).join("\n")}\ndescription: ${deep(rnd)}\n`,
  "deep block nesting": (rnd, text) => {
    const depth = between(rnd, 10, 400);
    return text + Array.from({ length: depth }, (_, i) => `${" ".repeat(i)}n${i}:`).join("\n") + " 1\n";
  },
  "anchors and aliases": (rnd, text) => pick(rnd, [
    () => text.replace(/^name: (.*)$/m, "name: &n $1") + "\nversion: *n\n",
    () => text.replace(/^version: (.*)$/m, "version: &v $1").replace(/^module: .*$/m, "module: *v"),
    () => `${text}\nx: &x [*x]\n`,
    () => `${text}\ndescription: *nowhere\n`,
    () => `base: &b {phase: PreAuthN, priority: 1}\n<<: *b\n${text}`,
    () => `${lines(text).filter((l) => !/^(phase|priority):/.test(l)).join("\n")}\n<<: {phase: PreAuthN, priority: ${between(rnd, -5, 5)}}\n`,
    () => {
      const levels = between(rnd, 2, 9);
      const bomb = ["l0: &l0 [a, a, a, a, a, a, a, a, a]", ...Array.from({ length: levels }, (_, i) => `l${i + 1}: &l${i + 1} [${Array(9).fill(`*l${i}`).join(",")}]`)];
      return `${text}\n${bomb.join("\n")}\n`;
    },
  ])(),
  "odd unicode": (rnd, text) => {
    const at = between(rnd, 0, text.length + 1);
    return text.slice(0, at) + pick(rnd, ODD_TEXT.filter((t) => t.length < 1000)) + text.slice(at);
  },
  "a BOM, CRLF or tabs": (rnd, text) => pick(rnd, [() => "\uFEFF" + text, () => text.replace(/\n/g, "\r\n"), () => text.replace(/\n/g, "\r"), () => text.replace(/^/gm, "\t"), () => text.replace(/: /g, ":\t")])(),
  "binary bytes": (rnd, text) => {
    const at = between(rnd, 0, text.length + 1);
    const bytes = Array.from({ length: between(rnd, 1, 64) }, () => String.fromCharCode(between(rnd, 0, 256))).join("");
    return text.slice(0, at) + bytes + text.slice(at);
  },
  "truncation": (rnd, text) => text.slice(0, between(rnd, 0, text.length)),
  "YAML tags": (rnd, text) => {
    const key = pick(rnd, KEYS);
    return lines(text).filter((l) => !l.startsWith(`${key}:`)).join("\n") + `\n${key}: ${pick(rnd, YAML_TAGS)}\n`;
  },
  "several documents or directives": (rnd, text) => pick(rnd, [`---\n${text}---\n${text}`, `%YAML 1.2\n---\n${text}`, `${text}\n...\n`, `%YAML 9.9\n---\n${text}`, `--- |\n  ${text}`, "", "---\n", "# only a comment\n"]),
  "not a mapping": (rnd, text) => pick(rnd, [`- ${text.replace(/\n/g, "\n  ")}`, JSON.stringify(text), "42", "[]", "null", "~", "? [a, b]\n: c\n", "[a, b]: c\n"]),
};
const MUTATOR_NAMES = Object.keys(MANIFEST_MUTATORS);

/** A fuzzed manifest: one to three mutations of an example's manifest.yaml. */
function fuzzedManifest(rnd: () => number, sources: string[]): { text: string; how: string[] } {
  let text = pick(rnd, sources);
  const how: string[] = [];
  for (let n = rnd() < 0.7 ? 1 : between(rnd, 2, 4); n > 0; n--) {
    const name = pick(rnd, MUTATOR_NAMES);
    how.push(name);
    try {
      text = MANIFEST_MUTATORS[name](rnd, text);
    } catch {
      // An earlier mutation left text the structure-aware ones cannot read: keep it as it is.
    }
  }
  return { text, how };
}

/** A filter folder named x holding the manifest, with build/x.wasm beside it. */
function filterFolder(root: string, manifest: string | Buffer): string {
  const folder = join(root, "x");
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, "manifest.yaml"), manifest);
  mkdirSync(join(root, "build"), { recursive: true });
  copyFileSync(builtModule(EXAMPLES[0]), join(root, "build", "x.wasm"));
  return folder;
}

const MANIFEST_CASES = 200 * FUZZ_SCALE;
/** Every CLI_EVERY-th case also goes through validate and package in the CLI, every PROCESS_EVERY-th as a separate process. */
const CLI_EVERY = 5;
const PROCESS_EVERY = 25;

test(`fuzzed manifests: ${MANIFEST_CASES} into validation, ${MANIFEST_CASES / CLI_EVERY} through validate and package, ${MANIFEST_CASES / PROCESS_EVERY} in a CLI process`, { timeout: 600_000 * FUZZ_SCALE }, async (t) => {
  const sources = EXAMPLES.map((n) => readFileSync(join("examples", n, "manifest.yaml"), "utf8"));
  const rnd = random(41);
  const counts = { accepted: 0, refused: 0, cli: 0, process: 0 };
  for (let k = 0; k < MANIFEST_CASES; k++) {
    const { text, how } = fuzzedManifest(rnd, sources);
    const context = `manifest case ${k} (${how.join(", ")}): ${JSON.stringify(text.slice(0, 200))}`;
    const started = Date.now();
    let checked;
    try {
      checked = validateManifestText(text, "manifest.yaml");
    } catch (error) {
      assert.fail(`${context}: validation threw ${(error as Error).stack}`);
    }
    assert.ok(since(started) < 5000, `${context}: ${since(started)} ms`);
    if (checked.manifest) {
      counts.accepted++;
      assert.equal(checked.errors.length, 0);
      assert.match(checked.manifest.name, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, context);
      assert.equal(checked.manifest.module, "plugin.wasm", context);
    } else {
      counts.refused++;
      assert.ok(checked.errors.length > 0, context);
      assertClear(checked.errors.map((e) => e.message).join("\n"), context);
    }
    if (k % CLI_EVERY !== 0) continue;
    // The same text as bytes in a file (binary mutations keep their bytes), through the CLI.
    const dir = tempDir("fuzz-manifest");
    try {
      const bytes = how.includes("binary bytes") ? Buffer.from(text, "latin1") : Buffer.from(text, "utf8");
      const folder = filterFolder(dir.path, bytes);
      const args = [["validate", folder], ["package", folder, "--out", join(dir.path, "dist"), "--build-dir", join(dir.path, "build"), "--no-build"]];
      const results = [];
      for (const argv of args) {
        const t = Date.now();
        const r = k % PROCESS_EVERY === 0
          ? await cliProcess(argv, { timeoutMs: 30_000 }).then((p) => ({ code: p.code, out: p.stdout, err: p.stderr }))
          : await cliInProcess(argv);
        assert.ok(since(t) < 30_000, `${context}: ${argv[0]} took ${since(t)} ms`);
        assert.ok([0, 1].includes(r.code), `${context}: ${argv[0]} exited ${r.code}\n${r.err}`);
        assertClear(r.out + r.err, `${context}: ${argv[0]}`);
        if (r.code === 1) assert.match(r.err, /^error: |manifest\.yaml:\d+:\d+: /m, `${context}: ${argv[0]}`);
        results.push(r);
      }
      assert.equal(results[0].code, results[1].code, `${context}: validate and package disagree\n${results[0].err}\n${results[1].err}`);
      if (results[1].code === 0) await loadLayout(join(dir.path, "dist", "x", "oci"));
      counts.cli++;
      if (k % PROCESS_EVERY === 0) counts.process++;
    } finally {
      dir.remove();
    }
  }
  t.diagnostic(`manifests: ${JSON.stringify(counts)}`);
  assert.equal(counts.accepted + counts.refused, MANIFEST_CASES);
  assert.ok(counts.accepted > 0 && counts.refused > counts.accepted, `accepted ${counts.accepted}, refused ${counts.refused}: the mutations reach both outcomes`);
  assert.equal(counts.cli, MANIFEST_CASES / CLI_EVERY);
  assert.equal(counts.process, MANIFEST_CASES / PROCESS_EVERY);
});

// ---------------------------------------------------------------------------------------
// OCI layouts

interface IndexJson { manifests: Array<Record<string, unknown>>; [key: string]: unknown }
interface ManifestJson { config: Descriptor; layers: Descriptor[]; [key: string]: unknown }

/** A copy of a packaged layout, with what a mutation needs to reach into it. */
class LayoutCopy {
  constructor(readonly dir: string, readonly source: PackageResult) {}
  file(path: string): string {
    return join(this.dir, path);
  }
  blob(digest: string): string {
    return this.file(`blobs/sha256/${digest.slice(7)}`);
  }
  get index(): IndexJson {
    return JSON.parse(readFileSync(this.file("index.json"), "utf8")) as IndexJson;
  }
  set index(value: unknown) {
    writeFileSync(this.file("index.json"), JSON.stringify(value));
  }
  get manifestDigest(): string {
    return this.source.image.manifests.oci.digest;
  }
  get manifest(): ManifestJson {
    return JSON.parse(readFileSync(this.blob(this.manifestDigest), "utf8")) as ManifestJson;
  }
  /** Writes `bytes` as the manifest blob under its own digest and points index.json at it. */
  resealManifest(bytes: Buffer): void {
    const digest = sha256(bytes);
    writeFileSync(this.blob(digest), bytes);
    const index = this.index;
    index.manifests[0] = { ...index.manifests[0], digest, size: bytes.length };
    this.index = index;
  }
  /** A manifest changed by `change`, resealed. */
  editManifest(change: (m: ManifestJson) => unknown): void {
    const m = this.manifest;
    const replaced = change(m);
    this.resealManifest(Buffer.from(JSON.stringify(replaced === undefined ? m : replaced)));
  }
  /** The same bytes outside the layout: a loader that follows a link there would accept them. */
  decoy(path: string): string {
    const outside = join(this.dir, "..", `decoy-${path.replace(/\//g, "_")}`);
    cpSync(this.file(path), outside, { recursive: true });
    return outside;
  }
  linkOut(path: string): void {
    const outside = this.decoy(path);
    rmSync(this.file(path), { recursive: true });
    symlinkSync(outside, this.file(path));
  }
}

/** What a mutation must lead to: a refusal matching the pattern, or (null) an image that pushes and verifies. */
type Expect = RegExp | null | "either";
type LayoutMutation = (rnd: () => number, layout: LayoutCopy) => Expect;

const BAD_DIGESTS: unknown[] = [
  "", "sha256:", `sha256:${"a".repeat(63)}`, `sha256:${"A".repeat(64)}`, `sha512:${"a".repeat(128)}`, "sha256:/../../../etc/passwd", `sha256:${"a".repeat(62)}/.`,
  `sha256:../${"a".repeat(61)}`, `md5:${"a".repeat(32)}`, `sha256:${"a".repeat(64)}\n`, "sha256:" + "😀".repeat(32), 42, null, [], {}, true,
];
const ODD_SIZES: unknown[] = [-1, 1.5, 1e300, 2 ** 53, "123", null, [], Number.MAX_SAFE_INTEGER, 1e15, 0];
const ODD_JSON: unknown[] = [null, 42, "text", true, [], {}, [null], [1, 2]];
const MEDIA_TYPES: unknown[] = [MEDIA.dockerManifest, MEDIA.ociIndex, "text/plain", "", 42, null, {}, "x".repeat(5000)];
const BLOB_ROLES = ["config", "layer"] as const;
/** The mutation pushed without a tag in the reference, so that the layout's own tag is used. */
const ODD_TAG = "odd tags in index.json";

const blobDigest = (layout: LayoutCopy, role: (typeof BLOB_ROLES)[number]) => (role === "config" ? layout.source.image.config.digest : layout.source.image.layer.digest);
const NOT_SIZE = /has no valid size|past the limit|is \d+ bytes|more than the limit|descriptor says/;
const NOT_DIGEST = /digest .* is not (supported|sha256)|is not a descriptor|is missing from the layout/;

const LAYOUT_MUTATIONS: Record<string, LayoutMutation> = {
  "index.json not JSON": (rnd, l) => {
    const text = readFileSync(l.file("index.json"), "utf8");
    writeFileSync(l.file("index.json"), text.slice(0, between(rnd, 0, text.length - 1)) + pick(rnd, ["", "\u0000", "}", "\uD800"]));
    return /index\.json is not valid JSON|index\.json (has|lists) no/;
  },
  "index.json of the wrong type": (rnd, l) => {
    l.index = pick(rnd, ODD_JSON.filter((v) => !(v !== null && typeof v === "object" && !Array.isArray(v))));
    return /index\.json is not an image index/;
  },
  "index.json manifests of the wrong type": (rnd, l) => {
    l.index = { ...l.index, manifests: pick(rnd, [null, 42, "x", {}, true]) };
    return /index\.json has no "manifests" list/;
  },
  "index.json lists no image": (_rnd, l) => {
    l.index = { ...l.index, manifests: [] };
    return /index\.json lists no image/;
  },
  "index.json lists the image twice": (_rnd, l) => {
    const index = l.index;
    l.index = { ...index, manifests: [index.manifests[0], index.manifests[0]] };
    return /holds 2 images/;
  },
  "an index entry of the wrong type": (rnd, l) => {
    l.index = { ...l.index, manifests: [pick(rnd, [null, 1, "x", [], true])] };
    return /index\.json: manifests\[0\] is not a descriptor/;
  },
  "a bad manifest digest in index.json": (rnd, l) => {
    const index = l.index;
    const other = rnd() < 0.3;
    index.manifests[0].digest = other ? `sha256:${"0".repeat(64)}` : pick(rnd, BAD_DIGESTS);
    l.index = index;
    return other ? /is missing from the layout/ : NOT_DIGEST;
  },
  "a bad manifest size in index.json": (rnd, l) => {
    const index = l.index;
    const real = index.manifests[0].size as number;
    index.manifests[0].size = pick(rnd, [...ODD_SIZES, real - 1, real + 1, real * 1000]);
    l.index = index;
    return NOT_SIZE;
  },
  "a bad manifest media type in index.json": (rnd, l) => {
    const index = l.index;
    if (rnd() < 0.2) delete index.manifests[0].mediaType;
    else index.manifests[0].mediaType = pick(rnd, MEDIA_TYPES);
    l.index = index;
    return /media ?type/i;
  },
  [ODD_TAG]: (rnd, l) => {
    const index = l.index;
    const name = pick(rnd, ["", "../x", "a/b", "a b", "x".repeat(200), ".hidden", "-x", "ok-tag", "v1.2.3", "_1", 42, null, undefined]);
    const annotations = pick(rnd, [{ "org.opencontainers.image.ref.name": name }, null, "text", []]);
    index.manifests[0].annotations = annotations;
    l.index = index;
    // Pushed without a tag in the reference: the layout's tag is used, and must be one.
    const valid = annotations !== null && typeof annotations === "object" && !Array.isArray(annotations) && typeof name === "string" && /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/.test(name);
    return valid ? null : /tag/;
  },
  "unknown fields and stray files": (rnd, l) => {
    const index = l.index;
    index[pick(rnd, ["x", "annotations", "x-extra"])] = pick(rnd, ODD_VALUES.filter((v) => typeof v !== "string" || v.length < 1000));
    l.index = index;
    writeFileSync(l.file(`blobs/sha256/${"f".repeat(64)}`), "stray");
    writeFileSync(l.file("stray.json"), "{");
    return null;
  },
  "a huge index.json": (_rnd, l) => {
    writeFileSync(l.file("index.json"), JSON.stringify(l.index) + " ".repeat(5 * 1024 * 1024));
    return /index\.json: is \d+ bytes, more than the limit/;
  },
  "no oci-layout": (_rnd, l) => {
    rmSync(l.file("oci-layout"));
    return /is not an OCI image layout \(no oci-layout file\)/;
  },
  "a file linked out of the layout": (rnd, l) => {
    const path = pick(rnd, ["index.json", "oci-layout", `blobs/sha256/${l.manifestDigest.slice(7)}`, `blobs/sha256/${blobDigest(l, pick(rnd, BLOB_ROLES)).slice(7)}`, "blobs", "blobs/sha256"]);
    l.linkOut(path);
    return /resolves outside/;
  },
  "a blob linked to another one": (rnd, l) => {
    const role = pick(rnd, BLOB_ROLES);
    const target = l.blob(blobDigest(l, role === "config" ? "layer" : "config"));
    rmSync(l.blob(blobDigest(l, role)));
    symlinkSync(target, l.blob(blobDigest(l, role)));
    return /does not match its content|is \d+ bytes|more than the limit/;
  },
  "a blob changed in place": (rnd, l) => {
    const role = pick(rnd, [...BLOB_ROLES, "manifest"] as const);
    const file = role === "manifest" ? l.blob(l.manifestDigest) : l.blob(blobDigest(l, role));
    const bytes = readFileSync(file);
    const how = between(rnd, 0, 6);
    if (how === 0) {
      bytes[between(rnd, 0, bytes.length)] ^= 1 << between(rnd, 0, 8);
      writeFileSync(file, bytes);
    } else if (how === 1) writeFileSync(file, bytes.subarray(0, between(rnd, 0, bytes.length)));
    else if (how === 2) writeFileSync(file, Buffer.concat([bytes, Buffer.from("x".repeat(between(rnd, 1, 100)))]));
    else if (how === 3) rmSync(file);
    else if (how === 4) { rmSync(file); mkdirSync(file); }
    else { rmSync(file); execFileSync("mkfifo", [file]); }
    return [/does not match its content/, /is \d+ bytes, its descriptor says/, /more than the limit of \d+ \(the size its descriptor gives\)/, /is missing from the layout/, /is a directory, not a regular file/, /is a FIFO, not a regular file/][how];
  },
  "a manifest that is not JSON": (rnd, l) => {
    const bytes = readFileSync(l.blob(l.manifestDigest));
    l.resealManifest(Buffer.concat([bytes.subarray(0, between(rnd, 0, bytes.length - 1)), Buffer.from(pick(rnd, ["", "\u0000", "\xff"]), "latin1")]));
    return /manifest sha256:[a-f0-9]{64} is not valid JSON|is not an image manifest/;
  },
  "a manifest of the wrong type": (rnd, l) => {
    l.editManifest(() => pick(rnd, ODD_JSON.filter((v) => !(v !== null && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 0))));
    return /manifest sha256:[a-f0-9]{64} is not an image manifest/;
  },
  "config or layers of the wrong type": (rnd, l) => {
    const field = pick(rnd, ["config", "layers"]);
    const value = field === "config" ? pick(rnd, [null, "s", 1, [], undefined]) : pick(rnd, [null, "s", {}, [null], [1], ["s"], [[]], undefined]);
    l.editManifest((m) => { (m as Record<string, unknown>)[field] = value; });
    return /has no config or layers|is not a descriptor/;
  },
  "a bad digest in the manifest": (rnd, l) => {
    const role = pick(rnd, BLOB_ROLES);
    const other = rnd() < 0.3;
    l.editManifest((m) => {
      const d = role === "config" ? m.config : m.layers[0];
      (d as unknown as Record<string, unknown>).digest = other ? `sha256:${"0".repeat(64)}` : pick(rnd, BAD_DIGESTS);
    });
    return other ? /is missing from the layout/ : NOT_DIGEST;
  },
  "a bad size in the manifest": (rnd, l) => {
    const role = pick(rnd, BLOB_ROLES);
    l.editManifest((m) => {
      const d = role === "config" ? m.config : m.layers[0];
      (d as unknown as Record<string, unknown>).size = pick(rnd, [...ODD_SIZES, d.size - 1, d.size + 1]);
    });
    return NOT_SIZE;
  },
  "a bad media type in the manifest": (rnd, l) => {
    const role = pick(rnd, [...BLOB_ROLES, "manifest"] as const);
    const value = pick(rnd, [...MEDIA_TYPES, MEDIA.ociLayer, MEDIA.ociConfig, "application/vnd.oci.image.layer.v1.tar"]);
    l.editManifest((m) => {
      const target = (role === "manifest" ? m : role === "config" ? m.config : m.layers[0]) as unknown as Record<string, unknown>;
      if (rnd() < 0.2) delete target.mediaType;
      else target.mediaType = value;
    });
    // Some are only refused by the registry (or not at all): then the push must verify.
    return "either";
  },
  "a manifest the registry may refuse": (rnd, l) => {
    l.editManifest((m) => pick(rnd, [
      () => { m.schemaVersion = pick(rnd, [1, 3, "2", null]); },
      () => { m.layers = []; },
      () => { m.layers = [m.layers[0], m.layers[0]]; },
      () => { m.annotations = pick(rnd, [{ a: 1 }, "s", { k: "x".repeat(10_000) }, null]); },
      () => { m.config = { ...m.layers[0] }; },
      () => { m.subject = { mediaType: MEDIA.ociManifest, digest: `sha256:${"1".repeat(64)}`, size: 1 }; },
    ])());
    return "either";
  },
};
const LAYOUT_MUTATION_NAMES = Object.keys(LAYOUT_MUTATIONS);

/** The tag, read from the registry itself: absent, or an image whose every blob it holds. */
async function assertTagComplete(client: RegistryClient, repository: string, tag: string, context: string): Promise<string | null> {
  let manifest;
  try {
    manifest = await client.getManifest(repository, tag);
  } catch (error) {
    if (error instanceof RegistryError && error.status === 404) return null;
    throw error;
  }
  const digest = sha256(manifest.bytes);
  const parsedManifest = JSON.parse(manifest.bytes.toString("utf8")) as ManifestJson;
  for (const d of [parsedManifest.config, ...parsedManifest.layers]) {
    assert.ok(await client.blobExists(repository, d.digest), `${context}: ${repository}:${tag} (${digest}) names blob ${d.digest}, which the registry lacks`);
  }
  return digest;
}

const LAYOUT_CASES = 150 * FUZZ_SCALE;
const TAR_CASES = 20 * FUZZ_SCALE;

test(`fuzzed OCI layouts: ${LAYOUT_CASES} mutated layouts loaded and pushed to the registry, ${TAR_CASES} mutated archives`, { timeout: 600_000 * FUZZ_SCALE }, async (t) => {
  const rnd = random(53);
  const direct = new RegistryClient({ registry: registry.host, attempts: 1, timeoutMs: 10_000 });
  const outcomes = { refused: 0, pushed: 0, refusedByRegistry: 0 };
  for (let k = 0; k < LAYOUT_CASES; k++) {
    const source = pick(rnd, packaged);
    const name = pick(rnd, LAYOUT_MUTATION_NAMES);
    const caseDir = join(work.path, `layout-${k}`);
    mkdirSync(caseDir);
    const layout = new LayoutCopy(join(caseDir, "oci"), source);
    cpSync(source.layoutDir, layout.dir, { recursive: true });
    const expect = LAYOUT_MUTATIONS[name](rnd, layout);
    const context = `layout case ${k} (${name})`;
    const repository = `fuzz/layout-${k}`;
    // The layout's own tag (from index.json) when the mutation is about it.
    const reference = `${registry.host}/${repository}${name === ODD_TAG ? "" : ":t"}`;
    const format = pick(rnd, ["oci", "docker"] as const);
    const throughCli = k % 3 === 0;
    const started = Date.now();
    let failure: string | null = null;
    let pushedDigest: string | null = null;
    if (throughCli) {
      const r = await cliInProcess(["push", layout.dir, reference, "--format", format, "--attempts", "1", "--timeout", "10"]);
      assertClear(r.out + r.err, context);
      assert.ok([0, 1].includes(r.code), `${context}: exit ${r.code}\n${r.err}`);
      if (r.code === 0) pushedDigest = /@(sha256:[a-f0-9]{64})$/.exec(r.out)?.[1] ?? null;
      else failure = r.err.split("\n").filter((l) => l.startsWith("error:")).join("\n");
      if (r.code === 1) assert.match(failure ?? "", /^error: push: /, `${context}: ${r.err}`);
    } else {
      let image: LoadedImage | null = null;
      try {
        image = await loadLayout(layout.dir);
      } catch (error) {
        failure = assertClearError(error, context);
      }
      if (image) {
        try {
          const client = new RegistryClient({ registry: registry.host, attempts: 1, timeoutMs: 10_000 });
          const pushed = await pushImage(client, parseReference(reference), image, format);
          await verifyPushed(client, repository, pushed.pushedAs, pushed.digest);
          pushedDigest = pushed.digest;
        } catch (error) {
          failure = assertClearError(error, context);
        }
      }
    }
    assert.ok(since(started) < 30_000, `${context}: ${since(started)} ms`);
    if (failure !== null) {
      assert.notEqual(expect, null, `${context}: a harmless change was refused: ${failure}`);
      if (expect instanceof RegExp) assert.match(failure, expect, context);
      if (/answered 4\d\d/.test(failure)) outcomes.refusedByRegistry++;
      else outcomes.refused++;
    } else {
      assert.ok(!(expect instanceof RegExp), `${context}: accepted, but ${expect} was expected`);
      assert.ok(pushedDigest, context);
      outcomes.pushed++;
    }
    // Whatever happened, every tag names a complete image; a push that succeeded left one, naming this image.
    const stored = [];
    for (const tag of await direct.listTags(repository)) stored.push(await assertTagComplete(direct, repository, tag, context));
    if (pushedDigest) assert.deepEqual(stored, [pushedDigest], context);
    rmSync(caseDir, { recursive: true, force: true });
  }
  t.diagnostic(`layouts: ${JSON.stringify(outcomes)}`);
  assert.equal(outcomes.refused + outcomes.pushed + outcomes.refusedByRegistry, LAYOUT_CASES);
  assert.ok(outcomes.refused > 0 && outcomes.pushed > 0, JSON.stringify(outcomes));

  // The tar written by package, cut short, with bytes flipped or garbage added.
  const tarRnd = random(59);
  for (let k = 0; k < TAR_CASES; k++) {
    const source = pick(tarRnd, packaged);
    const bytes = Buffer.from(readFileSync(source.tarFile));
    const how = pick(tarRnd, ["cut", "flip", "append", "zero a block"]);
    let mutated = bytes;
    if (how === "cut") mutated = bytes.subarray(0, between(tarRnd, 0, bytes.length));
    else if (how === "flip") for (let n = between(tarRnd, 1, 8); n > 0; n--) bytes[between(tarRnd, 0, bytes.length)] ^= 0xff;
    else if (how === "append") mutated = Buffer.concat([bytes, Buffer.from(Array.from({ length: between(tarRnd, 1, 3000) }, () => between(tarRnd, 0, 256)))]);
    else {
      const block = 512 * between(tarRnd, 0, bytes.length / 512);
      bytes.fill(0, block, block + 512);
    }
    const file = join(work.path, `archive-${k}.tar`);
    writeFileSync(file, mutated);
    const context = `archive case ${k} (${how})`;
    const started = Date.now();
    try {
      const image = await loadLayout(file);
      // Accepted only as the very image that was packaged: every digest was checked.
      assert.equal(image.manifest.digest, source.image.manifests.oci.digest, context);
    } catch (error) {
      assertClearError(error, context);
    }
    assert.ok(since(started) < 10_000, `${context}: ${since(started)} ms`);
    rmSync(file);
  }
});

// ---------------------------------------------------------------------------------------
// Pushes through a proxy that injects faults

/** One request's fault, with `rate` the share of requests that get one. */
function proxyFault(rnd: () => number, rate: number): ProxyFault {
  if (rnd() >= rate) return { kind: "pass" };
  switch (between(rnd, 0, 7)) {
    case 0: return { kind: "status", status: pick(rnd, [500, 502, 503, 504]), forwarded: false };
    case 1: return { kind: "status", status: pick(rnd, [500, 503]), forwarded: true };
    case 2: return { kind: "drop", forwarded: rnd() < 0.5 };
    case 3: return { kind: "truncate" };
    case 4: return { kind: "cut-upload" };
    case 5: return { kind: "delay", ms: rnd() < 0.1 ? 1300 : between(rnd, 10, 200) };
    default: return { kind: "slow", chunkBytes: pick(rnd, [64, 512, 4096]), pauseMs: between(rnd, 1, 5) };
  }
}

const PROXY_CASES = 40 * FUZZ_SCALE;
/** What a failed push names: the step it was on. */
const PUSH_STEP = /^(checking the registry|checking blob \S+|uploading (config|layer) \S+( \(bytes \d+-\d+\))?|putting manifest \S+|reading (manifest|blob) \S+|verify): /;

test(`pushes through a fault-injecting proxy in front of the registry: ${PROXY_CASES} pushes`, { timeout: 600_000 * FUZZ_SCALE }, async (t) => {
  const proxy = await startFaultProxy(registry.host);
  const direct = new RegistryClient({ registry: registry.host, attempts: 1, timeoutMs: 10_000 });
  const rnd = random(67);
  const images = await Promise.all(packaged.map((p) => loadLayout(p.layoutDir)));
  const known = new Set(images.flatMap((i) => [manifestFor(i, "oci").digest, manifestFor(i, "docker").digest]));
  const outcomes = { pushed: 0, failed: 0, faults: 0 };
  try {
    for (let k = 0; k < PROXY_CASES; k++) {
      const rate = pick(rnd, [0, 0.1, 0.2, 0.35, 0.5]);
      const seed = between(rnd, 0, 2 ** 31);
      const faults = random(seed);
      proxy.setFaults(() => proxyFault(faults, rate));
      const before = proxy.requests.length;
      // A few repositories and tags, so that pushes overwrite tags and find blobs already there.
      const repository = `fuzz/proxy-${k % 4}`;
      const tag = `t${k % 3}`;
      const image = pick(rnd, images);
      const context = `proxy case ${k} (fault rate ${rate}, seed ${seed})`;
      const client = new RegistryClient({ registry: proxy.host, attempts: 4, retryDelayMs: 2, timeoutMs: 1000, chunkSize: pick(rnd, [4096, 1 << 20]) });
      const started = Date.now();
      let pushedDigest: string | null = null;
      try {
        const pushed = await pushImage(client, parseReference(`${proxy.host}/${repository}:${tag}`), image, pick(rnd, ["oci", "docker"] as const));
        await verifyPushed(client, repository, tag, pushed.digest);
        pushedDigest = pushed.digest;
        outcomes.pushed++;
      } catch (error) {
        const message = assertClearError(error, context);
        assert.match(message, PUSH_STEP, context);
        outcomes.failed++;
      }
      assert.ok(since(started) < 60_000, `${context}: ${since(started)} ms`);
      // Requests the client gave up on may still reach the registry: let them land first.
      await proxy.idle();
      outcomes.faults += proxy.requests.slice(before).filter((r) => r.fault.kind !== "pass").length;
      const stored = await assertTagComplete(direct, repository, tag, context);
      if (stored !== null) assert.ok(known.has(stored), `${context}: ${repository}:${tag} is ${stored}, none of the images pushed`);
      if (pushedDigest) {
        // Checked again without the proxy: the registry itself holds the whole image under the tag.
        assert.equal(stored, pushedDigest, context);
        await verifyPushed(direct, repository, tag, pushedDigest);
      }
    }
  } finally {
    await proxy.stop();
  }
  t.diagnostic(`pushes: ${JSON.stringify(outcomes)}`);
  assert.equal(outcomes.pushed + outcomes.failed, PROXY_CASES);
  assert.ok(outcomes.pushed > 0 && outcomes.faults > 0, JSON.stringify(outcomes));
});
