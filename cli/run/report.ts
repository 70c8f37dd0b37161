// The text form of a `run` report: one line per event, then each exchange's outcome.
import type { Io } from "../command.js";
import type { Headers, HttpResult, RunReport } from "./exchange.js";

function headerLines(h: Headers): string[] {
  return h.length === 0 ? ["  (none)"] : h.map(([k, v]) => `  ${k}: ${v}`);
}

function printHttp(io: Pick<Io, "out">, result: HttpResult): void {
  if (result.localReply !== null) {
    const r = result.localReply;
    io.out(`local reply: ${r.status} details=${r.details}${r.grpcStatus !== null ? ` grpc-status=${r.grpcStatus}` : ""} body=${JSON.stringify(r.body)}`);
    io.out("local reply headers:");
    for (const l of headerLines(r.headers)) io.out(l);
  }
  if (result.resetReason !== null) io.out(`stream reset: ${result.resetReason}`);
  const message = (name: string, where: string, m: HttpResult["request"]) => {
    io.out(`${name} headers (${where}):`);
    for (const l of headerLines(m.headers)) io.out(l);
    io.out(`${name} body: ${JSON.stringify(m.body)}`);
    if (m.trailers.length > 0) {
      io.out(`${name} trailers:`);
      for (const l of headerLines(m.trailers)) io.out(l);
    }
  };
  message("request", "as passed upstream", result.request);
  message("response", "as sent to the client", result.response);
}

export function printReport(io: Pick<Io, "out">, report: RunReport): void {
  const { plugin } = report;
  io.out(`module ${plugin.module} (ABI ${plugin.abiVersion}, root id "${plugin.rootId}")`);
  for (const e of report.events) {
    switch (e.type) {
      case "callback": {
        const action = e.failed ? "trapped" : e.action !== undefined ? `${e.action} (${e.result})` : String(e.result);
        io.out(`  ${e.callback}  [context ${e.context}] → ${action}`);
        break;
      }
      case "log":
        io.out(`    [${e.level}] ${e.message.replaceAll("\n", "\n      ")}`);
        break;
      case "callout":
        io.out(`  callout #${e.token} to cluster ${e.cluster}: ${e.method} ${e.authority}${e.path} (timeout ${e.timeoutMs} ms) → answered ${e.answer}`);
        break;
      case "grpc":
        io.out(`  gRPC call #${e.token} to cluster ${e.cluster}: ${e.service}/${e.method} (timeout ${e.timeoutMs} ms) → ${e.answer}`);
        break;
      case "enqueue":
        io.out(`  enqueued ${JSON.stringify(e.item)} on queue ${e.queue} → ${e.result}`);
        break;
      case "note":
        io.out(`  note: ${e.message}`);
        break;
    }
  }
  if (report.stopped !== null) io.out(`stopped: ${report.stopped}; no traffic was sent`);
  else if (plugin.failed) {
    // The backtrace came with the critical log line above: repeat only where the filter failed.
    const [headline, ...lines] = (plugin.failure ?? "unknown failure").split("\n");
    io.out(`VM failed: ${headline}`);
    for (const line of lines) if (line.startsWith("In the filter:") || line.startsWith("Note:")) io.out(`  ${line}`);
  }
  report.exchanges.forEach((result, i) => {
    if (report.exchanges.length > 1) io.out(`exchange ${i + 1} of ${report.exchanges.length}:`);
    if (result.mode === "tcp") {
      io.out(`to upstream: ${JSON.stringify(result.toUpstream)}`);
      io.out(`to client: ${JSON.stringify(result.toClient)}`);
      io.out(`closed by: ${result.closedBy ?? "nobody"}`);
    } else {
      printHttp(io, result);
    }
  });
  if (report.metrics.length > 0) {
    io.out("metrics:");
    for (const m of report.metrics) io.out(`  ${m.name} (${m.type}) ${m.value ?? `[${(m.samples ?? []).join(", ")}]`}`);
  }
  if (report.shutdown !== null) io.out(`shutdown: ${report.shutdown.rootDeleted ? "root context deleted" : "waiting for proxy_done"}`);
}
