// One complete request through the metrics filter, the traffic both metrics test files send.
import type { Plugin } from "proxy-wasm-as/host";

export function request(plugin: Plugin, method: string, status: string): void {
  const stream = plugin.newHttpStream();
  stream.sendRequestHeaders({ ":method": method, ":path": "/", ":authority": "a" }, true);
  stream.sendResponseHeaders({ ":status": status }, true);
  stream.complete();
}
