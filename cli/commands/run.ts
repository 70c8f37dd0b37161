// `proxy-wasm-as run FILTER.wasm`: exchanges through any proxy-wasm module on the host.
import { resolve } from "node:path";
import { Buffer } from "node:buffer";
import type { Command } from "commander";
import { GrpcStatus, PluginLoadError, type GrpcCallResponse } from "../../host/index.js";
import { CliError, ExitStatus, integer, ioOf, keyValue, repeatable, UsageError, type Io } from "../command.js";
import { InputFileError, readBoundedText } from "../files.js";
import { DEFAULT_MAX_CONFIG_BYTES, isConfigDocument, readConfigOption } from "../manifest/plugin-config.js";
import { DEFAULT_RESPONSE_HEADERS, defaultRequestHeaders, runPlan, withDefaults, type CalloutAnswer, type Headers, type RunPlan } from "../run/exchange.js";
import { printReport } from "../run/report.js";

const DESCRIPTION = `Loads FILTER.wasm (any proxy-wasm module: ABI 0.1.0, 0.2.0 or 0.2.1) on the
project's Envoy-faithful host and drives an HTTP exchange through it — request
headers, body, trailers, response headers, body, trailers, then the access log
and the end of the stream — or with --tcp a downstream connection; --requests
repeats it on the same VM. Between steps it answers the module's HTTP and gRPC
callouts and delivers its queue notifications. It prints, in order, each
callback with the action it returned, every log line with its level, the
callouts and how they were answered, the local reply if any, the final request
and response headers, bodies and trailers, and the metrics. A callback is
listed when it returns, so the log lines it wrote come just above it. Time is
virtual: ticks and callout timeouts fire only as --ticks or a "timeout" answer
moves the clock.

A plugin whose proxy_on_vm_start or proxy_on_configure fails gets no traffic,
as in Envoy: run prints what happened, says why, and exits 1.

--config and --vm-config take text, or @file: a .yaml, .yml or .json file is
read as render reads --config (a mapping; passed to the plugin as JSON, as the
mesh does), any other file is passed byte for byte.`;

const EXIT = `
Exit status: 0 when the exchanges ran, 1 when the module could not be loaded,
failed to start or configure, or trapped, 2 for bad usage.`;

/** Default size limit of a --body/--response-body file or a non-YAML --config file. */
const DEFAULT_MAX_INPUT_BYTES = 64 * 1024 * 1024;

interface Options {
  config?: string;
  vmConfig?: string;
  maxConfigBytes: number;
  rootId: string;
  vmId: string;
  property?: string[];
  header?: string[];
  responseHeader?: string[];
  trailer?: string[];
  responseTrailer?: string[];
  body?: string;
  responseBody?: string;
  calloutResponse?: string[];
  grpcResponse?: string[];
  enqueue?: string[];
  ticks: number;
  requests: number;
  shutdown?: boolean;
  failOpen?: boolean;
  sourceMap?: string;
  tcp?: boolean;
  json?: boolean;
}

function headerPair(v: string, flag: string): [string, string] {
  // ":authority: x" has a leading colon: split at the first ":" after position 0.
  const i = v.indexOf(":", v.startsWith(":") ? 1 : 0);
  if (i <= 0) throw new UsageError(`run: ${flag} "${v}": expected "name: value"`);
  return [v.slice(0, i).trim().toLowerCase(), v.slice(i + 1).trim()];
}

function calloutAnswer(v: string): CalloutAnswer {
  if (v === "reset") return null;
  if (v === "timeout") return "timeout";
  const m = /^(\d{3})(?::(.*))?$/s.exec(v);
  if (!m) throw new UsageError(`run: --callout-response "${v}": expected status[:body], reset or timeout`);
  const body = m[2] ?? "";
  return { headers: { ":status": m[1]!, ...(body ? { "content-length": String(Buffer.byteLength(body)) } : {}) }, body };
}

function grpcAnswer(v: string): GrpcCallResponse {
  const m = /^(\d{1,2})(?::(.*))?$/s.exec(v);
  const status = m ? Number(m[1]) : NaN;
  if (!m || GrpcStatus[status] === undefined) throw new UsageError(`run: --grpc-response "${v}": expected a gRPC status 0–16, then :message`);
  const message = m[2] ?? "";
  return status === GrpcStatus.Ok ? { message } : { status: status as GrpcStatus, message };
}

/** A --config/--vm-config/--body value: text, or @file read within bounds. */
function valueOf(option: string, raw: string | undefined, io: Io, maxConfigBytes: number, asConfig: boolean): string | undefined {
  if (raw === undefined || !raw.startsWith("@")) return raw;
  const shown = raw.slice(1);
  const file = resolve(io.cwd, shown);
  if (asConfig && isConfigDocument(shown)) return JSON.stringify(readConfigOption("run", file, shown, maxConfigBytes));
  try {
    return readBoundedText(file, shown, { maxBytes: asConfig ? maxConfigBytes : DEFAULT_MAX_INPUT_BYTES, limitName: asConfig ? "--max-config-bytes" : `${option} files are limited to ${DEFAULT_MAX_INPUT_BYTES} bytes` });
  } catch (error) {
    if (error instanceof InputFileError) throw new CliError(`run: ${option}: ${error.message}`);
    throw error;
  }
}

