// Decoded guest strings, remembered by their bytes. Header names and values, property
// paths and log prefixes repeat on every request, and each Buffer decode is a native
// call plus a fresh string; a hit here costs a few word compares in JS and hands back
// the same string, whose hash V8 has already computed for Map/Set lookups.
import type { Buffer } from "node:buffer";

/** Slots (a power of two); each slot holds the last string decoded there. */
const SLOTS = 512;
/** Longer strings are decoded every time. */
const MAX_BYTES = 64;
/** Words kept per slot: enough for MAX_BYTES. */
const WORDS = MAX_BYTES / 4;
const FNV_PRIME = 0x01000193;

export class StringCache {
  /**
   * Each slot's bytes as little-endian words, read from a typed array rather than through
   * a DataView (guest memory, with arbitrary alignment, needs one; the cache does not).
   * Only the words before the tail are used.
   */
  private readonly words = new Int32Array(SLOTS * WORDS);
  /** Each slot's last four bytes (overlapping the words before when the length is not a multiple of 4). */
  private readonly tails = new Int32Array(SLOTS);
  /** Byte length per slot; -1 = empty. */
  private readonly lengths = new Int32Array(SLOTS).fill(-1);
  private readonly strings: string[] = new Array<string>(SLOTS).fill("");

  /**
   * `src[start, start + len)` decoded as UTF-8 with Buffer's decoder (malformed input
   * decodes as it always does). `view` is a DataView over the same bytes as `src`: hashing
   * and comparing go four bytes at a time.
   */
  decode(src: Buffer, view: DataView, start: number, len: number): string {
    if (len > MAX_BYTES) return src.toString("utf8", start, start + len);
    let first: number;
    let tail: number;
    let h = len;
    if (len >= 4) {
      first = view.getInt32(start, true);
      tail = view.getInt32(start + len - 4, true);
      // The slot comes from the length and three words (first, middle, last): the compare
      // below reads the rest anyway, so hashing every word would read them twice.
      h = Math.imul(h ^ view.getInt32(start + ((len >>> 1) & ~3), true), FNV_PRIME);
    } else {
      // Up to three bytes make one word (read bytewise: a word could pass the end of memory).
      first = 0;
      for (let i = 0; i < len; i++) first = (first << 8) | src[start + i]!;
      tail = first;
    }
    h = Math.imul(h ^ first, FNV_PRIME);
    h = Math.imul(h ^ tail, FNV_PRIME);
    const slot = (h ^ (h >>> 15)) & (SLOTS - 1);
    const base = slot * WORDS;
    const words = this.words;
    // Bytes [0, len - 4) are compared as the words at 0, 4, 8 …, the rest as the tail.
    const body = len - 4;
    if (this.lengths[slot] === len && this.tails[slot] === tail && words[base] === first) {
      let j = 4;
      while (j < body && words[base + (j >>> 2)] === view.getInt32(start + j, true)) j += 4;
      if (j >= body) return this.strings[slot]!;
    }
    const s = src.toString("utf8", start, start + len);
    words[base] = first;
    for (let j = 4; j < body; j += 4) words[base + (j >>> 2)] = view.getInt32(start + j, true);
    this.tails[slot] = tail;
    this.lengths[slot] = len;
    this.strings[slot] = s;
    return s;
  }
}
