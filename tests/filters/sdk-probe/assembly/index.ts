// Test filter that exercises the SDK through the host. The request header
// `x-probe` names what to do; results come back as request headers named
// `x-probe-…`, which the tests read from the host.
import {
  Attributes, Counter, FilterStatus, Gauge, GrpcCallback, GrpcStatus, Histogram, PeerType, SharedData, StreamContext,
  callData, downstreamData, grpcCancel, grpcClose, grpcInitialMetadata, grpcSend, grpcStream, grpcTrailingMetadata,
  upstreamData, SharedDataUpdater, SharedQueue, SharedValue, callForeignFunction,
  currentTimeNanoseconds, FilterDataStatus, FilterMetadataStatus, FilterHeadersStatus, HeaderPair, HttpContext, LogLevel, RootContext, WasmResult,
  getProperty, getPropertyInt, getPropertyString, log, pluginConfiguration, registerRootContext, registerRootContextFor, requestBody,
  requestHeaders, responseBody, responseHeaders, setPropertyString, vmConfiguration,
} from "proxy-wasm-as";

export * from "proxy-wasm-as/exports";

function show(value: string | null): string {
  return value === null ? "<null>" : value.length == 0 ? "<empty>" : value;
}

function joinPairs(pairs: HeaderPair[] | null): string {
  if (pairs === null) return "<null>";
  let out = "";
  for (let i = 0; i < pairs.length; i++) {
    if (i > 0) out += ";";
    out += pairs[i].name + "=" + pairs[i].value;
  }
  return out;
}

/** Adds one to a decimal counter kept in shared data. */
class AddOne extends SharedDataUpdater {
  next(current: SharedValue | null): ArrayBuffer | null {
    const value = current === null ? 0 : I32.parseInt(current.text());
    return String.UTF8.encode((value + 1).toString());
  }
}

const ticks = new Counter("probe.ticks");

/** Records every event of a gRPC stream into the request's headers of the stream that opened it. */
class StreamEvents extends GrpcCallback {
  events: string[] = [];
  onInitialMetadata(count: u32): void {
    const value = grpcInitialMetadata.get("x-meta");
    this.events.push("initial:" + count.toString() + ":" + (value !== null ? value : "<null>"));
  }
  onMessage(message: ArrayBuffer): void { this.events.push("message:" + String.UTF8.decode(message)); }
  onTrailingMetadata(count: u32): void {
    const value = grpcTrailingMetadata.get("x-trailer");
    this.events.push("trailing:" + count.toString() + ":" + (value !== null ? value : "<null>"));
  }
  onClose(status: GrpcStatus, message: string): void {
    this.events.push("close:" + (<i32>status).toString() + ":" + message);
    new Counter("probe.grpc_events").increment(this.events.length);
    for (let i = 0; i < this.events.length; i++) log.info("grpc " + this.events[i]);
  }
}

/** TCP: rewrites data in both directions as the configuration says. */
class TcpProbe extends StreamContext {
  onNewConnection(): FilterStatus {
    log.info("tcp new connection");
    return FilterStatus.Continue;
  }
  onDownstreamData(dataSize: u32, endOfStream: bool): FilterStatus {
    const text = downstreamData.text()!;
    if (text == "pause") return FilterStatus.StopIteration;
    if (text.startsWith("upper:")) downstreamData.replaceText(text.substring(6).toUpperCase());
    else if (text.startsWith("wrap:")) {
      downstreamData.prependText("<");
      downstreamData.appendText(">");
    }
    return FilterStatus.Continue;
  }
  onUpstreamData(dataSize: u32, endOfStream: bool): FilterStatus {
    upstreamData.prependText("[" + dataSize.toString() + "]");
    return FilterStatus.Continue;
  }
  onDownstreamConnectionClose(peer: PeerType): void { log.info("tcp downstream close " + (<i32>peer).toString()); }
  onUpstreamConnectionClose(peer: PeerType): void { log.info("tcp upstream close " + (<i32>peer).toString()); }
}

