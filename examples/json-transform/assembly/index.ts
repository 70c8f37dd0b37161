// json-transform: buffers a JSON request and/or response body up to a limit,
// renames, injects and removes members by path, and sends the rewritten body
// with a matching `content-length`. Above the limit it answers as Envoy does
// when a buffer overflows: 413 for a request, 500 for a response. Invalid JSON
// passes untouched with a warning, or a request is refused with 400, as
// configured. See README.md.
import {
  Body, FilterDataStatus, FilterHeadersStatus, FilterTrailersStatus, HeaderMap, HttpContext, JsonReader, JsonValue,
  RootContext, describeJsonKind, log, parseJsonBytes, pluginConfiguration, registerRootContext, requestBody,
  requestHeaders, responseBody, responseHeaders, utf8, mediaType,
} from "proxy-wasm-as";
import { PathNode, Rewriter, quoteName } from "./rewrite";

export * from "proxy-wasm-as/exports";

const DEFAULT_MAX_BYTES: f64 = 1024 * 1024;
/** Envoy's own buffer limits are in this range; more would let one stream hold the VM's memory. */
const LARGEST_MAX_BYTES: f64 = 64 * 1024 * 1024;

function refuse(problem: string): bool {
  log.critical("json-transform: " + problem);
  return false;
}

/** `application/json` or any `application/…+json`, parameters ignored. */
function isJsonType(contentType: string | null): bool {
  if (contentType === null) return false;
  const type = mediaType(contentType);
  return type == "application/json" || (type.startsWith("application/") && type.endsWith("+json"));
}

class TransformRoot extends RootContext {
  request: bool = true;
  response: bool = false;
  maxBytes: u32 = <u32>DEFAULT_MAX_BYTES;
  rejectInvalid: bool = false;
  holdHeaders: bool = false;
  rewriter: Rewriter = new Rewriter(new PathNode(""));

  onConfigure(configurationSize: u32): bool {
    const bytes = pluginConfiguration();
    if (bytes === null || bytes.byteLength == 0) return refuse("a configuration with rename, remove or inject is required");
    const parsed = parseJsonBytes(bytes);
    if (!parsed.ok) return refuse("configuration is not valid JSON: " + parsed.error!.toString());
    const config = parsed.value!.asObject();
    if (config === null) return refuse("configuration must be a JSON object, not " + describeJsonKind(parsed.value!.kind));
    let request = true, response = false, rejectInvalid = false, holdHeaders = false;
    let maxBytes = DEFAULT_MAX_BYTES;
    const root = new PathNode("");
    let operations = 0;
    for (let i = 0; i < config.size; i++) {
      const key = config.keyAt(i);
      const value = config.valueAt(i);
      if (key == "request" || key == "response" || key == "holdHeaders") {
        if (!value.isBool()) return refuse("\"" + key + "\" must be true or false, not " + describeJsonKind(value.kind));
        if (key == "request") request = value.asBool();
        else if (key == "response") response = value.asBool();
        else holdHeaders = value.asBool();
      } else if (key == "maxBytes") {
        const n = value.asNumber();
        if (isNaN(n)) return refuse("\"maxBytes\" must be a number, not " + describeJsonKind(value.kind));
        if (n != Math.floor(n) || n < 1 || n > LARGEST_MAX_BYTES) return refuse("\"maxBytes\" must be a whole number from 1 to 67108864");
        maxBytes = n;
      } else if (key == "onInvalid") {
        const text = value.asString();
        if (text === null || (text != "pass" && text != "reject")) return refuse("\"onInvalid\" must be \"pass\" or \"reject\"");
        rejectInvalid = text == "reject";
      } else if (key == "remove") {
        const paths = value.asArray();
        if (paths === null) return refuse("\"remove\" must be an array of paths, not " + describeJsonKind(value.kind));
        for (let j = 0; j < paths.length; j++) {
          const path = unchecked(paths[j]).asString();
          if (path === null) return refuse("\"remove\" entries must be strings, not " + describeJsonKind(unchecked(paths[j]).kind));
          const node = place(root, path, "remove");
          if (node === null) return false;
          node.remove = true;
          operations++;
        }
      } else if (key == "rename" || key == "inject") {
        const members = value.asObject();
        if (members === null) return refuse("\"" + key + "\" must be an object of path to " + (key == "rename" ? "new name" : "value") + ", not " + describeJsonKind(value.kind));
        for (let j = 0; j < members.size; j++) {
          const path = members.keyAt(j);
          const target = members.valueAt(j);
          const node = place(root, path, key);
          if (node === null) return false;
          if (key == "rename") {
            const name = target.asString();
            if (name === null || name.length == 0) return refuse("\"rename\".\"" + path + "\" must be a non-empty string (the new member name)");
            node.rename = quoteName(name);
          } else {
            const text = valueText(target);
            if (text === null) return refuse("\"inject\".\"" + path + "\" holds a number JSON cannot write");
            node.inject = utf8(text);
          }
          operations++;
        }
      } else {
        return refuse("unknown field \"" + key + "\" (expected request, response, maxBytes, onInvalid, holdHeaders, remove, rename, inject)");
      }
    }
    if (operations == 0) return refuse("the configuration names no rename, remove or inject");
    if (!request && !response) return refuse("\"request\" and \"response\" are both false: nothing to transform");
    if (!checkTree(root)) return false;
    this.request = request;
    this.response = response;
    this.maxBytes = <u32>maxBytes;
    this.rejectInvalid = rejectInvalid;
    this.holdHeaders = holdHeaders;
    this.rewriter = new Rewriter(root);
    return true;
  }

