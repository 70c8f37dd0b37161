// Strings to the bytes the host wants, and numbers to strings: the SDK's own
// small versions of what the standard library does with radix checks, error
// modes and their messages, which every filter would otherwise carry.

/**
 * Writes `text` as UTF-8 at `out` and returns the bytes written; with out 0
 * only counts them. A lone surrogate becomes U+FFFD, so the host always gets
 * valid UTF-8.
 */
export function writeUtf8(text: string, out: usize): usize {
  const p = changetype<usize>(text);
  const units = <usize>text.length;
  let size: usize = 0;
  for (let i: usize = 0; i < units; i++) {
    let c = <u32>load<u16>(p + (i << 1));
    if (c - 0xD800 < 0x800) {
      const low = i + 1 < units ? <u32>load<u16>(p + ((i + 1) << 1)) : 0;
      if (c < 0xDC00 && low - 0xDC00 < 0x400) {
        c = 0x10000 + ((c - 0xD800) << 10) + (low - 0xDC00);
        i++;
      } else {
        c = 0xFFFD;
      }
    }
    // Continuation bytes after the lead byte.
    const more: u32 = c < 0x80 ? 0 : c < 0x800 ? 1 : c < 0x10000 ? 2 : 3;
    if (out != 0) {
      const o = out + size;
      store<u8>(o, <u8>(more == 0 ? c : ((0xFF00 >> (more + 1)) | (c >> (6 * more)))));
      for (let k: u32 = 1; k <= more; k++) store<u8>(o + k, <u8>(0x80 | ((c >> (6 * (more - k))) & 0x3F)));
    }
    size += 1 + more;
  }
  return size;
}

/** Bytes of `text` in UTF-8 (a lone surrogate counts as U+FFFD). */
// @ts-ignore: decorator
@inline export function utf8Length(text: string): usize {
  return writeUtf8(text, 0);
}

/** `text` as UTF-8 bytes (lone surrogates as U+FFFD). */
export function utf8(text: string): ArrayBuffer {
  const bytes = newBuffer(utf8Length(text));
  writeUtf8(text, changetype<usize>(bytes));
  return bytes;
}

/** A new ArrayBuffer of `size` bytes, not zeroed: the caller fills it. */
export function newBuffer(size: usize): ArrayBuffer {
  return changetype<ArrayBuffer>(__new(size, idof<ArrayBuffer>()));
}

/** `n` in decimal. */
export function decimal(n: u32): string {
  let digits = 1;
  for (let rest = n; rest >= 10; rest /= 10) digits++;
  const text = changetype<string>(__new(<usize>digits << 1, idof<string>()));
  let p = changetype<usize>(text) + (<usize>digits << 1);
  do {
    p -= 2;
    store<u16>(p, <u16>(0x30 + n % 10));
    n /= 10;
  } while (n != 0);
  return text;
}

/** Lower-cases A-Z only: header names, media types and schemes are ASCII, and full Unicode case tables would cost kilobytes. */
export function asciiLowerCase(text: string): string {
  const bytes = <usize>text.length << 1;
  const out = changetype<string>(__new(bytes, idof<string>()));
  const from = changetype<usize>(text);
  const to = changetype<usize>(out);
  for (let i: usize = 0; i < bytes; i += 2) {
    const c = <u32>load<u16>(from + i);
    store<u16>(to + i, c - 0x41 < 26 ? c | 0x20 : c);
  }
  return out;
}