function plan(file: string, o: Options, io: Io): RunPlan {
  if (o.tcp && (o.trailer || o.responseTrailer)) throw new UsageError("run: trailers belong to HTTP; --tcp connections have none");
  const properties: Record<string, string> = {};
  for (const p of o.property ?? []) {
    const pair = keyValue(p);
    if (pair === null) throw new UsageError(`run: --property "${p}": expected path=value`);
    properties[pair[0]] = pair[1];
  }
  const enqueue = (o.enqueue ?? []).map((e): [string, string] => keyValue(e) ?? (() => { throw new UsageError(`run: --enqueue "${e}": expected queue=item`); })());
  const body = valueOf("--body", o.body, io, o.maxConfigBytes, false);
  return {
    module: file,
    configuration: valueOf("--config", o.config, io, o.maxConfigBytes, true),
    vmConfiguration: valueOf("--vm-config", o.vmConfig, io, o.maxConfigBytes, true),
    rootId: o.rootId,
    vmId: o.vmId,
    properties,
    requestHeaders: withDefaults(defaultRequestHeaders(body !== undefined), (o.header ?? []).map((h) => headerPair(h, "-H"))),
    responseHeaders: withDefaults(DEFAULT_RESPONSE_HEADERS, (o.responseHeader ?? []).map((h) => headerPair(h, "-R"))),
    requestTrailers: (o.trailer ?? []).map((h) => headerPair(h, "--trailer")) as Headers,
    responseTrailers: (o.responseTrailer ?? []).map((h) => headerPair(h, "--response-trailer")) as Headers,
    body,
    responseBody: valueOf("--response-body", o.responseBody, io, o.maxConfigBytes, false),
    calloutAnswers: (o.calloutResponse ?? []).map(calloutAnswer),
    grpcAnswers: (o.grpcResponse ?? []).map(grpcAnswer),
    enqueue,
    ticks: o.ticks,
    requests: o.requests,
    shutdown: o.shutdown ?? false,
    failOpen: o.failOpen ?? false,
    sourceMap: o.sourceMap,
    tcp: o.tcp ?? false,
  };
}

export function register(program: Command): void {
  program
    .command("run")
    .summary("run HTTP exchanges (or TCP connections) through a proxy-wasm module and show every step")
    .description(DESCRIPTION)
    .argument("<filter>", "the .wasm module")
    .option("--config <text|@file>", "plugin configuration (buffer 7)")
    .option("--vm-config <text|@file>", "VM configuration (buffer 6)")
    .option("--max-config-bytes <n>", "size limit of a --config/--vm-config file", integer("a whole number ≥ 1", 1), DEFAULT_MAX_CONFIG_BYTES)
    .option("--root-id <id>", "root id", "")
    .option("--vm-id <id>", "vm id", "")
    .option("--property <path=value>", "a property, path segments joined with \".\" (repeatable)", repeatable)
    .option("-H, --header <name: value>", "a request header (repeatable); replaces the default of that name among :method GET (POST with --body), :path /, :authority example.com, :scheme http", repeatable)
    .option("-R, --response-header <name: value>", "a response header (repeatable); replaces the default :status 200 when it is :status", repeatable)
    .option("--trailer <name: value>", "a request trailer (repeatable): the request ends with trailers", repeatable)
    .option("--response-trailer <name: value>", "a response trailer (repeatable)", repeatable)
    .option("--body <text|@file>", "request body (with --tcp: data from the client)")
    .option("--response-body <text|@file>", "response body (with --tcp: data from the upstream)")
    .option("--callout-response <status[:body]|reset|timeout>", "how HTTP callouts are answered, in order; the last one answers any further callouts (default 200); timeout moves the clock by the call's timeout, and the host answers 504 as Envoy does", repeatable)
    .option("--grpc-response <status[:message]>", "how unary gRPC calls are answered, in order, the last one repeating: 0:<response message> succeeds, another status fails with that message (default: left unanswered)", repeatable)
    .option("--enqueue <queue=item>", "after start-up, put an item on a shared queue the plugin registered under its vm id, as another worker would (repeatable)", repeatable)
    .option("--ticks <n>", "fire the root's timer n times (one period each, on a virtual clock) before the exchanges", integer("a whole number", 0), 0)
    .option("--requests <n>", "exchanges (or connections) to drive one after another on the same VM", integer("a whole number ≥ 1", 1), 1)
    .option("--shutdown", "shut the plugin down after the exchanges (proxy_on_done, then proxy_on_delete)")
    .option("--fail-open", "a trap lets traffic pass instead of failing closed")
    .option("--source-map <file>", "the module's source map, for the crash report's source lines (default: its sourceMappingURL, or FILTER.wasm.map)")
    .option("--tcp", "drive TCP connections instead of HTTP exchanges")
    .option("--json", "print one JSON document instead of text")
    .addHelpText("after", EXIT)
    .action(async (file: string, options: Options, command: Command) => {
      const io = ioOf(command);
      let report;
      try {
        report = await runPlan(plan(resolve(io.cwd, file), options, io));
      } catch (error) {
        if (error instanceof PluginLoadError) throw new CliError(`run: ${error.message}`);
        throw error;
      }
      report.plugin.module = file;
      if (options.json) io.out(JSON.stringify(report, null, 2));
      else printReport(io, report);
      if (report.stopped !== null) throw new CliError(`run: ${file}: ${report.stopped}; no traffic was sent`);
      if (report.plugin.failed) throw new ExitStatus(1);
    });
}
