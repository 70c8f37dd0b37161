// Strict RFC 8259 JSON, read as it is walked: the reader under the JSON
// values of value.ts, and the smallest way for a filter to read a
// configuration (a filter that walks its configuration with it carries no
// tree, no number code and no code for the kinds it never reads).
//
//   const json = new JsonReader(bytes);  // bytes: pluginConfiguration(), when not null
//   if (json.beginObject()) {
//     while (json.nextKey()) {
//       const value = json.readString(); // null: not a string, or json.failed
//       …
//     }
//   }
//   if (!json.end()) … json.error (a JsonError) …
//   A value of the wrong kind: json.describeNext() names it once the whole
//   document is known to be valid JSON, or is null and json.error says why
//   (docs/sdk.md, "Reading configuration").
//
// Design:
// - Works directly on UTF-8 bytes in linear memory (no copy, no tokens, no
//   exceptions). A read of the wrong kind returns null/false and leaves the
//   cursor on the value; a syntax error stops the reader: every later call
//   returns null/false and `error` names the first problem with its byte offset.
// - Nesting is limited to JSON_MAX_DEPTH open containers.
//
// Choices (documented and tested):
// - A lone surrogate `\u` escape (high without a following low, or a low on
//   its own) is an error ("lone surrogate"), never replaced with U+FFFD.
// - Invalid UTF-8 (bad lead byte, bad/missing continuation byte, overlong
//   form, encoded surrogate, > U+10FFFF, truncated sequence) is an error at
//   the first byte of the offending sequence.
// - An unterminated string is reported at its opening quote.
// - A trailing comma is reported at the comma.
// - A UTF-8 byte order mark is not skipped (it is not JSON).
import { toF64 } from "./number";
import { decimal, newBuffer } from "../runtime/text";

/** Maximum nesting of arrays/objects. Deeper documents are rejected. */
export const JSON_MAX_DEPTH: i32 = 64;

export enum JsonKind { Null, Bool, Number, String, Array, Object }

/** The kind as words for messages: "null", "a boolean", "a number", "a string", "an array", "an object". */
export function describeJsonKind(kind: JsonKind): string {
  return entry(KIND_NAMES, <i32>kind);
}

export class JsonError {
  constructor(
    /** Byte offset into the input. */
    public position: i32,
    public message: string,
  ) {}
  toString(): string { return errorString(this.position, this.message); }
}

// Message texts are ASCII bytes, each ended by a 0, in the data section: a
// string literal would take two bytes a character. One text a line, shown in
// its comment (the specs pin every one); a line for a new text:
//   node -p '[...Buffer.from("text")].map((b) => "0x" + b.toString(16).toUpperCase()).join(", ")'
const KIND_NAMES = memory.data<u8>([
  0x6E, 0x75, 0x6C, 0x6C, 0, // null
  0x61, 0x20, 0x62, 0x6F, 0x6F, 0x6C, 0x65, 0x61, 0x6E, 0, // a boolean
  0x61, 0x20, 0x6E, 0x75, 0x6D, 0x62, 0x65, 0x72, 0, // a number
  0x61, 0x20, 0x73, 0x74, 0x72, 0x69, 0x6E, 0x67, 0, // a string
  0x61, 0x6E, 0x20, 0x61, 0x72, 0x72, 0x61, 0x79, 0, // an array
  0x61, 0x6E, 0x20, 0x6F, 0x62, 0x6A, 0x65, 0x63, 0x74, 0, // an object
]);

// Error codes index MESSAGES; codes below E_EMPTY are prefixed with "expected ".
const E_VALUE = 0, E_END = 1, E_KEY = 2, E_COLON = 3, E_COMMA_ARR = 4, E_COMMA_OBJ = 5,
  E_DIGIT = 6, E_TRUE = 7, E_FALSE = 8, E_NULL = 9, E_EMPTY = 10, E_DEEP = 11, E_TRAILING = 12,
  E_UNTERMINATED = 13, E_CONTROL = 14, E_ESCAPE = 15, E_UESCAPE = 16, E_SURROGATE = 17,
  E_UTF8 = 18, E_LEADING_ZERO = 19;
