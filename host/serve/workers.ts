// The plugins serve runs: every filter of the chain gets one VM per worker, as Envoy runs
// one per worker thread, and connections are spread over the workers. A reload builds the
// new VMs beside the old ones; streams in flight finish on the generation they started on.
import { readFile } from "node:fs/promises";
import { createHash } from "node:crypto";
import { resolve } from "node:path";
import { LogLevel } from "../abi/enums.js";
import { Chain, orderChain } from "../chain.js";
import { RealTimerClock } from "../clock.js";
import { ProxyProcess, startPlugin } from "../index.js";
import type { Plugin } from "../plugin.js";
import type { FilterSpec } from "./options.js";
import type { Output } from "./output.js";

/** One set of VMs a stream runs on; retired generations shut down once idle. */
export class Generation {
  inFlight = 0;
  retired = false;
  /** Plugins this generation owns alone (shut down with it). */
  owned: Plugin[] = [];
  constructor(readonly chain: Chain) {}

  enter(): void {
    this.inFlight++;
  }
  leave(): void {
    if (--this.inFlight === 0 && this.retired) this.shutdown();
  }
  retire(replaced: Plugin[]): void {
    this.retired = true;
    this.owned = replaced;
    if (this.inFlight === 0) this.shutdown();
  }
  private shutdown(): void {
    for (const p of this.owned) p.shutdown();
    this.owned = [];
  }
}

export interface Worker {
  index: number;
  current: Generation;
  /** Connections handed to this worker so far. */
  connections: number;
}

/** What the admin listing shows for a loaded filter. */
export interface LoadedFilter {
  spec: FilterSpec;
  digest: string;
  loadedAt: Date;
}

export class PluginLoadFailure extends Error {
  override name = "PluginLoadFailure";
}

/** Starts one VM of a filter; a module that fails to start or configure is refused, as Envoy refuses its configuration. */
async function startFilter(spec: FilterSpec, bytes: Uint8Array, out: Output, clusters: string[], process: ProxyProcess, worker: number, workers: number): Promise<Plugin> {
  const prefix = workers > 1 ? `${spec.name}#${worker}` : spec.name;
  const plugin = await startPlugin({
    module: bytes,
    rootId: spec.rootId,
    pluginName: spec.name,
    vmId: spec.vmId,
    configuration: spec.configuration,
    vmConfiguration: spec.vmConfiguration,
    failOpen: spec.failOpen,
    allowOnHeadersStopIteration: spec.allowOnHeadersStopIteration,
    logLevel: out.level,
    clusters,
    process,
    trace: { log: (e) => out.filterLog(prefix, e.level, e.message) },
  });
  if (plugin.failed) throw new PluginLoadFailure(`${spec.name}: the VM failed while starting: ${plugin.failure ?? "unknown failure"}`);
  if (!plugin.vmStarted) throw new PluginLoadFailure(`${spec.name}: proxy_on_vm_start returned false`);
  if (!plugin.configured) throw new PluginLoadFailure(`${spec.name}: proxy_on_configure returned false (the configuration was rejected)`);
  plugin.clearLogs();
  return plugin;
}

export class Workers {
  readonly workers: Worker[] = [];
  readonly loaded: LoadedFilter[] = [];
  private next = 0;
  private pumpQueued = false;
  /** Real time with timers: ticks and callout timeouts fire by themselves. */
  readonly clock = new RealTimerClock();
  /** One Envoy process: every VM of every worker shares its shared data and queues. */
  readonly process = new ProxyProcess({ clock: this.clock });
  /** Called for every plugin started (serve hooks callouts to it). */
  onPlugin: ((plugin: Plugin) => void) | null = null;

  constructor(
    private readonly specs: FilterSpec[],
    private readonly count: number,
    private readonly out: Output,
    private readonly clusterNames: string[],
  ) {}

