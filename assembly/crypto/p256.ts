// ECDSA signature verification on NIST P-256 with SHA-256 (FIPS 186-4; JWS
// "ES256"). Points in Jacobian coordinates over Montgomery-form field elements.
// See docs/crypto.md.
import { Limbs, Montgomery, compareLimbs, isZero, limbsFromBytes, limbsToBytes } from "./bigint";
import { sha256 } from "./sha256";

function hexLimbs(text: string): Limbs {
  const out = new StaticArray<u32>(8);
  for (let i = 0; i < 8; i++) out[7 - i] = <u32>U32.parseInt(text.substr(i << 3, 8), 16);
  return out;
}

/** Curve constants and the two moduli, made on first use. */
class Curve {
  field: Montgomery = new Montgomery(hexLimbs("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff"));
  order: Montgomery = new Montgomery(hexLimbs("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551"));
  b: Limbs = this.field.toMontgomery(hexLimbs("5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b"));
  generator: Point = new Point(
    this.field.toMontgomery(hexLimbs("6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296")),
    this.field.toMontgomery(hexLimbs("4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5")),
    this.field.toMontgomery(hexLimbs("0000000000000000000000000000000000000000000000000000000000000001")),
  );
}

// @ts-ignore: decorator
@lazy const P256: Curve = new Curve();

/** (X, Y, Z) stands for the affine point (X/Z², Y/Z³); Z = 0 is the point at infinity. */
class Point {
  constructor(public x: Limbs, public y: Limbs, public z: Limbs) {}
  get infinite(): bool { return isZero(this.z); }
}

function double(p: Point): Point {
  const f = P256.field;
  if (p.infinite || isZero(p.y)) return new Point(p.x, p.y, new StaticArray<u32>(8));
  // dbl-2001-b for a = -3.
  const delta = f.multiply(p.z, p.z);
  const gamma = f.multiply(p.y, p.y);
  const beta = f.multiply(p.x, gamma);
  const t = f.multiply(f.subtract(p.x, delta), f.add(p.x, delta));
  const alpha = f.add(f.add(t, t), t);
  const beta4 = f.add(f.add(beta, beta), f.add(beta, beta));
  const x3 = f.subtract(f.multiply(alpha, alpha), f.add(beta4, beta4));
  const yz = f.add(p.y, p.z);
  const z3 = f.subtract(f.subtract(f.multiply(yz, yz), gamma), delta);
  const gamma2 = f.multiply(gamma, gamma);
  const gamma8 = f.add(f.add(f.add(gamma2, gamma2), f.add(gamma2, gamma2)), f.add(f.add(gamma2, gamma2), f.add(gamma2, gamma2)));
  const y3 = f.subtract(f.multiply(alpha, f.subtract(beta4, x3)), gamma8);
  return new Point(x3, y3, z3);
}

function add(p: Point, q: Point): Point {
  if (p.infinite) return q;
  if (q.infinite) return p;
  const f = P256.field;
  const z1z1 = f.multiply(p.z, p.z);
  const z2z2 = f.multiply(q.z, q.z);
  const u1 = f.multiply(p.x, z2z2);
  const u2 = f.multiply(q.x, z1z1);
  const s1 = f.multiply(f.multiply(p.y, q.z), z2z2);
  const s2 = f.multiply(f.multiply(q.y, p.z), z1z1);
  const h = f.subtract(u2, u1);
  const r = f.subtract(s2, s1);
  if (isZero(h)) return isZero(r) ? double(p) : new Point(p.x, p.y, new StaticArray<u32>(8));
  const hh = f.multiply(h, h);
  const hhh = f.multiply(hh, h);
  const v = f.multiply(u1, hh);
  const x3 = f.subtract(f.subtract(f.multiply(r, r), hhh), f.add(v, v));
  const y3 = f.subtract(f.multiply(r, f.subtract(v, x3)), f.multiply(s1, hhh));
  const z3 = f.multiply(f.multiply(p.z, q.z), h);
  return new Point(x3, y3, z3);
}

