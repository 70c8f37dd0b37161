// waf-lite's configuration: the rules, the mode, the anomaly threshold and the body limit
// (README.md, "Configuration"). Every problem is logged with the field it is in.
import { Counter, JsonObject, JsonValue, log } from "proxy-wasm-as";
import { Regex } from "proxy-wasm-as/regex";

export const NAME = "waf-lite";

/** Where a rule looks. */
export const TARGET_PATH: i32 = 1;
export const TARGET_QUERY: i32 = 2;
export const TARGET_HEADERS: i32 = 4;
export const TARGET_BODY: i32 = 8;

/** Envoy refuses a buffered request body above the listener's buffer limit (1 MiB by default). */
const MAX_BODY_LIMIT: f64 = 1048576;

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
    else if (target.startsWith("header:") && target.length > 7) rule.headerNames.push(target.substring(7).toLowerCase());
    else {
      fail<Rule>(field + "[" + i.toString() + "]", "is not a target: \"" + target + "\"");
      return false;
    }
  }
  return true;
}

function readRule(value: JsonValue, index: i32, seen: Set<string>): Rule | null {
  const field = "\"rules\"[" + index.toString() + "]";
  const object = value.asObject();
  if (object === null) return fail<Rule>(field, "must be an object with \"id\", \"pattern\", \"targets\" and \"score\"");
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
  const rule = new Rule(id, compiled.regex!, score, matches);
  if (!readTargets(rule, object.get("targets"), field + ".targets")) return null;
  return rule;
}

export function readSettings(config: JsonObject): WafSettings | null {
  const s = new WafSettings();
  const mode = config.get("mode");
  if (mode !== null) {
    const m = mode.asString();
    if (m != "block" && m != "detect") return fail<WafSettings>("\"mode\"", "must be \"block\" or \"detect\"");
    s.block = m == "block";
  }
  const threshold = config.get("threshold");
  if (threshold !== null) {
    s.threshold = wholeNumber(threshold, 1, 100000);
    if (s.threshold < 0) return fail<WafSettings>("\"threshold\"", "must be a whole number from 1 to 100000");
  }
  const limit = config.get("body_limit");
  if (limit !== null) {
    s.bodyLimit = wholeNumber(limit, 0, MAX_BODY_LIMIT);
    if (s.bodyLimit < 0) return fail<WafSettings>("\"body_limit\"", "must be a whole number of bytes from 0 to 1048576");
  }
  const over = config.get("body_over_limit");
  if (over !== null) {
    const o = over.asString();
    if (o != "inspect_prefix" && o != "reject") return fail<WafSettings>("\"body_over_limit\"", "must be \"inspect_prefix\" or \"reject\"");
    s.rejectOverLimit = o == "reject";
  }
  const rules = config.getArray("rules");
  if (rules === null || rules.length == 0) return fail<WafSettings>("\"rules\"", "must be a non-empty array of rules");
  const seen = new Set<string>();
  for (let i = 0; i < rules.length; i++) {
    const rule = readRule(rules[i], i, seen);
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
