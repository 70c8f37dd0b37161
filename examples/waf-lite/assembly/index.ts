// waf-lite: a small web application firewall. Rules are linear-time regular expressions on the
// request's path, query, headers and body (up to a limit); each rule that matches adds its score,
// and a request whose total reaches the threshold is refused with a 403 naming the rules (block
// mode) or only logged and counted (detect mode). Configuration and rule set: README.md.
import {
  ConfiguredRoot, FilterDataStatus, FilterHeadersStatus, HeaderPair, HttpContext, RootContext, asciiLowerCase, log,
  registerRootContext, requestBody, requestHeaders,
} from "proxy-wasm-as";
import { urlDecode } from "./decode";
import { NAME, Rule, TARGET_BODY, TARGET_HEADERS, TARGET_PATH, TARGET_QUERY, WafSettings, readSettings } from "./settings";

export * from "proxy-wasm-as/exports";

class WafStream extends HttpContext {
  score: i32 = 0;
  /** Ids of the rules that matched, in rule order ("" while none has). */
  matched: string = "";
  /** Which rules matched: a rule counts once per request, wherever it matches. */
  hits: StaticArray<bool>;
  inspectBody: bool = false;
  formBody: bool = false;
  decided: bool = false;

  constructor(contextId: u32, root: RootContext, private s: WafSettings) {
    super(contextId, root);
    this.hits = new StaticArray<bool>(s.rules.length);
  }

  private hit(index: i32, rule: Rule): void {
    unchecked(this.hits[index] = true);
    this.score += rule.score;
    this.matched = this.matched.length == 0 ? rule.id : this.matched + ", " + rule.id;
    rule.matches.increment();
  }

  /** Runs every rule aimed at `target` that has not matched yet against `text`. */
  private scan(target: i32, text: Uint8Array): void {
    const rules = this.s.rules;
    for (let i = 0; i < rules.length; i++) {
      const rule = unchecked(rules[i]);
      if ((rule.targets & target) != 0 && !unchecked(this.hits[i]) && rule.regex.test(text)) this.hit(i, rule);
    }
  }

  private scanHeaders(): void {
    if ((this.s.targets & TARGET_HEADERS) == 0) return;
    const rules = this.s.rules;
    // Every header is fetched only for a rule that looks at all of them; named headers one by one.
    let pairs: HeaderPair[] | null = null;
    for (let i = 0; i < rules.length; i++) {
      const rule = unchecked(rules[i]);
      if (unchecked(this.hits[i])) continue;
      if ((rule.targets & TARGET_HEADERS) != 0) {
        if (pairs === null) pairs = requestHeaders.pairs();
        if (pairs !== null && this.anyValueMatches(rule, pairs)) {
          this.hit(i, rule);
          continue;
        }
      }
      const names = rule.headerNames;
      for (let n = 0; n < names.length; n++) {
        const values = requestHeaders.getAll(unchecked(names[n]));
        if (values !== null && this.anyMatches(rule, values)) {
          this.hit(i, rule);
          break;
        }
      }
    }
  }

  private anyValueMatches(rule: Rule, pairs: HeaderPair[]): bool {
    for (let p = 0; p < pairs.length; p++) {
      const pair = unchecked(pairs[p]);
      // Pseudo-headers are the path (its own targets), method, scheme and authority.
      if (!pair.name.startsWith(":") && rule.regex.test(pair.value)) return true;
    }
    return false;
  }

  private anyMatches(rule: Rule, values: string[]): bool {
    for (let v = 0; v < values.length; v++) if (rule.regex.test(unchecked(values[v]))) return true;
    return false;
  }

  /** Acts on the score once everything there is to inspect has been: true if the request was refused. */
  private decide(): bool {
    this.decided = true;
    const s = this.s;
    if (this.score < s.threshold) return false;
    const requestId = requestHeaders.get("x-request-id");
    const about = "score " + this.score.toString() + " >= " + s.threshold.toString() + ", rules " + this.matched +
      (requestId !== null ? ", request " + requestId : "");
    if (!s.block) {
      s.detected.increment();
      log.warn(NAME + ": detected (" + about + ")");
      return false;
    }
    s.blocked.increment();
    log.warn(NAME + ": blocked (" + about + ")");
    this.sendLocalResponse(403, "request blocked: rule " + this.matched + "\n", null, "waf_lite_blocked");
    return true;
  }

  onRequestHeaders(headerCount: u32, endOfStream: bool): FilterHeadersStatus {
    const s = this.s;
    const path = requestHeaders.getBytes(":path");
    if (path !== null && (s.targets & (TARGET_PATH | TARGET_QUERY)) != 0) {
      const bytes = Uint8Array.wrap(path);
      const q = bytes.indexOf(0x3F);
      const pathPart = q < 0 ? bytes : bytes.subarray(0, q);
      if ((s.targets & TARGET_PATH) != 0) this.scan(TARGET_PATH, urlDecode(pathPart, false));
      if (q >= 0 && (s.targets & TARGET_QUERY) != 0) this.scan(TARGET_QUERY, urlDecode(bytes.subarray(q + 1), true));
    }
    this.scanHeaders();
    if (this.score >= s.threshold || endOfStream || (s.targets & TARGET_BODY) == 0) {
      // Nothing the body could add changes the verdict.
      return this.decide() ? FilterHeadersStatus.StopIteration : FilterHeadersStatus.Continue;
    }
    this.inspectBody = true;
    const type = requestHeaders.get("content-type");
    this.formBody = type !== null && asciiLowerCase(type).startsWith("application/x-www-form-urlencoded");
    // Headers go on: Envoy only calls a Wasm filter's body callbacks once its headers continued.
    return FilterHeadersStatus.Continue;
  }

  onRequestBody(bodySize: u32, endOfStream: bool): FilterDataStatus {
    if (!this.inspectBody || this.decided) return FilterDataStatus.Continue;
    const s = this.s;
    const limit = <u32>s.bodyLimit;
    // Buffer until the inspected prefix is complete: a match may span the chunks it arrived in.
    if (!endOfStream && bodySize <= limit) return FilterDataStatus.StopIterationAndBuffer;
    this.inspectBody = false;
    if (bodySize > limit) {
      s.overLimit.increment();
      if (s.rejectOverLimit) {
        this.decided = true;
        this.sendLocalResponse(413, "request body too large to inspect\n", null, "waf_lite_body_over_limit");
        return FilterDataStatus.StopIterationNoBuffer;
      }
    }
    const data = requestBody.read(0, bodySize < limit ? bodySize : limit);
    if (data !== null) {
      const bytes = Uint8Array.wrap(data);
      this.scan(TARGET_BODY, this.formBody ? urlDecode(bytes, true) : bytes);
    }
    return this.decide() ? FilterDataStatus.StopIterationNoBuffer : FilterDataStatus.Continue;
  }
}

registerRootContext(
  (contextId: u32): RootContext => new ConfiguredRoot<WafSettings, WafStream>(contextId, NAME, readSettings),
);
