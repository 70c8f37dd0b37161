// Strict RFC 8259 JSON reader for plugin configuration.
//
// Design:
// - One compact, iterative parser working directly on UTF-8 bytes in linear
//   memory (no copy of the input, no tokens, no exceptions, no recursion).
//   Open containers are tracked in a fixed table of JSON_MAX_DEPTH levels, so
//   hostile nesting cannot overflow any stack.
// - Module-level state (cursor, end, first error) instead of a parser object.
// - Never traps on any input: every malformed document yields a JsonError with
//   the byte offset of the problem and a message naming what was expected.
// - Allocation: one object per value (null/true/false are shared), one string
//   per string/key (exact size, decoded in a counting pass and a writing
//   pass), and exact-size arrays for containers (children are collected on a
//   reusable scratch stack and copied once when the container closes).
//   Numbers never allocate.
//
// Choices (documented and tested):
// - A lone surrogate `\u` escape (high without a following low, or a low on
//   its own) is an error ("lone surrogate"), never replaced with U+FFFD.
// - Invalid UTF-8 (bad lead byte, bad/missing continuation byte, overlong
//   form, encoded surrogate, > U+10FFFF, truncated sequence) is an error at
//   the first byte of the offending sequence.
// - An unterminated string is reported at its opening quote.
// - A trailing comma is reported at the comma.
// - Numbers are scanned (and their grammar checked) while parsing, but only
//   converted to f64 by asNumber(): filters that never read a number carry no
//   conversion code. A magnitude beyond f64 (e.g. 1e309) reads as ±Infinity,
//   as with JavaScript's JSON.parse; underflow rounds to (signed) zero.
// - Number conversion: exact (Clinger fast path) when the significand has at
//   most 15-16 digits and |exponent| <= 22; otherwise a 128-bit scaled
//   multiply that is correctly rounded except for inputs within ~2^-100 of a
//   halfway point, or with more than 19 significant digits (the rest are
//   truncated) - those can be 1 ulp off.
// - A UTF-8 byte order mark is not skipped (it is not JSON).
// - Objects keep every member in document order, duplicates included;
//   get(key) returns the last one (like JSON.parse).

/** Maximum nesting of arrays/objects. Deeper documents are rejected. */
export const JSON_MAX_DEPTH: i32 = 64;

const NUMBER_NEGATIVE: i32 = 1;
const NUMBER_EXACT: i32 = 2;

export enum JsonKind { Null, Bool, Number, String, Array, Object }

/** The kind as words for messages: "null", "a boolean", "a number", "a string", "an array", "an object". */
export function describeJsonKind(kind: JsonKind): string {
  switch (kind) {
    case JsonKind.Null: return "null";
    case JsonKind.Bool: return "a boolean";
    case JsonKind.Number: return "a number";
    case JsonKind.String: return "a string";
    case JsonKind.Array: return "an array";
    default: return "an object";
  }
}

export class JsonValue {
  /** Values come from the parser; null/true/false are shared instances. */
  constructor(
    readonly kind: JsonKind,
    /** @internal Number value; 1/0 for Bool. */
    readonly _num: f64 = 0,
    /** @internal String value. */
    readonly _str: string | null = null,
    /** @internal Array elements, or object member values. */
    readonly _items: JsonValue[] | null = null,
    /** @internal Number: decimal exponent applied to the significand held in _num's bits. */
    readonly _exp: i32 = 0,
    /** @internal Number: NUMBER_NEGATIVE | NUMBER_EXACT. */
    readonly _flags: i32 = 0,
  ) {}

  isNull(): bool { return this.kind == JsonKind.Null; }
  isBool(): bool { return this.kind == JsonKind.Bool; }
  isNumber(): bool { return this.kind == JsonKind.Number; }
  isString(): bool { return this.kind == JsonKind.String; }
  isArray(): bool { return this.kind == JsonKind.Array; }
  isObject(): bool { return this.kind == JsonKind.Object; }

