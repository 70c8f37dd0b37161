// RSASSA-PKCS1-v1_5 signature verification with SHA-256 (RFC 8017 §8.2.2;
// JWS "RS256"). Keys come as modulus and exponent bytes, as in a JWK, or as
// DER / PEM (spki.ts).
// See docs/crypto.md.
import { Limbs, Montgomery, bitLength, compareLimbs, limbsFromBytes, limbsToBytes } from "./bigint";
import { constantTimeEqual } from "./compare";
import { sha256 } from "./sha256";
import { parsePkcs1RsaPublicKey, parseRsaSpki, pemContents } from "./spki";

/** Smallest and largest accepted modulus sizes, in bits. */
export const RSA_MIN_BITS = 2048;
export const RSA_MAX_BITS = 4096;

// DER of DigestInfo { AlgorithmIdentifier sha256, NULL } and the OCTET STRING header of the 32-byte hash.
// @ts-ignore: decorator
@lazy const SHA256_DIGEST_INFO: StaticArray<u8> = [
  0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20,
];

function withoutLeadingZeros(bytes: Uint8Array): Uint8Array {
  let start = 0;
  while (start < bytes.length && bytes[start] == 0) start++;
  return bytes.subarray(start);
}

/** An RSA public key that verifies RS256 signatures. */
export class RsaPublicKey {
  private constructor(
    /** Modulus length in bytes: every signature has exactly this length. */
    public readonly length: i32,
    private readonly modulus: Limbs,
    private readonly exponent: Limbs,
    private readonly arithmetic: Montgomery,
  ) {}

  /**
   * A key from the big-endian modulus `n` and public exponent `e` (a JWK's "n" and "e", base64url-decoded).
   * Null unless n is odd and 2048–4096 bits long and e is odd, at least 3 and below 2³¹.
   */
  static fromModulusAndExponent(n: Uint8Array, e: Uint8Array): RsaPublicKey | null {
    const modulusBytes = withoutLeadingZeros(n);
    const exponentBytes = withoutLeadingZeros(e);
    if (exponentBytes.length == 0 || exponentBytes.length > 4) return null;
    const size = (modulusBytes.length + 3) >> 2;
    const modulus = limbsFromBytes(modulusBytes, size);
    if (modulus === null || (modulus[0] & 1) == 0) return null;
    const bits = bitLength(modulus);
    if (bits < RSA_MIN_BITS || bits > RSA_MAX_BITS) return null;
    const exponent = limbsFromBytes(exponentBytes, 1)!;
    const e0 = exponent[0];
    if ((e0 & 1) == 0 || e0 < 3 || e0 >= 0x80000000) return null;
    return new RsaPublicKey(modulusBytes.length, modulus, exponent, new Montgomery(modulus));
  }

  /** A key from a DER SubjectPublicKeyInfo (rsaEncryption); same checks as fromModulusAndExponent. */
  static fromSpki(der: Uint8Array): RsaPublicKey | null {
    const key = parseRsaSpki(der);
    return key !== null ? RsaPublicKey.fromModulusAndExponent(key.n, key.e) : null;
  }

  /** A key from a DER PKCS#1 RSAPublicKey (SEQUENCE of n and e). */
  static fromPkcs1(der: Uint8Array): RsaPublicKey | null {
    const key = parsePkcs1RsaPublicKey(der);
    return key !== null ? RsaPublicKey.fromModulusAndExponent(key.n, key.e) : null;
  }

  /** A key from PEM text: "BEGIN PUBLIC KEY" (SubjectPublicKeyInfo) or "BEGIN RSA PUBLIC KEY" (PKCS#1). */
  static fromPem(text: string): RsaPublicKey | null {
    const spki = pemContents(text, "PUBLIC KEY");
    if (spki !== null) return RsaPublicKey.fromSpki(spki);
    const pkcs1 = pemContents(text, "RSA PUBLIC KEY");
    return pkcs1 !== null ? RsaPublicKey.fromPkcs1(pkcs1) : null;
  }

  /** True when `signature` is this key's RS256 signature of `message`. */
  verify(message: Uint8Array, signature: Uint8Array): bool {
    return this.verifyDigest(sha256(message), signature);
  }

  /** True when `signature` signs the SHA-256 digest `digest` (32 bytes) under PKCS#1 v1.5. */
  verifyDigest(digest: Uint8Array, signature: Uint8Array): bool {
    if (digest.length != 32 || signature.length != this.length) return false;
    const s = limbsFromBytes(signature, this.modulus.length);
    if (s === null || compareLimbs(s, this.modulus) >= 0) return false;
    const arithmetic = this.arithmetic;
    const m = arithmetic.fromMontgomery(arithmetic.power(arithmetic.toMontgomery(s), this.exponent));
    return constantTimeEqual(limbsToBytes(m, this.length), this.expectedEncoding(digest));
  }

  /** EMSA-PKCS1-v1_5 encoding: 00 01 FF…FF 00 DigestInfo digest, as long as the modulus. */
  private expectedEncoding(digest: Uint8Array): Uint8Array {
    const out = new Uint8Array(this.length);
    const prefix = SHA256_DIGEST_INFO.length;
    const padEnd = this.length - 32 - prefix - 1;
    out[1] = 0x01;
    out.fill(0xff, 2, padEnd);
    for (let i = 0; i < prefix; i++) out[padEnd + 1 + i] = SHA256_DIGEST_INFO[i];
    out.set(digest, this.length - 32);
    return out;
  }
}
