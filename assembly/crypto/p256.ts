// ECDSA signature verification on NIST P-256 with SHA-256 (FIPS 186-4; JWS
// "ES256"). Points in Jacobian coordinates over Montgomery-form field elements.
// See docs/crypto.md.
import { Limbs, Montgomery, addLimbs, compareLimbs, isZero, limbsFromBytes, limbsToBytes } from "./bigint";
import { sha256 } from "./sha256";
import { parseP256Spki, pemContents } from "./spki";

function hexLimbs(text: string): Limbs {
  const out = new StaticArray<u32>(8);
  for (let i = 0; i < 8; i++) out[7 - i] = <u32>U32.parseInt(text.substr(i << 3, 8), 16);
  return out;
}

function newElement(): Limbs {
  return new StaticArray<u32>(8);
}

/** (X, Y, Z) stands for the affine point (X/Z², Y/Z³); Z = 0 is the point at infinity. */
class Point {
  /** Set on table entries brought to Z = 1, which addInPlace adds with fewer multiplications. */
  affine: bool = false;

  constructor(public x: Limbs, public y: Limbs, public z: Limbs) {}

  static infinity(): Point {
    return new Point(newElement(), newElement(), newElement());
  }

  get infinite(): bool {
    return isZero(this.z);
  }

  copy(): Point {
    return new Point(StaticArray.slice<u32>(this.x), StaticArray.slice<u32>(this.y), StaticArray.slice<u32>(this.z));
  }

  copyFrom(p: Point): void {
    for (let i = 0; i < 8; i++) {
      unchecked(this.x[i] = unchecked(p.x[i]));
      unchecked(this.y[i] = unchecked(p.y[i]));
      unchecked(this.z[i] = unchecked(p.z[i]));
    }
  }

  setInfinity(): void {
    for (let i = 0; i < 8; i++) unchecked(this.z[i] = 0);
  }
}

/** Curve constants, the two moduli and the formulas' scratch elements, made on first use. */
class Curve {
  field: Montgomery = new Montgomery(hexLimbs("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff"));
  order: Montgomery = new Montgomery(hexLimbs("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551"));
  b: Limbs = this.field.toMontgomery(hexLimbs("5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b"));
  generator: Point = new Point(
    this.field.toMontgomery(hexLimbs("6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296")),
    this.field.toMontgomery(hexLimbs("4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5")),
    this.field.toMontgomery(hexLimbs("0000000000000000000000000000000000000000000000000000000000000001")),
  );
  // Scratch for double and add (add calls double only as its last step, so they can share).
  t0: Limbs = newElement(); t1: Limbs = newElement(); t2: Limbs = newElement(); t3: Limbs = newElement();
  t4: Limbs = newElement(); t5: Limbs = newElement(); t6: Limbs = newElement(); t7: Limbs = newElement();
}

// @ts-ignore: decorator
@lazy const P256: Curve = new Curve();

/** p = 2p, in place (dbl-2001-b, for a = -3). */
function doubleInPlace(p: Point): void {
  if (p.infinite) return;
  if (isZero(p.y)) {
    p.setInfinity();
    return;
  }
  const c = P256;
  const f = c.field;
  const delta = c.t0, gamma = c.t1, beta = c.t2, alpha = c.t3, t = c.t4, u = c.t5;
  f.squareInto(delta, p.z);
  f.squareInto(gamma, p.y);
  f.multiplyInto(beta, p.x, gamma);
  // alpha = 3(x - delta)(x + delta)
  f.subtractInto(t, p.x, delta);
  f.addInto(u, p.x, delta);
  f.multiplyInto(alpha, t, u);
  f.addInto(t, alpha, alpha);
  f.addInto(alpha, t, alpha);
  // z3 = (y + z)² - gamma - delta, while y and z are still the inputs
  f.addInto(t, p.y, p.z);
  f.squareInto(t, t);
  f.subtractInto(t, t, gamma);
  f.subtractInto(p.z, t, delta);
  // x3 = alpha² - 8·beta
  f.addInto(beta, beta, beta);
  f.addInto(beta, beta, beta); // 4·beta
  f.squareInto(t, alpha);
  f.addInto(u, beta, beta);
  f.subtractInto(p.x, t, u);
  // y3 = alpha·(4·beta - x3) - 8·gamma²
  f.subtractInto(t, beta, p.x);
  f.multiplyInto(t, alpha, t);
  f.squareInto(gamma, gamma);
  f.addInto(gamma, gamma, gamma);
  f.addInto(gamma, gamma, gamma);
  f.addInto(gamma, gamma, gamma);
  f.subtractInto(p.y, t, gamma);
}