  /** true only for the JSON literal `true`. */
  asBool(): bool { return this.kind == JsonKind.Bool && this._num != 0; }
  /**
   * The number, or NaN unless this is a Number. Converted on first use, so a
   * filter that never reads numbers carries no conversion code. A magnitude
   * beyond f64 gives ±Infinity, as JavaScript's JSON.parse does.
   */
  asNumber(): f64 {
    if (this.kind != JsonKind.Number) return NaN;
    const v = toF64(reinterpret<u64>(this._num), this._exp, (this._flags & NUMBER_EXACT) != 0);
    return this._flags & NUMBER_NEGATIVE ? -v : v;
  }
  /** The string, or null unless this is a String. */
  asString(): string | null { return this._str; }
  /** Elements in document order (the value's own array, not a copy), or null unless an Array. */
  asArray(): JsonValue[] | null { return this.kind == JsonKind.Array ? this._items : null; }
  /** The object (this value itself), or null unless an Object. */
  asObject(): JsonObject | null {
    return this.kind == JsonKind.Object ? changetype<JsonObject>(this) : null;
  }

  /** Compact JSON serialisation. */
  toString(): string {
    let k = this.kind;
    if (k == JsonKind.Null) return "null";
    if (k == JsonKind.Bool) return this._num != 0 ? "true" : "false";
    if (k == JsonKind.Number) return numberToString(this.asNumber());
    if (k == JsonKind.String) return quote(this._str!);
    let obj = k == JsonKind.Object;
    let items = this._items!;
    let r = obj ? "{" : "[";
    for (let i = 0, n = items.length; i < n; i++) {
      if (i) r += ",";
      if (obj) r += quote(unchecked(changetype<JsonObject>(this)._keys[i])) + ":";
      r += unchecked(items[i]).toString();
    }
    return r + (obj ? "}" : "]");
  }
}

/** An object value: members in document order, duplicate keys kept. */
export class JsonObject extends JsonValue {
  constructor(
    /** @internal Member keys; values are in _items. */
    readonly _keys: string[],
    values: JsonValue[],
  ) {
    super(JsonKind.Object, 0, null, values);
  }

  /** Number of members, duplicates included. */
  get size(): i32 { return this._keys.length; }
  /** Key of member i (document order); "" if i is out of range. */
  keyAt(i: i32): string {
    return <u32>i < <u32>this._keys.length ? unchecked(this._keys[i]) : "";
  }
  /** Value of member i (document order); a null value if i is out of range. */
  valueAt(i: i32): JsonValue {
    return <u32>i < <u32>this._keys.length ? unchecked(this._items![i]) : NULL;
  }
  /** Value of the last member named key, or null if there is none. */
  get(key: string): JsonValue | null {
    let keys = this._keys;
    for (let i = keys.length - 1; i >= 0; i--) {
      if (unchecked(keys[i]) == key) return unchecked(this._items![i]);
    }
    return null;
  }
  has(key: string): bool { return this.get(key) != null; }

  /** The member's string, or null if absent or not a string. */
  getString(key: string): string | null {
    let v = this.get(key);
    return v ? v.asString() : null;
  }
  /** The member's number, or fallback if absent or not a number. */
  getNumber(key: string, fallback: f64 = 0): f64 {
    let v = this.get(key);
    return v && v.isNumber() ? v.asNumber() : fallback;
  }
  /** The member's boolean, or fallback if absent or not a boolean. */
  getBool(key: string, fallback: bool = false): bool {
    let v = this.get(key);
    return v && v.isBool() ? v.asBool() : fallback;
  }
  getObject(key: string): JsonObject | null {
    let v = this.get(key);
    return v ? v.asObject() : null;
  }
  getArray(key: string): JsonValue[] | null {
    let v = this.get(key);
    return v ? v.asArray() : null;
  }
}

export class JsonError {
  constructor(
    /** Byte offset into the input. */
    public position: i32,
    public message: string,
  ) {}
  toString(): string { return "at byte " + this.position.toString() + ": " + this.message; }
}

export class JsonResult {
  constructor(public value: JsonValue | null, public error: JsonError | null) {}
  get ok(): bool { return this.error == null; }
}

