// A filter folder: an asconfig.json (how to compile it) and usually a
// manifest.yaml (how to package it). Its folder name names the module:
// build/<name>.wasm, as `package` reads it.
import { existsSync, statSync } from "node:fs";
import { basename, join, relative, resolve } from "node:path";
import { CliError } from "../command.js";

export interface FilterFolder {
  /** Absolute path. */
  dir: string;
  /** The module's name: build/<name>.wasm. */
  name: string;
  /** How the CLI shows the folder (relative to where it runs). */
  shown: string;
}

/** The filter folder `dir` (relative to `cwd`); a CliError naming what is missing otherwise. */
export function filterFolder(command: string, cwd: string, dir = "."): FilterFolder {
  const absolute = resolve(cwd, dir);
  const shown = relative(cwd, absolute) || ".";
  if (!existsSync(absolute) || !statSync(absolute).isDirectory()) throw new CliError(`${command}: ${shown} is not a folder`);
  if (!existsSync(join(absolute, "asconfig.json"))) {
    throw new CliError(`${command}: ${shown} has no asconfig.json (a filter folder has one; proxy-wasm-as init makes one)`);
  }
  return { dir: absolute, name: basename(absolute), shown };
}

/** What `validate` and `package` work on when given no folder: the current folder, when it holds a filter's manifest.yaml. */
export function currentFilterDirs(cwd: string): string[] {
  return existsSync(join(cwd, "manifest.yaml")) ? ["."] : [];
}
