// URL decoding for inspection: attacks arrive percent-encoded ("%27%20OR%201%3D1"), and rules are
// written against the text a server would see after decoding.

function hexValue(c: u8): i32 {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const lower = c | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

/**
 * `%XX` → the byte, and `+` → space when `plusIsSpace` (query strings and form bodies). A `%` not
 * followed by two hex digits stays as it is. Decodes once: "%2527" becomes "%27", as a server would
 * see it. Returns `text` itself, without copying, when there is nothing to decode.
 */
export function urlDecode(text: Uint8Array, plusIsSpace: bool): Uint8Array {
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = unchecked(text[i]);
    if (c == 0x25 || (plusIsSpace && c == 0x2B)) break;
    i++;
  }
  if (i == n) return text;
  const out = new Uint8Array(n);
  out.set(text.subarray(0, i));
  let o = i;
  while (i < n) {
    const c = unchecked(text[i]);
    if (c == 0x25 && i + 2 < n) {
      const hi = hexValue(unchecked(text[i + 1]));
      const lo = hexValue(unchecked(text[i + 2]));
      if (hi >= 0 && lo >= 0) {
        unchecked(out[o++] = <u8>((hi << 4) | lo));
        i += 3;
        continue;
      }
    }
    unchecked(out[o++] = plusIsSpace && c == 0x2B ? 0x20 : c);
    i++;
  }
  return out.subarray(0, o);
}
