// tcp-stats: a network (L4) filter. Counts the bytes of each connection in
// both directions, refuses clients from configured address ranges, and logs a
// one-line summary when the connection ends. Totals go to counters.
//
// Configuration (JSON, optional):
//   deny_cidrs   ["10.0.0.0/8", "2001:db8::/32", "192.0.2.7"]: clients refused at connect
import {
  Attributes, ConfigReader, Counter, FilterStatus, PeerType, RootContext, StreamContext, log, pluginConfigurationObject,
  registerRootContext,
} from "proxy-wasm-as";
import { Cidr, hostOf, parseAddress, parseCidr } from "proxy-wasm-as/net";

export * from "proxy-wasm-as/exports";

const bytesIn = new Counter("tcp_stats.bytes_in");
const bytesOut = new Counter("tcp_stats.bytes_out");
const denied = new Counter("tcp_stats.connections_denied");

class StatsRoot extends RootContext {
  deny: Cidr[] = [];

  onConfigure(size: u32): bool {
    const config = pluginConfigurationObject("tcp-stats");
    if (config === null) return false;
    const deny = new Array<Cidr>();
    const reader = new ConfigReader(config, "tcp-stats");
    reader.allowOnly("deny_cidrs");
    const list = reader.strings("deny_cidrs", "an array of CIDR strings");
    if (!reader.ok) return false;
    for (let i = 0; list !== null && i < list.length; i++) {
      const cidr = parseCidr(list[i]);
      if (cidr === null) return reader.fail("deny_cidrs[" + i.toString() + "] is not a valid address or CIDR range: " + reader.name(list[i]));
      deny.push(cidr);
    }
    this.deny = deny;
    return true;
  }

  isDenied(address: Uint8Array): bool {
    for (let i = 0; i < this.deny.length; i++) if (this.deny[i].contains(address)) return true;
    return false;
  }

  newStreamContext(contextId: u32): StreamContext {
    return new ConnectionStats(contextId, this);
  }
}

class ConnectionStats extends StreamContext {
  source: string = "unknown";
  received: u64 = 0;
  sent: u64 = 0;
  refused: bool = false;
  reported: bool = false;

  constructor(contextId: u32, private stats: StatsRoot) {
    super(contextId, stats);
  }

  onNewConnection(): FilterStatus {
    const source = Attributes.sourceAddress();
    if (source !== null) this.source = source;
    const address = source !== null ? parseAddress(hostOf(source)) : null;
    if (address !== null && this.stats.isDenied(address)) {
      this.refused = true;
      denied.increment(1);
      log.info("tcp-stats: refused connection from " + this.source);
      this.closeDownstream();
      return FilterStatus.StopIteration;
    }
    return FilterStatus.Continue;
  }

  onDownstreamData(dataSize: u32, endOfStream: bool): FilterStatus {
    this.received += dataSize;
    if (dataSize > 0) bytesIn.increment(dataSize);
    return FilterStatus.Continue;
  }

  onUpstreamData(dataSize: u32, endOfStream: bool): FilterStatus {
    this.sent += dataSize;
    if (dataSize > 0) bytesOut.increment(dataSize);
    return FilterStatus.Continue;
  }

  onDownstreamConnectionClose(peer: PeerType): void {
    this.report(peer == PeerType.Remote ? "client closed" : "closed by the proxy");
  }

  onUpstreamConnectionClose(peer: PeerType): void {
    this.report("upstream closed");
  }

  onLog(): void {
    this.report("connection ended");
  }

  private report(reason: string): void {
    if (this.reported || this.refused) return;
    this.reported = true;
    log.info("tcp-stats: " + this.source + " " + reason + ": " + this.received.toString() + " bytes in, " +
      this.sent.toString() + " bytes out");
  }
}

registerRootContext((contextId: u32): RootContext => new StatsRoot(contextId));
