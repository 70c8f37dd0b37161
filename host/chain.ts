// Several plugins on one HTTP stream, ordered as Maistra orders ServiceMeshExtensions: by
// phase, then priority (higher first), then name. Requests go through the filters in
// that order, responses in reverse (Envoy's decoder and encoder chains). A local reply
// stops the request where it was sent and runs through every filter's response side in
// reverse; filters that never saw the request pass it through untouched, as Envoy's Wasm
// filter does for a context that was never created.
import { VirtualClock, type Clock } from "./clock.js";
import type { HttpStream, HttpStreamOptions } from "./http-stream.js";
import type { Plugin } from "./plugin.js";
import { StreamPath, type ChainEdges } from "./stream-path.js";

export type { ChainEdges } from "./stream-path.js";

/** Maistra ServiceMeshExtension phases, in chain order. */
export const PHASES = ["PreAuthN", "PostAuthN", "PreAuthZ", "PostAuthZ", "PreStats", "PostStats"] as const;
export type Phase = (typeof PHASES)[number];

/** Orders chain entries: phase, then priority (higher first), then name. */
export function orderChain<T extends { name: string; phase: Phase; priority?: number }>(entries: readonly T[]): T[] {
  for (const e of entries) {
    if (!PHASES.includes(e.phase)) throw new Error(`${e.name}: unknown phase ${String(e.phase)} (one of ${PHASES.join(", ")})`);
  }
  return [...entries].sort(
    (a, b) =>
      PHASES.indexOf(a.phase) - PHASES.indexOf(b.phase) ||
      (b.priority ?? 0) - (a.priority ?? 0) ||
      (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
}

/** Plugins in filter-chain order. */
export class Chain {
  /** @internal Use startChain(). */
  constructor(
    /** Filter names in chain order. */
    readonly names: readonly string[],
    /** The plugins in chain order. */
    readonly plugins: readonly Plugin[],
    /** The clock every plugin of the chain reads (unless one was given its own). */
    readonly clock: Clock,
  ) {}

  /** @internal The filter of the plugin at `position` on a chain stream. */
  newFilter(path: StreamPath<HttpStream>, position: number, options?: HttpStreamOptions): HttpStream {
    return this.plugins[position]!.newFilter(path, position, options);
  }

  /** A plugin by its name. */
  plugin(name: string): Plugin {
    const i = this.names.indexOf(name);
    if (i < 0) throw new Error(`no plugin named ${name} in the chain (${this.names.join(", ")})`);
    return this.plugins[i]!;
  }

  newHttpStream(options?: HttpStreamOptions, edges: ChainEdges | null = null): ChainStream {
    return new ChainStream(this, options, edges);
  }

  /** Moves the chain's virtual clock forward (ticks and callout timeouts of every plugin). */
  advanceTime(ms: number): void {
    if (!(this.clock instanceof VirtualClock)) throw new Error('advanceTime needs a virtual clock: startChain(entries, { clock: "virtual" })');
    this.clock.advance(ms);
  }
}

/** One request/response through every filter of a chain; the same driving methods as HttpStream. */
export class ChainStream extends StreamPath<HttpStream> {
  private declare readonly names: readonly string[];

  constructor(chain: Chain, options?: HttpStreamOptions, edges: ChainEdges | null = null) {
    super(chain.plugins.length, chain, options, edges);
    this.names = chain.names;
  }

  /** Each filter's own stream, in chain order. */
  get streams(): readonly HttpStream[] {
    return this.filters;
  }

  /** The plugin that sent the local reply ("" when the proxy sent it, e.g. sendProxyReply), or null. */
  get localReplyPlugin(): string | null {
    const i = this.localReplyFilter;
    return i === null ? null : i < 0 ? "" : this.names[i]!;
  }

  /** Local replies asked for after the stream already had one (Envoy #28826): ignored here. */
  get ignoredLocalReplies(): Array<{ plugin: string; status: number; details: string }> {
    return this.ignoredReplies.map((r) => ({ plugin: r.filter < 0 ? "" : this.names[r.filter]!, status: r.status, details: r.details }));
  }

  /** Every callback of every filter in the order they ran, with the host-converted result. */
  get actions(): Array<{ plugin: string; callback: string; result: number }> {
    const per = this.filters.map((s) => s.actions);
    const trace = this.trace ?? [];
    const out: Array<{ plugin: string; callback: string; result: number }> = [];
    if (this.filters.length === 1) {
      for (const a of per[0]!) out.push({ plugin: this.names[0]!, ...a });
      return out;
    }
    for (let k = 0; k < trace.length; k += 2) out.push({ plugin: this.names[trace[k]!]!, ...per[trace[k]!]![trace[k + 1]!]! });
    return out;
  }
}
