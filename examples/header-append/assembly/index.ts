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

function describe(kind: JsonKind): string {
  switch (kind) {
    case JsonKind.Null: return "null";
    case JsonKind.Bool: return "a boolean";
    case JsonKind.Number: return "a number";
    case JsonKind.String: return "a string";
    case JsonKind.Array: return "an array";
    default: return "an object";
  }
}

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
          describe(parsed.value!.kind));
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
          log.critical("header-append: the value of \"" + name + "\" must be a string, not " + describe(value.kind));
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