/** Parse a string (encoded to UTF-8 first; byte positions refer to that encoding). */
export function parseJson(text: string): JsonResult {
  return parseJsonBytes(String.UTF8.encode(text));
}

/** Parse UTF-8 bytes as delivered by the host. */
export function parseJsonBytes(data: ArrayBuffer): JsonResult {
  keep = data; // keep the buffer reachable while parsing
  let r = parseJsonMemory(changetype<usize>(data), <usize>data.byteLength);
  keep = null;
  return r;
}

/** Parse len bytes of UTF-8 at ptr, in place. The memory must stay valid for the call. */
export function parseJsonMemory(ptr: usize, len: usize): JsonResult {
  base = cur = ptr;
  end = ptr + len;
  depth = 0;
  stack.length = 0;
  skipWs();
  let v: JsonValue | null = null;
  if (cur >= end) fail(cur, E_EMPTY);
  else {
    v = parse();
    skipWs();
    if (v && cur < end) v = fail(cur, E_END);
  }
  stack.length = 0;
  return v ? new JsonResult(v, null) : new JsonResult(null, new JsonError(errPos, message(errCode)));
}

// ---------------------------------------------------------------------------
// Parser internals

// @ts-ignore: decorator
@lazy const NULL = new JsonValue(JsonKind.Null);
// @ts-ignore: decorator
@lazy const TRUE = new JsonValue(JsonKind.Bool, 1);
// @ts-ignore: decorator
@lazy const FALSE = new JsonValue(JsonKind.Bool, 0);
/**
 * Scratch stack holding the finished children (and, in objects, the keys) of
 * all open containers; a container's entries move into an exact-size array
 * when it closes. Reused across parses.
 */
// @ts-ignore: decorator
@lazy const stack = new Array<Object>();
/** Per open container: its stack mark << 1 | isObject. */
// @ts-ignore: decorator
@lazy const levels = memory.data(JSON_MAX_DEPTH << 2);

let keep: ArrayBuffer | null = null;
let base: usize = 0;
let cur: usize = 0;
let end: usize = 0;
let depth: i32 = 0;
let errPos: i32 = 0;
let errCode: i32 = 0;

// Error codes index MESSAGES ('|'-separated; one string keeps the data
// section small; one literal, because AssemblyScript does not fold
// concatenated literals). Codes below E_EMPTY are prefixed with "expected ".
const E_VALUE = 0, E_END = 1, E_KEY = 2, E_COLON = 3, E_COMMA_ARR = 4, E_COMMA_OBJ = 5,
  E_DIGIT = 6, E_TRUE = 7, E_FALSE = 8, E_NULL = 9, E_EMPTY = 10, E_DEEP = 11, E_TRAILING = 12,
  E_UNTERMINATED = 13, E_CONTROL = 14, E_ESCAPE = 15, E_UESCAPE = 16, E_SURROGATE = 17,
  E_UTF8 = 18, E_LEADING_ZERO = 19;
const MESSAGES = "value|end of input|string key|':' after object key|',' or ']'|',' or '}'|digit|'true'|'false'|'null'|empty document|nesting too deep|trailing comma|unterminated string|control character in string|invalid escape|invalid \\u escape|lone surrogate|invalid UTF-8|leading zero";

function message(code: i32): string {
  let m = MESSAGES;
  let s = 0;
  let p = changetype<usize>(m);
  for (let i = code; i > 0; ) if (load<u16>(p + (<usize>(s++) << 1)) == 0x7C) i--;
  let e = s;
  while (e < m.length && load<u16>(p + (<usize>e << 1)) != 0x7C) e++;
  let r = changetype<string>(__new(<usize>(e - s) << 1, idof<string>()));
  memory.copy(changetype<usize>(r), changetype<usize>(m) + (<usize>s << 1), <usize>(e - s) << 1);
  return code < E_EMPTY ? "expected " + r : r;
}

/** Record an error; always returns null so callers can `return fail(...)`. */
function fail(at: usize, code: i32): JsonValue | null {
  errPos = <i32>(at - base);
  errCode = code;
  return null;
}

