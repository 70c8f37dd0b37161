// Decimal to double conversion for the JSON reader: a significand of up to 19
// digits and a decimal exponent, as the reader scans them.
//
// Exact (Clinger fast path) when the significand has at most 15-16 digits and
// |exponent| <= 22; otherwise a 128-bit scaled multiply that is correctly
// rounded except for inputs within ~2^-100 of a halfway point, or with more
// than 19 significant digits (the rest are truncated) - those can be 1 ulp
// off. A magnitude beyond f64 (e.g. 1e309) reads as ±Infinity, as with
// JavaScript's JSON.parse; underflow rounds to (signed) zero.

/** mant * 10^e as f64 (mant exact unless !exact, i.e. digits beyond the 19th were dropped). */
export function toF64(m: u64, e: i32, exact: bool): f64 {
  if (!m) return 0;
  // Fast path: m <= 2^53 and 10^|e| <= 1e22 are exact doubles, so one
  // multiplication/division gives the correctly rounded result.
  while (e > 22 && m < 900719925474099) { m *= 10; e--; }
  if (exact && m <= 9007199254740992 && e >= -22 && e <= 22) {
    let t: f64 = 1;
    for (let i = e < 0 ? -e : e; i > 0; i--) t *= 10;
    return e < 0 ? <f64>m / t : <f64>m * t;
  }
  if (e > 310) return Infinity;
  if (e < -343) return 0;
  // Slow path: value = (f:lo) * 2^b with (f:lo) a normalised 128-bit
  // mantissa; 10^e = 5^e * 2^e, and 5^e is applied in steps of 5^27 (exact)
  // or 5^-27 (a 128-bit approximation), keeping the top 128 bits of each
  // product. The accumulated error is far below 2^-100 relative, so the
  // result is correctly rounded except for inputs within about that distance
  // of a halfway point between two doubles.
  let z = <i32>clz(m);
  let f = m << z;
  let lo: u64 = 0;
  let b = e - z;
  while (e) {
    let gh: u64 = 1, gl: u64 = 0;
    if (e < 0) {
      gh = 0x9E74D1B791E07E48; // 2^190 / 5^27, rounded
      gl = 0x775EA264CF55347E;
      b -= 126;
      e += 27;
    } else {
      let k = min(e, 27);
      e -= k;
      while (k--) gh *= 5;
    }
    let s = <i32>clz(gh);
    gh <<= s;
    // (f:lo) = top 128 bits of (f:lo) * (gh:gl), renormalised
    let h = mul64(f, gh);
    let l = mul64lo;
    let t = mul64(f, gl);
    l += t;
    if (l < t) h++;
    t = mul64(lo, gh);
    l += t;
    if (l < t) h++;
    b += 64 - s;
    if (!(h >> 63)) { h = (h << 1) | (l >> 63); l <<= 1; b--; }
    f = h;
    lo = l;
  }
  // round f * 2^b to a double (half to even), including subnormals
  let ex = b + 63 + 1023; // biased exponent
  if (ex >= 2047) return Infinity;
  let sh = 11;
  if (ex < 1) { sh += 1 - ex; ex = 1; }
  if (sh > 63) return sh == 64 && f > 0x8000000000000000 ? 5e-324 : 0;
  let half: u64 = 1 << (sh - 1);
  let rest = f & ((half << 1) - 1);
  let r = f >> sh;
  if (rest > half || (rest == half && (lo | (r & 1)))) r++;
  return reinterpret<f64>((<u64>(ex - 1) << 52) + r);
}

let mul64lo: u64 = 0;

/** High 64 bits of a * b; the low 64 bits are left in mul64lo. */
function mul64(a: u64, b: u64): u64 {
  let al = a & 0xFFFFFFFF, ah = a >> 32, bl = b & 0xFFFFFFFF, bh = b >> 32;
  let mid = (al * bl >> 32) + (ah * bl & 0xFFFFFFFF) + (al * bh & 0xFFFFFFFF);
  mul64lo = a * b;
  return ah * bh + (ah * bl >> 32) + (al * bh >> 32) + (mid >> 32);
}

