// redirect-map: bulk redirects and rewrites from configuration. A request's
// path (without its query) is looked up in order:
//   1. exact paths, in a hash map;
//   2. prefixes, the longest one that matches (a rolling hash over the path,
//      probed only at the lengths some prefix has, so thousands of prefixes
//      cost no scan);
//   3. regular expressions, in configuration order, each matching the whole
//      path; `$1`, `$<name>` in the target take its groups.
// The first rule found either answers with a redirect (301/302/307/308 and
// `location`) or rewrites `:path` in place and lets the request go on.
//
// Configuration (JSON): see README.md.
//   rules  [{ "exact" | "prefix" | "regex": …, "to": …, "status"?, "rewrite"?, "query"? }]
import {
  ConfigReader, ConfiguredRoot, FilterHeadersStatus, HeaderPair, HttpContext, JsonObject, RootContext, registerRootContext,
  requestHeaders,
} from "proxy-wasm-as";
import { Regex } from "proxy-wasm-as/regex";

export * from "proxy-wasm-as/exports";

class Rule {
  /** The exact path or the prefix; empty for a regex rule. */
  key: string = "";
  regex: Regex | null = null;
  to: string = "";
  /** 301, 302, 307 or 308; 0 rewrites `:path` instead. */
  status: u32 = 301;
  keepQuery: bool = true;
  /** The next prefix rule with the same hash. */
  next: Rule | null = null;
}

/** FNV-1a step over one UTF-16 code unit: the prefix table and the probe must agree. */
// @ts-ignore: decorator
@inline function step(hash: u32, unit: u32): u32 {
  return (hash ^ unit) * 0x01000193;
}
const HASH_START: u32 = 0x811c9dc5;

function hashOf(text: string): u32 {
  let h = HASH_START;
  for (let i = 0; i < text.length; i++) h = step(h, <u32>text.charCodeAt(i));
  return h;
}

class RedirectTable {
  exact: Map<string, Rule> = new Map();
  prefixes: Map<u32, Rule> = new Map();
  /** prefixLength[n] != 0 when some prefix is n code units long. */
  prefixLengths: StaticArray<u8> = new StaticArray<u8>(0);
  regexRules: Rule[] = [];

  /** The rule for `path` (no query), by the precedence above, or null. */
  /** Whether `prefix` (hashed to `h`) is in the prefix table already. */
  hasPrefix(h: u32, prefix: string): bool {
    if (!this.prefixes.has(h)) return false;
    for (let rule: Rule | null = this.prefixes.get(h); rule !== null; rule = rule.next) {
      if (rule.key == prefix) return true;
    }
    return false;
  }

  find(path: string): Rule | null {
    if (this.exact.has(path)) return this.exact.get(path);
    const lengths = this.prefixLengths;
    const limit = min(path.length, lengths.length - 1);
    let found: Rule | null = null;
    let h = HASH_START;
    for (let i = 0; i < limit; i++) {
      h = step(h, <u32>path.charCodeAt(i));
      if (unchecked(lengths[i + 1]) == 0 || !this.prefixes.has(h)) continue;
      for (let rule: Rule | null = this.prefixes.get(h); rule !== null; rule = rule.next) {
        if (rule.key.length == i + 1 && path.startsWith(rule.key)) found = rule;
      }
    }
    if (found !== null) return found;
    const regexRules = this.regexRules;
    for (let i = 0; i < regexRules.length; i++) {
      if (regexRules[i].regex!.test(path)) return regexRules[i];
    }
    return null;
  }
}

/** The target of `rule` for `path`. */
function targetOf(rule: Rule, path: string): string {
  const regex = rule.regex;
  if (regex !== null) return regex.replace(path, rule.to);
  if (rule.key.length == path.length) return rule.to;
  return rule.to + path.substring(rule.key.length);
}

function fail(reader: ConfigReader, message: string): RedirectTable | null {
  reader.fail(message);
  return null;
}