const MESSAGES = memory.data<u8>([
  0x76, 0x61, 0x6C, 0x75, 0x65, 0, // value
  0x65, 0x6E, 0x64, 0x20, 0x6F, 0x66, 0x20, 0x69, 0x6E, 0x70, 0x75, 0x74, 0, // end of input
  0x73, 0x74, 0x72, 0x69, 0x6E, 0x67, 0x20, 0x6B, 0x65, 0x79, 0, // string key
  0x27, 0x3A, 0x27, 0x20, 0x61, 0x66, 0x74, 0x65, 0x72, 0x20, 0x6F, 0x62, 0x6A, 0x65, 0x63, 0x74, 0x20, 0x6B, 0x65, 0x79, 0, // ':' after object key
  0x27, 0x2C, 0x27, 0x20, 0x6F, 0x72, 0x20, 0x27, 0x5D, 0x27, 0, // ',' or ']'
  0x27, 0x2C, 0x27, 0x20, 0x6F, 0x72, 0x20, 0x27, 0x7D, 0x27, 0, // ',' or '}'
  0x64, 0x69, 0x67, 0x69, 0x74, 0, // digit
  0x27, 0x74, 0x72, 0x75, 0x65, 0x27, 0, // 'true'
  0x27, 0x66, 0x61, 0x6C, 0x73, 0x65, 0x27, 0, // 'false'
  0x27, 0x6E, 0x75, 0x6C, 0x6C, 0x27, 0, // 'null'
  0x65, 0x6D, 0x70, 0x74, 0x79, 0x20, 0x64, 0x6F, 0x63, 0x75, 0x6D, 0x65, 0x6E, 0x74, 0, // empty document
  0x6E, 0x65, 0x73, 0x74, 0x69, 0x6E, 0x67, 0x20, 0x74, 0x6F, 0x6F, 0x20, 0x64, 0x65, 0x65, 0x70, 0, // nesting too deep
  0x74, 0x72, 0x61, 0x69, 0x6C, 0x69, 0x6E, 0x67, 0x20, 0x63, 0x6F, 0x6D, 0x6D, 0x61, 0, // trailing comma
  0x75, 0x6E, 0x74, 0x65, 0x72, 0x6D, 0x69, 0x6E, 0x61, 0x74, 0x65, 0x64, 0x20, 0x73, 0x74, 0x72, 0x69, 0x6E, 0x67, 0, // unterminated string
  0x63, 0x6F, 0x6E, 0x74, 0x72, 0x6F, 0x6C, 0x20, 0x63, 0x68, 0x61, 0x72, 0x61, 0x63, 0x74, 0x65, 0x72, 0x20, 0x69, 0x6E, 0x20, 0x73, 0x74, 0x72, 0x69, 0x6E, 0x67, 0, // control character in string
  0x69, 0x6E, 0x76, 0x61, 0x6C, 0x69, 0x64, 0x20, 0x65, 0x73, 0x63, 0x61, 0x70, 0x65, 0, // invalid escape
  0x69, 0x6E, 0x76, 0x61, 0x6C, 0x69, 0x64, 0x20, 0x5C, 0x75, 0x20, 0x65, 0x73, 0x63, 0x61, 0x70, 0x65, 0, // invalid \u escape
  0x6C, 0x6F, 0x6E, 0x65, 0x20, 0x73, 0x75, 0x72, 0x72, 0x6F, 0x67, 0x61, 0x74, 0x65, 0, // lone surrogate
  0x69, 0x6E, 0x76, 0x61, 0x6C, 0x69, 0x64, 0x20, 0x55, 0x54, 0x46, 0x2D, 0x38, 0, // invalid UTF-8
  0x6C, 0x65, 0x61, 0x64, 0x69, 0x6E, 0x67, 0x20, 0x7A, 0x65, 0x72, 0x6F, 0, // leading zero
]);