class ProbeRoot extends RootContext {
  vmConfig: string = "";
  pluginConfig: string = "";

  onVmStart(vmConfigurationSize: u32): bool {
    const vmConfig = vmConfiguration();
    this.vmConfig = vmConfig !== null ? String.UTF8.decode(vmConfig) : "";
    return this.vmConfig != "fail-vm-start";
  }

  onConfigure(pluginConfigurationSize: u32): bool {
    this.pluginConfig = String.UTF8.decode(pluginConfiguration()!);
    if (this.pluginConfig == "tick") this.setTickPeriod(1000);
    return this.pluginConfig != "reject";
  }

  onTick(): void {
    ticks.increment(1);
    if (ticks.value >= 3) this.setTickPeriod(0);
  }

  newHttpContext(contextId: u32): HttpContext {
    return new Probe(contextId, this);
  }

  newStreamContext(contextId: u32): StreamContext {
    return new TcpProbe(contextId, this);
  }

  onForeignFunction(functionId: u32, argumentsSize: u32): void {
    log.info("foreign " + functionId.toString() + ": " + show(callData.text(0, argumentsSize)));
  }
}

class OtherRoot extends RootContext {
  newHttpContext(contextId: u32): HttpContext {
    return new Tagger(contextId, this);
  }
}

/** Served under the root id "other": marks responses so tests see which root ran. */
class Tagger extends HttpContext {
  onResponseHeaders(headerCount: u32, endOfStream: bool): FilterHeadersStatus {
    responseHeaders.add("x-root", "other:" + this.root.rootId);
    return FilterHeadersStatus.Continue;
  }
}

class Probe extends HttpContext {
  action: string = "";

  constructor(contextId: u32, private probeRoot: ProbeRoot) {
    super(contextId, probeRoot);
  }

