// Hexadecimal over bytes: lower-case out, either case in. See docs/crypto.md.
import { utf8Bytes } from "./utf8";

// @ts-ignore: decorator
@lazy const DIGITS = "0123456789abcdef";

function nibble(c: i32): i32 {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const lower = c | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x57;
  return -1;
}

export namespace hex {
  export function encode(data: Uint8Array): string {
    const out = new Uint16Array(data.length << 1);
    for (let i = 0; i < data.length; i++) {
      const b = unchecked(data[i]);
      unchecked(out[i << 1] = <u16>DIGITS.charCodeAt(b >> 4));
      unchecked(out[(i << 1) + 1] = <u16>DIGITS.charCodeAt(b & 15));
    }
    return String.UTF16.decodeUnsafe(out.dataStart, out.length << 1);
  }
  /** The bytes, or null when `text` has an odd length or a non-hex character. */
  export function decode(text: string): Uint8Array | null {
    if ((text.length & 1) != 0) return null;
    const out = new Uint8Array(text.length >> 1);
    for (let i = 0; i < out.length; i++) {
      const high = nibble(text.charCodeAt(i << 1));
      const low = nibble(text.charCodeAt((i << 1) + 1));
      if ((high | low) < 0) return null;
      unchecked(out[i] = <u8>((high << 4) | low));
    }
    return out;
  }
  export function encodeString(text: string): string {
    return encode(utf8Bytes(text));
  }
}
