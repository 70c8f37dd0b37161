// {{name}}: an HTTP filter configured with JSON. It answers 403 to requests
// whose path starts with a denied prefix and adds a header to every response.
//
// Configuration (a JSON object; every field is optional):
//   deny_prefixes    paths starting with one of these get a 403
//   response_header  { "name": …, "value": … } added to every response
import {
  ConfigReader, ConfiguredRoot, FilterHeadersStatus, HttpContext, JsonObject, RootContext, registerRootContext, requestHeaders,
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
  // Records the first problem (an unknown key, a value of the wrong kind) and logs it under the filter's name.
  const reader = new ConfigReader(config, FILTER);
  reader.allowOnly("deny_prefixes, response_header");
  const prefixes = reader.strings("deny_prefixes");
  if (prefixes !== null) {
    for (let i = 0; i < prefixes.length; i++) {
      if (!prefixes[i].startsWith("/")) reader.fail("deny_prefixes[" + i.toString() + "] must start with \"/\"");
    }
    settings.denyPrefixes = prefixes;
  }
  const headerValue = reader.value("response_header");
  if (headerValue !== null) {
    // A nested object has its own reader: its keys are named "response_header.name", … in problems.
    const header = reader.nested("response_header", headerValue);
    if (header !== null) {
      header.allowOnly("name, value");
      settings.headerName = header.requiredString("name").toLowerCase();
      const value = header.optionalString("value");
      if (value === null) header.fail(header.name("value") + " must be a string");
      else settings.headerValue = value;
    }
  }
  return reader.ok ? settings : null;
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
