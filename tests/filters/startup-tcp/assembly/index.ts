// Test filter: logs from top-level code (which runs in _initialize, where
// Envoy allows proxy_log but not proxy_get_log_level or the proxy clock), and
// a TCP root whose connections override only onLog and onDone — so the
// export transform keeps none of the data callbacks.
import { RootContext, StreamContext, log, registerRootContext } from "proxy-wasm-as";

export * from "proxy-wasm-as/exports";

log.info("startup-tcp loaded at " + (Date.now() > 1_600_000_000_000 ? "a plausible time" : "a wrong time"));

let made = 0;

class Connection extends StreamContext {
  onLog(): void { log.info("connection " + this.contextId.toString() + " logged"); }
  onDone(): bool {
    log.info("connection " + this.contextId.toString() + " done");
    return true;
  }
}

class TcpRoot extends RootContext {
  newStreamContext(contextId: u32): StreamContext {
    made++;
    log.info("made connection context " + made.toString());
    return new Connection(contextId, this);
  }
}

registerRootContext((contextId: u32): RootContext => new TcpRoot(contextId));
