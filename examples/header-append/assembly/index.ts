// header-append: appends configured headers to every response.
// Plugin configuration: a JSON object of header name -> string value, e.g.
//   {"x-powered-by": "proxy-wasm-as", "x-env": "staging"}
// Each pair is appended: a response that already has the header keeps its
// value and gets another one. No configuration means no headers.
import {
  FilterHeadersStatus, HttpContext, JsonKind, JsonReader, RootContext, describeJsonKind, log, pluginConfiguration,
  registerRootContext, responseHeaders, utf8,
} from "proxy-wasm-as";

export * from "proxy-wasm-as/exports";

// RFC 9110 token characters (what a header name may contain) as a bitmap of
// the ASCII codes: ! # $ % & ' * + - . 0-9 in the low word; A-Z ^ _ ` a-z | ~
// in the high word.
const TOKEN_LOW: u64 = 0x03FF6CFA00000000;
const TOKEN_HIGH: u64 = 0x57FFFFFFC7FFFFFE;

function isHeaderName(name: string): bool {
  const length = name.length;
  if (length == 0) return false;
  for (let i = 0; i < length; i++) {
    const c = <u32>name.charCodeAt(i);
    if (c >= 128 || ((c < 64 ? TOKEN_LOW : TOKEN_HIGH) >> (c & 63) & 1) == 0) return false;
  }
  return true;
}

/** Logs why the configuration was refused, and returns false for onConfigure. */
function refuse(problem: string): bool {
  log.critical("header-append: " + problem);
  return false;
}

class HeaderAppendRoot extends RootContext {
  // Names and values are encoded once here, so each response costs only host
  // calls: name, value, name, value, … in a fixed array (the fastest to walk).
  pairs: StaticArray<ArrayBuffer> = [];

  onConfigure(configurationSize: u32): bool {
    let pairs: StaticArray<ArrayBuffer> = [];
    const bytes = pluginConfiguration();
    if (bytes !== null && bytes.byteLength > 0) {
      // The whole document is read first, counting the members: an invalid
      // one is reported as invalid JSON with its position, and any kind named
      // after that is the kind of a value that was read (docs/sdk.md,
      // "Reading configuration").
      const check = new JsonReader(bytes);
      const kind = check.kind();
      let members = 0;
      if (check.beginObject()) {
        while (check.nextKey() && check.skip()) members++;
      } else {
        check.skip();
      }
      if (!check.end()) return refuse("configuration is not valid JSON: " + check.errorText());
      if (kind != JsonKind.Object) {
        return refuse("configuration must be a JSON object of header name to string value, not " + describeJsonKind(kind));
      }
      // Then walked again into the fixed array: no tree is built.
      pairs = new StaticArray<ArrayBuffer>(members << 1);
      const json = new JsonReader(bytes);
      json.beginObject();
      for (let i = 0; json.nextKey(); i += 2) {
        const name = json.key;
        if (!isHeaderName(name)) return refuse("\"" + name + "\" is not a valid header name");
        const value = json.readString();
        if (value === null) return refuse("the value of \"" + name + "\" must be a string, not " + describeJsonKind(json.kind()));
        unchecked((pairs[i] = utf8(name)));
        unchecked((pairs[i + 1] = utf8(value)));
      }
    }
    // Only a fully valid configuration replaces the one in force.
    this.pairs = pairs;
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
    const pairs = this.config.pairs;
    for (let i = 0; i < pairs.length; i += 2) {
      responseHeaders.addBytes(unchecked(pairs[i]), unchecked(pairs[i + 1]));
    }
    return FilterHeadersStatus.Continue;
  }
}

// Registered as the fallback root: it serves whatever root id the mesh passes
// (an SME's "<name>_root", a WasmPlugin's pluginName, or "").
registerRootContext((contextId: u32): RootContext => new HeaderAppendRoot(contextId));
