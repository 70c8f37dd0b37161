// {{name}}: an HTTP filter that calls out. Each request is paused while the
// filter asks a service (an Envoy cluster) about it: a 200 lets it through,
// any other answer gets a 403, and a service that cannot be reached a 503.
//
// Configuration (a JSON object):
//   cluster     the service's Envoy cluster (required)
//   path        the path the call asks for (default "/check")
//   timeout_ms  how long to wait for the answer (default 1000)
import {
  ConfigReader, ConfiguredRoot, FilterHeadersStatus, HeaderPair, HttpCallResponse, HttpCallback, HttpContext, JsonObject, RootContext,
  httpCall, log, registerRootContext, requestHeaders,
} from "proxy-wasm-as";

// The functions Envoy calls (proxy_on_*), the allocator and the ABI version marker.
export * from "proxy-wasm-as/exports";

const FILTER = "{{name}}";

class Settings {
  cluster: string = "";
  path: string = "/check";
  timeoutMs: u32 = 1000;
}

/** The settings in the configuration, or null (with the reason logged) when they are invalid. */
function readSettings(config: JsonObject): Settings | null {
  const settings = new Settings();
  // Records the first problem (an unknown key, a value of the wrong kind) and logs it under the filter's name.
  const reader = new ConfigReader(config, FILTER);
  reader.allowOnly("cluster, path, timeout_ms");
  settings.cluster = reader.requiredString("cluster", "the Envoy cluster to ask");
  settings.path = reader.string("path", settings.path);
  if (!settings.path.startsWith("/")) reader.fail("\"path\" must start with \"/\"");
  settings.timeoutMs = <u32>reader.wholeNumber("timeout_ms", 1000, 1, 60000);
  return reader.ok ? settings : null;
}


class Filter extends HttpContext {
  constructor(contextId: u32, root: RootContext, readonly settings: Settings) {
    super(contextId, root);
  }

  onRequestHeaders(headerCount: u32, endOfStream: bool): FilterHeadersStatus {
    const path = requestHeaders.get(":path");
    const headers: HeaderPair[] = [
      new HeaderPair(":method", "GET"),
      new HeaderPair(":path", this.settings.path),
      new HeaderPair(":authority", this.settings.cluster),
      new HeaderPair("x-original-path", path !== null ? path : ""),
    ];
    const call = httpCall(this.settings.cluster, headers, null, null, this.settings.timeoutMs, new Answer(this));
    if (!call.ok) {
      log.error(FILTER + ": cannot call cluster \"" + this.settings.cluster + "\" (status " + call.status.toString() + ")");
      this.sendLocalResponse(503, "service unavailable\n", null, FILTER + "_unavailable");
    }
    // Hold the request (headers and body) until the answer arrives.
    return FilterHeadersStatus.StopIteration;
  }
}

/** Runs when the service answers, with the paused request's context current. */
class Answer extends HttpCallback {
  constructor(private filter: Filter) {
    super();
  }

  onResponse(response: HttpCallResponse): void {
    if (response.failed || response.status == 503 || response.status == 504) {
      log.warn(FILTER + ": " + this.filter.settings.cluster + " did not answer");
      this.filter.sendLocalResponse(503, "service unavailable\n", null, FILTER + "_unavailable");
    } else if (response.status != 200) {
      this.filter.sendLocalResponse(403, "forbidden\n", null, FILTER + "_denied");
    } else {
      this.filter.continueRequest();
    }
  }
}

// One root for any root id Envoy passes (Istio passes "" unless pluginName is set).
// Every stream gets a Filter made with the settings of the last configuration
// accepted. A configuration readSettings refuses (or one that is not a JSON
// object) is rejected: Envoy keeps serving with the previous one.
registerRootContext((contextId: u32): RootContext => new ConfiguredRoot<Settings, Filter>(contextId, FILTER, readSettings));
