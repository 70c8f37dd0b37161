// request-validation: checks requests before they reach the service. The first route whose path
// prefix and method match decides: the media type must be one it accepts (else 415), the body may
// not exceed its limit (else 413, as Envoy answers a body over its buffer limit), and a JSON body
// must parse and have the required fields with the right types (else 400 with the reason).
// Configuration: README.md.
import {
  ConfiguredRoot, FilterDataStatus, FilterHeadersStatus, FilterTrailersStatus, HeaderPair, HttpContext, RootContext,
  parseJsonBytes, registerRootContext, requestBody, requestHeaders, mediaType,
} from "proxy-wasm-as";
import { NAME, Route, fieldProblem, readRoutes } from "./routes";

export * from "proxy-wasm-as/exports";

const TEXT: HeaderPair[] = [new HeaderPair("content-type", "text/plain")];

class ValidationStream extends HttpContext {
  /** The route whose body checks are still to come, or null. */
  route: Route | null = null;
  /** Bytes seen so far when the body streams (not buffered). */
  received: f64 = 0;

  constructor(contextId: u32, root: RootContext, private routes: Route[]) {
    super(contextId, root);
  }

  private refuse(status: u32, reason: string, details: string): void {
    this.route = null;
    this.sendLocalResponse(status, reason + "\n", TEXT, details);
  }

  private tooLarge(route: Route): void {
    this.refuse(413, "request body exceeds " + (<i64>route.maxBody).toString() + " bytes", "request_validation_too_large");
  }

  onRequestHeaders(headerCount: u32, endOfStream: bool): FilterHeadersStatus {
    const fullPath = requestHeaders.get(":path");
    const method = requestHeaders.get(":method");
    if (fullPath === null || method === null) return FilterHeadersStatus.Continue;
    const q = fullPath.indexOf("?");
    const path = q < 0 ? fullPath : fullPath.substring(0, q);
    const routes = this.routes;
    let route: Route | null = null;
    for (let i = 0; i < routes.length; i++) {
      if (routes[i].appliesTo(path, method)) {
        route = routes[i];
        break;
      }
    }
    if (route === null) return FilterHeadersStatus.Continue;
    if (endOfStream) {
      if (route.required !== null) this.refuse(400, "a JSON body is required", "request_validation_failed");
      return FilterHeadersStatus.Continue;
    }
    if (route.contentTypes.length > 0) {
      const type = requestHeaders.get("content-type");
      const media = type !== null ? mediaType(type) : "";
      if (!route.contentTypes.includes(media)) {
        const got = type !== null ? "\"" + media + "\"" : "none";
        this.refuse(415, "content type must be " + route.contentTypes.join(" or ") + ", not " + got, "request_validation_unsupported_media_type");
        return FilterHeadersStatus.StopIteration;
      }
    }
    // A declared length over the limit is refused before any byte is read.
    const length = requestHeaders.get("content-length");
    if (length !== null && parseFloat(length) > route.maxBody) {
      this.tooLarge(route);
      return FilterHeadersStatus.StopIteration;
    }
    this.route = route;
    // Headers go on: Envoy calls a Wasm filter's body callbacks only once its headers continued.
    return FilterHeadersStatus.Continue;
  }

  onRequestBody(bodySize: u32, endOfStream: bool): FilterDataStatus {
    const route = this.route;
    if (route === null) return FilterDataStatus.Continue;
    if (route.required === null) {
      // Nothing to parse: the body streams on and only its length is counted.
      this.received += <f64>bodySize;
      if (this.received > route.maxBody) {
        this.tooLarge(route);
        return FilterDataStatus.StopIterationNoBuffer;
      }
      return FilterDataStatus.Continue;
    }
    // Buffered: bodySize is everything held so far.
    if (<f64>bodySize > route.maxBody) {
      this.tooLarge(route);
      return FilterDataStatus.StopIterationNoBuffer;
    }
    if (!endOfStream) return FilterDataStatus.StopIterationAndBuffer;
    return this.validJson() ? FilterDataStatus.Continue : FilterDataStatus.StopIterationNoBuffer;
  }

  // A body followed by trailers ends at the trailers: the buffered body is checked there.
  onRequestTrailers(trailerCount: u32): FilterTrailersStatus {
    const route = this.route;
    if (route === null || route.required === null) return FilterTrailersStatus.Continue;
    return this.validJson() ? FilterTrailersStatus.Continue : FilterTrailersStatus.StopIteration;
  }

  /** Parses the buffered body and checks the route's fields; false after refusing the request. */
  private validJson(): bool {
    const fields = this.route!.required!;
    this.route = null;
    const bytes = requestBody.read();
    const parsed = parseJsonBytes(bytes !== null ? bytes : new ArrayBuffer(0));
    const error = parsed.error;
    if (error !== null) {
      this.refuse(400, "body is not valid JSON: " + error.toString(), "request_validation_failed");
      return false;
    }
    const body = parsed.value!;
    for (let i = 0; i < fields.length; i++) {
      const problem = fieldProblem(body, unchecked(fields[i]));
      if (problem !== null) {
        this.refuse(400, problem, "request_validation_failed");
        return false;
      }
    }
    return true;
  }
}

registerRootContext(
  (contextId: u32): RootContext => new ConfiguredRoot<Route[], ValidationStream>(contextId, NAME, readRoutes),
);
