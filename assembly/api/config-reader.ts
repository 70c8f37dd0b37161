// Reading a configuration object strictly: every key known, every value of
// the kind asked for, and the first problem logged as one line under the
// filter's name (docs/sdk.md, "Reading settings strictly").
import { JsonObject, JsonValue, describeJsonKind } from "../json/value";
import { JsonKind } from "../json/reader";
import { decimal } from "../runtime/text";
import { log } from "./log";

/**
 * Reads settings from a configuration object and keeps the first problem.
 * Each read returns the value, or the caller's fallback when the key is absent;
 * a value of the wrong kind (or out of range) records a problem naming the key,
 * logs it at once as `<filterName>: <problem>`, and returns the fallback, so
 * reading goes on and `readSettings` ends with `return reader.ok ? settings : null`.
 *
 *   const reader = new ConfigReader(config, "grpc-auth");
 *   reader.allowOnly("cluster, service, method, timeout_ms");
 *   settings.cluster = reader.requiredString("cluster");
 *   settings.timeoutMs = <u32>reader.wholeNumber("timeout_ms", 1000, 1, 60000);
 *   return reader.ok ? settings : null;
 *
 * A nested object gets its own reader from `nested`, whose keys are named
 * with their path and whose problems count as this reader's.
 */
export class ConfigReader {
  private first: string | null = null;

  /**
   * `path` prefixes every key named in a problem (`"rules[0].status"`); `parent`
   * is the reader that keeps the problem. Both are set by `nested`.
   */
  constructor(
    readonly config: JsonObject,
    readonly filterName: string,
    readonly path: string = "",
    private readonly parent: ConfigReader | null = null,
  ) {}

  /** The first problem found (without the filter's name), or null. */
  get problem(): string | null {
    const parent = this.parent;
    return parent !== null ? parent.problem : this.first;
  }
  /** Whether no problem was found so far. */
  get ok(): bool { return this.problem === null; }

  /** Records `problem` and logs it under the filter's name, unless one came first. Returns false. */
  fail(problem: string): bool {
    const parent = this.parent;
    if (parent !== null) return parent.fail(problem);
    if (this.first === null) {
      this.first = problem;
      log.critical(this.filterName + ": " + problem);
    }
    return false;
  }

  /** `key` with this reader's path, in quotes: how problems name it. */
  name(key: string): string { return "\"" + this.path + key + "\""; }

  /** Records `"key" must be <expected>, not <the kind of value>` and returns false. */
  mismatch(key: string, expected: string, value: JsonValue): bool {
    return this.expected(this.name(key), expected, value);
  }

  /**
   * Every problem about a value is worded here, once: `<named> must be <expected>`,
   * with `, not <the kind of value>` when `value` is given.
   */
  private expected(named: string, expected: string, value: JsonValue | null): bool {
    let problem = named + " must be " + expected;
    if (value !== null) problem += ", not " + describeJsonKind(value.kind);
    return this.fail(problem);
  }

  /**
   * The value at `key` when it is of `kind`; null when absent or (after recording
   * why) of another kind. The one look-up behind the typed reads.
   */
  private typed(key: string, kind: JsonKind, expected: string): JsonValue | null {
    const value = this.config.get(key);
    if (value === null || value.kind == kind) return value;
    this.mismatch(key, expected, value);
    return null;
  }

  /**
   * Refuses any key not in `allowed`, a list like "cluster, service, timeout_ms":
   * `unknown field "timout_ms" (expected cluster, service, timeout_ms)`.
   */
  allowOnly(allowed: string): bool {
    const keys = this.config._keys;
    for (let i = 0, n = keys.length; i < n; i++) {
      const key = unchecked(keys[i]);
      if (!listed(allowed, key)) {
        const named = hasControl(key) ? "with a control character in its name" : this.name(key);
        return this.fail("unknown field " + named + " (expected " + allowed + ")");
      }
    }
    return true;
  }

  /** The value of `key` whatever its kind, or null when absent: for a key that takes several kinds. */
  value(key: string): JsonValue | null { return this.config.get(key); }

  /** The string at `key`; `fallback` when absent or (after recording why) not a string. */
  string(key: string, fallback: string): string {
    const value = this.typed(key, JsonKind.String, "a string");
    // typed() gave a value of kind String, so asString() is not null.
    return value !== null ? changetype<string>(value.asString()) : fallback;
  }

  /** The string at `key`; null when absent or (after recording why) not a string. */
  optionalString(key: string): string | null {
    const value = this.typed(key, JsonKind.String, "a string");
    return value !== null ? value.asString() : null;
  }

