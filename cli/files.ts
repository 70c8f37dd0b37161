// Reading a file the user named, within bounds: only a regular file (never a FIFO,
// a device or a directory), at most `maxBytes`, and, when `within` is given, only if
// its resolved path (symlinks followed) stays inside that folder. docs/cli.md lists
// the limits.
import { closeSync, constants, fstatSync, openSync, readSync, realpathSync } from "node:fs";
import { relative, isAbsolute } from "node:path";

/** A file the CLI refused or failed to read; the message names the file and why. */
export class InputFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InputFileError";
  }
}

export interface ReadBounds {
  /** Largest accepted size; the error names `limitName` so the user knows what to raise. */
  maxBytes: number;
  /** How the limit is changed (an option name), or a plain description when it is fixed. */
  limitName: string;
  /** A folder the file must resolve inside. */
  within?: string;
}

/** Whether `path` (already resolved) lies inside `folder` (already resolved). */
export function isInside(path: string, folder: string): boolean {
  const rel = relative(folder, path);
  return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel);
}

function resolved(path: string, shown: string): string {
  try {
    return realpathSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputFileError(code === "ENOENT" ? `${shown}: file not found` : `${shown}: cannot read (${code ?? (error as Error).message})`);
  }
}

/** `path` with its links followed, refused unless it lies inside `folder` (links followed too). */
export function resolvedInside(path: string, shown: string, folder: string): string {
  const real = resolved(path, shown);
  if (!isInside(real, resolved(folder, folder))) throw new InputFileError(`${shown}: resolves outside ${folder} (a link out of the folder is not followed)`);
  return real;
}

/** Reads `path` as bytes within `bounds`; `shown` is how the file is named in errors. */
export function readBoundedFile(path: string, shown: string, bounds: ReadBounds): Buffer {
  const real = bounds.within === undefined ? resolved(path, shown) : resolvedInside(path, shown, bounds.within);
  let fd: number;
  try {
    // Non-blocking, so that a FIFO swapped in after realpath cannot hang the open.
    fd = openSync(real, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  } catch (error) {
    throw new InputFileError(`${shown}: cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) {
      const kind = stat.isDirectory() ? "a directory" : stat.isFIFO() ? "a FIFO" : stat.isCharacterDevice() || stat.isBlockDevice() ? "a device" : stat.isSocket() ? "a socket" : "not a file";
      throw new InputFileError(`${shown}: is ${kind}, not a regular file`);
    }
    if (stat.size > bounds.maxBytes) throw new InputFileError(`${shown}: is ${stat.size} bytes, more than the limit of ${bounds.maxBytes} (${bounds.limitName})`);
    // Read at most maxBytes + 1, so that a file growing under us is still caught.
    const buffer = Buffer.alloc(Math.min(stat.size, bounds.maxBytes) + 1);
    let length = 0;
    for (;;) {
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
      if (length === buffer.length) break;
    }
    if (length > bounds.maxBytes) throw new InputFileError(`${shown}: is more than the limit of ${bounds.maxBytes} bytes (${bounds.limitName})`);
    if (length === buffer.length) throw new InputFileError(`${shown}: changed while being read`);
    return buffer.subarray(0, length);
  } finally {
    closeSync(fd);
  }
}

/** readBoundedFile as UTF-8 text. */
export function readBoundedText(path: string, shown: string, bounds: ReadBounds): string {
  return readBoundedFile(path, shown, bounds).toString("utf8");
}