/** p = p + q, in place (add-2007-bl without the 2·H tweaks); q is not changed and must not be p. */
function addInPlace(p: Point, q: Point): void {
  if (q.infinite) return;
  if (p.infinite) {
    p.copyFrom(q);
    return;
  }
  const c = P256;
  const f = c.field;
  const z1z1 = c.t0, z2z2 = c.t1, u1 = c.t2, u2 = c.t3, s1 = c.t4, s2 = c.t5, h = c.t6, r = c.t7;
  f.squareInto(z1z1, p.z);
  if (q.affine) {
    // z2 = 1: u1 = x1 and s1 = y1.
    memory.copy(changetype<usize>(u1), changetype<usize>(p.x), 32);
    memory.copy(changetype<usize>(s1), changetype<usize>(p.y), 32);
  } else {
    f.squareInto(z2z2, q.z);
    f.multiplyInto(u1, p.x, z2z2);
    f.multiplyInto(s1, p.y, q.z);
    f.multiplyInto(s1, s1, z2z2);
  }
  f.multiplyInto(u2, q.x, z1z1);
  f.multiplyInto(s2, q.y, p.z);
  f.multiplyInto(s2, s2, z1z1);
  f.subtractInto(h, u2, u1);
  f.subtractInto(r, s2, s1);
  if (isZero(h)) {
    if (isZero(r)) doubleInPlace(p);
    else p.setInfinity();
    return;
  }
  const hh = z1z1, hhh = z2z2, v = u2; // reuse: their inputs are spent
  f.squareInto(hh, h);
  f.multiplyInto(hhh, hh, h);
  f.multiplyInto(v, u1, hh);
  // z3 = z1·z2·h
  if (!q.affine) f.multiplyInto(p.z, p.z, q.z);
  f.multiplyInto(p.z, p.z, h);
  // x3 = r² - hhh - 2·v
  f.squareInto(p.x, r);
  f.subtractInto(p.x, p.x, hhh);
  f.subtractInto(p.x, p.x, v);
  f.subtractInto(p.x, p.x, v);
  // y3 = r·(v - x3) - s1·hhh
  f.subtractInto(v, v, p.x);
  f.multiplyInto(v, r, v);
  f.multiplyInto(s1, s1, hhh);
  f.subtractInto(p.y, v, s1);
}

/** Bits per window of the scalar multiplication: tables hold 0·P … 15·P. */
const WINDOW_BITS = 4;
const WINDOW_SIZE = 1 << WINDOW_BITS;

/** 0·P, 1·P, … 15·P, for fixed-window scalar multiplication. Made once per key (and once for G). */
function multiplesOf(p: Point): StaticArray<Point> {
  const table = new StaticArray<Point>(WINDOW_SIZE);
  table[0] = Point.infinity();
  table[1] = p.copy();
  for (let i = 2; i < WINDOW_SIZE; i++) {
    const next = table[i - 1].copy();
    addInPlace(next, p);
    table[i] = next;
  }
  toAffine(table);
  return table;
}

/**
 * Brings table[1…] to Z = 1 (x/z², y/z³) with one inversion for all (Montgomery's trick:
 * invert the product of the z, then peel each z⁻¹ off it). Every entry must be finite.
 */
function toAffine(table: StaticArray<Point>): void {
  const f = P256.field;
  const count = table.length;
  const prefix = new StaticArray<Limbs>(count);
  prefix[1] = StaticArray.slice<u32>(table[1].z);
  for (let i = 2; i < count; i++) prefix[i] = f.multiply(prefix[i - 1], table[i].z);
  let inverse = f.invert(prefix[count - 1]);
  for (let i = count - 1; i >= 1; i--) {
    const point = table[i];
    const zInverse = i > 1 ? f.multiply(inverse, prefix[i - 1]) : inverse;
    if (i > 1) inverse = f.multiply(inverse, point.z);
    const zz = f.square(zInverse);
    f.multiplyInto(point.x, point.x, zz);
    f.multiplyInto(point.y, point.y, f.multiply(zz, zInverse));
    memory.copy(changetype<usize>(point.z), changetype<usize>(P256.generator.z), 32);
    point.affine = true;
  }
}

