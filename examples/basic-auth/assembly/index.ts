// basic-auth: HTTP Basic credentials (RFC 7617) and API keys, checked against
// SHA-256 digests from configuration with constant-time comparison, chosen per
// path prefix. Neither passwords nor keys are ever logged or kept in clear.
//
// Configuration (JSON):
//   credential_sets  { "<set>": { "realm"?: "<realm, default the set's name>",
//                                 "users"?: { "<user>": "<hex SHA-256 of the password>" },
//                                 "api_keys"?: { "<key name>": "<hex SHA-256 of the key>" } } }
//   rules            [ { "prefix": "/admin", "credentials": "<set>" } | { "prefix": "/health", "public": true } ]
//                    first matching prefix wins; a path no rule matches is refused (403)
//   api_key_header   header carrying an API key (default "x-api-key")
//   principal_header header set to the user or key name on success (default: none)
//   forward_credentials  keep Authorization / the API key header upstream (default false)
import {
  ConfigReader, ConfiguredRoot, FilterHeadersStatus, HeaderPair, HttpContext, JsonObject, RootContext, log,
  registerRootContext, requestHeaders, asciiLowerCase,
} from "proxy-wasm-as";
import { base64, hex } from "proxy-wasm-as/encoding";
import { SHA256_DIGEST_LENGTH, constantTimeEqual, sha256String } from "proxy-wasm-as/crypto";

export * from "proxy-wasm-as/exports";

const NAME = "basic-auth";

class Credential {
  constructor(public name: string, public digest: Uint8Array) {}
}

class CredentialSet {
  realm: string = "";
  users: Credential[] = [];
  keys: Credential[] = [];
  /** The header value of the Basic challenge, or "" for a set of API keys only. */
  challenge: string = "";
}

class Rule {
  constructor(public prefix: string, public set: CredentialSet | null) {}
}

class Settings {
  sets: Map<string, CredentialSet> = new Map();
  rules: Rule[] = [];
  apiKeyHeader: string = "x-api-key";
  principalHeader: string = "";
  forwardCredentials: bool = false;
}

/** `{ name: hex digest }` under `field` of a set, or false after recording the problem (never the value). */
function readDigests(set: ConfigReader, field: string, out: Credential[]): bool {
  const object = set.object(field, "an object of name → hex SHA-256");
  if (object === null) return set.ok;
  for (let i = 0; i < object.size; i++) {
    const text = object.valueAt(i).asString();
    const digest = text !== null ? hex.decode(text) : null;
    if (digest === null || digest.length != SHA256_DIGEST_LENGTH) {
      return set.fail(set.name(field + "." + object.keyAt(i)) + " must be 64 hex digits (a SHA-256 digest)");
    }
    out.push(new Credential(object.keyAt(i), digest));
  }
  return true;
}

function readSettings(config: JsonObject): Settings | null {
  const settings = new Settings();
  const reader = new ConfigReader(config, NAME);
  if (!reader.allowOnly("credential_sets, rules, api_key_header, principal_header, forward_credentials")) return null;
  const sets = reader.object("credential_sets", "an object of named credential sets");
  if (sets === null) {
    reader.fail("\"credential_sets\" must be an object of named credential sets");
    return null;
  }
  for (let i = 0; i < sets.size; i++) {
    const name = sets.keyAt(i);
    const object = reader.nested("credential_sets." + name, sets.valueAt(i));
    if (object === null || !object.allowOnly("realm, users, api_keys")) return null;
    const set = new CredentialSet();
    const realm = object.string("realm", name);
    if (realm.includes("\"") || realm.includes("\\")) {
      object.fail(object.name("realm") + " must be a string without quotes or backslashes");
      return null;
    }
    set.realm = realm;
    if (!readDigests(object, "users", set.users) || !readDigests(object, "api_keys", set.keys)) return null;
    for (let u = 0; u < set.users.length; u++) {
      if (set.users[u].name.includes(":")) {
        object.fail(object.name("users") + ": a user name cannot contain ':' (RFC 7617)");
        return null;
      }
    }
    if (set.users.length + set.keys.length == 0) {
      reader.fail(reader.name("credential_sets." + name) + " has no users and no api_keys");
      return null;
    }
    if (set.users.length > 0) set.challenge = "Basic realm=\"" + realm + "\", charset=\"UTF-8\"";
    settings.sets.set(name, set);
  }
  const rules = reader.array("rules", "an array of { prefix, credentials | public }");
  if (rules === null) {
    reader.fail("\"rules\" must be an array of { prefix, credentials | public }");
    return null;
  }
  for (let i = 0; i < rules.length; i++) {
    const rule = reader.nested("rules[" + i.toString() + "]", rules[i]);
    if (rule === null || !rule.allowOnly("prefix, credentials, public")) return null;
    const prefix = rule.optionalString("prefix");
    if (prefix === null || !prefix.startsWith("/")) {
      rule.fail(rule.name("prefix") + " must be a path starting with '/'");
      return null;
    }
    if (rule.bool("public", false)) {
      settings.rules.push(new Rule(prefix, null));
      continue;
    }
    const name = rule.optionalString("credentials");
    if (name === null || !settings.sets.has(name)) {
      rule.fail(reader.name("rules[" + i.toString() + "]") + " needs \"public\": true or \"credentials\" naming a credential set");
      return null;
    }
    settings.rules.push(new Rule(prefix, settings.sets.get(name)));
  }
  const header = reader.string("api_key_header", settings.apiKeyHeader);
  if (header.length == 0 || header.startsWith(":")) reader.fail("\"api_key_header\" must be a header name");
  settings.apiKeyHeader = asciiLowerCase(header);
  const principal = reader.optionalString("principal_header");
  if (principal !== null) settings.principalHeader = asciiLowerCase(principal);
  settings.forwardCredentials = reader.bool("forward_credentials", false);
  return reader.ok ? settings : null;
}

