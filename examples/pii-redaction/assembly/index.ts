// pii-redaction: masks e-mail addresses and payment card numbers in response
// bodies as they stream. Each chunk is scanned together with the few bytes
// the previous chunk left undecided; what is final goes on at once, and only
// a tail that could still start a match (at most HOLD_MAX bytes) waits for the
// next chunk. The body is never buffered whole. Masking keeps the length, so
// `content-length` stays true. See README.md for the rules and configuration.
import {
  Counter, FilterDataStatus, JsonKind, FilterHeadersStatus, FilterTrailersStatus, HttpContext, JsonReader, RootContext,
  log, pluginConfiguration, registerRootContext, responseBody, responseHeaders, taggedName, asciiLowerCase, mediaType,
  unexpectedJson,
} from "proxy-wasm-as";
import { Scanner } from "./scanner";

export * from "proxy-wasm-as/exports";

const DEFAULT_CONTENT_TYPES: string[] = ["text/*", "application/json"];

function refuse(problem: string): bool {
  log.critical("pii-redaction: " + problem);
  return false;
}

/** A media type (`type/subtype`, or `type/*`) in lower case; false for anything else. */
function isMediaRange(value: string): bool {
  const slash = value.indexOf("/");
  if (slash <= 0 || slash != value.lastIndexOf("/") || slash == value.length - 1) return false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7F || c == 0x3B || c == 0x2C) return false;
  }
  return true;
}

class RedactionRoot extends RootContext {
  contentTypes: string[] = DEFAULT_CONTENT_TYPES;
  emails: bool = true;
  cards: bool = true;
  mask: u8 = 0x2A;
  keepLast: i32 = 4;
  readonly emailCounter: Counter = new Counter(taggedName("pii_redaction.masked", ["kind", "email"]));
  readonly cardCounter: Counter = new Counter(taggedName("pii_redaction.masked", ["kind", "card"]));

  onConfigure(configurationSize: u32): bool {
    let contentTypes = DEFAULT_CONTENT_TYPES;
    let emails = true, cards = true, keepLast = 4;
    let mask: u8 = 0x2A;
    const bytes = pluginConfiguration();
    if (bytes !== null && bytes.byteLength > 0) {
      const json = new JsonReader(bytes);
      if (!json.checkWhole()) return refuse("configuration is not valid JSON: " + json.errorText());
      if (!json.beginObject()) return refuse(unexpectedJson(json, "configuration must be a JSON object, not "));
      while (json.nextKey()) {
        const key = json.key;
        if (key == "contentTypes") {
          if (!json.beginArray()) return refuse(unexpectedJson(json, "\"contentTypes\" must be an array of media types, not "));
          contentTypes = [];
          while (json.nextItem()) {
            const type = json.readString();
            if (type === null) return refuse(unexpectedJson(json, "\"contentTypes\" entries must be strings, not "));
            const lower = asciiLowerCase(type);
            if (!isMediaRange(lower)) return refuse("\"contentTypes\": \"" + type + "\" is not a media type such as text/plain or text/*");
            contentTypes.push(lower);
          }
          if (json.failed) return refuse("configuration is not valid JSON: " + json.errorText());
        } else if (key == "emails" || key == "cards") {
          const kind = json.kind();
          if (kind != JsonKind.Bool) return refuse(unexpectedJson(json, "\"" + key + "\" must be true or false, not "));
          const on = json.readBool();
          if (key == "emails") emails = on; else cards = on;
        } else if (key == "mask") {
          const text = json.readString();
          if (text === null) return refuse(unexpectedJson(json, "\"mask\" must be a string, not "));
          const c = text.length == 1 ? text.charCodeAt(0) : 0;
          // A letter, digit or character of an address would change what the next scan sees.
          if (c <= 0x20 || c >= 0x7F || (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A) || c == 0x40
            || c == 0x2E || c == 0x5F || c == 0x25 || c == 0x2B || c == 0x2D) {
            return refuse("\"mask\" must be one printable ASCII character that is not a letter, digit, space or one of @._%+-");
          }
          mask = <u8>c;
        } else if (key == "cardKeepLast") {
          const n = json.readNumber();
          if (isNaN(n)) return refuse(unexpectedJson(json, "\"cardKeepLast\" must be a number, not "));
          if (n != Math.floor(n) || n < 0 || n > 6) return refuse("\"cardKeepLast\" must be a whole number from 0 to 6");
          keepLast = <i32>n;
        } else {
          return refuse("unknown field \"" + key + "\" (expected contentTypes, emails, cards, mask, cardKeepLast)");
        }
      }
      if (!json.end()) return refuse(unexpectedJson(json, ""));
    }
    this.contentTypes = contentTypes;
    this.emails = emails;
    this.cards = cards;
    this.mask = mask;
    this.keepLast = keepLast;
    return true;
  }

