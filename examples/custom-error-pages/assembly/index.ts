// custom-error-pages: replaces the body of upstream 4xx/5xx responses with a
// configured page, HTML or JSON as the request's `accept` asks, and fixes
// `content-type` and `content-length`; the status stays. 1xx-3xx pass as they are.
// The upstream's error body is never buffered: its first chunk becomes the page
// and the rest is dropped. See README.md.
import {
  FilterDataStatus, FilterHeadersStatus, HeaderPair, HttpContext, JsonReader, RootContext, log, pluginConfiguration,
  registerRootContext, requestHeaders, responseBody, responseHeaders, utf8, asciiLowerCase, unexpectedJson,
} from "proxy-wasm-as";

export * from "proxy-wasm-as/exports";

const HTML_TYPE = "text/html; charset=utf-8";
const JSON_TYPE = "application/json";

function refuse(problem: string): bool {
  log.critical("custom-error-pages: " + problem);
  return false;
}

/** A page in both forms (either may be missing), encoded once. */
class Page {
  html: ArrayBuffer | null = null;
  json: ArrayBuffer | null = null;
}

/** Whether `text` is one valid JSON document. */
function isJson(text: string): bool {
  const reader = new JsonReader(utf8(text));
  return reader.skip() && reader.end();
}

/** The status a page key names: 400-599, or 4/5 for a "4xx"/"5xx" class; -1 otherwise. */
function statusKey(key: string): i32 {
  if (key.length != 3) return -1;
  const first = key.charCodeAt(0) - 0x30;
  if (first != 4 && first != 5) return -1;
  if (key.charCodeAt(1) == 0x78 && key.charCodeAt(2) == 0x78) return first;
  const b = key.charCodeAt(1) - 0x30, c = key.charCodeAt(2) - 0x30;
  if (<u32>b > 9 || <u32>c > 9) return -1;
  return first * 100 + b * 10 + c;
}

/**
 * How much the `accept` header wants JSON over HTML: the q of the best
 * JSON range against that of text/html (`*\/*` and `text/*` count for what they
 * cover). Returns 1 for JSON, -1 for HTML, 0 when it does not choose.
 */
function acceptPrefers(accept: string): i32 {
  let jsonQ: f64 = -1, htmlQ: f64 = -1;
  const ranges = asciiLowerCase(accept).split(",");
  for (let i = 0; i < ranges.length; i++) {
    const parts = unchecked(ranges[i]).split(";");
    const type = parts[0].trim();
    let q: f64 = 1;
    for (let p = 1; p < parts.length; p++) {
      const param = parts[p].trim();
      if (param.startsWith("q=")) { q = parseFloat(param.substring(2)); if (isNaN(q)) q = 0; }
    }
    const json = type == "application/json" || (type.startsWith("application/") && type.endsWith("+json")) || type == "application/*";
    const html = type == "text/html" || type == "text/*";
    const any = type == "*/*";
    // An exact range outranks a wildcard with the same q: count wildcards a hair lower.
    const weight = any || type.endsWith("/*") ? q - 0.0001 : q;
    if ((json || any) && weight > jsonQ) jsonQ = weight;
    if ((html || any) && weight > htmlQ) htmlQ = weight;
  }
  if (jsonQ <= 0 && htmlQ <= 0) return 0;
  if (jsonQ > htmlQ) return 1;
  if (htmlQ > jsonQ) return -1;
  return 0;
}

class ErrorPagesRoot extends RootContext {
  /** Pages by status (index status - 400), then by class (4 and 5 at CLASS_BASE + n). */
  pages: StaticArray<Page | null> = new StaticArray<Page | null>(206);
  preferJson: bool = false;

