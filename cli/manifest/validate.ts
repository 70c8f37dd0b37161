// Validates an extension's manifest.yaml against manifest/extension-manifest.schema.json
// and reports every problem as file:line:column: what is wrong.
import { Ajv, type ValidateFunction } from "ajv";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { InputFileError, readBoundedText } from "../files.js";
import { fileURLToPath } from "node:url";
import type { Phase } from "../../host/index.js";
import { FileError, loadYaml, positionOf, type LoadedYaml } from "./yaml.js";
import { clip } from "../command.js";
import { explain, relevantErrors } from "./schema-errors.js";

export interface ExtensionManifest {
  schemaVersion: 1 | "1";
  name: string;
  description?: string;
  version: string;
  phase: Phase;
  priority: number;
  module: string;
}

/** The files every packaged image holds at its root (see cli/package/image.ts). */
export const IMAGE_MODULE = "plugin.wasm";
export const IMAGE_FILES = ["manifest.yaml", IMAGE_MODULE] as const;

/** The project's root (where manifest/ lives), from this compiled file's place. */
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    try {
      readFileSync(join(dir, "manifest", "extension-manifest.schema.json"));
      return dir;
    } catch {
      dir = dirname(dir);
    }
  }
  throw new Error("cannot find the manifest/ schemas next to the installed package");
}

let compiled: ValidateFunction | null = null;
function schemaValidator(): ValidateFunction {
  if (!compiled) {
    const schema = JSON.parse(readFileSync(join(projectRoot(), "manifest", "extension-manifest.schema.json"), "utf8")) as object;
    compiled = new Ajv({ allErrors: true, strict: true, verbose: true }).compile(schema);
  }
  return compiled;
}

const HINTS = {
  module: "must be a relative path inside the image (no leading /, no . or .. segments, no backslashes)",
  name: "must be a lowercase DNS label (a-z, 0-9 and -, starting and ending with a letter or digit)",
  version: "must be usable as an image tag (letters, digits, _ . -, not starting with . or -, at most 128 characters)",
};

export interface ValidateOptions {
  /**
   * Files the image holds at its root. When given, `module` must be one of
   * them. Defaults to the files `package` puts in the image.
   */
  imageFiles?: readonly string[] | null;
}

/** Most problems reported for one manifest; the rest are counted in `omitted`. */
export const MAX_REPORTED_ERRORS = 20;

/** Largest manifest.yaml read (a manifest is a few hundred bytes). */
export const MAX_MANIFEST_BYTES = 1024 * 1024;

export interface ManifestResult {
  file: string;
  manifest: ExtensionManifest | null;
  /** The first MAX_REPORTED_ERRORS problems, in file order. */
  errors: FileError[];
  /** How many more problems were found and not listed. */
  omitted: number;
}

function result(file: string, manifest: ExtensionManifest | null, all: FileError[]): ManifestResult {
  return { file, manifest, errors: all.slice(0, MAX_REPORTED_ERRORS), omitted: Math.max(0, all.length - MAX_REPORTED_ERRORS) };
}

/** Validates manifest text; never throws for bad input, returns every problem found. */
export function validateManifestText(text: string, file: string, options: ValidateOptions = {}): ManifestResult {
  let loaded: LoadedYaml;
  try {
    loaded = loadYaml(text, file);
  } catch (error) {
    if (error instanceof FileError) return result(file, null, [error]);
    throw error;
  }
  const errors: FileError[] = [];
  const validate = schemaValidator();
  if (!validate(loaded.data)) {
    for (const error of relevantErrors(validate.errors ?? [])) {
      const problem = explain(error, loaded.data, HINTS);
      errors.push(new FileError(file, positionOf(loaded, problem.pointer, problem.atKey ? "key" : "value"), problem.message));
    }
  }
  const data = loaded.data as Partial<ExtensionManifest> | null;
  const imageFiles = options.imageFiles === undefined ? IMAGE_FILES : options.imageFiles;
  if (imageFiles && data && typeof data === "object" && typeof data.module === "string" && !errors.some((e) => e.problem.startsWith("module:"))) {
    if (!imageFiles.includes(data.module)) {
      errors.push(new FileError(file, positionOf(loaded, "/module"),
        `module: "${clip(data.module)}" does not exist in the image, which holds ${imageFiles.join(", ")}` +
        (imageFiles.includes(IMAGE_MODULE) ? ` (use "module: ${IMAGE_MODULE}": Istio's WasmPlugin only finds a module named ${IMAGE_MODULE})` : "")));
    }
  }
  errors.sort((a, b) => a.position.line - b.position.line || a.position.column - b.position.column);
  return result(file, errors.length === 0 ? (loaded.data as ExtensionManifest) : null, errors);
}

/**
 * Reads a manifest: only a regular file that resolves inside its own folder (a link out
 * of the filter folder is refused), at most MAX_MANIFEST_BYTES.
 */
export function readManifestText(file: string): string {
  return readBoundedText(file, file, { maxBytes: MAX_MANIFEST_BYTES, limitName: "a manifest.yaml is limited to 1 MiB", within: dirname(file) });
}

export function validateManifestFile(file: string, options: ValidateOptions = {}): ManifestResult & { text: string | null } {
  let text: string;
  try {
    text = readManifestText(file);
  } catch (error) {
    if (!(error instanceof InputFileError)) throw error;
    const problem = error.message.startsWith(`${file}: `) ? error.message.slice(file.length + 2) : error.message;
    return { ...result(file, null, [new FileError(file, { line: 1, column: 1 }, problem)]), text: null };
  }
  return { ...validateManifestText(text, file, options), text };
}

/** Every listed problem of a result, one per line, and how many more there were. */
export function manifestProblems(checked: ManifestResult): string {
  const more = checked.omitted > 0 ? [`… and ${checked.omitted} more problems`] : [];
  return [...checked.errors.map((e) => e.message), ...more].join("\n");
}

/** Loads and validates, throwing the problems found. */
export function loadManifest(file: string, options: ValidateOptions = {}): ExtensionManifest {
  const checked = validateManifestFile(file, options);
  if (!checked.manifest) throw new Error(manifestProblems(checked));
  return checked.manifest;
}
