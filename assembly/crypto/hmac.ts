// HMAC-SHA256 (RFC 2104 with SHA-256, as RFC 4231 tests it). See docs/crypto.md.
import { Sha256, SHA256_BLOCK_LENGTH, sha256 } from "./sha256";

/** An HMAC-SHA256 computation over a message fed in pieces. */
export class HmacSha256 {
  private inner: Sha256 = new Sha256();
  private innerPad: Uint8Array = new Uint8Array(SHA256_BLOCK_LENGTH);
  private outerPad: Uint8Array = new Uint8Array(SHA256_BLOCK_LENGTH);

  constructor(key: Uint8Array) {
    // Keys longer than a block are hashed first; shorter ones are zero-padded.
    const k = key.length > SHA256_BLOCK_LENGTH ? sha256(key) : key;
    for (let i = 0; i < SHA256_BLOCK_LENGTH; i++) {
      const byte: u8 = i < k.length ? k[i] : 0;
      this.innerPad[i] = byte ^ 0x36;
      this.outerPad[i] = byte ^ 0x5c;
    }
    this.inner.update(this.innerPad);
  }

  update(data: Uint8Array): HmacSha256 {
    this.inner.update(data);
    return this;
  }

  updateString(text: string): HmacSha256 {
    this.inner.updateString(text);
    return this;
  }

  /** The 32-byte MAC; the object then starts over with the same key, ready for another message. */
  finish(): Uint8Array {
    const innerDigest = this.inner.finish();
    this.inner.update(this.innerPad);
    return new Sha256().update(this.outerPad).update(innerDigest).finish();
  }
}

/** HMAC-SHA256 of `message` under `key` (32 bytes). */
export function hmacSha256(key: Uint8Array, message: Uint8Array): Uint8Array {
  return new HmacSha256(key).update(message).finish();
}
