// Decoded guest strings, remembered by their bytes. Header names and values, property
// paths and log prefixes repeat on every request, and each Buffer decode is a native
// call plus a fresh string; a hit here costs one pass over the bytes in JS and hands
// back the same string, whose hash V8 has already computed for Map/Set lookups.
import type { Buffer } from "node:buffer";

/** Slots (a power of two); each slot holds the last string decoded there. */
const SLOTS = 512;
/** Longer strings are decoded every time. */
const MAX_BYTES = 64;
const FNV_PRIME = 0x01000193;

export class StringCache {
  private readonly bytes = new Uint8Array(SLOTS * MAX_BYTES);
  private readonly words = new DataView(this.bytes.buffer);
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
    const whole = len & ~3;
    // The slot comes from the length and three words (first, middle, last): the compare
    // below reads every byte anyway, so hashing them all would read them twice.
    let h = len;
    if (len >= 4) {
      h = Math.imul(h ^ view.getUint32(start, true), FNV_PRIME);
      h = Math.imul(h ^ view.getUint32(start + ((len >>> 1) & ~3), true), FNV_PRIME);
      h = Math.imul(h ^ view.getUint32(start + len - 4, true), FNV_PRIME);
    } else {
      for (let i = 0; i < len; i++) h = Math.imul(h ^ src[start + i]!, FNV_PRIME);
    }
    const slot = (h ^ (h >>> 15)) & (SLOTS - 1);
    const at = slot * MAX_BYTES;
    const bytes = this.bytes;
    if (this.lengths[slot] === len) {
      const words = this.words;
      let j = 0;
      while (j < whole && words.getUint32(at + j, true) === view.getUint32(start + j, true)) j += 4;
      if (j === whole) {
        while (j < len && bytes[at + j] === src[start + j]) j++;
        if (j === len) return this.strings[slot]!;
      }
    }
    const s = src.toString("utf8", start, start + len);
    for (let k = 0; k < len; k++) bytes[at + k] = src[start + k]!;
    this.lengths[slot] = len;
    this.strings[slot] = s;
    return s;
  }
}