  newHttpContext(contextId: u32): HttpContext {
    return new Transform(contextId, this);
  }
}

/** The node for a dot-separated path, made as needed; null (after logging) for a bad or repeated path. */
function place(root: PathNode, path: string, operation: string): PathNode | null {
  const names = path.split(".");
  let node = root;
  for (let i = 0; i < names.length; i++) {
    const name = unchecked(names[i]);
    if (name.length == 0) {
      refuse("\"" + operation + "\": \"" + path + "\" is not a path (member names separated by single dots)");
      return null;
    }
    node = node.at(name);
  }
  if (node.remove || node.rename !== null || node.inject !== null) {
    refuse("\"" + operation + "\": \"" + path + "\" already has an operation; a path takes one");
    return null;
  }
  return node;
}

/** Marks where injections lie below, and refuses changes under a removed or replaced member. */
function checkTree(node: PathNode): bool {
  const children = node.children;
  for (let i = 0; i < children.length; i++) {
    const child = unchecked(children[i]);
    if ((child.remove || child.inject !== null) && child.children.length > 0) {
      return refuse("\"" + child.name + "\" is removed or replaced, so nothing below it can be changed");
    }
    if (!checkTree(child)) return false;
    if (child.inject !== null || child.injectsBelow) node.injectsBelow = true;
  }
  return true;
}

/** The JSON text of a configured value; null when it holds a number beyond f64. */
function valueText(value: JsonValue): string | null {
  if (value.isNumber() && !isFinite(value.asNumber())) return null;
  const items = value.asArray();
  if (items !== null) for (let i = 0; i < items.length; i++) if (valueText(unchecked(items[i])) === null) return null;
  const members = value.asObject();
  if (members !== null) for (let i = 0; i < members.size; i++) if (valueText(members.valueAt(i)) === null) return null;
  return value.toString();
}

class Transform extends HttpContext {
  private requestActive: bool = false;
  private responseActive: bool = false;

  constructor(contextId: u32, private config: TransformRoot) {
    super(contextId, config);
  }

