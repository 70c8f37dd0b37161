// Watch mode for build, test and serve: run a job after files change. Changes
// are gathered for a short while, and a job never overlaps the one before it:
// changes during a run give one more run after it. Build and test also run
// the job once at the start.
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
  const ignore = options.ignore ?? [];
  return watchFiles({
    paths: [options.dir],
    ignored: (path) => isGenerated(options.dir, path) || ignore.some((folder) => path === folder || isInside(path, folder)),
    accept: (_event, path) => SOURCE.test(path),
    settleMs: options.settleMs ?? 150,
    runAtStart: true,
    job: (changed) => options.job(changed.map((path) => relative(options.dir, path) || path)),
  });
}

export interface WatchFilesOptions {
  /** Files or folders to watch (a watched file is followed through deletes and replacement by rename). */
  paths: string[];
  /** Paths not watched at all. */
  ignored?: (path: string) => boolean;
  /** Which events start a run (chokidar's event names: add, change, unlink, addDir, unlinkDir). */
  accept: (event: string, path: string) => boolean;
  /** How long to gather changes before running. */
  settleMs: number;
  /** Runs the job once with no changes as soon as the watcher is ready. */
  runAtStart?: boolean;
  /** Runs after each batch of changes with the changed paths, sorted; its failures are its own to report. */
  job: (changed: string[]) => Promise<void>;
  /** A watcher failure after the start (before it, watchFiles rejects); ignored when not given. */
  onError?: (error: Error) => void;
}

/** Watches paths with chokidar; a job never overlaps the one before it, changes during a run give one more run after it. */
export async function watchFiles(options: WatchFilesOptions): Promise<Watching> {
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

  const watcher: FSWatcher = watch(options.paths, { ignoreInitial: true, ...(options.ignored ? { ignored: options.ignored } : {}) });
  watcher.on("all", (event, path) => {
    if (closed || !options.accept(event, path)) return;
    pending.add(path);
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(runPending, options.settleMs);
  });
  try {
    await new Promise<void>((resolve, reject) => {
      watcher.once("ready", resolve);
      watcher.once("error", reject);
    });
  } catch (e) {
    await watcher.close();
    throw e;
  }
  watcher.removeAllListeners("error");
  watcher.on("error", (e: unknown) => options.onError?.(e instanceof Error ? e : new Error(String(e))));
  if (options.runAtStart) {
    running = options.job([]);
    await running;
  }
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
