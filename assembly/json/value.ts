// JSON values for plugin configuration: a document read whole into a tree of
// JsonValue (objects keep every member in document order, duplicates
// included; get(key) returns the last one, like JSON.parse). The reading is
// JsonReader's (reader.ts): strict RFC 8259, errors with byte offsets.
// Numbers are converted to f64 only by asNumber(), so a filter that never
// reads a number carries no conversion code.
import {
  JSON_MAX_DEPTH, JsonError, JsonKind, JsonReader, NUMBER_EXACT, NUMBER_NEGATIVE, describeJsonKind,
} from "./reader";
import { toF64 } from "./number";
import { utf8 } from "../runtime/text";

export { JSON_MAX_DEPTH, JsonError, JsonKind, describeJsonKind };

/**
 * A JSON value read by parseJson/parseJsonBytes. Filters never construct
 * one: values come from the reader (null/true/false are shared instances),
 * and every accessor checks the value's class, so a value made by hand can
 * at worst read as the wrong kind, never as memory it does not own.
 */
export class JsonValue {
  /** @internal Made by the reader only. */
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
  asString(): string | null { return this.kind == JsonKind.String ? this._str : null; }
  /** Elements in document order (the value's own array, not a copy), or null unless an Array. */
  asArray(): JsonValue[] | null { return this.kind == JsonKind.Array ? this._items : null; }
  /** The object (this value itself), or null unless an Object. The class is checked, not the kind: only JsonObject has members. */
  asObject(): JsonObject | null {
    return this instanceof JsonObject ? changetype<JsonObject>(this) : null;
  }

  /** Compact JSON serialisation. */
  toString(): string {
    let k = this.kind;
    if (k == JsonKind.Null) return "null";
    if (k == JsonKind.Bool) return this._num != 0 ? "true" : "false";
    if (k == JsonKind.Number) return numberToString(this.asNumber());
    if (k == JsonKind.String) return quote(this._str!);
    const object = this.asObject();
    const items = this._items;
    let r = object !== null ? "{" : "[";
    if (items !== null) {
      for (let i = 0, n = items.length; i < n; i++) {
        if (i) r += ",";
        if (object !== null) r += quote(object.keyAt(i)) + ":";
        r += unchecked(items[i]).toString();
      }
    }
    return r + (object !== null ? "}" : "]");
  }
}

/** An object value: members in document order, duplicate keys kept. */
export class JsonObject extends JsonValue {
  /** @internal Made by the reader only (or empty()). */
  constructor(
    /** @internal Member keys; values are in _items. */
    readonly _keys: string[],
    values: JsonValue[],
  ) {
    super(JsonKind.Object, 0, null, values);
  }

  /** An object with no members (what an empty configuration reads as). */
  static empty(): JsonObject { return new JsonObject([], []); }

  /** Member values in document order: _items, which an object always has (no null check on every lookup). */
  private get values(): JsonValue[] { return changetype<JsonValue[]>(this._items); }

  /** Number of members, duplicates included. */
  get size(): i32 { return this._keys.length; }
  /** Key of member i (document order); "" if i is out of range. */
  keyAt(i: i32): string {
    return <u32>i < <u32>this._keys.length ? unchecked(this._keys[i]) : "";
  }
  /** Value of member i (document order); a null value if i is out of range. */
  valueAt(i: i32): JsonValue {
    return <u32>i < <u32>this._keys.length ? unchecked(this.values[i]) : NULL;
  }
  /** Value of the last member named key, or null if there is none. */
  get(key: string): JsonValue | null {
    let keys = this._keys;
    for (let i = keys.length - 1; i >= 0; i--) {
      if (unchecked(keys[i]) == key) return unchecked(this.values[i]);
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

export class JsonResult {
  constructor(public value: JsonValue | null, public error: JsonError | null) {}
  get ok(): bool { return this.error == null; }
}

/** Parse a string (encoded to UTF-8 first; byte positions refer to that encoding). */
export function parseJson(text: string): JsonResult {
  return parseJsonBytes(utf8(text));
}

/** Parse UTF-8 bytes as delivered by the host. */
export function parseJsonBytes(data: ArrayBuffer): JsonResult {
  return parseDocument(new JsonReader(data));
}

/** Parse len bytes of UTF-8 at ptr, in place. The memory must stay valid for the call. */
export function parseJsonMemory(ptr: usize, len: usize): JsonResult {
  return parseDocument(JsonReader.inMemory(ptr, len));
}

function parseDocument(json: JsonReader): JsonResult {
  const value = readValue(json);
  return value !== null && json.end() ? new JsonResult(value, null) : new JsonResult(null, json.error);
}

// @ts-ignore: decorator
@lazy const NULL = new JsonValue(JsonKind.Null);
// @ts-ignore: decorator
@lazy const TRUE = new JsonValue(JsonKind.Bool, 1);
// @ts-ignore: decorator
@lazy const FALSE = new JsonValue(JsonKind.Bool, 0);

/** The value that comes next, or null on a syntax error. Recursion is bounded by JSON_MAX_DEPTH. */
function readValue(json: JsonReader): JsonValue | null {
  const kind = json.kind();
  if (kind == JsonKind.Object) {
    if (!json.beginObject()) return null;
    const keys = new Array<string>();
    const values = new Array<JsonValue>();
    while (json.nextKey()) {
      keys.push(json.key);
      const value = readValue(json);
      if (value === null) return null;
      values.push(value);
    }
    return json.failed ? null : new JsonObject(keys, values);
  }
  if (kind == JsonKind.Array) {
    if (!json.beginArray()) return null;
    const items = new Array<JsonValue>();
    while (json.nextItem()) {
      const item = readValue(json);
      if (item === null) return null;
      items.push(item);
    }
    return json.failed ? null : new JsonValue(JsonKind.Array, 0, null, items);
  }
  if (kind == JsonKind.String) {
    const text = json.readString();
    return text !== null ? new JsonValue(JsonKind.String, 0, text) : null;
  }
  if (kind == JsonKind.Number) {
    // Only the scan happens here; asNumber() converts.
    if (!json.scanNumber()) return null;
    return new JsonValue(JsonKind.Number, reinterpret<f64>(json.mantissa), null, null, json.exponent, json.numberFlags);
  }
  if (kind == JsonKind.Bool) {
    const value = json.readBool();
    return json.failed ? null : value ? TRUE : FALSE;
  }
  if (kind == JsonKind.Null) return json.readNull() ? NULL : null;
  return null;
}

// ---------------------------------------------------------------------------
// Serialisation helpers

function numberToString(v: f64): string {
  if (v == 0) return 1 / v < 0 ? "-0" : "0";
  // Beyond f64 (±Infinity): a JSON number every reader reads back as that value; "Infinity" is not JSON.
  if (!isFinite(v)) return "-1e999".substring(v < 0 ? 0 : 1);
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