  onConfigure(configurationSize: u32): bool {
    const pages = new StaticArray<Page | null>(206);
    let preferJson = false;
    let count = 0;
    const bytes = pluginConfiguration();
    if (bytes === null || bytes.byteLength == 0) return refuse("a configuration with \"pages\" is required");
    const json = new JsonReader(bytes);
    if (!json.checkWhole()) return refuse("configuration is not valid JSON: " + json.errorText());
    if (!json.beginObject()) return refuse(unexpectedJson(json, "configuration must be a JSON object, not "));
    while (json.nextKey()) {
      const key = json.key;
      if (key == "prefer") {
        const value = json.readString();
        if (value === null) return refuse(unexpectedJson(json, "\"prefer\" must be \"html\" or \"json\", not "));
        if (value != "html" && value != "json") return refuse("\"prefer\" must be \"html\" or \"json\", not \"" + value + "\"");
        preferJson = value == "json";
      } else if (key == "pages") {
        if (!json.beginObject()) return refuse(unexpectedJson(json, "\"pages\" must be an object of status to page, not "));
        while (json.nextKey()) {
          const status = json.key;
          const n = statusKey(status);
          if (n < 0) return refuse("\"pages\": \"" + status + "\" is not a status from 400 to 599 or a class \"4xx\"/\"5xx\"");
          if (!json.beginObject()) return refuse(unexpectedJson(json, "\"pages\".\"" + status + "\" must be an object with \"html\" and/or \"json\", not "));
          const page = new Page();
          while (json.nextKey()) {
            const form = json.key;
            if (form != "html" && form != "json") return refuse("\"pages\".\"" + status + "\": unknown field \"" + form + "\" (expected html, json)");
            const text = json.readString();
            if (text === null) return refuse(unexpectedJson(json, "\"pages\".\"" + status + "\"." + form + " must be a string, not "));
            if (form == "json") {
              if (!isJson(text)) return refuse("\"pages\".\"" + status + "\".json is not valid JSON");
              page.json = utf8(text);
            } else page.html = utf8(text);
          }
          if (json.failed) break;
          if (page.html === null && page.json === null) return refuse("\"pages\".\"" + status + "\" needs \"html\" or \"json\"");
          pages[n < 10 ? 200 + n : n - 400] = page;
          count++;
        }
      } else {
        return refuse("unknown field \"" + key + "\" (expected pages, prefer)");
      }
    }
    if (!json.end()) return refuse(unexpectedJson(json, ""));
    if (count == 0) return refuse("\"pages\" names no page");
    this.pages = pages;
    this.preferJson = preferJson;
    return true;
  }

  /** The page for a status: its own, else its class's; null for other statuses. */
  pageFor(status: i32): Page | null {
    if (status < 400 || status > 599) return null;
    const own = unchecked(this.pages[status - 400]);
    return own !== null ? own : unchecked(this.pages[200 + status / 100]);
  }

  newHttpContext(contextId: u32): HttpContext {
    return new ErrorPages(contextId, this);
  }
}

class ErrorPages extends HttpContext {
  private wantsJson: bool = false;
  private head: bool = false;
  /** The page that replaces the body, until its first chunk has been replaced. */
  private page: ArrayBuffer | null = null;
  private replacing: bool = false;

  constructor(contextId: u32, private config: ErrorPagesRoot) {
    super(contextId, config);
  }

  onRequestHeaders(headerCount: u32, endOfStream: bool): FilterHeadersStatus {
    const accept = requestHeaders.get("accept");
    const prefers = accept !== null ? acceptPrefers(accept) : 0;
    this.wantsJson = prefers != 0 ? prefers > 0 : this.config.preferJson;
    const method = requestHeaders.get(":method");
    this.head = method !== null && method == "HEAD";
    return FilterHeadersStatus.Continue;
  }

  onResponseHeaders(headerCount: u32, endOfStream: bool): FilterHeadersStatus {
    const statusText = responseHeaders.get(":status");
    if (statusText === null) return FilterHeadersStatus.Continue;
    const status = I32.parseInt(statusText);
    const page = this.config.pageFor(status);
    if (page === null) return FilterHeadersStatus.Continue;
    let json = this.wantsJson;
    if (json && page.json === null) json = false;
    if (!json && page.html === null) json = true;
    const body = json ? page.json! : page.html!;
    const type = json ? JSON_TYPE : HTML_TYPE;
    if (endOfStream) {
      // No body to replace: answer with the page under the same status.
      if (this.head) return FilterHeadersStatus.Continue;
      const headers: HeaderPair[] = [new HeaderPair("content-type", type)];
      this.sendLocalResponseBytes(<u32>status, body, headers, "custom_error_page");
      return FilterHeadersStatus.Continue;
    }
    responseHeaders.set("content-type", type);
    responseHeaders.set("content-length", body.byteLength.toString());
    // The upstream's body is gone, and with it what described its bytes.
    responseHeaders.remove("content-encoding");
    responseHeaders.remove("content-range");
    responseHeaders.remove("etag");
    responseHeaders.remove("transfer-encoding");
    this.replacing = true;
    this.page = this.head ? new ArrayBuffer(0) : body;
    return FilterHeadersStatus.Continue;
  }

  onResponseBody(bodySize: u32, endOfStream: bool): FilterDataStatus {
    if (!this.replacing) return FilterDataStatus.Continue;
    const page = this.page;
    if (page !== null) {
      responseBody.replace(page);
      this.page = null;
    } else if (bodySize > 0) {
      responseBody.replace(new ArrayBuffer(0));
    }
    return FilterDataStatus.Continue;
  }
}

registerRootContext((contextId: u32): RootContext => new ErrorPagesRoot(contextId));
