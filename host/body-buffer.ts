// Envoy's rules for proxy_set_buffer_bytes on a mutable body/data buffer (reference §4.3).

const EMPTY = new Uint8Array(0);

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