/**
 * The credential whose digest equals SHA-256(secret), or null. Every entry is
 * compared in constant time, and the loop never stops early, so the time says
 * nothing about which digest came close.
 */
function findByDigest(entries: Credential[], secret: string): Credential | null {
  const digest = sha256String(secret);
  let found: Credential | null = null;
  for (let i = 0; i < entries.length; i++) {
    if (constantTimeEqual(entries[i].digest, digest) && found === null) found = entries[i];
  }
  return found;
}

class BasicAuthFilter extends HttpContext {
  constructor(contextId: u32, root: RootContext, private settings: Settings) {
    super(contextId, root);
  }

  onRequestHeaders(headerCount: u32, endOfStream: bool): FilterHeadersStatus {
    const s = this.settings;
    const pathValue = requestHeaders.get(":path");
    const path = pathValue !== null ? pathValue : "";
    let rule: Rule | null = null;
    for (let i = 0; i < s.rules.length; i++) {
      if (path.startsWith(s.rules[i].prefix)) {
        rule = s.rules[i];
        break;
      }
    }
    if (rule === null) {
      this.sendLocalResponse(403, "forbidden\n", null, "basic_auth_no_rule");
      return FilterHeadersStatus.StopIteration;
    }
    const set = rule.set;
    if (set === null) return FilterHeadersStatus.Continue;

    const key = requestHeaders.get(s.apiKeyHeader);
    if (key !== null) {
      const found = findByDigest(set.keys, key);
      if (found === null) return this.deny(set, "", "basic_auth_bad_api_key");
      return this.admit(found.name, s.apiKeyHeader);
    }
    const authorization = requestHeaders.get("authorization");
    // The scheme name is case-insensitive (RFC 9110 §11.1).
    if (authorization === null || authorization.length < 6 || asciiLowerCase(authorization.substring(0, 6)) != "basic ") {
      return this.deny(set, set.challenge, "basic_auth_missing_credentials");
    }
    const decoded = base64.decodeString(authorization.substring(6).trim());
    const colon = decoded !== null ? decoded.indexOf(":") : -1;
    if (decoded === null || colon < 0) return this.deny(set, set.challenge, "basic_auth_malformed_credentials");
    const user = decoded.substring(0, colon);
    const users = set.users;
    let match: Credential | null = null;
    for (let i = 0; i < users.length; i++) if (users[i].name == user) match = users[i];
    // Hash and compare even for an unknown user, so the time does not tell which users exist.
    const digest = sha256String(decoded.substring(colon + 1));
    const good = constantTimeEqual(match !== null ? match.digest : digest, digest) && match !== null;
    if (!good) return this.deny(set, set.challenge, "basic_auth_bad_credentials");
    return this.admit(user, "authorization");
  }

  private admit(principal: string, credentialHeader: string): FilterHeadersStatus {
    const s = this.settings;
    if (!s.forwardCredentials) requestHeaders.remove(credentialHeader);
    if (s.principalHeader.length > 0) requestHeaders.set(s.principalHeader, principal);
    return FilterHeadersStatus.Continue;
  }

  private deny(set: CredentialSet, challenge: string, details: string): FilterHeadersStatus {
    log.debug(NAME + ": 401 (" + details + ") for realm \"" + set.realm + "\"");
    const headers: HeaderPair[] | null = challenge.length > 0 ? [new HeaderPair("www-authenticate", challenge)] : null;
    this.sendLocalResponse(401, "unauthorized\n", headers, details);
    return FilterHeadersStatus.StopIteration;
  }
}

registerRootContext(
  (contextId: u32): RootContext => new ConfiguredRoot<Settings, BasicAuthFilter>(contextId, NAME, readSettings),
);