  /**
   * The non-empty string at `key`; "" (after recording why) when absent, empty or
   * not a string. `about` says what it is: `"cluster" (the auth service's cluster) must be …`.
   */
  requiredString(key: string, about: string = ""): string {
    const value = this.config.get(key);
    const text = value !== null ? value.asString() : null;
    if (text !== null && text.length > 0) return text;
    const named = this.name(key);
    this.expected(about.length > 0 ? named + " (" + about + ")" : named, "a non-empty string", text === null ? value : null);
    return "";
  }

  /** The number at `key`; `fallback` when absent or (after recording why) not a number. */
  number(key: string, fallback: f64): f64 {
    const value = this.typed(key, JsonKind.Number, "a number");
    return value !== null ? value.asNumber() : fallback;
  }

  /** The whole number from `min` to `max` (both from 0 to 4294967295) at `key`; `fallback` when absent or (after recording why) anything else. */
  wholeNumber(key: string, fallback: f64, min: f64, max: f64): f64 {
    const value = this.config.get(key);
    if (value === null) return fallback;
    const n = value.asNumber(); // NaN unless a number
    if (n >= min && n <= max && n == Math.floor(n)) return n;
    const expected = "a whole number from " + decimal(<u32>min) + " to " + decimal(<u32>max);
    this.expected(this.name(key), expected, value.kind == JsonKind.Number ? null : value);
    return fallback;
  }

  /** The boolean at `key`; `fallback` when absent or (after recording why) not true or false. */
  bool(key: string, fallback: bool): bool {
    const value = this.typed(key, JsonKind.Bool, "true or false");
    return value !== null ? value.asBool() : fallback;
  }

  /** The object at `key`; null when absent or (after recording why) not an object. */
  object(key: string, expected: string = "an object"): JsonObject | null {
    const value = this.typed(key, JsonKind.Object, expected);
    return value !== null ? value.asObject() : null;
  }

  /** The elements of the array at `key`; null when absent or (after recording why) not an array. */
  array(key: string, expected: string = "an array"): JsonValue[] | null {
    const value = this.typed(key, JsonKind.Array, expected);
    return value !== null ? value.asArray() : null;
  }

  /**
   * The strings of the array at `key`; null when absent or (after recording why)
   * not an array of strings. An element of another kind is named with its index.
   */
  strings(key: string, expected: string = "an array of strings"): string[] | null {
    const items = this.array(key, expected);
    if (items === null) return null;
    const strings = new Array<string>(items.length);
    for (let i = 0, n = items.length; i < n; i++) {
      const item = unchecked(items[i]);
      const text = item.asString();
      if (text === null) {
        this.mismatch(key + "[" + decimal(i) + "]", "a string", item);
        return null;
      }
      unchecked(strings[i] = text);
    }
    return strings;
  }

  /**
   * A reader for `value` (an element or member named `key`, e.g. "rules[0]"), whose
   * problems name `path.key` and count as this reader's; null (after recording
   * why) when `value` is not an object.
   */
  nested(key: string, value: JsonValue, expected: string = "an object"): ConfigReader | null {
    const object = value.asObject();
    if (object === null) {
      this.mismatch(key, expected, value);
      return null;
    }
    return new ConfigReader(object, this.filterName, this.path + key + ".", this);
  }
}

/**
 * Whether `key` is one of the names in `list` ("a, b, c"). One pass, in place:
 * `matched` counts the key's characters matched so far in the current name,
 * or is -1 once that name differs.
 */
function listed(list: string, key: string): bool {
  const wanted = key.length;
  if (wanted == 0) return false; // no name in a list is empty
  let matched = 0;
  for (let i = 0, n = list.length; i <= n; i++) {
    const c = i < n ? <i32>load<u16>(changetype<usize>(list) + (<usize>i << 1)) : 0x2C;
    if (c == 0x2C) {
      if (matched == wanted) return true;
      matched = 0;
      i++; // the space after the comma
    } else {
      const next = <u32>matched < <u32>wanted && <i32>load<u16>(changetype<usize>(key) + (<usize>matched << 1)) == c;
      matched = next ? matched + 1 : -1;
    }
  }
  return false;
}

/** Whether `text` holds a control character (which would break the one-line problem). */
function hasControl(text: string): bool {
  const at = changetype<usize>(text);
  for (let end = at + (<usize>text.length << 1); end > at; end -= 2) if (load<u16>(end - 2) < 0x20) return true;
  return false;
}
