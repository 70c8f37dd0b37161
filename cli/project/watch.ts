// Watch mode for build and test: run a job once, then again after files
// change. Changes are gathered for a short while, and a job never overlaps
// the one before it: changes during a run give one more run after it.
import { watch, type FSWatcher } from "chokidar";
import { relative, sep } from "node:path";
import { isInside } from "../files.js";

/** Folders a filter project never edits by hand: outputs and dependencies. */
const GENERATED = new Set(["node_modules", "build", "out", "dist", ".git"]);

export interface Watching {
  /** Stops watching; resolves when the running job (if any) has ended. */
  close(): Promise<void>;
}

export interface WatchOptions {
  /** The project folder; everything under it but GENERATED folders is watched. */
  dir: string;
  /** Paths whose changes are ignored besides GENERATED folders (absolute; an output folder elsewhere). */
  ignore?: string[];
  /** Runs once at the start and after each batch of changes; its failures are its own to report. */
  job: (changed: string[]) => Promise<void>;
  /** How long to gather changes before running (default 150 ms). */
  settleMs?: number;
}

/** Only sources and settings start a run: TypeScript/AssemblyScript files and JSON. */
const SOURCE = /\.(ts|json)$/;

export function isGenerated(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel.split(sep).some((part) => GENERATED.has(part));
}


export async function watchProject(options: WatchOptions): Promise<Watching> {
  const settleMs = options.settleMs ?? 150;
  let running: Promise<void> = Promise.resolve();
  let pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const runPending = () => {
    timer = undefined;
    running = running.then(async () => {
      if (closed || pending.size === 0) return;
      const changed = [...pending].sort();
      pending = new Set();
      await options.job(changed);
    });
  };

  const watcher: FSWatcher = watch(options.dir, {
    ignoreInitial: true,
    ignored: (path) => isGenerated(options.dir, path) || (options.ignore ?? []).some((folder) => path === folder || isInside(path, folder)),
  });
  watcher.on("all", (_event, path) => {
    if (closed || !SOURCE.test(path)) return;
    pending.add(relative(options.dir, path) || path);
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(runPending, settleMs);
  });
  await new Promise<void>((resolve, reject) => {
    watcher.once("ready", resolve);
    watcher.once("error", reject);
  });
  running = options.job([]);
  await running;
  return {
    async close() {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      await watcher.close();
      await running;
    },
  };
}

/** Resolves on the first SIGINT or SIGTERM (how a watch command is stopped). */
export function untilInterrupted(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}
