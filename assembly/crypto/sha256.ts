// SHA-256 (FIPS 180-4), streaming and one-shot. Written here because no
// AssemblyScript SHA-256 ships as importable source (see docs/crypto.md).

// @ts-ignore: decorator
@lazy const K: StaticArray<u32> = [
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

/** Bytes in a SHA-256 digest. */
export const SHA256_DIGEST_LENGTH = 32;
/** Bytes in a SHA-256 block (HMAC pads keys to this). */
export const SHA256_BLOCK_LENGTH = 64;

/** A SHA-256 computation fed in pieces: `update` any number of times, then `finish` once. */
export class Sha256 {
  private state: StaticArray<u32> = new StaticArray<u32>(8);
  private words: StaticArray<u32> = new StaticArray<u32>(64);
  private block: Uint8Array = new Uint8Array(SHA256_BLOCK_LENGTH);
  private buffered: i32 = 0;
  private total: u64 = 0;

  constructor() {
    this.reset();
  }

  /** Starts over, discarding anything fed so far. */
  reset(): Sha256 {
    const s = this.state;
    s[0] = 0x6a09e667; s[1] = 0xbb67ae85; s[2] = 0x3c6ef372; s[3] = 0xa54ff53a;
    s[4] = 0x510e527f; s[5] = 0x9b05688c; s[6] = 0x1f83d9ab; s[7] = 0x5be0cd19;
    this.buffered = 0;
    this.total = 0;
    return this;
  }

  update(data: Uint8Array): Sha256 {
    this.feed(data.dataStart, data.length);
    return this;
  }

  /** Feeds the UTF-8 bytes of `text`. */
  updateString(text: string): Sha256 {
    const bytes = String.UTF8.encode(text);
    this.feed(changetype<usize>(bytes), bytes.byteLength);
    return this;
  }

  /** Pads, returns the 32-byte digest and resets for reuse. */
  finish(): Uint8Array {
    const bitLength = this.total << 3;
    const block = this.block;
    block[this.buffered++] = 0x80;
    if (this.buffered > 56) {
      block.fill(0, this.buffered);
      this.compress(block.dataStart);
      this.buffered = 0;
    }
    block.fill(0, this.buffered, 56);
    for (let i = 0; i < 8; i++) block[56 + i] = <u8>(bitLength >> (56 - 8 * i));
    this.compress(block.dataStart);
    const digest = new Uint8Array(SHA256_DIGEST_LENGTH);
    for (let i = 0; i < 8; i++) store<u32>(digest.dataStart + (i << 2), bswap(this.state[i]));
    this.reset();
    return digest;
  }

  private feed(pointer: usize, length: i32): void {
    this.total += <u64>length;
    let at = 0;
    if (this.buffered > 0) {
      const take = min(SHA256_BLOCK_LENGTH - this.buffered, length);
      memory.copy(this.block.dataStart + this.buffered, pointer, take);
      this.buffered += take;
      at = take;
      if (this.buffered < SHA256_BLOCK_LENGTH) return;
      this.compress(this.block.dataStart);
      this.buffered = 0;
    }
    while (length - at >= SHA256_BLOCK_LENGTH) {
      this.compress(pointer + at);
      at += SHA256_BLOCK_LENGTH;
    }
    if (at < length) {
      memory.copy(this.block.dataStart, pointer + at, length - at);
      this.buffered = length - at;
    }
  }

  private compress(pointer: usize): void {
    const w = this.words;
    for (let i = 0; i < 16; i++) unchecked(w[i] = bswap(load<u32>(pointer + (i << 2))));
    for (let i = 16; i < 64; i++) {
      const a = unchecked(w[i - 15]);
      const b = unchecked(w[i - 2]);
      const s0 = rotr(a, 7) ^ rotr(a, 18) ^ (a >>> 3);
      const s1 = rotr(b, 17) ^ rotr(b, 19) ^ (b >>> 10);
      unchecked(w[i] = unchecked(w[i - 16]) + s0 + unchecked(w[i - 7]) + s1);
    }
    const s = this.state;
    let a = unchecked(s[0]), b = unchecked(s[1]), c = unchecked(s[2]), d = unchecked(s[3]);
    let e = unchecked(s[4]), f = unchecked(s[5]), g = unchecked(s[6]), h = unchecked(s[7]);
    for (let i = 0; i < 64; i++) {
      const t1 = h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + unchecked(K[i]) + unchecked(w[i]);
      const t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
      h = g; g = f; f = e; e = d + t1;
      d = c; c = b; b = a; a = t1 + t2;
    }
    unchecked(s[0] += a); unchecked(s[1] += b); unchecked(s[2] += c); unchecked(s[3] += d);
    unchecked(s[4] += e); unchecked(s[5] += f); unchecked(s[6] += g); unchecked(s[7] += h);
  }
}

/** The SHA-256 digest (32 bytes) of `data`. */
export function sha256(data: Uint8Array): Uint8Array {
  return new Sha256().update(data).finish();
}

/** The SHA-256 digest of the UTF-8 bytes of `text`. */
export function sha256String(text: string): Uint8Array {
  return new Sha256().updateString(text).finish();
}