/** Text `index` of a table of 0-ended ASCII texts, as a string. */
function entry(table: usize, index: i32): string {
  let p = table;
  for (let i = index; i > 0; ) if (load<u8>(p++) == 0) i--;
  let end = p;
  while (load<u8>(end) != 0) end++;
  const text = changetype<string>(__new((end - p) << 1, idof<string>()));
  for (let out = changetype<usize>(text); p < end; out += 2) store<u16>(out, load<u8>(p++));
  return text;
}

/** "at byte N: message". */
function errorString(position: i32, message: string): string {
  return "at byte " + decimal(position) + ": " + message;
}

function message(code: i32): string {
  const r = entry(MESSAGES, code);
  return code < E_EMPTY ? "expected " + r : r;
}

const NO_ERROR: i32 = -1;
/** "null" as a little-endian u32. */
const NULL_TAIL: u32 = 0x6C6C756E;

/** @internal Number flags: the sign, and whether every significant digit fit in the significand. */
export const NUMBER_NEGATIVE: i32 = 1;
export const NUMBER_EXACT: i32 = 2;

export class JsonReader {
  private base: usize = 0;
  private cur: usize = 0;
  private limit: usize = 0;
  private depth: i32 = 0;
  /** Bit d is set when the container open at depth d (0 = outermost) is an object. */
  private objects: u64 = 0;
  /** The innermost open container has had no entry yet. */
  private first: bool = false;
  private errorCode: i32 = NO_ERROR;
  private errorAt: i32 = 0;
  /** The member name the last nextKey() read. */
  key: string = "";
  /** @internal The last number scanned: significand (up to 19 digits), decimal exponent, NUMBER_* flags. */
  mantissa: u64 = 0;
  /** @internal */
  exponent: i32 = 0;
  /** @internal */
  numberFlags: i32 = 0;

  /** Reads `data` (UTF-8), which the reader keeps alive. */
  constructor(private data: ArrayBuffer) {
    this.base = this.cur = changetype<usize>(data);
    this.limit = this.cur + <usize>data.byteLength;
  }

  /** Reads `length` bytes at `ptr` in place: the memory must stay valid while the reader is used. */
  static inMemory(ptr: usize, length: usize): JsonReader {
    const reader = new JsonReader(newBuffer(0));
    reader.base = reader.cur = ptr;
    reader.limit = ptr + length;
    return reader;
  }

  /** A syntax error stopped the reader. */
  get failed(): bool { return this.errorCode != NO_ERROR; }

  /** The syntax error that stopped the reader, or null. */
  get error(): JsonError | null {
    return this.failed ? new JsonError(this.errorAt, message(this.errorCode)) : null;
  }

  /** The kind of the next value, without reading it; -1 when none can follow here (and the reader failed). */
  kind(): i32 {
    if (this.failed) return -1;
    const from = this.cur;
    this.skipWs();
    const c = this.peek();
    if (c == 0x7B) return JsonKind.Object;
    if (c == 0x5B) return JsonKind.Array;
    if (c == 0x22) return JsonKind.String;
    if (c == 0x2D || c - 0x30 < 10) return JsonKind.Number;
    if (c == 0x74 || c == 0x66) return JsonKind.Bool;
    if (c == 0x6E) return JsonKind.Null;
    // A document of nothing but whitespace is its own error.
    this.fail(this.cur, from == this.base && this.cur == this.limit ? E_EMPTY : E_VALUE);
    return -1;
  }

  /** The syntax error as text ("at byte N: …"), or "" when nothing failed. */
  errorText(): string {
    return this.failed ? errorString(this.errorAt, message(this.errorCode)) : "";
  }

  /** Enters the object that comes next: true if it is one; then call nextKey() until it returns false. */
  beginObject(): bool { return this.open(JsonKind.Object); }

  /** Enters the array that comes next: true if it is one; then call nextItem() until it returns false. */
  beginArray(): bool { return this.open(JsonKind.Array); }

  /**
   * Moves to the next member of the object entered last: true with `key`
   * set and the cursor on its value (read or skip it before the next call);
   * false after the closing brace, or on a syntax error.
   */
  nextKey(): bool {
    if (!this.nextEntry(0x7D, E_COMMA_OBJ)) return false;
    if (this.peek() != 0x22) return this.fail(this.cur, E_KEY);
    const key = this.parseString();
    if (key === null) return false;
    this.key = key;
    this.skipWs();
    if (this.peek() != 0x3A) return this.fail(this.cur, E_COLON);
    this.cur++;
    return true;
  }

