// One direction of an HTTP stream as the filter holds it (docs/envoy-semantics.md, "HTTP
// streams"): its header map and trailers, where the filter stopped it, the body window the
// filter sees, the bytes it buffers or holds, and what it passed on.
import { PassedBytes } from "./body-buffer.js";
import { HeaderMap, TRAILER_INLINE, type HeaderInput } from "./header-map.js";

const EMPTY = new Uint8Array(0);

/** Where a direction is held by the filter. */
export const enum Stop {
  None = 0,
  /** StopAllIteration from headers: no body/trailer callbacks until continued. */
  HeadersAll = 1,
  /** StopIteration from headers (allow_on_headers_stop_iteration): body callbacks still run. */
  Headers = 2,
  Body = 3,
  Trailers = 4,
}

/**
 * One direction (request = decoding, response = encoding) of the stream.
 *
 * Per-stream classes assign their fields in the constructor (`declare` fields) instead of
 * using field initialisers: compiled to ES2022, each initialiser is a property definition,
 * measurably slower than an assignment on this once-per-request path.
 */
export class Side {
  declare headers: HeaderMap;
  declare trailers: HeaderMap | null;
  /** Headers received from the peer. */
  declare started: boolean;
  /** End of stream received from the peer. */
  declare ended: boolean;
  /** No more filter callbacks for this direction (local reply, reset, failure). */
  declare done: boolean;
  declare stop: Stop;
  declare headersForwarded: boolean;
  /** The headers arrived with end of stream. */
  declare headersEos: boolean;
  /** End of stream was passed on (chains). */
  declare eosEmitted: boolean;
  // Envoy's references to the maps and body: set while the filter may use them.
  declare headersAvail: boolean;
  declare trailersAvail: boolean;
  declare bodyAvail: boolean;
  declare bodyEos: boolean;
  /** Last body callback returned StopIterationAndBuffer/Watermark: next chunk accumulates. */
  declare buffering: boolean;
  /** Body bytes the filter currently sees / holds. */
  declare buf: Uint8Array;
  /** Data that arrived while stopped by StopAllIteration, not yet shown to the filter. */
  declare held: Uint8Array;
  declare trailersPending: boolean;
  /** The map the test holds as the trailers before any exist; it becomes them when they do. */
  declare trailerView: HeaderMap | null;
  /** Body bytes passed on (upstream for the request, downstream for the response); null = none yet. */
  private declare forwarded: PassedBytes | null;
  /** Whether passed body bytes are kept (tests read them; a proxy moving real traffic keeps none). */
  declare keepsPassed: boolean;

  constructor(inline: ReadonlySet<string>) {
    this.headers = new HeaderMap(null, inline);
    this.trailers = null;
    this.started = this.ended = this.done = false;
    this.stop = Stop.None;
    this.headersForwarded = this.headersEos = this.eosEmitted = false;
    this.headersAvail = this.trailersAvail = this.bodyAvail = this.bodyEos = false;
    this.buffering = false;
    this.buf = this.held = EMPTY;
    this.trailersPending = false;
    this.trailerView = null;
    this.forwarded = null;
    this.keepsPassed = true;
  }

  /** The trailers, or (before any exist) always the same map, so that the test's writes stay. */
  visibleTrailers(): HeaderMap {
    return this.trailers ?? (this.trailerView ??= new HeaderMap(null, TRAILER_INLINE));
  }

  /** Trailers arrive or the filter creates them, in the map the test may already hold. */
  setTrailers(input: HeaderInput | null): HeaderMap {
    const map = this.trailerView ?? new HeaderMap(null, TRAILER_INLINE);
    this.trailerView = null;
    if (input !== null) for (const [k, v] of new HeaderMap(input).entries()) map.add(k, v);
    this.trailers = map;
    return map;
  }

  /** Envoy drops its references to the maps and the body. */
  dropRefs(): void {
    this.headersAvail = this.bodyAvail = this.trailersAvail = false;
  }

  /** No more filter callbacks for this direction (local reply, reset, failure). */
  finish(): void {
    this.done = true;
    this.stop = Stop.None;
    this.dropRefs();
  }

  /** The filter lets everything it holds pass. */
  release(): void {
    this.stop = Stop.None;
    this.headersForwarded = true;
    this.buffering = false;
    this.pass(this.buf);
    this.buf = EMPTY;
  }

  /** Passes body bytes on (most directions never pass any, so the record is made on demand). */
  pass(data: Uint8Array): void {
    if (data.length > 0 && this.keepsPassed) (this.forwarded ??= new PassedBytes()).push(data);
  }

  /** The body bytes passed on so far. */
  passed(): Uint8Array {
    return this.forwarded === null ? EMPTY : this.forwarded.bytes();
  }

  /** Forgets what was passed (a local reply replaces the response). */
  clearPassed(): void {
    this.forwarded = null;
  }
}

