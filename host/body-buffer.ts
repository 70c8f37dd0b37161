// Envoy's rules for proxy_set_buffer_bytes on a mutable body/data buffer
// (docs/envoy-semantics.md, "Buffers"), and the byte helpers the streams, connections and
// chains share.
import { Buffer } from "node:buffer";

const EMPTY = new Uint8Array(0);

/** Text (UTF-8 encoded) or bytes as given. */
export function toBytes(chunk: string | Uint8Array): Uint8Array {
  return typeof chunk === "string" ? new Uint8Array(Buffer.from(chunk, "utf8")) : chunk;
}

/** Chunks as one array (the chunk itself when there is only one). */
export function joinBytes(parts: readonly Uint8Array[]): Uint8Array {
  return parts.length === 0 ? EMPTY : parts.length === 1 ? parts[0]! : new Uint8Array(Buffer.concat(parts));
}

/** Bytes passed on chunk by chunk, joined only when read (and once per change). */
export class PassedBytes {
  /** null = nothing passed yet (most directions never pass any data). */
  private parts: Uint8Array[] | null = null;
  private joined: Uint8Array | null = EMPTY;

  push(data: Uint8Array): void {
    if (data.length === 0) return;
    (this.parts ??= []).push(data);
    this.joined = null;
  }

  bytes(): Uint8Array {
    if (this.joined === null) this.joined = joinBytes(this.parts!); // joined is reset only by push()
    return this.joined;
  }

  /** What was passed since the last take (or the start), then forgotten: nothing stays behind. */
  take(): Uint8Array {
    const bytes = this.bytes();
    this.clear();
    return bytes;
  }

  /** Forgets what was passed (a local reply replaces the response). */
  clear(): void {
    this.parts = null;
    this.joined = EMPTY;
  }
}

export function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/**
 * Applies `proxy_set_buffer_bytes(start, size, data)` to `current`:
 * start 0 drops the first `size` bytes and prepends `data` (so size ≥ length replaces),
 * start ≥ length appends, anything in between cannot be spliced → null (BadArgument).
 */
export function applySetBufferBytes(current: Uint8Array, start: number, size: number, data: Uint8Array): Uint8Array | null {
  start >>>= 0;
  size >>>= 0;
  if (start === 0) {
    const rest = size >= current.length ? EMPTY : current.subarray(size);
    return concatBytes(new Uint8Array(data), rest);
  }
  if (start >= current.length) return concatBytes(current, new Uint8Array(data));
  return null;
}

/**
 * The slice `proxy_get_buffer_bytes(start, maxSize)` returns: empty when start is past the
 * end, truncated at the end of the buffer.
 */
export function sliceForGet(current: Uint8Array, start: number, maxSize: number): Uint8Array {
  start >>>= 0;
  maxSize >>>= 0;
  if (start >= current.length) return EMPTY;
  return current.subarray(start, Math.min(current.length, start + maxSize));
}