  /** Loads every filter on every worker; throws PluginLoadFailure naming the filter. */
  async start(): Promise<void> {
    const ordered = orderChain(this.specs);
    const modules = await Promise.all(ordered.map((s) => this.read(s)));
    for (let w = 0; w < this.count; w++) {
      const plugins: Plugin[] = [];
      for (let i = 0; i < ordered.length; i++) plugins.push(await this.start1(ordered[i]!, modules[i]!, w));
      this.workers.push({ index: w, current: new Generation(new Chain(ordered.map((s) => s.name), plugins, this.clock)), connections: 0 });
    }
    ordered.forEach((spec, i) => this.loaded.push({ spec, digest: digestOf(modules[i]!), loadedAt: new Date() }));
  }

  private async read(spec: FilterSpec): Promise<Uint8Array> {
    try {
      return new Uint8Array(await readFile(spec.file));
    } catch (e) {
      throw new PluginLoadFailure(`${spec.name}: cannot read ${spec.file}: ${(e as Error).message}`);
    }
  }

  private async start1(spec: FilterSpec, bytes: Uint8Array, worker: number): Promise<Plugin> {
    let plugin: Plugin;
    try {
      plugin = await startFilter(spec, bytes, this.out, this.clusterNames, this.process, worker, this.count);
    } catch (e) {
      if (e instanceof PluginLoadFailure) throw e;
      throw new PluginLoadFailure(`${spec.name}: ${(e as Error).message}`);
    }
    this.onPlugin?.(plugin);
    return plugin;
  }

  /** The worker for a new connection (round robin). */
  pick(): Worker {
    const w = this.workers[this.next]!;
    this.next = (this.next + 1) % this.workers.length;
    w.connections++;
    return w;
  }

  /** Every plugin of the current generations, worker by worker. */
  plugins(): Plugin[] {
    return this.workers.flatMap((w) => [...w.current.chain.plugins]);
  }

  /**
   * Reloads the filters read from `file` on every worker. A module that fails to load or
   * configure leaves the running one in place; the error says why.
   */
  async reload(file: string): Promise<string[]> {
    const names: string[] = [];
    const path = resolve(file); // one file may be named several ways (the watcher normalises)
    for (const entry of this.loaded) {
      if (resolve(entry.spec.file) !== path) continue;
      const bytes = await this.read(entry.spec);
      const digest = digestOf(bytes);
      if (digest === entry.digest) continue;
      const fresh: Plugin[] = [];
      try {
        for (const w of this.workers) fresh.push(await this.start1(entry.spec, bytes, w.index));
      } catch (e) {
        for (const p of fresh) p.shutdown();
        throw e;
      }
      for (const w of this.workers) {
        const old = w.current;
        const i = old.chain.names.indexOf(entry.spec.name);
        const plugins = [...old.chain.plugins];
        const replaced = plugins[i]!;
        plugins[i] = fresh[w.index]!;
        w.current = new Generation(new Chain(old.chain.names, plugins, this.clock));
        old.retire([replaced]);
      }
      entry.digest = digest;
      entry.loadedAt = new Date();
      names.push(entry.spec.name);
    }
    return names;
  }

  /** Delivers queue notifications soon (after the running callbacks), once per turn. */
  pump(): void {
    if (this.pumpQueued) return;
    this.pumpQueued = true;
    setImmediate(() => {
      this.pumpQueued = false;
      for (const p of this.plugins()) {
        p.dispatchQueueReady();
        if (p.logs.length > 256) p.clearLogs(); // printed as they came; not kept
      }
    });
  }

  /** Plugin removal on every worker (proxy_on_done …), at shutdown. */
  shutdown(): void {
    for (const p of this.plugins()) p.shutdown();
  }

  get logLevel(): LogLevel {
    return this.out.level;
  }

  /** What proxy_get_log_level reports on every VM from now on (new VMs start with it too). */
  set logLevel(level: LogLevel) {
    this.out.level = level;
    for (const p of this.plugins()) p.logLevel = level;
  }
}

export function digestOf(bytes: Uint8Array): string {
  return "sha256:" + createHash("sha256").update(bytes).digest("hex");
}
