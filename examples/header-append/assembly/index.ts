// header-append: appends configured headers to every response.
// Plugin configuration: a JSON object of header name -> string value, e.g.
//   {"x-powered-by": "proxy-wasm-as", "x-env": "staging"}
// Each pair is appended: a response that already has the header keeps its
// value and gets another one. No configuration means no headers.
import {
  FilterHeadersStatus, HttpContext, JsonReader, RootContext, describeJsonKind, log, pluginConfiguration,
  registerRootContext, responseHeaders,
} from "proxy-wasm-as";

export * from "proxy-wasm-as/assembly/exports";

// RFC 9110 token: what a header name may contain.
function isHeaderName(name: string): bool {
  const length = name.length;
  if (length == 0) return false;
  for (let i = 0; i < length; i++) {
    const c = name.charCodeAt(i);
    const letter = (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a;
    const digit = c >= 0x30 && c <= 0x39;
    if (!letter && !digit) {
      switch (c) {
        case 0x21: case 0x23: case 0x24: case 0x25: case 0x26: case 0x27: case 0x2a: case 0x2b: // ! # $ % & ' * +
        case 0x2d: case 0x2e: case 0x5e: case 0x5f: case 0x60: case 0x7c: case 0x7e:             // - . ^ _ ` | ~
          break;
        default:
          return false;
      }
    }
  }
  return true;
}

/**
 * Logs why the configuration was refused: its JSON error, or else `problem`
 * followed by the kind of the value that came instead. Returns false.
 */
function rejected(json: JsonReader, problem: string): bool {
  const error = json.error;
  if (error !== null) log.critical("header-append: configuration is not valid JSON: " + error.toString());
  else log.critical("header-append: " + problem + describeJsonKind(json.kind()));
  return false;
}

class HeaderAppendRoot extends RootContext {
  // Names and values are encoded once here, so each response costs only host calls.
  names: ArrayBuffer[] = [];
  values: ArrayBuffer[] = [];

  onConfigure(configurationSize: u32): bool {
    // The configuration is walked with the JSON reader as it is read: no
    // tree is built, and the first problem found is the one reported.
    const names = new Array<ArrayBuffer>();
    const values = new Array<ArrayBuffer>();
    if (configurationSize > 0) {
      const json = new JsonReader(pluginConfiguration());
      if (!json.beginObject()) return rejected(json, "configuration must be a JSON object of header name to string value, not ");
      while (json.nextKey()) {
        const name = json.key;
        if (!isHeaderName(name)) {
          log.critical("header-append: \"" + name + "\" is not a valid header name");
          return false;
        }
        const value = json.readString();
        if (value === null) return rejected(json, "the value of \"" + name + "\" must be a string, not ");
        names.push(String.UTF8.encode(name));
        values.push(String.UTF8.encode(value));
      }
      if (!json.end()) return rejected(json, "");
    }
    // Only a fully valid configuration replaces the one in force.
    this.names = names;
    this.values = values;
    return true;
  }

  // Appending keeps no per-stream state, so every stream shares one context.
  private shared: HeaderAppend | null = null;

  newHttpContext(contextId: u32): HttpContext {
    let shared = this.shared;
    if (shared === null) this.shared = shared = new HeaderAppend(contextId, this);
    return shared;
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