  /** Moves to the next element of the array entered last: true with the cursor on it; false after the closing bracket, or on a syntax error. */
  nextItem(): bool {
    return this.nextEntry(0x5D, E_COMMA_ARR);
  }

  /** The string that comes next, or null if the next value is not a string (or on a syntax error). */
  readString(): string | null {
    return this.kind() == JsonKind.String ? this.parseString() : null;
  }

  /** The number that comes next, or NaN if the next value is not a number (or on a syntax error). */
  readNumber(): f64 {
    if (!this.scanNumber()) return NaN;
    const v = toF64(this.mantissa, this.exponent, (this.numberFlags & NUMBER_EXACT) != 0);
    return this.numberFlags & NUMBER_NEGATIVE ? -v : v;
  }

  /** The boolean that comes next; false also when it is not a boolean (then `failed` or kind() tells). */
  readBool(): bool {
    return this.kind() == JsonKind.Bool && this.literalBool();
  }

  /** Reads a null that comes next: true if it was one. */
  readNull(): bool {
    return this.kind() == JsonKind.Null && this.literal(4, NULL_TAIL, E_NULL);
  }

  /** Reads past the next value, whatever it is: false on a syntax error. */
  skip(): bool {
    return this.readDownTo(this.depth, true);
  }

  /**
   * Names the value that comes next ("a string", "an array", …) for a message
   * after a read of the wrong kind, but only once it and the rest of the
   * document have been read and found valid: a kind guessed from the first
   * byte would call `nul` or `"abc` a null or a string. Null when the
   * document is not valid JSON: then `error` says what and where. The reader
   * is at the end of the document afterwards.
   */
  describeNext(): string | null {
    const kind = this.kind();
    if (kind < 0 || !this.skip() || !this.readDownTo(0, false) || !this.end()) return null;
    return describeJsonKind(kind);
  }

  /**
   * Reads the whole document to check it is one valid JSON value, then goes
   * back to its start; false (with `error` set) when it is not. Call it before
   * reading a configuration field by field, so that a syntax error is reported
   * as one even after a field that would be refused.
   */
  checkWhole(): bool {
    if (!this.skip() || !this.end()) return false;
    this.cur = this.base;
    this.depth = 0;
    this.objects = 0;
    this.first = false;
    return true;
  }

  /** True when the document ended after what was read: only whitespace follows and nothing failed. */
  end(): bool {
    if (this.failed) return false;
    this.skipWs();
    return this.cur == this.limit || this.fail(this.cur, E_END);
  }

  /** @internal Scans the number that comes next into mantissa/exponent/numberFlags; false if none (or a syntax error). */
  scanNumber(): bool {
    if (this.kind() != JsonKind.Number) return false;
    let p = this.cur;
    if (!this.skipNumber()) return false;
    // The grammar is checked: convert the digits up to the cursor.
    const end = this.cur;
    const negative = load<u8>(p) == 0x2D;
    if (negative) p++;
    mant = 0; ndig = 0; dexp = 0; xexp = 0; exact = true;
    p = digits(p, end, 0);
    if (p < end && load<u8>(p) == 0x2E) p = digits(p + 1, end, 1); // .
    if (p < end) { // e E
      const sign = load<u8>(++p);
      if (sign == 0x2D || sign == 0x2B) p++;
      digits(p, end, 2);
      dexp += sign == 0x2D ? -xexp : xexp;
    }
    this.mantissa = mant;
    this.exponent = dexp;
    this.numberFlags = (negative ? NUMBER_NEGATIVE : 0) | (exact ? NUMBER_EXACT : 0);
    return true;
  }

