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
  Attributes, ConfigReader, ConfiguredRoot, FilterHeadersStatus, HttpContext, JsonObject, RootContext, log, registerRootContext,
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

/** The CIDR list under `field`, or null after recording what is wrong with it. */
function readList(reader: ConfigReader, field: string): CidrList | null {
  const texts = reader.strings(field, "an array of CIDR ranges");
  if (texts === null) return reader.ok ? new CidrList() : null;
  const error = new ParseError();
  const list = CidrList.parse(texts, error);
  if (list === null) reader.fail("\"" + field + "\": " + error.reason);
  return list;
}

function readRules(config: JsonObject): Rules | null {
  const rules = new Rules();
  const reader = new ConfigReader(config, NAME);
  if (!reader.allowOnly("allow, deny, default_action, xff_trusted_hops")) return null;
  const allow = readList(reader, "allow");
  if (allow === null) return null;
  const deny = readList(reader, "deny");
  if (deny === null) return null;
  rules.allow = allow;
  rules.deny = deny;
  const action = reader.string("default_action", allow.length == 0 ? "allow" : "deny");
  if (action != "allow" && action != "deny") reader.fail("\"default_action\" must be \"allow\" or \"deny\"");
  rules.defaultAllow = action == "allow";
  rules.trustedHops = <i32>reader.wholeNumber("xff_trusted_hops", 0, 0, 16);
  return reader.ok ? rules : null;
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
