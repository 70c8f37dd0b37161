// Validates an extension's manifest.yaml against manifest/extension-manifest.schema.json
// and reports every problem as file:line:column: what is wrong.
import { Ajv, type ValidateFunction } from "ajv";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Phase } from "../../host/index.js";
import { FileError, loadYaml, positionOf, type LoadedYaml } from "./yaml.js";
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

export interface ManifestResult {
  file: string;
  manifest: ExtensionManifest | null;
  errors: FileError[];
}

/** Validates manifest text; never throws for bad input, returns every problem found. */
export function validateManifestText(text: string, file: string, options: ValidateOptions = {}): ManifestResult {
  let loaded: LoadedYaml;
  try {
    loaded = loadYaml(text, file);
  } catch (error) {
    if (error instanceof FileError) return { file, manifest: null, errors: [error] };
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
        `module: "${data.module}" does not exist in the image, which holds ${imageFiles.join(", ")}` +
        (imageFiles.includes(IMAGE_MODULE) ? ` (use "module: ${IMAGE_MODULE}": Istio's WasmPlugin only finds a module named ${IMAGE_MODULE})` : "")));
    }
  }
  errors.sort((a, b) => a.position.line - b.position.line || a.position.column - b.position.column);
  return { file, manifest: errors.length === 0 ? (loaded.data as ExtensionManifest) : null, errors };
}

export function validateManifestFile(file: string, options: ValidateOptions = {}): ManifestResult {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { file, manifest: null, errors: [new FileError(file, { line: 1, column: 1 }, code === "ENOENT" ? "file not found" : `cannot read: ${(error as Error).message}`)] };
  }
  return validateManifestText(text, file, options);
}

/** Loads and validates, throwing the first problem (all of them in the message). */
export function loadManifest(file: string, options: ValidateOptions = {}): ExtensionManifest {
  const result = validateManifestFile(file, options);
  if (!result.manifest) {
    const error = new Error(result.errors.map((e) => e.message).join("\n"));
    throw error;
  }
  return result.manifest;
}
