// Fixed-width unsigned integers for public-key verification: little-endian
// 32-bit limbs, and Montgomery arithmetic modulo an odd modulus (CIOS
// multiplication). Verification uses only public values, so the code is
// written for correctness and clarity, not constant time. See docs/crypto.md.

/** An unsigned integer, least significant 32-bit limb first. */
export type Limbs = StaticArray<u32>;

/** Reads big-endian bytes into `size` limbs; null when the value does not fit. */
export function limbsFromBytes(bytes: Uint8Array, size: i32): Limbs | null {
  const out = new StaticArray<u32>(size);
  const length = bytes.length;
  for (let i = 0; i < length; i++) {
    const byte = <u32>bytes[length - 1 - i];
    if (byte == 0) continue;
    const limb = i >> 2;
    if (limb >= size) return null;
    out[limb] |= byte << ((i & 3) << 3);
  }
  return out;
}

/** Writes `value` as exactly `length` big-endian bytes (high limbs beyond `length` are dropped). */
export function limbsToBytes(value: Limbs, length: i32): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    const limb = i >> 2;
    if (limb < value.length) out[length - 1 - i] = <u8>(value[limb] >> ((i & 3) << 3));
  }
  return out;
}

/** -1, 0 or 1 as a is below, equal to or above b (same size). */
export function compareLimbs(a: Limbs, b: Limbs): i32 {
  for (let i = a.length - 1; i >= 0; i--) {
    const x = unchecked(a[i]);
    const y = unchecked(b[i]);
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

export function isZero(a: Limbs): bool {
  let bits: u32 = 0;
  for (let i = 0; i < a.length; i++) bits |= unchecked(a[i]);
  return bits == 0;
}

/** Number of significant bits. */
export function bitLength(a: Limbs): i32 {
  for (let i = a.length - 1; i >= 0; i--) {
    const limb = unchecked(a[i]);
    if (limb != 0) return (i << 5) + 32 - <i32>clz(limb);
  }
  return 0;
}

function bit(a: Limbs, index: i32): u32 {
  return (unchecked(a[index >> 5]) >> (index & 31)) & 1;
}

/** out = a - b over the limbs; returns the borrow (0 or 1). out may be a. */
function subtractLimbs(out: Limbs, a: Limbs, b: Limbs): u32 {
  let borrow: u64 = 0;
  for (let i = 0; i < a.length; i++) {
    const difference = <u64>unchecked(a[i]) - <u64>unchecked(b[i]) - borrow;
    unchecked(out[i] = <u32>difference);
    borrow = (difference >> 63) & 1;
  }
  return <u32>borrow;
}

/** out = a + b over the limbs; returns the carry (0 or 1). out may be a. */
export function addLimbs(out: Limbs, a: Limbs, b: Limbs): u32 {
  let carry: u64 = 0;
  for (let i = 0; i < a.length; i++) {
    const sum = <u64>unchecked(a[i]) + <u64>unchecked(b[i]) + carry;
    unchecked(out[i] = <u32>sum);
    carry = sum >> 32;
  }
  return <u32>carry;
}

/** Arithmetic modulo one odd modulus, values held in Montgomery form (x·R mod m, R = 2^(32·size)). */
export class Montgomery {
  readonly size: i32;
  /** -m⁻¹ mod 2³². */
  private inverse: u32;
  /** R² mod m, to bring values into Montgomery form. */
  private rSquared: Limbs;
  private scratch: StaticArray<u32>;
  /** Double-width scratch for squareInto. */
  private wide: StaticArray<u32>;

  constructor(public readonly modulus: Limbs) {
    const size = modulus.length;
    this.size = size;
    this.scratch = new StaticArray<u32>(size + 1);
    this.wide = new StaticArray<u32>(size << 1);
    // Newton's iteration doubles the correct low bits each step: 3 → 6 → 12 → 24 → 48.
    const m0 = modulus[0];
    let x = m0;
    for (let i = 0; i < 4; i++) x *= 2 - m0 * x;
    this.inverse = -x;
    // R² mod m by doubling 1 modulo m, 2·32·size times.
    const r = new StaticArray<u32>(size);
    r[0] = 1;
    for (let i = 0; i < size * 64; i++) {
      const carry = addLimbs(r, r, r);
      if (carry != 0 || compareLimbs(r, modulus) >= 0) subtractLimbs(r, r, modulus);
    }
    this.rSquared = r;
  }

  /** a·b·R⁻¹ mod m, in a new array. Needs a·b < m·R (true when one input is below m and the other below R). */
  multiply(a: Limbs, b: Limbs): Limbs {
    const out = new StaticArray<u32>(this.size);
    this.multiplyInto(out, a, b);
    return out;
  }

  /**
   * out = a·b·R⁻¹ mod m; out may be a or b (the product is built in scratch space first).
   * One pass per limb of b (FIOS): add a·b[i] and q·m together, shift down a limb; raw loads keep
   * the inner loop free of bounds checks and field reads. Each 64-bit sum stays below 2⁶⁴:
   * (2³²-1) + (2³²-1)² + (2³²-1) = 2⁶⁴-1.
   */
  multiplyInto(out: Limbs, a: Limbs, b: Limbs): void {
    const size = this.size;
    const inverse = this.inverse;
    const pm = changetype<usize>(this.modulus);
    const pa = changetype<usize>(a);
    const pb = changetype<usize>(b);
    const pt = changetype<usize>(this.scratch);
    memory.fill(pt, 0, (<usize>size + 1) << 2);
    const a0 = <u64>load<u32>(pa);
    const m0 = <u64>load<u32>(pm);
    const end = <usize>size << 2;
    for (let i: usize = 0; i < end; i += 4) {
      const bi = <u64>load<u32>(pb + i);
      let sum = <u64>load<u32>(pt) + a0 * bi;
      let carry = sum >> 32;
      const low = sum & 0xffffffff;
      const q = <u64>(<u32>low * inverse);
      let reduced = low + q * m0;
      let reducedCarry = reduced >> 32;
      for (let j: usize = 4; j < end; j += 4) {
        sum = <u64>load<u32>(pt + j) + <u64>load<u32>(pa + j) * bi + carry;
        carry = sum >> 32;
        reduced = (sum & 0xffffffff) + q * <u64>load<u32>(pm + j) + reducedCarry;
        reducedCarry = reduced >> 32;
        store<u32>(pt + j - 4, <u32>reduced);
      }
      sum = <u64>load<u32>(pt + end) + carry + reducedCarry;
      store<u32>(pt + end - 4, <u32>sum);
      store<u32>(pt + end, <u32>(sum >> 32));
    }
    memory.copy(changetype<usize>(out), pt, end);
    if (load<u32>(pt + end) != 0 || compareLimbs(out, this.modulus) >= 0) subtractLimbs(out, out, this.modulus);
  }

  /**
   * out = a²·R⁻¹ mod m for a below m; out may be a. Squaring computes each cross product a[i]·a[j]
   * once and doubles it, then reduces the double-width square limb by limb (SOS): about 3/4 of
   * the multiplications of multiplyInto.
   */
  squareInto(out: Limbs, a: Limbs): void {
    const size = <usize>this.size;
    const inverse = this.inverse;
    const pm = changetype<usize>(this.modulus);
    const pa = changetype<usize>(a);
    const pt = changetype<usize>(this.wide);
    const end = size << 2;
    memory.fill(pt, 0, end << 1);
    // Cross products a[i]·a[j], i < j.
    for (let i: usize = 0; i < end; i += 4) {
      const ai = <u64>load<u32>(pa + i);
      let carry: u64 = 0;
      for (let j = i + 4; j < end; j += 4) {
        const sum = <u64>load<u32>(pt + i + j) + ai * <u64>load<u32>(pa + j) + carry;
        store<u32>(pt + i + j, <u32>sum);
        carry = sum >> 32;
      }
      store<u32>(pt + i + end, <u32>carry);
    }
    // Double them and add the squares a[i]² on the diagonal.
    let carry: u64 = 0;
    let shifted: u32 = 0;
    for (let i: usize = 0; i < end; i += 4) {
      const ai = <u64>load<u32>(pa + i);
      const square = ai * ai;
      const low = load<u32>(pt + (i << 1));
      const high = load<u32>(pt + (i << 1) + 4);
      let sum = <u64>((low << 1) | shifted) + (square & 0xffffffff) + carry;
      store<u32>(pt + (i << 1), <u32>sum);
      sum = <u64>((high << 1) | (low >> 31)) + (square >> 32) + (sum >> 32);
      store<u32>(pt + (i << 1) + 4, <u32>sum);
      carry = sum >> 32;
      shifted = high >> 31;
    }
    // Reduce: add q·m at limb i so that limb becomes zero; `top` carries into limb i + size + 1.
    let top: u64 = 0;
    for (let i: usize = 0; i < end; i += 4) {
      const low: u32 = load<u32>(pt + i) * inverse;
      const q = <u64>low;
      let sum: u64 = 0;
      carry = 0;
      for (let j: usize = 0; j < end; j += 4) {
        sum = <u64>load<u32>(pt + i + j) + q * <u64>load<u32>(pm + j) + carry;
        store<u32>(pt + i + j, <u32>sum);
        carry = sum >> 32;
      }
      sum = <u64>load<u32>(pt + i + end) + carry + top;
      store<u32>(pt + i + end, <u32>sum);
      top = sum >> 32;
    }
    memory.copy(changetype<usize>(out), pt + end, end);
    if (top != 0 || compareLimbs(out, this.modulus) >= 0) subtractLimbs(out, out, this.modulus);
  }

  /** a²·R⁻¹ mod m for a below m, in a new array. */
  square(a: Limbs): Limbs {
    const out = new StaticArray<u32>(this.size);
    this.squareInto(out, a);
    return out;
  }

  /** x·R mod m, for any x below R. */
  toMontgomery(x: Limbs): Limbs {
    return this.multiply(x, this.rSquared);
  }

  /** The ordinary value of a Montgomery-form x. */
  fromMontgomery(x: Limbs): Limbs {
    const one = new StaticArray<u32>(this.size);
    one[0] = 1;
    return this.multiply(x, one);
  }

  /** out = (a + b) mod m for a, b below m (either form); out may be a or b. */
  addInto(out: Limbs, a: Limbs, b: Limbs): void {
    const carry = addLimbs(out, a, b);
    if (carry != 0 || compareLimbs(out, this.modulus) >= 0) subtractLimbs(out, out, this.modulus);
  }

  /** out = (a - b) mod m for a, b below m (either form); out may be a or b. */
  subtractInto(out: Limbs, a: Limbs, b: Limbs): void {
    if (subtractLimbs(out, a, b) != 0) addLimbs(out, out, this.modulus);
  }

  /** (a - b) mod m, in a new array. */
  subtract(a: Limbs, b: Limbs): Limbs {
    const out = new StaticArray<u32>(this.size);
    this.subtractInto(out, a, b);
    return out;
  }

  /** base^exponent in Montgomery form, for a Montgomery-form base. */
  power(base: Limbs, exponent: Limbs): Limbs {
    const top = bitLength(exponent);
    if (top == 0) {
      const one = new StaticArray<u32>(this.size);
      one[0] = 1;
      return this.toMontgomery(one);
    }
    const acc = StaticArray.slice<u32>(base);
    for (let i = top - 2; i >= 0; i--) {
      this.squareInto(acc, acc);
      if (bit(exponent, i) != 0) this.multiplyInto(acc, acc, base);
    }
    return acc;
  }

  /** x⁻¹ for a Montgomery-form x, modulo a prime modulus (Fermat: x^(m-2)). */
  invert(x: Limbs): Limbs {
    const exponent = new StaticArray<u32>(this.size);
    const two = new StaticArray<u32>(this.size);
    two[0] = 2;
    subtractLimbs(exponent, this.modulus, two);
    return this.power(x, exponent);
  }
}
