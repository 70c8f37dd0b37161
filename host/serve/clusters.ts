// Clusters for proxy_http_call: every callout a plugin makes is sent for real to the
// cluster's address, and the answer goes back with respondHttpCall. Timeouts are the
// plugin's own (its real-time clock answers 504); a failed connection is answered with the
// 503 Envoy's router would give, as Envoy's async client delivers it.
import http from "node:http";
import { Buffer } from "node:buffer";
import type { HttpCallRequest } from "../services/callouts.js";
import type { Plugin } from "../plugin.js";
import { first, nodeHeaders, pairsOfRaw } from "./headers.js";
import { upstreamFailure } from "./upstream-errors.js";
import type { Output } from "./output.js";
import type { ProxyStats } from "./stats.js";

export class Clusters {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

  constructor(
    private readonly clusters: ReadonlyMap<string, URL>,
    private readonly out: Output,
    private readonly stats: ProxyStats,
    /** Called after every answer delivered (queue notifications may follow). */
    private readonly after: () => void,
  ) {}

  get names(): string[] {
    return [...this.clusters.keys()];
  }

  attach(plugin: Plugin): void {
    plugin.onHttpCall = (call) => this.send(plugin, call);
  }

  private send(plugin: Plugin, call: HttpCallRequest): void {
    const base = this.clusters.get(call.cluster);
    if (base === undefined) return; // the host answered BadArgument already
    this.stats.count(`cluster.${call.cluster}.upstream_rq_total`);
    const entries = call.headers.entries();
    const headers = nodeHeaders(entries, HOST);
    headers.host = first(entries, ":authority") ?? base.host;
    if (call.body.length > 0) headers["content-length"] = String(call.body.length);
    let connected = false;
    let settled = false;
    const answer = (response: Parameters<Plugin["respondHttpCall"]>[1]): void => {
      if (settled) return;
      settled = true;
      // A timeout (or the stream's end) may have answered the call already.
      if (!plugin.hasPendingHttpCall(call.token)) return;
      try {
        plugin.respondHttpCall(call.token, response);
      } catch (e) {
        this.out.notice(`serve: answering callout ${call.token} to ${call.cluster} failed: ${(e as Error).message}`);
      }
      this.after();
    };
    // Start on a later turn: the call is made from inside a filter callback.
    setImmediate(() => {
      if (!plugin.hasPendingHttpCall(call.token)) return;
      const req = http.request({
        host: base.hostname,
        port: base.port || 80,
        method: first(entries, ":method") ?? "GET",
        path: (base.pathname === "/" ? "" : base.pathname) + (first(entries, ":path") ?? "/"),
        headers,
        agent: this.agent,
      });
      req.on("socket", (s) => {
        if (!s.connecting) connected = true;
        else s.once("connect", () => (connected = true));
      });
      if (call.timeoutMs > 0) req.setTimeout(call.timeoutMs + 50, () => req.destroy());
      req.on("response", (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          answer({ headers: [[":status", String(res.statusCode ?? 502)], ...pairsOfRaw(res.rawHeaders)], body: Buffer.concat(chunks), trailers: pairsOfRaw(res.rawTrailers) }),
        );
        res.on("aborted", () => answer(null));
      });
      req.on("error", (e: NodeJS.ErrnoException) => {
        this.stats.count(`cluster.${call.cluster}.upstream_cx_connect_fail`);
        const f = upstreamFailure(e, connected);
        answer({ headers: [[":status", "503"], ["content-length", String(Buffer.byteLength(f.body))], ["content-type", "text/plain"]], body: f.body });
      });
      req.end(call.body.length > 0 ? Buffer.from(call.body) : undefined);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

const HOST = new Set(["host"]);