  onRequestHeaders(headerCount: u32, endOfStream: bool): FilterHeadersStatus {
    const action = requestHeaders.get("x-probe");
    this.action = action !== null ? action : "";
    const name = requestHeaders.get("x-probe-name");
    const arg = requestHeaders.get("x-probe-arg");
    const a = this.action;
    if (a == "root-id") {
      // Read lazily from a stream callback; the stream's own host calls must still act on the stream.
      const rootId = this.probeRoot.rootId;
      requestHeaders.set("x-probe-result", show(rootId) + "/" + show(requestHeaders.get("x-probe")));
    } else if (a == "count") {
      requestHeaders.set("x-probe-result", headerCount.toString() + "/" + requestHeaders.count().toString());
    } else if (a == "get") {
      requestHeaders.set("x-probe-result", show(requestHeaders.get(name!)));
    } else if (a == "get-bytes") {
      const bytes = requestHeaders.getBytes(name!);
      requestHeaders.set("x-probe-result", bytes === null ? "<null>" : bytes.byteLength.toString());
    } else if (a == "has") {
      requestHeaders.set("x-probe-result", requestHeaders.has(name!) ? "yes" : "no");
    } else if (a == "get-all") {
      requestHeaders.set("x-probe-result", requestHeaders.getAll(name!)!.join(","));
    } else if (a == "pairs") {
      requestHeaders.set("x-probe-result", joinPairs(requestHeaders.pairs()));
    } else if (a == "set-pairs") {
      const pairs = new Array<HeaderPair>();
      pairs.push(new HeaderPair(":method", "GET"));
      pairs.push(new HeaderPair("x-only", "1"));
      pairs.push(new HeaderPair("x-only", "2"));
      requestHeaders.setPairs(pairs);
    } else if (a == "add") {
      requestHeaders.add(name!, arg!);
    } else if (a == "set") {
      requestHeaders.set(name!, arg!);
    } else if (a == "remove") {
      requestHeaders.remove(name!);
    } else if (a == "byte-size") {
      requestHeaders.set("x-probe-result", requestHeaders.byteSize().toString());
    } else if (a == "config") {
      requestHeaders.set("x-probe-result", this.probeRoot.vmConfig + "|" + this.probeRoot.pluginConfig);
    } else if (a == "property") {
      requestHeaders.set("x-probe-result", show(getPropertyString(name!.split("."))));
    } else if (a == "property-int") {
      requestHeaders.set("x-probe-result", getPropertyInt(name!.split("."), -42).toString());
    } else if (a == "property-bytes") {
      const bytes = getProperty(name!.split("."));
      requestHeaders.set("x-probe-result", bytes === null ? "<null>" : bytes.byteLength.toString());
    } else if (a == "set-property") {
      const status = setPropertyString(name!.split("."), arg!);
      requestHeaders.set("x-probe-result", status.toString() + ":" + show(getPropertyString(name!.split("."))));
    } else if (a == "attributes") {
      requestHeaders.set("x-probe-result", show(Attributes.requestPath()) + "|" + show(Attributes.requestMethod()) + "|" +
        show(Attributes.pluginName()) + "|" + show(Attributes.pluginRootId()) + "|" + show(Attributes.pluginVmId()) + "|" +
        show(Attributes.sourceAddress()));
    } else if (a == "log") {
      log.trace("probe trace");
      log.debug("probe debug");
      log.info("probe info");
      log.warn("probe warn");
      log.error("probe error");
      log.critical("probe critical");
      requestHeaders.set("x-probe-result", log.enabled(LogLevel.Debug) ? "debug-on" : "debug-off");
    } else if (a == "local-reply") {
      const headers = new Array<HeaderPair>();
      headers.push(new HeaderPair("X-Reason", "probe"));
      this.sendLocalResponse(403, "denied by probe", headers, "probe denied", -1);
      return FilterHeadersStatus.Continue;
    } else if (a == "grpc-reply") {
      this.sendLocalResponse(200, "", null, "", 7);
    } else if (a == "panic") {
      throw new Error("probe panic");
    } else if (a == "std") {
      const now = Date.now();
      const random = Math.random();
      trace("probe trace", 1, 42);
      requestHeaders.set("x-probe-result", (now > 1_600_000_000_000 ? "time-ok" : "time-bad") + "," +
        (random >= 0 && random < 1 ? "random-ok" : "random-bad"));
    } else if (a == "shared-update") {
      const status = SharedData.update(name!, new AddOne());
      const value = SharedData.get(name!);
      requestHeaders.set("x-probe-result", status.toString() + ":" + (value !== null ? value.text() + "@" + value.cas.toString() : "<null>"));
    } else if (a == "shared-cas") {
      // A write at a stale CAS must fail; a write at the current one must succeed.
      SharedData.setText(name!, "first");
      const first = SharedData.get(name!)!;
      SharedData.setText(name!, "second");
      const stale = SharedData.setText(name!, "third", first.cas);
      const current = SharedData.get(name!)!;
      const fresh = SharedData.setText(name!, "fourth", current.cas);
      requestHeaders.set("x-probe-result", stale.toString() + "," + fresh.toString() + "," + SharedData.get(name!)!.text());
    } else if (a == "shared-missing") {
      requestHeaders.set("x-probe-result", SharedData.get(name!) === null ? "<null>" : "present");
    } else if (a == "queue") {
      const token = SharedQueue.register(name!).token;
      const resolved = SharedQueue.resolve("", name!).token;
      SharedQueue.enqueueText(token, "one");
      SharedQueue.enqueueText(token, "two");
      const first = SharedQueue.dequeue(token);
      const second = SharedQueue.dequeue(token);
      const empty = SharedQueue.dequeue(token);
      requestHeaders.set("x-probe-result", (token == resolved ? "same" : "different") + "," +
        String.UTF8.decode(first!) + "," + String.UTF8.decode(second!) + "," + (empty === null ? "empty" : "not-empty") + "," +
        SharedQueue.resolve("", "never-registered").token.toString());
    } else if (a == "foreign") {
      const compressed = callForeignFunction("compress", String.UTF8.encode(arg!));
      const back = callForeignFunction("uncompress", compressed.data!);
      const missing = callForeignFunction("no_such_function", new ArrayBuffer(0));
      requestHeaders.set("x-probe-result", compressed.status.toString() + "," + String.UTF8.decode(back.data!) + "," +
        missing.status.toString());
    } else if (a == "metrics") {
      const counter = new Counter("probe.requests");
      counter.increment(2);
      counter.increment(3);
      const gauge = new Gauge("probe.level");
      gauge.set(10);
      gauge.add(-4);
      new Histogram("probe.sizes").record(7);
      const refused = counter.increment(-1);
      requestHeaders.set("x-probe-result", counter.value.toString() + "," + gauge.value.toString() + "," + refused.toString());
    } else if (a == "grpc-stream") {
      const events = new StreamEvents();
      const stream = grpcStream("grpc-backend", "probe.v1.Echo", "Chat", [new HeaderPair("x-md", "1")], events);
      const sent = grpcSend(stream.token, String.UTF8.encode("ping"));
      const closed = grpcClose(stream.token);
      requestHeaders.set("x-probe-result", stream.status.toString() + "," + sent.toString() + "," + closed.toString());
    } else if (a == "grpc-cancel") {
      const stream = grpcStream("grpc-backend", "probe.v1.Echo", "Chat", null, new StreamEvents());
      const cancelled = grpcCancel(stream.token);
      const again = grpcSend(stream.token, String.UTF8.encode("late"));
      requestHeaders.set("x-probe-result", cancelled.toString() + "," + again.toString());
    } else if (a == "time") {
      const now = currentTimeNanoseconds();
      requestHeaders.set("x-probe-result", now > 1_600_000_000_000_000_000 ? "ok" : "bad");
    } else if (a == "pause") {
      return FilterHeadersStatus.StopIteration;
    }
    return FilterHeadersStatus.Continue;
  }

