// waf-lite's configuration: the rules, the mode, the anomaly threshold and the body limit
// (README.md, "Configuration"). Every problem is logged with the field it is in.
import { ConfigReader, Counter, JsonObject, JsonValue, log, asciiLowerCase } from "proxy-wasm-as";
import { Regex } from "proxy-wasm-as/regex";

export const NAME = "waf-lite";

/** Where a rule looks. */
export const TARGET_PATH: i32 = 1;
export const TARGET_QUERY: i32 = 2;
export const TARGET_HEADERS: i32 = 4;
export const TARGET_BODY: i32 = 8;

/** Envoy refuses a buffered request body above the listener's buffer limit (1 MiB by default). */
const MAX_BODY_LIMIT: i32 = 1048576;

export class Rule {
  targets: i32 = 0;
  /** Headers named by "header:<name>" targets (lower case). */
  headerNames: string[] = [];

  constructor(public id: string, public regex: Regex, public score: i32, public matches: Counter) {}
}

export class WafSettings {
  block: bool = true;
  threshold: i32 = 5;
  bodyLimit: i32 = 65536;
  rejectOverLimit: bool = false;
  rules: Rule[] = [];
  /** Union of every rule's targets: what a request costs to inspect. */
  targets: i32 = 0;
  blocked: Counter = new Counter("waf_lite.requests_blocked");
  detected: Counter = new Counter("waf_lite.requests_detected");
  overLimit: Counter = new Counter("waf_lite.body_over_limit");
}

/** Logs the problem with its field; returns null for the caller to return. */
function fail<T>(field: string, problem: string): T | null {
  log.critical(NAME + ": " + field + " " + problem);
  return null;
}

function isIdChar(c: i32): bool {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x2D || c == 0x5F;
}

function wholeNumber(value: JsonValue, min: f64, max: f64): i32 {
  const n = value.asNumber();
  return n >= min && n <= max && n == Math.floor(n) ? <i32>n : -1;
}

function readTargets(rule: Rule, value: JsonValue | null, field: string): bool {
  const list = value !== null ? value.asArray() : null;
  if (list === null || list.length == 0) {
    fail<Rule>(field, "must be a non-empty array of \"path\", \"query\", \"headers\", \"header:<name>\", \"body\"");
    return false;
  }
  for (let i = 0; i < list.length; i++) {
    const named = list[i].asString();
    const target = named !== null ? named : "";
    if (target == "path") rule.targets |= TARGET_PATH;
    else if (target == "query") rule.targets |= TARGET_QUERY;
    else if (target == "headers") rule.targets |= TARGET_HEADERS;
    else if (target == "body") rule.targets |= TARGET_BODY;
    else if (target.startsWith("header:") && target.length > 7) rule.headerNames.push(asciiLowerCase(target.substring(7)));
    else {
      fail<Rule>(field + "[" + i.toString() + "]", "is not a target: \"" + target + "\"");
      return false;
    }
  }
  return true;
}

function readRule(reader: ConfigReader, value: JsonValue, index: i32, seen: Set<string>): Rule | null {
  const field = "\"rules\"[" + index.toString() + "]";
  const rule = reader.nested("rules[" + index.toString() + "]", value, "an object with \"id\", \"pattern\", \"targets\" and \"score\"");
  if (rule === null || !rule.allowOnly("id, pattern, flags, targets, score")) return null;
  const object = rule.config;
  const id = object.getString("id");
  if (id === null || id.length == 0 || id.length > 64) return fail<Rule>(field + ".id", "must be a string of 1 to 64 characters");
  for (let i = 0; i < id.length; i++) {
    if (!isIdChar(id.charCodeAt(i))) return fail<Rule>(field + ".id", "may hold only letters, digits, '-' and '_': \"" + id + "\"");
  }
  if (seen.has(id)) return fail<Rule>(field + ".id", "repeats \"" + id + "\"");
  seen.add(id);
  const pattern = object.getString("pattern");
  if (pattern === null || pattern.length == 0) return fail<Rule>(field + ".pattern", "must be a non-empty string");
  const flagsValue = object.get("flags");
  let flags = "";
  if (flagsValue !== null) {
    const f = flagsValue.asString();
    if (f === null) return fail<Rule>(field + ".flags", "must be a string");
    flags = f;
  }
  const compiled = Regex.compile(pattern, flags);
  if (!compiled.ok) {
    return fail<Rule>(field + ".pattern", "does not compile: at " + compiled.position.toString() + ": " + compiled.error!);
  }
  let score = 5;
  const scoreValue = object.get("score");
  if (scoreValue !== null) {
    score = wholeNumber(scoreValue, 1, 1000);
    if (score < 0) return fail<Rule>(field + ".score", "must be a whole number from 1 to 1000");
  }
  const matches = new Counter("waf_lite.rule." + id);
  matches.increment(0); // defined now, so a dashboard shows the rule before it first matches
  const read = new Rule(id, compiled.regex!, score, matches);
  if (!readTargets(read, object.get("targets"), field + ".targets")) return null;
  return read;
}

/** A field naming one of two words: 0 for the first (also when absent), 1 for the second, -1 (logged) otherwise. */
function choice(config: JsonObject, field: string, first: string, second: string): i32 {
  const value = config.get(field);
  if (value === null) return 0;
  const word = value.asString();
  if (word == first) return 0;
  if (word == second) return 1;
  log.critical(NAME + ": \"" + field + "\" must be \"" + first + "\" or \"" + second + "\"");
  return -1;
}

/** A whole-number field from `min` to `max`: its value, `fallback` when absent, -1 (logged) otherwise. */
function wholeField(config: JsonObject, field: string, min: i32, max: i32, fallback: i32, unit: string): i32 {
  const value = config.get(field);
  if (value === null) return fallback;
  const n = wholeNumber(value, min, max);
  if (n < 0) log.critical(NAME + ": \"" + field + "\" must be a whole number" + unit + " from " + min.toString() + " to " + max.toString());
  return n;
}

export function readSettings(config: JsonObject): WafSettings | null {
  const s = new WafSettings();
  // The first problem found is the one reported.
  const reader = new ConfigReader(config, NAME);
  if (!reader.allowOnly("mode, threshold, body_limit, body_over_limit, rules")) return null;
  const mode = choice(config, "mode", "block", "detect");
  if (mode < 0) return null;
  s.block = mode == 0;
  s.threshold = wholeField(config, "threshold", 1, 100000, s.threshold, "");
  if (s.threshold < 0) return null;
  s.bodyLimit = wholeField(config, "body_limit", 0, MAX_BODY_LIMIT, s.bodyLimit, " of bytes");
  if (s.bodyLimit < 0) return null;
  const over = choice(config, "body_over_limit", "inspect_prefix", "reject");
  if (over < 0) return null;
  s.rejectOverLimit = over == 1;
  const rules = config.getArray("rules");
  if (rules === null || rules.length == 0) return fail<WafSettings>("\"rules\"", "must be a non-empty array of rules");
  const seen = new Set<string>();
  for (let i = 0; i < rules.length; i++) {
    const rule = readRule(reader, rules[i], i, seen);
    if (rule === null) return null;
    s.rules.push(rule);
    s.targets |= rule.targets | (rule.headerNames.length > 0 ? TARGET_HEADERS : 0);
  }
  if ((s.targets & TARGET_BODY) != 0 && s.bodyLimit == 0) {
    return fail<WafSettings>("\"body_limit\"", "is 0, but a rule inspects the body");
  }
  s.blocked.increment(0);
  s.detected.increment(0);
  s.overLimit.increment(0);
  return s;
}
