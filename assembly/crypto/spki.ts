// Public keys in DER (X.690) as X.509 SubjectPublicKeyInfo (RFC 5280 §4.1)
// or PKCS#1 RSAPublicKey (RFC 8017 A.1.1), and their PEM armour (RFC 7468).
// The reader is strict: definite lengths in their shortest form, no bytes
// left over, so one key has one encoding. See docs/crypto.md.
import { base64 } from "../encoding/base64";

const SEQUENCE: u8 = 0x30;
const INTEGER: u8 = 0x02;
const BIT_STRING: u8 = 0x03;
const NULL: u8 = 0x05;
const OBJECT_IDENTIFIER: u8 = 0x06;

/** Reads DER elements one after another from a byte range. */
class DerReader {
  constructor(private data: Uint8Array, private at: i32 = 0) {}

  get done(): bool {
    return this.at == this.data.length;
  }

  /** The contents of the next element if it has `tag`; null (and the reader is spent) otherwise. */
  next(tag: u8): Uint8Array | null {
    const data = this.data;
    let at = this.at;
    if (at < 0 || data.length - at < 2 || data[at] != tag) return this.fail();
    let length = <i32>data[at + 1];
    at += 2;
    if (length >= 0x80) {
      // Long form: 1–3 length bytes (keys are far below 16 MB), no leading zero, and only for lengths ≥ 128.
      const count = length & 0x7f;
      if (count == 0 || count > 3 || data.length - at < count || data[at] == 0) return this.fail();
      length = 0;
      for (let i = 0; i < count; i++) length = (length << 8) | data[at++];
      if (length < 0x80) return this.fail();
    }
    if (data.length - at < length) return this.fail();
    this.at = at + length;
    return data.subarray(at, at + length);
  }

  private fail(): Uint8Array | null {
    this.at = -1;
    return null;
  }
}

/** The magnitude of a DER INTEGER that must be positive; null for a negative or non-minimal one. */
function positiveInteger(contents: Uint8Array | null): Uint8Array | null {
  if (contents === null || contents.length == 0 || (contents[0] & 0x80) != 0) return null;
  if (contents.length > 1 && contents[0] == 0 && (contents[1] & 0x80) == 0) return null;
  return contents[0] == 0 ? contents.subarray(1) : contents;
}

function equalBytes(bytes: Uint8Array | null, expected: StaticArray<u8>): bool {
  if (bytes === null || bytes.length != expected.length) return false;
  for (let i = 0; i < bytes.length; i++) if (bytes[i] != expected[i]) return false;
  return true;
}

// Contents of the OBJECT IDENTIFIERs: rsaEncryption 1.2.840.113549.1.1.1, id-ecPublicKey 1.2.840.10045.2.1,
// prime256v1 1.2.840.10045.3.1.7.
// @ts-ignore: decorator
@lazy const RSA_ENCRYPTION: StaticArray<u8> = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
// @ts-ignore: decorator
@lazy const EC_PUBLIC_KEY: StaticArray<u8> = [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
// @ts-ignore: decorator
@lazy const PRIME256V1: StaticArray<u8> = [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];

/** A key's modulus and exponent as big-endian magnitudes. */
export class RsaComponents {
  constructor(public n: Uint8Array, public e: Uint8Array) {}
}

/** PKCS#1 RSAPublicKey: SEQUENCE { INTEGER n, INTEGER e }. */
export function parsePkcs1RsaPublicKey(der: Uint8Array): RsaComponents | null {
  const outer = new DerReader(der);
  const body = outer.next(SEQUENCE);
  if (body === null || !outer.done) return null;
  const fields = new DerReader(body);
  const n = positiveInteger(fields.next(INTEGER));
  const e = positiveInteger(fields.next(INTEGER));
  return n !== null && e !== null && fields.done ? new RsaComponents(n, e) : null;
}

/** The subjectPublicKey bits of a SubjectPublicKeyInfo whose algorithm is `algorithm` with `parameters`. */
function spkiKey(der: Uint8Array, algorithm: StaticArray<u8>, parameters: StaticArray<u8> | null): Uint8Array | null {
  const outer = new DerReader(der);
  const info = outer.next(SEQUENCE);
  if (info === null || !outer.done) return null;
  const fields = new DerReader(info);
  const identifier = fields.next(SEQUENCE);
  const bits = fields.next(BIT_STRING);
  if (identifier === null || bits === null || !fields.done) return null;
  const ids = new DerReader(identifier);
  if (!equalBytes(ids.next(OBJECT_IDENTIFIER), algorithm)) return null;
  if (parameters === null) {
    const none = ids.next(NULL); // rsaEncryption's parameters are NULL
    if (none === null || none.length != 0) return null;
  } else if (!equalBytes(ids.next(OBJECT_IDENTIFIER), parameters)) {
    return null;
  }
  // A key is a whole number of bytes: the BIT STRING's unused-bits count is 0.
  if (!ids.done || bits.length < 1 || bits[0] != 0) return null;
  return bits.subarray(1);
}

/** n and e from an rsaEncryption SubjectPublicKeyInfo ("BEGIN PUBLIC KEY"). */
export function parseRsaSpki(der: Uint8Array): RsaComponents | null {
  const key = spkiKey(der, RSA_ENCRYPTION, null);
  return key !== null ? parsePkcs1RsaPublicKey(key) : null;
}

/** The uncompressed point (04 ‖ x ‖ y) of a P-256 id-ecPublicKey SubjectPublicKeyInfo. */
export function parseP256Spki(der: Uint8Array): Uint8Array | null {
  return spkiKey(der, EC_PUBLIC_KEY, PRIME256V1);
}

/** The DER inside PEM armour with the given label ("PUBLIC KEY", "RSA PUBLIC KEY"); null when absent or bad. */
export function pemContents(text: string, label: string): Uint8Array | null {
  const begin = "-----BEGIN " + label + "-----";
  const end = "-----END " + label + "-----";
  const start = text.indexOf(begin);
  if (start < 0) return null;
  const stop = text.indexOf(end, start + begin.length);
  if (stop < 0) return null;
  // The body is base64 split over lines; white space between lines is allowed, nothing else.
  const body = text.substring(start + begin.length, stop);
  let compact = "";
  let from = 0;
  for (let i = 0; i <= body.length; i++) {
    const c = i < body.length ? body.charCodeAt(i) : 0x20;
    if (c == 0x20 || c == 0x09 || c == 0x0a || c == 0x0d) {
      if (i > from) compact += body.substring(from, i);
      from = i + 1;
    }
  }
  return base64.decode(compact);
}