/** Byte at the cursor, or 0 at end of input (0 never matches valid syntax). */
// @ts-ignore: decorator
@inline function peek(): u32 {
  return cur < end ? <u32>load<u8>(cur) : 0;
}

function skipWs(): void {
  while (cur < end) {
    let c = load<u8>(cur);
    if (c != 0x20 && c != 0x0A && c != 0x0D && c != 0x09) break;
    cur++;
  }
}

/**
 * The value at the cursor. Iterative: open containers live on `levels` and
 * their finished entries on `stack`, so nesting costs no native stack.
 */
function parse(): JsonValue | null {
  let key = false; // an object member's key comes next
  while (true) {
    skipWs();
    let c = peek();
    let v: JsonValue | null = null;
    if (key) {
      if (c != 0x22) return fail(cur, E_KEY);
      let k = parseString();
      if (!changetype<usize>(k)) return null; // (`!k` would also reject "")
      stack.push(k);
      skipWs();
      if (peek() != 0x3A) return fail(cur, E_COLON);
      cur++;
      key = false;
      continue;
    }
    if (c == 0x5B || c == 0x7B) { // [ {
      if (depth >= JSON_MAX_DEPTH) return fail(cur, E_DEEP);
      let obj = c == 0x7B;
      store<i32>(levels + (<usize>(depth++) << 2), (stack.length << 1) | <i32>obj);
      cur++;
      skipWs();
      if (peek() != c + 2) { // not immediately closed by ] }
        key = obj;
        continue;
      }
    } else {
      if (c == 0x22) { // "
        let s = parseString();
        if (!changetype<usize>(s)) return null;
        v = new JsonValue(JsonKind.String, 0, s);
      } else if (c == 0x2D || c - 0x30 < 10) { // - 0-9
        v = parseNumber();
      // compare the literal's last four bytes as one little-endian u32
      } else if (c == 0x74) { // true
        if (literal(4, 0x65757274, E_TRUE)) v = TRUE;
      } else if (c == 0x66) { // f alse
        if (literal(5, 0x65736C61, E_FALSE)) v = FALSE;
      } else if (c == 0x6E) { // null
        if (literal(4, 0x6C6C756E, E_NULL)) v = NULL;
      } else fail(cur, E_VALUE);
      if (!v) return null;
    }
    // v is a finished value, or null for a container closed right after opening.
    while (true) {
      let top = depth - 1;
      let lv = top >= 0 ? load<i32>(levels + (<usize>top << 2)) : 0;
      let obj = lv & 1;
      let close = 0x5D + (obj << 5); // ] or }
      if (v) {
        if (top < 0) return v;
        stack.push(v);
        skipWs();
        c = peek();
        if (c == 0x2C) { // ,
          let comma = cur++;
          skipWs();
          if (peek() == close) return fail(comma, E_TRAILING);
          key = obj != 0;
          break;
        }
        if (c != close) return fail(cur, E_COMMA_ARR + obj);
      }
      // cursor on the closing byte of the innermost container
      cur++;
      depth = top;
      let mark = lv >> 1;
      // object entries alternate key, value
      let vals = changetype<JsonValue[]>(take(mark + obj, obj, idof<JsonValue[]>()));
      v = obj
        ? new JsonObject(changetype<string[]>(take(mark, 1, idof<string[]>())), vals)
        : new JsonValue(JsonKind.Array, 0, null, vals);
      stack.length = mark;
    }
  }
}

/**
 * New array (runtime type id) of every (1 + skip)-th scratch stack entry from
 * index `from` to the top.
 */
function take(from: i32, skip: i32, id: u32): usize {
  let step = <usize>(1 + skip) << alignof<usize>();
  let n = (stack.length - from + skip) >> skip;
  let a = __newArray(n, alignof<usize>(), id);
  let src = stack.dataStart + (<usize>from << alignof<usize>());
  let dst = changetype<usize[]>(a).dataStart;
  for (let i = 0; i < n; i++) {
    let ref = load<usize>(src);
    store<usize>(dst, ref);
    __link(a, ref, true);
    src += step;
    dst += sizeof<usize>();
  }
  return a;
}

