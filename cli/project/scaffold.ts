// `init`'s work: a new filter project from templates/common and one template
// (templates/README.md describes the folders and the placeholders).
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const TEMPLATES = fileURLToPath(new URL("../../../templates/", import.meta.url));
const PACKAGE_JSON = new URL("../../../package.json", import.meta.url);

/** What templates/<name>/template.json says. */
export interface TemplateInfo {
  summary: string;
  description: string;
  phase: string;
}

/** A filter name must be a DNS label: it names the image and the mesh resources. */
export const FILTER_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** The template names, sorted. */
export function templateNames(): string[] {
  return readdirSync(TEMPLATES).filter((n) => existsSync(join(TEMPLATES, n, "template.json"))).sort();
}

export function templateInfo(template: string): TemplateInfo {
  return JSON.parse(readFileSync(join(TEMPLATES, template, "template.json"), "utf8")) as TemplateInfo;
}

/** Every file under `dir` (relative paths), but the template's own description files. */
function filesUnder(dir: string, base = dir): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) files.push(...filesUnder(path, base));
    else files.push(relative(base, path));
  }
  return files.filter((f) => f !== "template.json" && f !== "about.md");
}

/** The project's file name for a template file (npm leaves .gitignore files out of packages). */
function targetName(file: string): string {
  return file === "gitignore" ? ".gitignore" : file;
}

/** Replaces each {{key}}; a placeholder without a value is a template error. */
function fill(text: string, values: Record<string, string>, file: string, forJson: boolean): string {
  return text.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`templates: ${file} uses {{${key}}}, which has no value`);
    return forJson ? JSON.stringify(value).slice(1, -1) : value;
  });
}

/** The dependency versions a new project gets: the ones this package is built and tested with. */
function dependencyValues(sdkSpec: string | undefined): Record<string, string> {
  const pkg = JSON.parse(readFileSync(PACKAGE_JSON, "utf8")) as {
    version: string;
    engines: { node: string };
    devDependencies: Record<string, string>;
    peerDependencies: Record<string, string>;
  };
  return {
    sdkSpec: sdkSpec ?? `^${pkg.version}`,
    nodeRange: pkg.engines.node,
    assemblyscriptRange: pkg.peerDependencies["assemblyscript"]!,
    typescriptVersion: pkg.devDependencies["typescript"]!,
    typesNodeVersion: pkg.devDependencies["@types/node"]!,
  };
}

export interface ScaffoldOptions {
  template: string;
  name: string;
  /** The proxy-wasm-as dependency (default ^<this version>). */
  sdkSpec?: string;
}

/** Writes the project into `dir` (which must not exist, or be empty); gives the files written (relative). */
export function scaffold(dir: string, options: ScaffoldOptions): string[] {
  const info = templateInfo(options.template);
  const values: Record<string, string> = {
    name: options.name,
    description: info.description,
    phase: info.phase,
    ...dependencyValues(options.sdkSpec),
  };
  values.about = fill(readFileSync(join(TEMPLATES, options.template, "about.md"), "utf8").trimEnd(), values, "about.md", false);
  const sources = new Map<string, string>();
  for (const layer of ["common", options.template]) {
    for (const file of filesUnder(join(TEMPLATES, layer))) sources.set(targetName(file), join(TEMPLATES, layer, file));
  }
  const written: string[] = [];
  mkdirSync(dir, { recursive: true });
  for (const [file, source] of [...sources].sort(([a], [b]) => a.localeCompare(b))) {
    const target = join(dir, file);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, fill(readFileSync(source, "utf8"), values, relative(TEMPLATES, source), file.endsWith(".json")));
    written.push(file);
  }
  return written;
}
