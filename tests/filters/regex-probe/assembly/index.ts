// Test filter for the regular-expression module (docs/regex.md) on the host.
// Plugin configuration: "<flags>/<pattern>", e.g. "i/^bearer\s+(?<token>\S+)$".
// A request header `x-subject` is searched; the results come back as request
// headers (`x-regex-…`). A request body that matches is refused with a 403.
import {
  FilterDataStatus, FilterHeadersStatus, HttpContext, RootContext, log, pluginConfiguration, registerRootContext,
  requestBody, requestHeaders,
} from "proxy-wasm-as";
import { Regex } from "proxy-wasm-as/regex";

export * from "proxy-wasm-as/exports";

class ProbeRoot extends RootContext {
  regex: Regex | null = null;

  onConfigure(configurationSize: u32): bool {
    const configuration = pluginConfiguration();
    const text = configuration !== null ? String.UTF8.decode(configuration) : "";
    const slash = text.indexOf("/");
    if (slash < 0) {
      log.critical("regex-probe: configuration must be <flags>/<pattern>");
      return false;
    }
    const result = Regex.compile(text.substring(slash + 1), text.substring(0, slash));
    if (!result.ok) {
      log.critical("regex-probe: bad pattern at " + result.position.toString() + ": " + result.error!);
      return false;
    }
    this.regex = result.regex;
    return true;
  }

  newHttpContext(contextId: u32): HttpContext {
    return new Probe(contextId, this);
  }
}

class Probe extends HttpContext {
  constructor(contextId: u32, private probeRoot: ProbeRoot) {
    super(contextId, probeRoot);
  }

  onRequestHeaders(headerCount: u32, endOfStream: bool): FilterHeadersStatus {
    const subject = requestHeaders.get("x-subject");
    if (subject === null) return FilterHeadersStatus.Continue;
    const regex = this.probeRoot.regex!;
    const match = regex.search(subject);
    if (match === null) {
      requestHeaders.set("x-regex-match", "none");
      return FilterHeadersStatus.Continue;
    }
    requestHeaders.set("x-regex-match", match.start.toString() + "-" + match.end.toString());
    const group = match.group(1);
    requestHeaders.set("x-regex-group", group !== null ? group : "-");
    const token = match.named("token");
    requestHeaders.set("x-regex-token", token !== null ? token : "-");
    requestHeaders.set("x-regex-masked", regex.replaceAll(subject, "<$&>")!);
    return FilterHeadersStatus.Continue;
  }

  onRequestBody(bodySize: u32, endOfStream: bool): FilterDataStatus {
    if (!endOfStream) return FilterDataStatus.StopIterationAndBuffer;
    const bytes = requestBody.read();
    if (bytes === null) return FilterDataStatus.Continue;
    const body = Uint8Array.wrap(bytes);
    const match = this.probeRoot.regex!.search(body);
    if (match !== null) {
      this.sendLocalResponse(403, "blocked: " + match.value + " at byte " + match.start.toString(), null, "regex_probe_blocked");
    }
    return FilterDataStatus.Continue;
  }
}

registerRootContext((contextId: u32): RootContext => new ProbeRoot(contextId));
