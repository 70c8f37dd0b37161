// Text ↔ bytes for the encoders' string conveniences (UTF-8, as HTTP and JSON use).

/** The UTF-8 bytes of `text`. */
export function utf8Bytes(text: string): Uint8Array {
  return Uint8Array.wrap(String.UTF8.encode(text));
}

/** `bytes` read as UTF-8; null stays null. */
export function utf8Text(bytes: Uint8Array | null): string | null {
  return bytes === null ? null : String.UTF8.decodeUnsafe(bytes.dataStart, bytes.length);
}