  /** Reads past the number at the cursor (kind() said Number), checking its grammar only, no conversion: false on a syntax error. */
  private skipNumber(): bool {
    const end = this.limit;
    let p = this.cur;
    if (load<u8>(p) == 0x2D) p++;
    // Integer part, then optional fraction and exponent: each a run of at least one digit.
    const integer = p;
    p = digitsEnd(p, end);
    let missing = p == integer;
    if (!missing && load<u8>(integer) == 0x30 && p - integer > 1) return this.fail(integer, E_LEADING_ZERO);
    if (!missing && p < end && load<u8>(p) == 0x2E) { // .
      const fraction = ++p;
      p = digitsEnd(p, end);
      missing = p == fraction;
    }
    if (!missing && p < end && (load<u8>(p) | 0x20) == 0x65) { // e E
      if (++p < end && (load<u8>(p) == 0x2D || load<u8>(p) == 0x2B)) p++;
      const exponent = p;
      p = digitsEnd(p, end);
      missing = p == exponent;
    }
    if (missing) return this.fail(p, E_DIGIT);
    this.cur = p;
    return true;
  }

  // -------------------------------------------------------------------------

  /**
   * Reads values and container entries until the containers open deeper
   * than `base` are closed; `atValue`: a value comes first, else the next
   * entry of the innermost container. One loop for any nesting: no recursion.
   */
  private readDownTo(base: i32, atValue: bool): bool {
    while (true) {
      if (atValue) {
        const kind = this.kind();
        if (kind == JsonKind.Object || kind == JsonKind.Array) this.open(kind);
        else if (kind == JsonKind.String) this.parseString();
        else if (kind == JsonKind.Number) this.skipNumber();
        else if (kind == JsonKind.Bool) this.literalBool();
        else if (kind == JsonKind.Null) this.literal(4, NULL_TAIL, E_NULL);
        if (this.failed) return false;
      }
      const depth = this.depth;
      if (depth <= base) return true;
      atValue = (this.objects >> <u64>(depth - 1)) & 1 ? this.nextKey() : this.nextItem();
      if (this.failed) return false;
    }
  }

  /** Records the first syntax error; returns false so callers can `return this.fail(...)`. */
  private fail(at: usize, code: i32): bool {
    if (!this.failed) {
      this.errorAt = <i32>(at - this.base);
      this.errorCode = code;
    }
    return false;
  }

  /** Byte at the cursor, or 0 at end of input (0 never matches valid syntax). */
  private peek(): u32 {
    return this.cur < this.limit ? <u32>load<u8>(this.cur) : 0;
  }

  private skipWs(): void {
    let p = this.cur;
    const end = this.limit;
    while (p < end) {
      const c = load<u8>(p);
      if (c != 0x20 && c != 0x0A && c != 0x0D && c != 0x09) break;
      p++;
    }
    this.cur = p;
  }

  private open(kind: JsonKind): bool {
    if (this.kind() != kind) return false;
    if (this.depth >= JSON_MAX_DEPTH) return this.fail(this.cur, E_DEEP);
    const bit: u64 = <u64>1 << this.depth;
    this.objects = kind == JsonKind.Object ? this.objects | bit : this.objects & ~bit;
    this.depth++;
    this.cur++;
    this.first = true;
    return true;
  }

  /** Past the separator before the next entry of the innermost container: true if one follows. */
  private nextEntry(close: u32, missingComma: i32): bool {
    if (this.failed) return false;
    this.skipWs();
    let c = this.peek();
    if (this.first) {
      this.first = false;
      if (c != close) {
        // Keys are checked by nextKey; a missing first element by the read that follows.
        return true;
      }
    } else if (c == 0x2C) { // ,
      const comma = this.cur++;
      this.skipWs();
      if (this.peek() == close) return this.fail(comma, E_TRAILING);
      return true;
    } else if (c != close) {
      return this.fail(this.cur, missingComma);
    }
    // The closing byte: the container is done, and was an entry of the one around it.
    this.cur++;
    this.depth--;
    return false;
  }

  /** The true or false at the cursor: its value, false also on a syntax error. */
  private literalBool(): bool {
    // Compare the literal's last four bytes as one little-endian u32.
    if (this.peek() == 0x74) return this.literal(4, 0x65757274, E_TRUE);
    this.literal(5, 0x65736C61, E_FALSE);
    return false;
  }

