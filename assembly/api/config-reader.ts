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
    return this.fail(this.name(key) + " must be " + expected + ", not " + describeJsonKind(value.kind));
  }

  /**
   * Refuses any key not in `allowed`, a list like "cluster, service, timeout_ms":
   * `unknown field "timout_ms" (expected cluster, service, timeout_ms)`.
   */
  allowOnly(allowed: string): bool {
    const config = this.config;
    for (let i = 0, n = config.size; i < n; i++) {
      const key = config.keyAt(i);
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
  string(key: string, fallback: string | null = null): string | null {
    const value = this.config.get(key);
    if (value === null) return fallback;
    if (value.kind == JsonKind.String) return value.asString();
    this.mismatch(key, "a string", value);
    return fallback;
  }

  /**
   * The non-empty string at `key`; "" (after recording why) when absent, empty or
   * not a string. `about` says what it is: `"cluster" (the auth service's cluster) must be …`.
   */
  requiredString(key: string, about: string = ""): string {
    const value = this.config.get(key);
    const text = value !== null ? value.asString() : null;
    if (text !== null && text.length > 0) return text;
    let problem = this.name(key) + (about.length > 0 ? " (" + about + ")" : "") + " must be a non-empty string";
    if (value !== null && text === null) problem += ", not " + describeJsonKind(value.kind);
    this.fail(problem);
    return "";
  }

  /** The number at `key`; `fallback` when absent or (after recording why) not a number. */
  number(key: string, fallback: f64): f64 {
    const value = this.config.get(key);
    if (value === null) return fallback;
    if (value.kind == JsonKind.Number) return value.asNumber();
    this.mismatch(key, "a number", value);
    return fallback;
  }

  /** The whole number from `min` to `max` (both from 0 to 4294967295) at `key`; `fallback` when absent or (after recording why) anything else. */
  wholeNumber(key: string, fallback: f64, min: f64, max: f64): f64 {
    const value = this.config.get(key);
    if (value === null) return fallback;
    const n = value.asNumber(); // NaN unless a number
    if (n >= min && n <= max && n == Math.floor(n)) return n;
    const expected = "a whole number from " + decimal(<u32>min) + " to " + decimal(<u32>max);
    if (value.kind == JsonKind.Number) this.fail(this.name(key) + " must be " + expected);
    else this.mismatch(key, expected, value);
    return fallback;
  }

  /** The boolean at `key`; `fallback` when absent or (after recording why) not true or false. */
  bool(key: string, fallback: bool): bool {
    const value = this.config.get(key);
    if (value === null) return fallback;
    if (value.kind == JsonKind.Bool) return value.asBool();
    this.mismatch(key, "true or false", value);
    return fallback;
  }

  /** The object at `key`; null when absent or (after recording why) not an object. */
  object(key: string, expected: string = "an object"): JsonObject | null {
    const value = this.config.get(key);
    if (value === null) return null;
    const object = value.asObject();
    if (object === null) this.mismatch(key, expected, value);
    return object;
  }

  /** The elements of the array at `key`; null when absent or (after recording why) not an array. */
  array(key: string, expected: string = "an array"): JsonValue[] | null {
    const value = this.config.get(key);
    if (value === null) return null;
    const items = value.asArray();
    if (items === null) this.mismatch(key, expected, value);
    return items;
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

/** Whether `key` is one of the names in `list` ("a, b, c"). Compares in place: no substrings. */
function listed(list: string, key: string): bool {
  const at = changetype<usize>(list), length = <usize>list.length << 1;
  const wanted = <usize>key.length << 1;
  for (let start: usize = 0; start < length; ) {
    let end = start;
    while (end < length && load<u16>(at + end) != 0x2C) end += 2;
    if (end - start == wanted) {
      let i: usize = 0;
      while (i < wanted && load<u16>(at + start + i) == load<u16>(changetype<usize>(key) + i)) i += 2;
      if (i == wanted) return true;
    }
    start = end + 4; // past ", "
  }
  return false;
}

/** Whether `text` holds a control character (which would break the one-line problem). */
function hasControl(text: string): bool {
  for (let i = 0, n = text.length; i < n; i++) if (text.charCodeAt(i) < 0x20) return true;
  return false;
}