function literal(n: usize, tail: u32, code: i32): bool {
  if (end - cur < n || load<u32>(cur + n - 4) != tail) {
    fail(cur, code);
    return false;
  }
  cur += n;
  return true;
}

/** String with cursor on the opening quote; cursor ends after the closing quote. */
function parseString(): string | null {
  let start = cur;
  let n = scanString(0);
  if (n < 0) return null;
  if (n == 0) return "";
  let s = changetype<string>(__new(<usize>n << 1, idof<string>()));
  let after = cur;
  cur = start;
  scanString(changetype<usize>(s));
  cur = after;
  return s;
}

/**
 * Validates and decodes the string at the cursor. With out == 0 only counts
 * UTF-16 code units (returns -1 on error); otherwise also writes them to out.
 */
function scanString(out: usize): i32 {
  let p = cur + 1;
  let n = 0;
  while (true) {
    if (p >= end) { fail(cur, E_UNTERMINATED); return -1; }
    let q = p;
    let c = <u32>load<u8>(p++);
    if (c == 0x22) break;
    if (c < 0x20) { fail(q, E_CONTROL); return -1; }
    if (c == 0x5C) { // backslash
      c = p < end ? <u32>load<u8>(p++) : 0;
      if (c == 0x75) { // u
        c = hex4(p);
        p += 4;
        if (c - 0xD800 < 0x800) { // surrogate
          let lo: u32 = c < 0xDC00 && p + 1 < end && load<u8>(p) == 0x5C && load<u8>(p + 1) == 0x75
            ? hex4(p + 2) : 0;
          if (lo - 0xDC00 >= 0x400) {
            if (lo == <u32>-1) fail(p, E_UESCAPE);
            else fail(q, E_SURROGATE);
            return -1;
          }
          c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
          p += 6;
        } else if (c == <u32>-1) { fail(q, E_UESCAPE); return -1; }
      } else if (c == 0x62) c = 0x08; // b
      else if (c == 0x66) c = 0x0C; // f
      else if (c == 0x6E) c = 0x0A; // n
      else if (c == 0x72) c = 0x0D; // r
      else if (c == 0x74) c = 0x09; // t
      else if (c != 0x22 && c != 0x5C && c != 0x2F) {
        if (p >= end && c == 0) { fail(cur, E_UNTERMINATED); return -1; }
        fail(q, E_ESCAPE);
        return -1;
      }
    } else if (c >= 0x80) { // multi-byte UTF-8
      let k: u32 = c < 0xE0 ? 1 : c < 0xF0 ? 2 : 3;
      if (c < 0xC2 || c > 0xF4 || end - p < <usize>k) { fail(q, E_UTF8); return -1; }
      c &= 0x3F >> k;
      for (let i: u32 = 0; i < k; i++) {
        let b = <u32>load<u8>(p++);
        if ((b & 0xC0) != 0x80) { fail(q, E_UTF8); return -1; }
        c = (c << 6) | (b & 0x3F);
      }
      if ((k == 2 && c < 0x800) || c - 0xD800 < 0x800 || (k == 3 && c - 0x10000 > 0xFFFFF)) {
        fail(q, E_UTF8);
        return -1;
      }
    }
    if (c >= 0x10000) {
      if (out) {
        c -= 0x10000;
        store<u32>(out + (<usize>n << 1), (0xD800 | (c >> 10)) | ((0xDC00 | (c & 0x3FF)) << 16));
      }
      n += 2;
    } else {
      if (out) store<u16>(out + (<usize>n << 1), c);
      n++;
    }
  }
  cur = p;
  return n;
}

/** Four hex digits at p, or -1 (as u32) if any is missing or invalid. */
function hex4(p: usize): u32 {
  if (end - p < 4 || p > end) return <u32>-1;
  let v: u32 = 0;
  for (let i = 0; i < 4; i++) {
    let c = <u32>load<u8>(p + i);
    let d = c - 0x30;
    if (d >= 10) {
      d = (c | 0x20) - 0x61;
      if (d >= 6) return <u32>-1;
      d += 10;
    }
    v = (v << 4) | d;
  }
  return v;
}