  private literal(n: usize, tail: u32, code: i32): bool {
    if (this.limit - this.cur < n || load<u32>(this.cur + n - 4) != tail) return this.fail(this.cur, code);
    this.cur += n;
    return true;
  }

  /** String with the cursor on the opening quote; the cursor ends after the closing quote. */
  private parseString(): string | null {
    const n = this.scanString(0);
    if (n < 0) return null;
    if (n == 0) {
      this.cur += 2; // ""
      return "";
    }
    const s = changetype<string>(__new(<usize>n << 1, idof<string>()));
    this.scanString(changetype<usize>(s));
    return s;
  }

  /**
   * Validates and decodes the string at the cursor. With out == 0 only counts
   * UTF-16 code units (returns -1 on error) and leaves the cursor; otherwise
   * also writes them to out and moves the cursor past the closing quote.
   */
  private scanString(out: usize): i32 {
    const start = this.cur;
    const end = this.limit;
    let p = start + 1;
    let n = 0;
    while (true) {
      if (p >= end) { this.fail(start, E_UNTERMINATED); return -1; }
      let q = p;
      let c = <u32>load<u8>(p++);
      if (c == 0x22) break;
      if (c < 0x20) { this.fail(q, E_CONTROL); return -1; }
      if (c == 0x5C) { // backslash
        c = p < end ? <u32>load<u8>(p++) : 0;
        if (c == 0x75) { // u
          c = hex4(p, end);
          p += 4;
          if (c - 0xD800 < 0x800) { // surrogate
            let lo: u32 = c < 0xDC00 && p + 1 < end && load<u8>(p) == 0x5C && load<u8>(p + 1) == 0x75
              ? hex4(p + 2, end) : 0;
            if (lo - 0xDC00 >= 0x400) {
              if (lo == <u32>-1) this.fail(p, E_UESCAPE);
              else this.fail(q, E_SURROGATE);
              return -1;
            }
            c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
            p += 6;
          } else if (c == <u32>-1) { this.fail(q, E_UESCAPE); return -1; }
        } else if (c == 0x62) c = 0x08; // b
        else if (c == 0x66) c = 0x0C; // f
        else if (c == 0x6E) c = 0x0A; // n
        else if (c == 0x72) c = 0x0D; // r
        else if (c == 0x74) c = 0x09; // t
        else if (c != 0x22 && c != 0x5C && c != 0x2F) {
          if (p >= end && c == 0) { this.fail(start, E_UNTERMINATED); return -1; }
          this.fail(q, E_ESCAPE);
          return -1;
        }
      } else if (c >= 0x80) { // multi-byte UTF-8
        let k: u32 = c < 0xE0 ? 1 : c < 0xF0 ? 2 : 3;
        if (c < 0xC2 || c > 0xF4 || end - p < <usize>k) { this.fail(q, E_UTF8); return -1; }
        c &= 0x3F >> k;
        for (let i: u32 = 0; i < k; i++) {
          let b = <u32>load<u8>(p++);
          if ((b & 0xC0) != 0x80) { this.fail(q, E_UTF8); return -1; }
          c = (c << 6) | (b & 0x3F);
        }
        if ((k == 2 && c < 0x800) || c - 0xD800 < 0x800 || (k == 3 && c - 0x10000 > 0xFFFFF)) {
          this.fail(q, E_UTF8);
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
    if (out) this.cur = p;
    return n;
  }
}

/** Four hex digits at p, or -1 (as u32) if any is missing or invalid. */
function hex4(p: usize, end: usize): u32 {
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

/** Past the run of digits (possibly none) at p. */
function digitsEnd(p: usize, end: usize): usize {
  while (p < end && <u32>load<u8>(p) - 0x30 < 10) p++;
  return p;
}

/**
 * Consumes the run of digits at p, whose grammar skipNumber checked, of the
 * integer part (mode 0), fraction (1) or exponent (2); returns the position
 * after it.
 */
function digits(p: usize, end: usize, mode: i32): usize {
  let c = p < end ? <u32>load<u8>(p) - 0x30 : 10;
  while (c < 10) {
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
  }
  return p;
}