  onRequestHeaders(headerCount: u32, endOfStream: bool): FilterHeadersStatus {
    if (!this.config.request || endOfStream || !isJsonType(requestHeaders.get("content-type"))) return FilterHeadersStatus.Continue;
    return this.start(requestHeaders, false);
  }

  onRequestBody(bodySize: u32, endOfStream: bool): FilterDataStatus {
    return this.requestActive ? this.body(requestBody, requestHeaders, bodySize, endOfStream, false) : FilterDataStatus.Continue;
  }

  onRequestTrailers(trailerCount: u32): FilterTrailersStatus {
    if (this.requestActive) this.finish(requestBody, requestHeaders, false);
    return FilterTrailersStatus.Continue;
  }

  onResponseHeaders(headerCount: u32, endOfStream: bool): FilterHeadersStatus {
    if (!this.config.response || endOfStream || !isJsonType(responseHeaders.get("content-type"))) return FilterHeadersStatus.Continue;
    return this.start(responseHeaders, true);
  }

  onResponseBody(bodySize: u32, endOfStream: bool): FilterDataStatus {
    return this.responseActive ? this.body(responseBody, responseHeaders, bodySize, endOfStream, true) : FilterDataStatus.Continue;
  }

  onResponseTrailers(trailerCount: u32): FilterTrailersStatus {
    if (this.responseActive) this.finish(responseBody, responseHeaders, true);
    return FilterTrailersStatus.Continue;
  }

  private start(headers: HeaderMap, response: bool): FilterHeadersStatus {
    const declared = headers.get("content-length");
    if (declared !== null && F64.parseFloat(declared) > <f64>this.config.maxBytes) {
      this.tooLarge(response, true);
      return FilterHeadersStatus.StopIteration;
    }
    if (response) this.responseActive = true; else this.requestActive = true;
    if (this.config.holdHeaders) return FilterHeadersStatus.StopIteration;
    // The headers leave before the body is read, so the length cannot be known.
    headers.remove("content-length");
    return FilterHeadersStatus.Continue;
  }

  private body(body: Body, headers: HeaderMap, size: u32, endOfStream: bool, response: bool): FilterDataStatus {
    if (size > this.config.maxBytes) {
      this.tooLarge(response, this.config.holdHeaders);
      return FilterDataStatus.StopIterationNoBuffer;
    }
    if (!endOfStream) return FilterDataStatus.StopIterationAndBuffer;
    this.finish(body, headers, response);
    return FilterDataStatus.Continue;
  }

  private finish(body: Body, headers: HeaderMap, response: bool): void {
    if (response) this.responseActive = false; else this.requestActive = false;
    const config = this.config;
    const data = body.read();
    if (data === null) return;
    const reader = new JsonReader(data);
    if (!reader.skip() || !reader.end()) {
      if (config.rejectInvalid && !response) {
        this.sendLocalResponse(400, "request body is not valid JSON: " + reader.errorText() + "\n", null, "json_transform_invalid_json");
        return;
      }
      log.warn("json-transform: " + (response ? "response" : "request") + " body is not valid JSON (" + reader.errorText() + "); passed untouched");
      return;
    }
    const rewritten = config.rewriter.rewrite(data);
    body.replace(rewritten);
    if (config.holdHeaders) headers.set("content-length", rewritten.byteLength.toString());
  }

  /** What Envoy answers when a buffer overflows: 413 for a request; 500 for a response whose headers are still held, else a reset. */
  private tooLarge(response: bool, headersHeld: bool): void {
    if (!response) {
      this.sendLocalResponse(413, "Payload Too Large", null, "request_payload_too_large");
    } else if (headersHeld) {
      this.sendLocalResponse(500, "Internal Server Error", null, "response_payload_too_large");
    } else {
      log.warn("json-transform: response body above maxBytes after its headers were sent; resetting the stream");
      this.resetStream();
    }
    this.requestActive = this.responseActive = false;
  }
}

registerRootContext((contextId: u32): RootContext => new TransformRoot(contextId));
