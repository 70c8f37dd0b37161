// ab-canary: puts every client in one of several weighted variants and tells
// the router which one with a request header. The client is known by a cookie
// or a header (configurable), else by its source address; the key is hashed
// (FNV-1a, then a finaliser so similar keys spread evenly) into 10,000
// buckets, and the buckets are split by weight. The choice is kept in a
// cookie set on the response, so a client stays where it landed even when
// the weights change later.
//
// Configuration (JSON): see README.md.
//   variants        [{ "name", "weight", "value"? }] (required; weights > 0 in total)
//   header          routing header set on the request (default "x-canary")
//   key_cookie      cookie that identifies the client (optional)
//   key_header      header that identifies the client (optional; used after key_cookie)
//   cookie          { "name" (default "canary_variant"), "max_age" (default 86400), "path" (default "/"),
//                     "same_site" ("Strict", "Lax" (default) or "None"), "secure" (default false) }
import {
  Attributes, ConfigReader, ConfiguredRoot, FilterHeadersStatus, HttpContext, JsonObject, RootContext, registerRootContext,
  requestHeaders, responseHeaders,
} from "proxy-wasm-as";
import { hostOf } from "proxy-wasm-as/net";

export * from "proxy-wasm-as/exports";

/** Buckets the hash is split into: weights are honoured to 0.01%. */
const BUCKETS: u32 = 10000;

class Variant {
  /** Buckets below this bound (and above the previous variant's) belong to this variant. */
  upTo: u32 = 0;
  /** The whole Set-Cookie value that sticks a client to this variant, made once. */
  setCookie: string = "";
  constructor(public name: string, public value: string, public weight: f64) {}
}

class CanarySettings {
  variants: Variant[] = [];
  header: string = "x-canary";
  keyCookie: string = "";
  keyHeader: string = "";
  cookieName: string = "canary_variant";
}

/** FNV-1a over the UTF-16 code units, then murmur3's fmix32 so that keys differing in one character land far apart. */
export function stableHash(key: string): u32 {
  let h: u32 = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= <u32>key.charCodeAt(i);
    h *= 0x01000193;
  }
  h ^= h >> 16;
  h *= 0x85ebca6b;
  h ^= h >> 13;
  h *= 0xc2b2ae35;
  h ^= h >> 16;
  return h;
}

/** The value of cookie `name` in a Cookie header, or null. */
function cookieValue(header: string, name: string): string | null {
  let start = 0;
  while (start < header.length) {
    let end = header.indexOf(";", start);
    if (end < 0) end = header.length;
    while (start < end && header.charCodeAt(start) == 0x20) start++;
    const eq = header.indexOf("=", start);
    if (eq > 0 && eq < end && eq - start == name.length && header.startsWith(name, start)) {
      return header.substring(eq + 1, end).trim();
    }
    start = end + 1;
  }
  return null;
}

function isToken(text: string): bool {
  if (text.length == 0) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f || c == 0x3b || c == 0x2c || c == 0x3d || c == 0x22) return false;
  }
  return true;
}

function fail(reader: ConfigReader, message: string): CanarySettings | null {
  reader.fail(message);
  return null;
}

