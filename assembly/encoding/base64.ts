// Base64 (RFC 4648 §4) and base64url (§5) over bytes. Decoding is strict:
// characters outside the alphabet, a length no encoding produces, misplaced
// padding and non-zero trailing bits are all rejected (null), so one token has
// exactly one accepted spelling. See docs/crypto.md.
import { utf8Bytes, utf8Text } from "./utf8";

// Lazy, so a program that imports this file without encoding carries neither alphabet.
// @ts-ignore: decorator
@lazy const STANDARD = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
// @ts-ignore: decorator
@lazy const URL_SAFE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

function encodeWith(data: Uint8Array, alphabet: string, pad: bool): string {
  const length = data.length;
  const full = length / 3 * 3;
  const tail = length - full;
  const outLength = pad ? (length + 2) / 3 * 4 : full / 3 * 4 + (tail == 0 ? 0 : tail + 1);
  const out = new Uint16Array(outLength);
  let o = 0;
  for (let i = 0; i < full; i += 3) {
    const n = (<u32>unchecked(data[i]) << 16) | (<u32>unchecked(data[i + 1]) << 8) | unchecked(data[i + 2]);
    unchecked(out[o++] = <u16>alphabet.charCodeAt(n >> 18));
    unchecked(out[o++] = <u16>alphabet.charCodeAt((n >> 12) & 63));
    unchecked(out[o++] = <u16>alphabet.charCodeAt((n >> 6) & 63));
    unchecked(out[o++] = <u16>alphabet.charCodeAt(n & 63));
  }
  if (tail > 0) {
    const n = (<u32>data[full] << 16) | (tail == 2 ? <u32>data[full + 1] << 8 : 0);
    out[o++] = <u16>alphabet.charCodeAt(n >> 18);
    out[o++] = <u16>alphabet.charCodeAt((n >> 12) & 63);
    if (tail == 2) out[o++] = <u16>alphabet.charCodeAt((n >> 6) & 63);
    if (pad) while (o < outLength) out[o++] = 0x3d; // '='
  }
  return String.UTF16.decodeUnsafe(out.dataStart, outLength << 1);
}

/** The 6-bit value of a base64 character, or -1 when it is not in the alphabet. */
function sextet(c: i32, urlSafe: bool): i32 {
  if (c >= 0x41 && c <= 0x5a) return c - 0x41;
  if (c >= 0x61 && c <= 0x7a) return c - 0x61 + 26;
  if (c >= 0x30 && c <= 0x39) return c - 0x30 + 52;
  if (c == (urlSafe ? 0x2d : 0x2b)) return 62;
  if (c == (urlSafe ? 0x5f : 0x2f)) return 63;
  return -1;
}

function decodeWith(text: string, urlSafe: bool): Uint8Array | null {
  let length = text.length;
  // Standard base64: padding is optional, but when present it must complete the last quantum.
  // base64url as JWS uses it never has padding, so '=' is a bad character there.
  if (!urlSafe && length > 0 && text.charCodeAt(length - 1) == 0x3d) {
    if ((length & 3) != 0) return null;
    length--;
    if (text.charCodeAt(length - 1) == 0x3d) length--;
  }
  const tail = length & 3;
  if (tail == 1) return null;
  const out = new Uint8Array((length >> 2) * 3 + (tail == 0 ? 0 : tail - 1));
  let o = 0;
  let acc: u32 = 0;
  let bits = 0;
  for (let i = 0; i < length; i++) {
    const v = sextet(text.charCodeAt(i), urlSafe);
    if (v < 0) return null;
    acc = (acc << 6) | <u32>v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      unchecked(out[o++] = <u8>(acc >> bits));
    }
  }
  // Bits left over must be zero (RFC 4648 §3.5), or two spellings would decode alike.
  if ((acc & ((1 << bits) - 1)) != 0) return null;
  return out;
}

/** Standard base64 (`+`, `/`), encoded with `=` padding; decoding accepts it with or without padding. */
export namespace base64 {
  export function encode(data: Uint8Array): string {
    return encodeWith(data, STANDARD, true);
  }
  /** The bytes, or null when `text` is not strict base64. */
  export function decode(text: string): Uint8Array | null {
    return decodeWith(text, false);
  }
  /** Encodes the UTF-8 bytes of `text`. */
  export function encodeString(text: string): string {
    return encode(utf8Bytes(text));
  }
  /** Decodes and reads the bytes as UTF-8; null when `text` is not strict base64. */
  export function decodeString(text: string): string | null {
    return utf8Text(decode(text));
  }
}

/** URL-safe base64 (`-`, `_`) as JWS and JWK use it: no padding either way (RFC 7515 §2). */
export namespace base64url {
  export function encode(data: Uint8Array): string {
    return encodeWith(data, URL_SAFE, false);
  }
  /** The bytes, or null when `text` is not strict base64url. */
  export function decode(text: string): Uint8Array | null {
    return decodeWith(text, true);
  }
  export function encodeString(text: string): string {
    return encode(utf8Bytes(text));
  }
  export function decodeString(text: string): string | null {
    return utf8Text(decode(text));
  }
}
