// {{name}}: an HTTP filter configured with JSON. It answers 403 to requests
// whose path starts with a denied prefix and adds a header to every response.
//
// Configuration (a JSON object; every field is optional):
//   deny_prefixes    paths starting with one of these get a 403
//   response_header  { "name": …, "value": … } added to every response
import {
  ConfiguredRoot, FilterHeadersStatus, HttpContext, JsonObject, RootContext, log, registerRootContext, requestHeaders,
  responseHeaders,
} from "proxy-wasm-as";

// The functions Envoy calls (proxy_on_*), the allocator and the ABI version marker.
export * from "proxy-wasm-as/exports";

const FILTER = "{{name}}";

class Settings {
  denyPrefixes: string[] = [];
  headerName: string = "x-served-by";
  headerValue: string = FILTER;
}

/** The settings in the configuration, or null (with the reason logged) when they are invalid. */
function readSettings(config: JsonObject): Settings | null {
  const settings = new Settings();
  const prefixes = config.get("deny_prefixes");
  if (prefixes !== null) {
    const items = prefixes.asArray();
    if (items === null) {
      log.critical(FILTER + ": \"deny_prefixes\" must be an array of strings");
      return null;
    }
    for (let i = 0; i < items.length; i++) {
      const prefix = items[i].asString();
      if (prefix === null || !prefix.startsWith("/")) {
        log.critical(FILTER + ": deny_prefixes[" + i.toString() + "] must be a string starting with \"/\"");
        return null;
      }
      settings.denyPrefixes.push(prefix);
    }
  }
  const header = config.get("response_header");
  if (header !== null) {
    const fields = header.asObject();
    const name = fields !== null ? fields.getString("name") : null;
    const value = fields !== null ? fields.getString("value") : null;
    if (name === null || name.length == 0 || value === null) {
      log.critical(FILTER + ": \"response_header\" must be an object with the strings \"name\" and \"value\"");
      return null;
    }
    settings.headerName = name.toLowerCase();
    settings.headerValue = value;
  }
  return settings;
}

class Filter extends HttpContext {
  constructor(contextId: u32, root: RootContext, private settings: Settings) {
    super(contextId, root);
  }

  onRequestHeaders(headerCount: u32, endOfStream: bool): FilterHeadersStatus {
    const path = requestHeaders.get(":path");
    if (path === null) return FilterHeadersStatus.Continue;
    const prefixes = this.settings.denyPrefixes;
    for (let i = 0; i < prefixes.length; i++) {
      if (path.startsWith(prefixes[i])) {
        this.sendLocalResponse(403, "forbidden\n", null, FILTER + "_denied");
        return FilterHeadersStatus.StopIteration;
      }
    }
    return FilterHeadersStatus.Continue;
  }

  onResponseHeaders(headerCount: u32, endOfStream: bool): FilterHeadersStatus {
    responseHeaders.add(this.settings.headerName, this.settings.headerValue);
    return FilterHeadersStatus.Continue;
  }
}

// One root for any root id Envoy passes (Istio passes "" unless pluginName is set).
// Every stream gets a Filter made with the settings of the last configuration
// accepted. A configuration readSettings refuses (or one that is not a JSON
// object) is rejected: Envoy keeps serving with the previous one.
registerRootContext((contextId: u32): RootContext => new ConfiguredRoot<Settings, Filter>(contextId, FILTER, readSettings));
