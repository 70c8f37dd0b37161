// ip-allow-deny: admits or refuses each request by the client's IP address.
// The client is the connection's peer (`source.address`) or, behind trusted
// proxies, an entry of X-Forwarded-For. A deny range always wins; then an allow
// range admits; anything else gets the default action. Refusals are a 403 whose
// body and response-code details say why.
//
// Configuration (JSON, every field optional):
//   allow             CIDR ranges ("10.0.0.0/8", "2001:db8::/32", a bare address)
//   deny              CIDR ranges; checked first
//   default_action    "allow" or "deny" for an address in neither list
//                     (default: "deny" when "allow" has ranges, else "allow")
//   xff_trusted_hops  0 (default): the client is the peer. N ≥ 1: the peer and the
//                     N-1 right-most X-Forwarded-For entries are trusted proxies,
//                     the client is the N-th entry from the right.
import {
  Attributes, ConfiguredRoot, FilterHeadersStatus, HttpContext, JsonObject, RootContext, log, registerRootContext,
  requestHeaders,
} from "proxy-wasm-as";
import { CidrList, ParseError, formatAddress, hostOf, parseAddress } from "proxy-wasm-as/net";

export * from "proxy-wasm-as/exports";

const NAME = "ip-allow-deny";

class Rules {
  allow: CidrList = new CidrList();
  deny: CidrList = new CidrList();
  defaultAllow: bool = true;
  trustedHops: i32 = 0;
}

/** The CIDR list under `field`, or null after logging what is wrong with it. */
function readList(config: JsonObject, field: string): CidrList | null {
  const value = config.get(field);
  if (value === null) return new CidrList();
  const items = value.asArray();
  if (items === null) {
    log.critical(NAME + ": \"" + field + "\" must be an array of CIDR ranges");
    return null;
  }
  const texts = new Array<string>(items.length);
  for (let i = 0; i < items.length; i++) {
    const text = items[i].asString();
    if (text === null) {
      log.critical(NAME + ": \"" + field + "\"[" + i.toString() + "] must be a string");
      return null;
    }
    texts[i] = text;
  }
  const error = new ParseError();
  const list = CidrList.parse(texts, error);
  if (list === null) log.critical(NAME + ": \"" + field + "\": " + error.reason);
  return list;
}

function readRules(config: JsonObject): Rules | null {
  const rules = new Rules();
  const allow = readList(config, "allow");
  if (allow === null) return null;
  const deny = readList(config, "deny");
  if (deny === null) return null;
  rules.allow = allow;
  rules.deny = deny;
  rules.defaultAllow = allow.length == 0;
  if (config.has("default_action")) {
    const action = config.getString("default_action");
    if (action === null || (action != "allow" && action != "deny")) {
      log.critical(NAME + ": \"default_action\" must be \"allow\" or \"deny\"");
      return null;
    }
    rules.defaultAllow = action == "allow";
  }
  if (config.has("xff_trusted_hops")) {
    const hops = config.getNumber("xff_trusted_hops", -1);
    if (!(hops >= 0 && hops <= 16) || hops != Math.floor(hops)) {
      log.critical(NAME + ": \"xff_trusted_hops\" must be a whole number from 0 to 16");
      return null;
    }
    rules.trustedHops = <i32>hops;
  }
  return rules;
}

/** The N-th comma-separated entry from the right of `list` (N ≥ 1), trimmed; null when there are fewer. */
function entryFromRight(list: string, n: i32): string | null {
  let end = list.length;
  for (let k = 1; ; k++) {
    const comma = list.lastIndexOf(",", end - 1);
    if (k == n) return list.substring(comma + 1, end).trim();
    if (comma < 0) return null;
    end = comma;
  }
  return null;
}

class IpFilter extends HttpContext {
  constructor(contextId: u32, root: RootContext, private rules: Rules) {
    super(contextId, root);
  }

  onRequestHeaders(headerCount: u32, endOfStream: bool): FilterHeadersStatus {
    const rules = this.rules;
    let client: string | null = null;
    if (rules.trustedHops == 0) {
      const source = Attributes.sourceAddress();
      if (source !== null) client = hostOf(source);
    } else {
      // Several X-Forwarded-For headers are one list (RFC 9110 §5.3), joined in order.
      const values = requestHeaders.getAll("x-forwarded-for");
      if (values !== null) client = entryFromRight(values.join(","), rules.trustedHops);
      if (client === null) return this.refuse("X-Forwarded-For has fewer than " + rules.trustedHops.toString() + " addresses", "ip_allow_deny_no_client");
    }
    const address = client !== null ? parseAddress(client) : null;
    if (address === null) return this.refuse("client address is missing or malformed", "ip_allow_deny_bad_address");
    const deny = rules.deny.ranges;
    for (let i = 0; i < deny.length; i++) {
      if (deny[i].contains(address)) return this.refuse(formatAddress(address) + " is in denied range " + deny[i].toString(), "ip_allow_deny_denied");
    }
    if (rules.allow.contains(address) || rules.defaultAllow) return FilterHeadersStatus.Continue;
    return this.refuse(formatAddress(address) + " is not in an allowed range", "ip_allow_deny_not_allowed");
  }

  private refuse(reason: string, details: string): FilterHeadersStatus {
    log.debug(NAME + ": 403: " + reason);
    this.sendLocalResponse(403, "forbidden: " + reason + "\n", null, details);
    return FilterHeadersStatus.StopIteration;
  }
}

registerRootContext((contextId: u32): RootContext => new ConfiguredRoot<Rules, IpFilter>(contextId, NAME, readRules));
