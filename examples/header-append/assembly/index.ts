// header-append: appends configured headers to every response.
// Plugin configuration: a JSON object of header name -> string value, e.g.
//   {"x-powered-by": "proxy-wasm-as", "x-env": "staging"}
// Each pair is appended: a response that already has the header keeps its
// value and gets another one. No configuration means no headers.
import {
  FilterHeadersStatus, HttpContext, JsonReader, RootContext, log, pluginConfiguration, registerRootContext,
  responseHeaders, utf8,
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

/**
 * What is wrong with the value where `wanted` (ending in "not ") was
 * expected: the document's JSON error if it has one anywhere (a kind named
 * before the whole document is read could call `nul` a null), else the
 * value's kind.
 */
function unexpected(json: JsonReader, wanted: string): string {
  const kind = json.describeNext();
  return kind !== null ? wanted + kind : "configuration is not valid JSON: " + json.errorText();
}

class HeaderAppendRoot extends RootContext {
  // Names and values are encoded once here, so each response costs only host
  // calls: name, value, name, value, … in a fixed array (the fastest to walk).
  pairs: StaticArray<ArrayBuffer> = [];

  onConfigure(configurationSize: u32): bool {
    // The configuration is walked with the JSON reader as it is read: no
    // tree is built, and the first problem found is the one reported.
    const pairs: ArrayBuffer[] = [];
    const bytes = pluginConfiguration();
    if (bytes !== null && bytes.byteLength > 0) {
      const json = new JsonReader(bytes);
      if (!json.beginObject()) return refuse(unexpected(json, "configuration must be a JSON object of header name to string value, not "));
      while (json.nextKey()) {
        const name = json.key;
        if (!isHeaderName(name)) return refuse("\"" + name + "\" is not a valid header name");
        const value = json.readString();
        if (value === null) return refuse(unexpected(json, "the value of \"" + name + "\" must be a string, not "));
        pairs.push(utf8(name));
        pairs.push(utf8(value));
      }
      if (!json.end()) return refuse(unexpected(json, ""));
    }
    // Only a fully valid configuration replaces the one in force.
    this.pairs = StaticArray.fromArray(pairs);
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