function readSettings(config: JsonObject): CanarySettings | null {
  const s = new CanarySettings();
  const reader = new ConfigReader(config, "ab-canary");
  reader.allowOnly("variants, header, key_cookie, key_header, cookie");
  const list = reader.array("variants", "a non-empty array of { name, weight }");
  if (list === null || list.length == 0) return fail(reader, "\"variants\" must be a non-empty array of { name, weight }");
  let total: f64 = 0;
  for (let i = 0; i < list.length; i++) {
    const item = reader.nested("variants[" + i.toString() + "]", list[i]);
    if (item === null || !item.allowOnly("name, weight, value")) return null;
    const name = item.optionalString("name");
    if (name === null || !isToken(name)) return fail(reader, item.name("name") + " must be a cookie-safe token (no spaces, ';', ',', '=')");
    for (let j = 0; j < s.variants.length; j++) {
      if (s.variants[j].name == name) return fail(reader, item.name("name") + " \"" + name + "\" is listed twice");
    }
    const weight = item.number("weight", -1);
    if (!(weight >= 0 && weight <= 1e6)) return fail(reader, item.name("weight") + " must be a number from 0 to 1000000");
    const value = item.string("value", name);
    total += weight;
    s.variants.push(new Variant(name, value, weight));
  }
  if (!(total > 0)) return fail(reader, "\"variants\" weights must add up to more than 0");
  let sum: f64 = 0;
  for (let i = 0; i < s.variants.length; i++) {
    sum += s.variants[i].weight;
    s.variants[i].upTo = i == s.variants.length - 1 ? BUCKETS : <u32>Math.round(sum / total * <f64>BUCKETS);
  }
  const header = reader.optionalString("header");
  if (header !== null) {
    if (!isToken(header) || header.toLowerCase() != header) return fail(reader, "\"header\" must be a lower-case header name");
    s.header = header;
  }
  const keyCookie = reader.optionalString("key_cookie");
  if (keyCookie !== null) {
    if (!isToken(keyCookie)) return fail(reader, "\"key_cookie\" must be a cookie name");
    s.keyCookie = keyCookie;
  }
  const keyHeader = reader.optionalString("key_header");
  if (keyHeader !== null) {
    if (!isToken(keyHeader)) return fail(reader, "\"key_header\" must be a header name");
    s.keyHeader = keyHeader.toLowerCase();
  }
  let maxAge: f64 = 86400;
  let path = "/";
  let sameSite = "Lax";
  let secure = false;
  const cookieValue = reader.value("cookie");
  if (cookieValue !== null) {
    const cookie = reader.nested("cookie", cookieValue);
    if (cookie === null || !cookie.allowOnly("name, max_age, path, same_site, secure")) return null;
    const name = cookie.optionalString("name");
    if (name !== null) {
      if (!isToken(name)) return fail(reader, "\"cookie.name\" must be a cookie name");
      s.cookieName = name;
    }
    maxAge = cookie.wholeNumber("max_age", 86400, 0, 400 * 86400);
    const cookiePath = cookie.optionalString("path");
    if (cookiePath !== null) {
      if (!cookiePath.startsWith("/") || cookiePath.includes(";")) return fail(reader, "\"cookie.path\" must start with '/' and hold no ';'");
      path = cookiePath;
    }
    const site = cookie.optionalString("same_site");
    if (site !== null) {
      if (site != "Strict" && site != "Lax" && site != "None") return fail(reader, "\"cookie.same_site\" must be \"Strict\", \"Lax\" or \"None\"");
      sameSite = site;
    }
    secure = cookie.bool("secure", false);
    if (!reader.ok) return null;
  }
  // Browsers drop SameSite=None cookies that are not Secure.
  if (sameSite == "None") secure = true;
  const attributes = "; Max-Age=" + (<i64>maxAge).toString() + "; Path=" + path + "; SameSite=" + sameSite +
    (secure ? "; Secure" : "");
  for (let i = 0; i < s.variants.length; i++) s.variants[i].setCookie = s.cookieName + "=" + s.variants[i].name + attributes;
  return reader.ok ? s : null;
}

class CanaryStream extends HttpContext {
  /** The variant chosen by hash on this request, to be remembered in a cookie; null when the cookie chose. */
  private assigned: Variant | null = null;

  constructor(contextId: u32, root: RootContext, private settings: CanarySettings) {
    super(contextId, root);
  }

  onRequestHeaders(headerCount: u32, endOfStream: bool): FilterHeadersStatus {
    const s = this.settings;
    const cookies = requestHeaders.get("cookie");
    let variant: Variant | null = null;
    if (cookies !== null) {
      const sticky = cookieValue(cookies, s.cookieName);
      if (sticky !== null) variant = this.byName(sticky);
    }
    if (variant === null) {
      variant = this.byBucket(stableHash(this.clientKey(cookies)) % BUCKETS);
      this.assigned = variant;
    }
    requestHeaders.set(s.header, variant.value);
    return FilterHeadersStatus.Continue;
  }

  onResponseHeaders(headerCount: u32, endOfStream: bool): FilterHeadersStatus {
    const variant = this.assigned;
    if (variant !== null) {
      responseHeaders.add("set-cookie", variant.setCookie);
    }
    return FilterHeadersStatus.Continue;
  }

  /** What identifies the client: the key cookie, the key header, else the source IP (without the port). */
  private clientKey(cookies: string | null): string {
    const s = this.settings;
    if (s.keyCookie.length > 0 && cookies !== null) {
      const value = cookieValue(cookies, s.keyCookie);
      if (value !== null && value.length > 0) return value;
    }
    if (s.keyHeader.length > 0) {
      const value = requestHeaders.get(s.keyHeader);
      if (value !== null && value.length > 0) return value;
    }
    const address = Attributes.sourceAddress();
    return address !== null ? hostOf(address) : "";
  }

  private byName(name: string): Variant | null {
    const variants = this.settings.variants;
    for (let i = 0; i < variants.length; i++) {
      if (variants[i].name == name) return variants[i];
    }
    return null;
  }

  private byBucket(bucket: u32): Variant {
    const variants = this.settings.variants;
    for (let i = 0; i < variants.length - 1; i++) {
      if (bucket < variants[i].upTo) return variants[i];
    }
    return variants[variants.length - 1];
  }
}

registerRootContext(
  (contextId: u32): RootContext => new ConfiguredRoot<CanarySettings, CanaryStream>(contextId, "ab-canary", readSettings),
);