// @ts-ignore: decorator
@lazy const GENERATOR_MULTIPLES: StaticArray<Point> = multiplesOf(P256.generator);

/**
 * a·P + b·Q from the tables of P's and Q's multiples, 4 bits of both scalars per step (Shamir's
 * trick with fixed windows): 256 doublings and at most 128 additions.
 */
function doubleScalarMultiply(a: Limbs, multiplesP: StaticArray<Point>, b: Limbs, multiplesQ: StaticArray<Point>): Point {
  const acc = Point.infinity();
  for (let i = 256 - WINDOW_BITS; i >= 0; i -= WINDOW_BITS) {
    for (let k = 0; k < WINDOW_BITS; k++) doubleInPlace(acc);
    const digitA = (unchecked(a[i >> 5]) >> (i & 31)) & (WINDOW_SIZE - 1);
    const digitB = (unchecked(b[i >> 5]) >> (i & 31)) & (WINDOW_SIZE - 1);
    if (digitA != 0) addInPlace(acc, unchecked(multiplesP[digitA]));
    if (digitB != 0) addInPlace(acc, unchecked(multiplesQ[digitB]));
  }
  return acc;
}

/** The ordinary affine x of a finite point. */
function affineX(point: Point): Limbs {
  const f = P256.field;
  const zInverse = f.invert(point.z);
  return f.fromMontgomery(f.multiply(point.x, f.multiply(zInverse, zInverse)));
}

/** A P-256 public key that verifies ES256 signatures. */
export class P256PublicKey {
  private constructor(private readonly multiples: StaticArray<Point>) {}

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
    const rhs = f.multiply(f.multiply(mx, mx), mx);
    for (let i = 0; i < 3; i++) f.subtractInto(rhs, rhs, mx);
    f.addInto(rhs, rhs, curve.b);
    if (compareLimbs(f.multiply(my, my), rhs) != 0) return null;
    return new P256PublicKey(multiplesOf(new Point(mx, my, StaticArray.slice<u32>(curve.generator.z))));
  }

  /** A key from an uncompressed SEC 1 point: 0x04 ‖ x ‖ y (65 bytes). */
  static fromUncompressedPoint(point: Uint8Array): P256PublicKey | null {
    if (point.length != 65 || point[0] != 0x04) return null;
    return P256PublicKey.fromCoordinates(point.subarray(1, 33), point.subarray(33, 65));
  }

  /** A key from a DER SubjectPublicKeyInfo (id-ecPublicKey on prime256v1, uncompressed point). */
  static fromSpki(der: Uint8Array): P256PublicKey | null {
    const point = parseP256Spki(der);
    return point !== null ? P256PublicKey.fromUncompressedPoint(point) : null;
  }

  /** A key from PEM text ("BEGIN PUBLIC KEY"). */
  static fromPem(text: string): P256PublicKey | null {
    const der = pemContents(text, "PUBLIC KEY");
    return der !== null ? P256PublicKey.fromSpki(der) : null;
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
    const sum = doubleScalarMultiply(u1, GENERATOR_MULTIPLES, u2, this.multiples);
    if (sum.infinite) return false;
    // The affine x = X/Z² is below p < 2n, so x mod n = r means x = r or x = r + n (when below p).
    // Comparing X with r·Z² (and (r + n)·Z²) needs no inversion.
    const f = curve.field;
    const zz = f.square(sum.z);
    if (compareLimbs(f.multiply(f.toMontgomery(r), zz), sum.x) == 0) return true;
    const rPlusN = new StaticArray<u32>(8);
    if (addLimbs(rPlusN, r, n.modulus) != 0 || compareLimbs(rPlusN, f.modulus) >= 0) return false;
    return compareLimbs(f.multiply(f.toMontgomery(rPlusN), zz), sum.x) == 0;
  }
}

/** The 32-byte big-endian encoding of the affine x of k·G; exposed for tests of the curve arithmetic. */
export function p256BaseMultiplyX(k: Uint8Array): Uint8Array | null {
  const scalar = limbsFromBytes(k, 8);
  if (scalar === null) return null;
  const point = doubleScalarMultiply(scalar, GENERATOR_MULTIPLES, newElement(), GENERATOR_MULTIPLES);
  return point.infinite ? null : limbsToBytes(affineX(point), 32);
}