  /** Whether a response with this `content-type` is scanned (parameters such as charset are ignored). */
  scans(contentType: string): bool {
    const type = mediaType(contentType);
    const types = this.contentTypes;
    for (let i = 0; i < types.length; i++) {
      const range = unchecked(types[i]);
      if (range.endsWith("/*") ? type.startsWith(range.substring(0, range.length - 1)) : type == range) return true;
    }
    return false;
  }

  newHttpContext(contextId: u32): HttpContext {
    return new Redaction(contextId, this);
  }
}

class Redaction extends HttpContext {
  private active: bool = false;
  private scanner: Scanner | null = null;
  /** The undecided tail of the previous chunk. */
  private held: ArrayBuffer | null = null;

  constructor(contextId: u32, private config: RedactionRoot) {
    super(contextId, config);
  }

  onResponseHeaders(headerCount: u32, endOfStream: bool): FilterHeadersStatus {
    const config = this.config;
    if (endOfStream || (!config.emails && !config.cards)) return FilterHeadersStatus.Continue;
    const type = responseHeaders.get("content-type");
    if (type === null || !config.scans(type)) return FilterHeadersStatus.Continue;
    // Compressed bytes cannot be read; another filter should decompress first.
    const encoding = responseHeaders.get("content-encoding");
    if (encoding !== null && asciiLowerCase(encoding.trim()) != "identity") {
      log.debug("pii-redaction: content-encoding " + encoding + " is not scanned");
      return FilterHeadersStatus.Continue;
    }
    this.active = true;
    return FilterHeadersStatus.Continue;
  }

  onResponseBody(bodySize: u32, endOfStream: bool): FilterDataStatus {
    if (!this.active) return FilterDataStatus.Continue;
    const config = this.config;
    let scanner = this.scanner;
    if (scanner === null) {
      this.scanner = scanner = new Scanner();
      scanner.emails = config.emails;
      scanner.cards = config.cards;
      scanner.mask = config.mask;
      scanner.keepLast = config.keepLast;
    }
    const chunk = responseBody.read(0, bodySize);
    const held = this.held;
    const heldSize = held !== null ? held.byteLength : 0;
    const chunkSize = chunk !== null ? chunk.byteLength : 0;
    if (heldSize == 0 && chunkSize == 0) return FilterDataStatus.Continue;
    // The window is the held tail followed by this chunk, masked in place.
    let window: ArrayBuffer;
    if (heldSize == 0) window = chunk!;
    else {
      window = new ArrayBuffer(heldSize + chunkSize);
      memory.copy(changetype<usize>(window), changetype<usize>(held), heldSize);
      if (chunkSize > 0) memory.copy(changetype<usize>(window) + heldSize, changetype<usize>(chunk), chunkSize);
    }
    const size = window.byteLength;
    const ready = scanner.scan(changetype<usize>(window), size, endOfStream);
    if (scanner.emailsFound > 0) config.emailCounter.increment(scanner.emailsFound);
    if (scanner.cardsFound > 0) config.cardCounter.increment(scanner.cardsFound);
    // The last two bytes sent are the context the next scan starts from.
    const base = changetype<usize>(window);
    if (ready >= 2) scanner.before2 = load<u8>(base + <usize>ready - 2);
    else if (ready == 1) scanner.before2 = scanner.before1;
    if (ready >= 1) scanner.before1 = load<u8>(base + <usize>ready - 1);
    this.held = ready < size ? window.slice(ready) : null;
    if (ready < size || heldSize > 0) responseBody.replace(ready == size ? window : window.slice(0, ready));
    else if (scanner.emailsFound > 0 || scanner.cardsFound > 0) responseBody.replace(window);
    return FilterDataStatus.Continue;
  }

  // After the last chunk Envoy lets no filter add body bytes, so a tail held
  // back when trailers end the body cannot be sent: the stream is reset
  // rather than passed on silently truncated.
  onResponseTrailers(trailerCount: u32): FilterTrailersStatus {
    const held = this.held;
    if (held !== null && held.byteLength > 0) {
      log.error("pii-redaction: trailers ended the body while " + held.byteLength.toString() + " bytes were held back; resetting the stream");
      this.held = null;
      this.resetStream();
    }
    return FilterTrailersStatus.Continue;
  }
}

registerRootContext((contextId: u32): RootContext => new RedactionRoot(contextId));