// Number scanning state (module globals keep the helpers small).
let mant: u64 = 0;   // first (up to) 19 significant digits
let ndig: i32 = 0;   // significant digits taken into mant
let dexp: i32 = 0;   // decimal exponent applied to mant
let exact = true;    // false once a nonzero digit had to be dropped
let xexp: i32 = 0;   // explicit exponent digits (saturating)

/**
 * Consumes a run of digits at p (at least one required) of the integer part
 * (mode 0), fraction (1) or exponent (2); returns the new position or 0.
 */
function digits(p: usize, mode: i32): usize {
  let c = p < end ? <u32>load<u8>(p) - 0x30 : 10;
  if (c >= 10) { fail(p, E_DIGIT); return 0; }
  do {
    if (mode == 2) {
      if (xexp < 100000) xexp = xexp * 10 + c;
    } else if (ndig < 19) {
      if (mant | c) { mant = mant * 10 + c; ndig++; }
      if (mode) dexp--;
    } else {
      if (!mode) dexp++;
      if (c) exact = false;
    }
    c = ++p < end ? <u32>load<u8>(p) - 0x30 : 10;
  } while (c < 10);
  return p;
}

/** Number at the cursor (on '-' or a digit). */
function parseNumber(): JsonValue | null {
  let p = cur;
  let neg = load<u8>(p) == 0x2D;
  if (neg) p++;
  mant = 0; ndig = 0; dexp = 0; xexp = 0; exact = true;
  if (p < end && load<u8>(p) == 0x30) {
    if (++p < end && <u32>load<u8>(p) - 0x30 < 10) return fail(p - 1, E_LEADING_ZERO);
  } else if (!(p = digits(p, 0))) return null;
  if (p < end && load<u8>(p) == 0x2E) { // .
    if (!(p = digits(p + 1, 1))) return null;
  }
  if (p < end && (load<u8>(p) | 0x20) == 0x65) { // e E
    let eneg = false;
    if (++p < end && (load<u8>(p) == 0x2D || load<u8>(p) == 0x2B)) eneg = load<u8>(p++) == 0x2D;
    if (!(p = digits(p, 2))) return null;
    dexp += eneg ? -xexp : xexp;
  }
  cur = p;
  // Only the scan happens here; asNumber() converts (see there).
  return new JsonValue(JsonKind.Number, reinterpret<f64>(mant), null, null, dexp,
    (neg ? NUMBER_NEGATIVE : 0) | (exact ? NUMBER_EXACT : 0));
}

/** mant * 10^e as f64 (mant exact unless !exact, i.e. digits beyond the 19th were dropped). */
function toF64(m: u64, e: i32, exact: bool): f64 {
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

// ---------------------------------------------------------------------------
// Serialisation helpers

function numberToString(v: f64): string {
  if (v == 0) return 1 / v < 0 ? "-0" : "0";
  // Integers print without the ".0" that f64.toString() would add.
  if (v == Math.trunc(v) && Math.abs(v) < 1e15) return (<i64>v).toString();
  return v.toString();
}

function quote(s: string): string {
  let r = "\"";
  let start = 0;
  let n = s.length;
  for (let i = 0; i < n; i++) {
    let c = s.charCodeAt(i);
    let esc: string | null = null;
    if (c == 0x22) esc = "\\\"";
    else if (c == 0x5C) esc = "\\\\";
    else if (c < 0x20) {
      esc = c == 0x0A ? "\\n" : c == 0x0D ? "\\r" : c == 0x09 ? "\\t" : c == 0x08 ? "\\b" : c == 0x0C ? "\\f"
        : "\\u00" + (c < 0x10 ? "0" : "1") + "0123456789abcdef".charAt(c & 15);
    }
    if (esc) {
      r += s.substring(start, i) + esc;
      start = i + 1;
    }
  }
  return r + s.substring(start) + "\"";
}
