// Benchmark peer: the header-append filter written against
// @solo-io/proxy-runtime 0.1.8 (the last release that builds with
// AssemblyScript 0.14), in the style that SDK's README teaches.
//
// Plugin configuration: a JSON object of header name -> string value.
// Every response gets each pair appended to its headers.
//
// This file is benchmark-only code. proxy-runtime has no JSON support, so a
// minimal parser for a flat object of string values lives below.

export * from "@solo-io/proxy-runtime/proxy"; // the ABI exports (malloc, proxy_on_*, marker)
import {
  RootContext,
  Context,
  registerRootContext,
  FilterHeadersStatusValues,
  stream_context,
  log,
  LogLevelValues,
} from "@solo-io/proxy-runtime";

/** Root id the bench passes to the host (proxy-runtime dispatches roots by `plugin_root_id`). */
const ROOT_ID = "header_append";

class HeaderAppendRoot extends RootContext {
  names: Array<string> = new Array<string>();
  values: Array<string> = new Array<string>();

  constructor(context_id: u32) {
    super(context_id);
  }

  createContext(context_id: u32): Context {
    return new HeaderAppend(context_id, this);
  }

  onConfigure(configuration_size: u32): bool {
    // The SDK's own onConfigure reads buffer 7 into the private configuration string.
    if (!super.onConfigure(configuration_size)) return false;
    let parser = new FlatJsonParser(this.getConfiguration());
    if (!parser.parse()) {
      log(LogLevelValues.error, "header-append: configuration must be a JSON object of string values");
      return false;
    }
    this.names = parser.names;
    this.values = parser.values;
    return true;
  }
}

class HeaderAppend extends Context {
  constructor(context_id: u32, root_context: HeaderAppendRoot) {
    super(context_id, root_context);
  }

  onResponseHeaders(a: u32, end_of_stream: bool): FilterHeadersStatusValues {
    let root = this.root_context as HeaderAppendRoot;
    let names = root.names;
    let values = root.values;
    for (let i = 0; i < names.length; i++) {
      stream_context.headers.response.add(names[i], values[i]);
    }
    return FilterHeadersStatusValues.Continue;
  }
}

/**
 * Parses `{ "name": "value", ... }` (string values only, standard JSON
 * escapes, surrounding whitespace allowed). Anything else is rejected.
 */
class FlatJsonParser {
  text: string;
  pos: i32 = 0;
  names: Array<string> = new Array<string>();
  values: Array<string> = new Array<string>();

  constructor(text: string) {
    this.text = text;
  }

  parse(): bool {
    this.skipSpace();
    if (!this.eat(0x7b)) return false; // {
    this.skipSpace();
    if (this.eat(0x7d)) return this.atEnd(); // }
    while (true) {
      this.skipSpace();
      let name = this.readString();
      if (name === null) return false;
      this.skipSpace();
      if (!this.eat(0x3a)) return false; // :
      this.skipSpace();
      let value = this.readString();
      if (value === null) return false;
      this.names.push(name as string);
      this.values.push(value as string);
      this.skipSpace();
      if (this.eat(0x2c)) continue; // ,
      if (this.eat(0x7d)) return this.atEnd(); // }
      return false;
    }
    return false;
  }

  private atEnd(): bool {
    this.skipSpace();
    return this.pos == this.text.length;
  }

  private skipSpace(): void {
    let t = this.text;
    while (this.pos < t.length) {
      let c = t.charCodeAt(this.pos);
      if (c != 0x20 && c != 0x09 && c != 0x0a && c != 0x0d) break;
      this.pos++;
    }
  }

  private eat(c: i32): bool {
    if (this.pos < this.text.length && this.text.charCodeAt(this.pos) == c) {
      this.pos++;
      return true;
    }
    return false;
  }

  private readString(): string | null {
    let t = this.text;
    if (!this.eat(0x22)) return null; // "
    let out = "";
    let start = this.pos;
    while (this.pos < t.length) {
      let c = t.charCodeAt(this.pos);
      if (c == 0x22) {
        out += t.substring(start, this.pos);
        this.pos++;
        return out;
      }
      if (c < 0x20) return null;
      if (c != 0x5c) {
        this.pos++;
        continue;
      }
      // backslash escape
      out += t.substring(start, this.pos);
      this.pos++;
      if (this.pos >= t.length) return null;
      let e = t.charCodeAt(this.pos++);
      if (e == 0x22 || e == 0x5c || e == 0x2f) out += String.fromCharCode(e);
      else if (e == 0x62) out += "\b";
      else if (e == 0x66) out += "\f";
      else if (e == 0x6e) out += "\n";
      else if (e == 0x72) out += "\r";
      else if (e == 0x74) out += "\t";
      else if (e == 0x75) {
        if (this.pos + 4 > t.length) return null;
        let code = 0;
        for (let k = 0; k < 4; k++) {
          let h = t.charCodeAt(this.pos++);
          let d: i32;
          if (h >= 0x30 && h <= 0x39) d = h - 0x30;
          else if (h >= 0x61 && h <= 0x66) d = h - 0x61 + 10;
          else if (h >= 0x41 && h <= 0x46) d = h - 0x41 + 10;
          else return null;
          code = (code << 4) | d;
        }
        out += String.fromCharCode(code); // UTF-16 code unit; surrogate pairs combine naturally
      } else return null;
      start = this.pos;
    }
    return null; // unterminated
  }
}

registerRootContext((context_id: u32): RootContext => {
  return new HeaderAppendRoot(context_id);
}, ROOT_ID);
