// Reading code points from the two kinds of text the matcher runs on: UTF-16
// strings (positions in code units) and UTF-8 bytes (positions in bytes).
// Nothing here allocates.

/** Width, in positions, of the code point the last decodeAt read. */
export let decodedWidth: i32 = 0;

const REPLACEMENT: i32 = 0xfffd;

/**
 * The code point at `pos` of the text at `base` that is `end` positions long,
 * or -1 at the end. UTF-16: an unpaired surrogate reads as itself. UTF-8: a
 * byte that does not start a well-formed sequence reads as U+FFFD, one byte wide.
 */
export function decodeAt(base: usize, pos: i32, end: i32, wide: bool): i32 {
  if (pos >= end) {
    decodedWidth = 0;
    return -1;
  }
  if (wide) {
    const c = <i32>load<u16>(base + (<usize>pos << 1));
    if ((c & 0xfc00) == 0xd800 && pos + 1 < end) {
      const d = <i32>load<u16>(base + (<usize>(pos + 1) << 1));
      if ((d & 0xfc00) == 0xdc00) {
        decodedWidth = 2;
        return 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
      }
    }
    decodedWidth = 1;
    return c;
  }
  const p = base + <usize>pos;
  const b0 = <i32>load<u8>(p);
  decodedWidth = 1;
  if (b0 < 0x80) return b0;
  const left = end - pos;
  if (b0 >= 0xc2 && b0 <= 0xdf) {
    if (left >= 2) {
      const b1 = <i32>load<u8>(p, 1);
      if ((b1 & 0xc0) == 0x80) {
        decodedWidth = 2;
        return ((b0 & 0x1f) << 6) | (b1 & 0x3f);
      }
    }
  } else if (b0 >= 0xe0 && b0 <= 0xef) {
    if (left >= 3) {
      const b1 = <i32>load<u8>(p, 1), b2 = <i32>load<u8>(p, 2);
      if ((b1 & 0xc0) == 0x80 && (b2 & 0xc0) == 0x80) {
        const c = ((b0 & 0x0f) << 12) | ((b1 & 0x3f) << 6) | (b2 & 0x3f);
        if (c >= 0x800 && (c & 0xf800) != 0xd800) {
          decodedWidth = 3;
          return c;
        }
      }
    }
  } else if (b0 >= 0xf0 && b0 <= 0xf4) {
    if (left >= 4) {
      const b1 = <i32>load<u8>(p, 1), b2 = <i32>load<u8>(p, 2), b3 = <i32>load<u8>(p, 3);
      if ((b1 & 0xc0) == 0x80 && (b2 & 0xc0) == 0x80 && (b3 & 0xc0) == 0x80) {
        const c = ((b0 & 0x07) << 18) | ((b1 & 0x3f) << 12) | ((b2 & 0x3f) << 6) | (b3 & 0x3f);
        if (c >= 0x10000 && c <= 0x10ffff) {
          decodedWidth = 4;
          return c;
        }
      }
    }
  }
  return REPLACEMENT;
}

/** The code point that ends at `pos` (-1 at the start), read the way decodeAt reads forward. */
export function decodeBefore(base: usize, pos: i32, end: i32, wide: bool): i32 {
  if (pos <= 0) return -1;
  if (wide) {
    const c = <i32>load<u16>(base + (<usize>(pos - 1) << 1));
    if ((c & 0xfc00) == 0xdc00 && pos >= 2) {
      const h = <i32>load<u16>(base + (<usize>(pos - 2) << 1));
      if ((h & 0xfc00) == 0xd800) return 0x10000 + ((h - 0xd800) << 10) + (c - 0xdc00);
    }
    return c;
  }
  // Find the start of the sequence that covers pos - 1 (at most 3 continuation bytes back).
  let from = pos - 1;
  while (from > 0 && pos - from < 4 && (load<u8>(base + <usize>from) & 0xc0) == 0x80) from--;
  const c = decodeAt(base, from, end, false);
  if (from + decodedWidth == pos) return c;
  return REPLACEMENT;
}

/** Advances past the code point at `pos` (one position at least). */
export function nextPosition(base: usize, pos: i32, end: i32, wide: bool): i32 {
  decodeAt(base, pos, end, wide);
  return pos + max(decodedWidth, 1);
}