function readTable(config: JsonObject): RedirectTable | null {
  const reader = new ConfigReader(config, "redirect-map");
  if (!reader.allowOnly("rules")) return null;
  const rules = reader.array("rules", "an array of rules");
  if (rules === null) return fail(reader, "\"rules\" must be an array of rules");
  const table = new RedirectTable();
  let longest = 0;
  for (let i = 0; i < rules.length; i++) {
    const where = "\"rules[" + i.toString() + "]\"";
    const item = reader.nested("rules[" + i.toString() + "]", rules[i]);
    if (item === null || !item.allowOnly("exact, prefix, regex, to, rewrite, status, query")) return null;
    const rule = new Rule();
    const exact = item.optionalString("exact");
    const prefix = item.optionalString("prefix");
    const pattern = item.optionalString("regex");
    if (!reader.ok) return null;
    const kinds = (exact !== null ? 1 : 0) + (prefix !== null ? 1 : 0) + (pattern !== null ? 1 : 0);
    if (kinds != 1) return fail(reader, where + " must have exactly one of \"exact\", \"prefix\", \"regex\" (a string)");
    const to = item.requiredString("to");
    rule.to = to;
    const rewrite = item.bool("rewrite", false);
    if (rewrite) {
      if (item.config.has("status")) return fail(reader, where + " is a rewrite: it takes no \"status\"");
      if (!to.startsWith("/")) return fail(reader, item.name("to") + " must be a path starting with '/' for a rewrite");
      rule.status = 0;
    } else {
      const status = item.number("status", 301);
      if (status != 301 && status != 302 && status != 307 && status != 308) {
        return fail(reader, item.name("status") + " must be 301, 302, 307 or 308");
      }
      rule.status = <u32>status;
    }
    const query = item.string("query", "keep");
    if (query != "keep" && query != "drop") return fail(reader, item.name("query") + " must be \"keep\" or \"drop\"");
    rule.keepQuery = query == "keep";
    if (!reader.ok) return null;
    if (exact !== null) {
      if (!exact.startsWith("/")) return fail(reader, item.name("exact") + " must start with '/'");
      if (table.exact.has(exact)) return fail(reader, item.name("exact") + " \"" + exact + "\" is listed twice");
      rule.key = exact;
      table.exact.set(exact, rule);
    } else if (prefix !== null) {
      if (!prefix.startsWith("/")) return fail(reader, item.name("prefix") + " must start with '/'");
      rule.key = prefix;
      const h = hashOf(prefix);
      if (table.hasPrefix(h, prefix)) return fail(reader, item.name("prefix") + " \"" + prefix + "\" is listed twice");
      rule.next = table.prefixes.has(h) ? table.prefixes.get(h) : null;
      table.prefixes.set(h, rule);
      if (prefix.length > longest) longest = prefix.length;
    } else {
      // Checked alone first, so that the position is the user's and a stray ')' cannot escape the anchors.
      const alone = Regex.compile(pattern!);
      if (!alone.ok) return fail(reader, item.name("regex") + ": " + alone.error! + " at " + alone.position.toString());
      // The whole path must match, so the replacement of the match is the target.
      rule.regex = Regex.compile("^(?:" + pattern! + ")$").regex;
      table.regexRules.push(rule);
    }
  }
  const lengths = new StaticArray<u8>(longest + 1);
  const keys = table.prefixes.values();
  for (let i = 0; i < keys.length; i++) {
    for (let rule: Rule | null = keys[i]; rule !== null; rule = rule.next) lengths[rule.key.length] = 1;
  }
  table.prefixLengths = lengths;
  return table;
}

class RedirectStream extends HttpContext {
  constructor(contextId: u32, root: RootContext, private table: RedirectTable) {
    super(contextId, root);
  }

  onRequestHeaders(headerCount: u32, endOfStream: bool): FilterHeadersStatus {
    const full = requestHeaders.get(":path");
    if (full === null) return FilterHeadersStatus.Continue;
    const q = full.indexOf("?");
    const path = q >= 0 ? full.substring(0, q) : full;
    const rule = this.table.find(path);
    if (rule === null) return FilterHeadersStatus.Continue;
    let target = targetOf(rule, path);
    if (rule.keepQuery && q >= 0 && q + 1 < full.length) {
      target += (target.includes("?") ? "&" : "?") + full.substring(q + 1);
    }
    if (rule.status == 0) {
      requestHeaders.set(":path", target);
      return FilterHeadersStatus.Continue;
    }
    this.sendLocalResponse(rule.status, "", [new HeaderPair("location", target)], "redirect_map");
    return FilterHeadersStatus.StopIteration;
  }
}

registerRootContext(
  (contextId: u32): RootContext => new ConfiguredRoot<RedirectTable, RedirectStream>(contextId, "redirect-map", readTable),
);