  onRequestBody(bodySize: u32, endOfStream: bool): FilterDataStatus {
    const a = this.action;
    if (a == "body-buffer") {
      if (!endOfStream) return FilterDataStatus.StopIterationAndBuffer;
      const text = requestBody.text()!;
      requestBody.replaceText("[" + text.toUpperCase() + "]");
    } else if (a == "body-append") {
      requestBody.appendText("+tail");
    } else if (a == "body-prepend") {
      requestBody.prependText("head+");
    } else if (a == "body-read") {
      // Reads the whole chunk as text: garbage the SDK must collect in time.
      const text = requestBody.text()!;
      if (text.length != <i32>bodySize) requestBody.replaceText("short read");
    } else if (a == "body-length") {
      requestBody.replaceText(bodySize.toString() + "/" + requestBody.length().toString());
    }
    return FilterDataStatus.Continue;
  }

  onRequestMetadata(elementCount: u32): FilterMetadataStatus {
    log.info("request metadata " + elementCount.toString());
    return FilterMetadataStatus.Continue;
  }

  onResponseMetadata(elementCount: u32): FilterMetadataStatus {
    log.info("response metadata " + elementCount.toString());
    return FilterMetadataStatus.Continue;
  }

  onResponseBody(bodySize: u32, endOfStream: bool): FilterDataStatus {
    if (this.action == "response-body") responseBody.replaceText("rewritten");
    return FilterDataStatus.Continue;
  }

  onResponseHeaders(headerCount: u32, endOfStream: bool): FilterHeadersStatus {
    responseHeaders.add("x-probe-seen", this.action.length > 0 ? this.action : "<none>");
    if (this.action == "local-reply") {
      // After a local reply the plugin sees its own reply's headers.
      const status = responseHeaders.get(":status");
      responseHeaders.add("x-probe-local-status", show(status));
    }
    return FilterHeadersStatus.Continue;
  }
}

registerRootContext((contextId: u32): RootContext => new ProbeRoot(contextId));
registerRootContextFor("other", (contextId: u32): RootContext => new OtherRoot(contextId));