/** a·P + b·Q in one pass over the bits (Shamir's trick). */
function doubleScalarMultiply(a: Limbs, p: Point, b: Limbs, q: Point): Point {
  const both = add(p, q);
  let acc = new Point(p.x, p.y, new StaticArray<u32>(8));
  for (let i = 255; i >= 0; i--) {
    acc = double(acc);
    const bitA = (a[i >> 5] >> (i & 31)) & 1;
    const bitB = (b[i >> 5] >> (i & 31)) & 1;
    if (bitA != 0 && bitB != 0) acc = add(acc, both);
    else if (bitA != 0) acc = add(acc, p);
    else if (bitB != 0) acc = add(acc, q);
  }
  return acc;
}

/** A P-256 public key that verifies ES256 signatures. */
export class P256PublicKey {
  private constructor(private readonly point: Point) {}

  /**
   * A key from its affine coordinates as 32-byte big-endian values (a JWK's "x" and "y", base64url-decoded).
   * Null unless both are 32 bytes, below the field prime, and the point is on the curve.
   */
  static fromCoordinates(x: Uint8Array, y: Uint8Array): P256PublicKey | null {
    if (x.length != 32 || y.length != 32) return null;
    const curve = P256;
    const f = curve.field;
    const ax = limbsFromBytes(x, 8)!;
    const ay = limbsFromBytes(y, 8)!;
    if (compareLimbs(ax, f.modulus) >= 0 || compareLimbs(ay, f.modulus) >= 0) return null;
    const mx = f.toMontgomery(ax);
    const my = f.toMontgomery(ay);
    // y² = x³ - 3x + b
    const x3 = f.multiply(f.multiply(mx, mx), mx);
    const rhs = f.add(f.subtract(x3, f.add(f.add(mx, mx), mx)), curve.b);
    if (compareLimbs(f.multiply(my, my), rhs) != 0) return null;
    return new P256PublicKey(new Point(mx, my, curve.generator.z));
  }

  /** True when `signature` (r‖s, 64 bytes, as JWS carries it) is this key's ES256 signature of `message`. */
  verify(message: Uint8Array, signature: Uint8Array): bool {
    return this.verifyDigest(sha256(message), signature);
  }

  /** True when `signature` (r‖s) signs the 32-byte SHA-256 digest `digest`. */
  verifyDigest(digest: Uint8Array, signature: Uint8Array): bool {
    if (digest.length != 32 || signature.length != 64) return false;
    const curve = P256;
    const n = curve.order;
    const r = limbsFromBytes(signature.subarray(0, 32), 8)!;
    const s = limbsFromBytes(signature.subarray(32, 64), 8)!;
    if (isZero(r) || isZero(s) || compareLimbs(r, n.modulus) >= 0 || compareLimbs(s, n.modulus) >= 0) return false;
    // The digest is as wide as the order, so it is used whole (it may exceed n; multiply reduces it).
    const e = limbsFromBytes(digest, 8)!;
    const w = n.invert(n.toMontgomery(s));
    const u1 = n.multiply(e, w);
    const u2 = n.multiply(r, w);
    const sum = doubleScalarMultiply(u1, curve.generator, u2, this.point);
    if (sum.infinite) return false;
    const f = curve.field;
    const zInverse = f.invert(sum.z);
    const x = f.fromMontgomery(f.multiply(sum.x, f.multiply(zInverse, zInverse)));
    // x mod n: x is below p < 2n, so one subtraction at most.
    const xModN = compareLimbs(x, n.modulus) >= 0 ? n.subtract(x, n.modulus) : x;
    return compareLimbs(xModN, r) == 0;
  }
}

/** The 32-byte big-endian encoding of the affine x of k·G; exposed for tests of the curve arithmetic. */
export function p256BaseMultiplyX(k: Uint8Array): Uint8Array | null {
  const scalar = limbsFromBytes(k, 8);
  if (scalar === null) return null;
  const zero = new StaticArray<u32>(8);
  const curve = P256;
  const point = doubleScalarMultiply(scalar, curve.generator, zero, curve.generator);
  if (point.infinite) return null;
  const f = curve.field;
  const zInverse = f.invert(point.z);
  return limbsToBytes(f.fromMontgomery(f.multiply(point.x, f.multiply(zInverse, zInverse))), 32);
}
