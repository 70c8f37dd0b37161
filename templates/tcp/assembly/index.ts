// {{name}}: a TCP (network) filter. It counts the bytes of each connection in
// both directions, logs a line when the connection ends, and closes a
// connection whose client sends more than max_bytes_in.
//
// Configuration (a JSON object; every field is optional):
//   max_bytes_in  bytes a client may send on one connection (default: no limit)
import {
  ConfigReader, Counter, FilterStatus, PeerType, RootContext, StreamContext, log, pluginConfigurationObject,
  registerRootContext,
} from "proxy-wasm-as";

// The functions Envoy calls (proxy_on_*), the allocator and the ABI version marker.
export * from "proxy-wasm-as/exports";

const FILTER = "{{name}}";

// Metrics are defined once and shared by every connection.
const bytesIn = new Counter(FILTER + ".bytes_in");
const bytesOut = new Counter(FILTER + ".bytes_out");
const closed = new Counter(FILTER + ".connections_closed");

class Root extends RootContext {
  maxBytesIn: u64 = u64.MAX_VALUE;

  // Returning false rejects the configuration: Envoy keeps serving with the previous one.
  onConfigure(configurationSize: u32): bool {
    const config = pluginConfigurationObject(FILTER);
    if (config === null) return false;
    // Records the first problem (an unknown key, a value of the wrong kind) and logs it under the filter's name.
    const reader = new ConfigReader(config, FILTER);
    reader.allowOnly("max_bytes_in");
    const limit = reader.number("max_bytes_in", -1);
    if (config.has("max_bytes_in") && (!(limit >= 0 && limit <= 9007199254740991) || limit != Math.floor(limit))) {
      reader.fail("\"max_bytes_in\" must be a whole number of bytes");
    }
    if (!reader.ok) return false;
    if (limit >= 0) this.maxBytesIn = <u64>limit;
    return true;
  }

  newStreamContext(contextId: u32): StreamContext {
    return new Connection(contextId, this);
  }
}

class Connection extends StreamContext {
  received: u64 = 0;
  sent: u64 = 0;
  reported: bool = false;

  constructor(contextId: u32, private limits: Root) {
    super(contextId, limits);
  }

  onDownstreamData(dataSize: u32, endOfStream: bool): FilterStatus {
    this.received += dataSize;
    bytesIn.increment(dataSize);
    if (this.received > this.limits.maxBytesIn) {
      closed.increment(1);
      this.report("closed: more than " + this.limits.maxBytesIn.toString() + " bytes in");
      this.closeDownstream();
      return FilterStatus.StopIteration;
    }
    return FilterStatus.Continue;
  }

  onUpstreamData(dataSize: u32, endOfStream: bool): FilterStatus {
    this.sent += dataSize;
    bytesOut.increment(dataSize);
    return FilterStatus.Continue;
  }

  onDownstreamConnectionClose(peer: PeerType): void {
    this.report(peer == PeerType.Remote ? "client closed" : "closed by the proxy");
  }

  onUpstreamConnectionClose(peer: PeerType): void {
    this.report("upstream closed");
  }

  private report(how: string): void {
    if (this.reported) return;
    this.reported = true;
    log.info(FILTER + ": " + how + " after " + this.received.toString() + " bytes in, " + this.sent.toString() + " bytes out");
  }
}

// One root for any root id Envoy passes (Istio passes "" unless pluginName is set).
registerRootContext((contextId: u32): RootContext => new Root(contextId));
