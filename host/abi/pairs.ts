// Serialised header map ("pairs", docs/envoy-semantics.md, "Header maps"), with cpp-host's
// parsing rules.
import { Buffer } from "node:buffer";

/** cpp-host refuses (returns an empty list for) buffers above 1 MiB ... */
export const MAX_PAIRS_BYTES = 1024 * 1024;
/** ... and more than 1024 pairs. */
export const MAX_PAIRS_COUNT = 1024;

export type Pair = [string, string];

/**
 * Decodes a serialised map. Like cpp-host's `PairsUtil::toPairs`, any malformed input
 * (not consumed exactly, missing NUL terminators, over the limits) yields an empty list
 * rather than an error.
 */
export function decodePairs(bytes: Uint8Array): Pair[] {
  const len = bytes.length;
  if (len < 4 || len > MAX_PAIRS_BYTES) return [];
  const dv = new DataView(bytes.buffer, bytes.byteOffset, len);
  const n = dv.getUint32(0, true);
  if (n > MAX_PAIRS_COUNT) return [];
  let pos = 4 + n * 8;
  if (pos > len) return [];
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, len);
  const out: Pair[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const kl = dv.getUint32(4 + i * 8, true);
    const vl = dv.getUint32(8 + i * 8, true);
    // Each string must be followed by its NUL; check before slicing.
    if (pos + kl + 1 > len || buf[pos + kl] !== 0) return [];
    const key = buf.toString("utf8", pos, pos + kl);
    pos += kl + 1;
    if (pos + vl + 1 > len || buf[pos + vl] !== 0) return [];
    const value = buf.toString("utf8", pos, pos + vl);
    pos += vl + 1;
    out[i] = [key, value];
  }
  return pos === len ? out : [];
}

/** Serialised size of the first `n` entries of a flat key, value, key, value … array. */
export function pairsByteLength(flat: readonly string[], n: number): number {
  let size = 4 + n * 8;
  for (let i = 0; i < 2 * n; i++) size += Buffer.byteLength(flat[i]!) + 1;
  return size;
}

/**
 * Writes the pairs encoding of a flat key, value, key, value … array into `dst` at `off`;
 * `dst` must have room for `pairsByteLength(...)` bytes. Used to serialise straight into
 * guest memory.
 */
export function writePairs(dst: Buffer, off: number, flat: readonly string[], n: number): void {
  dst.writeUInt32LE(n, off);
  let sizes = off + 4;
  let data = off + 4 + n * 8;
  for (let i = 0; i < n; i++) {
    const kl = dst.write(flat[2 * i]!, data, "utf8");
    data += kl;
    dst[data++] = 0;
    const vl = dst.write(flat[2 * i + 1]!, data, "utf8");
    data += vl;
    dst[data++] = 0;
    dst.writeUInt32LE(kl, sizes);
    dst.writeUInt32LE(vl, sizes + 4);
    sizes += 8;
  }
}

/** Encodes a list of pairs into a fresh buffer. */
export function encodePairs(pairs: ReadonlyArray<readonly [string, string]>): Uint8Array {
  const flat = pairs.flat();
  const out = Buffer.alloc(pairsByteLength(flat, pairs.length));
  writePairs(out, 0, flat, pairs.length);
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}
