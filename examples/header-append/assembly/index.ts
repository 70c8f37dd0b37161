// header-append: appends configured headers to every response.
// Plugin configuration: a JSON object of header name -> string value, e.g.
//   {"x-powered-by": "proxy-wasm-as", "x-env": "staging"}
// Each pair is appended: a response that already has the header keeps its
// value and gets another one. No configuration means no headers.
import {
  FilterHeadersStatus, HttpContext, JsonKind, RootContext, log, parseJsonBytes, pluginConfiguration,
  registerRootContext, responseHeaders,
} from "proxy-wasm-as";

export * from "proxy-wasm-as/assembly/exports";

const KIND_NAMES: string[] = ["null", "a boolean", "a number", "a string", "an array", "an object"];

// RFC 7230 token characters: what a header name may contain.
function isHeaderName(name: string): bool {
  if (name.length == 0) return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    const alnum = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
    if (!alnum && "!#$%&'*+-.^_`|~".indexOf(String.fromCharCode(c)) < 0) return false;
  }
  return true;
}

class HeaderAppendRoot extends RootContext {
  // Names and values are encoded once here, so each response costs only host calls.
  names: ArrayBuffer[] = [];
  values: ArrayBuffer[] = [];

  onConfigure(configurationSize: u32): bool {
    const names = new Array<ArrayBuffer>();
    const values = new Array<ArrayBuffer>();
    if (configurationSize > 0) {
      const parsed = parseJsonBytes(pluginConfiguration());
      const error = parsed.error;
      if (error !== null) {
        log.critical("header-append: configuration is not valid JSON: " + error.toString());
        return false;
      }
      const config = parsed.value!.asObject();
      if (config === null) {
        log.critical("header-append: configuration must be a JSON object of header name to string value, not " +
          KIND_NAMES[parsed.value!.kind]);
        return false;
      }
      for (let i = 0; i < config.size; i++) {
        const name = config.keyAt(i);
        const value = config.valueAt(i);
        if (!isHeaderName(name)) {
          log.critical("header-append: \"" + name + "\" is not a valid header name");
          return false;
        }
        if (value.kind != JsonKind.String) {
          log.critical("header-append: the value of \"" + name + "\" must be a string, not " + KIND_NAMES[value.kind]);
          return false;
        }
        names.push(String.UTF8.encode(name));
        values.push(String.UTF8.encode(value.asString()!));
      }
    }
    // Only a fully valid configuration replaces the one in force.
    this.names = names;
    this.values = values;
    return true;
  }

  newHttpContext(contextId: u32): HttpContext {
    return new HeaderAppend(contextId, this);
  }
}

class HeaderAppend extends HttpContext {
  constructor(contextId: u32, private config: HeaderAppendRoot) {
    super(contextId, config);
  }

  onResponseHeaders(headerCount: u32, endOfStream: bool): FilterHeadersStatus {
    const names = this.config.names;
    const values = this.config.values;
    for (let i = 0; i < names.length; i++) {
      responseHeaders.addBytes(unchecked(names[i]), unchecked(values[i]));
    }
    return FilterHeadersStatus.Continue;
  }
}

// Registered as the fallback root: it serves whatever root id the mesh passes
// (an SME's "<name>_root", a WasmPlugin's pluginName, or "").
registerRootContext((contextId: u32): RootContext => new HeaderAppendRoot(contextId));
