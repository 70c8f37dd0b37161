// `proxy-wasm-as serve`: real HTTP traffic through filters on this machine, no Envoy
// needed. Options build the chain (--filter … with its own --config/--root-id, or -f
// documents), the upstream, clusters and the admin port; see docs/serve.md.
import { readFileSync, writeFileSync } from "node:fs";
import { basename } from "node:path";
import { InvalidArgumentError, Option, type Command } from "commander";

import { PHASES, type Phase } from "../../host/chain.js";
import { filtersFromDocuments } from "../../host/serve/documents.js";
import {
  DEFAULT_BUFFER_LIMIT,
  DEFAULT_ROUTE_TIMEOUT_MS,
  DEFAULT_LISTEN,
  isLoopback,
  LOG_LEVELS,
  parseCluster,
  parseHostPort,
  parseLogLevel,
  parseUpstream,
  type FilterSpec,
  type ServeOptions,
} from "../../host/serve/options.js";
import { PluginLoadFailure, startServe } from "../../host/serve/server.js";
import { CliError, ioOf, type Io } from "../command.js";
import { untilInterrupted } from "../project/watch.js";

/** --config and --vm-config take text or @file. */
function textOrFile(v: string): string {
  return v.startsWith("@") ? readFileSync(v.slice(1), "utf8") : v;
}

function byteSize(v: string): number {
  const m = /^(\d+)\s*(k|ki|kib|m|mi|mib|)?b?$/i.exec(v.trim());
  if (!m) throw new Error(`--buffer-limit "${v}": expected bytes, e.g. 1048576, 512KiB or 16MiB`);
  const unit = (m[2] ?? "").toLowerCase();
  return Number(m[1]) * (unit.startsWith("k") ? 1024 : unit.startsWith("m") ? 1024 * 1024 : 1);
}

function positiveInt(flag: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} "${v}": expected a whole number ≥ 1`);
    return n;
  };
}

/** Per-filter options apply to the --filter before them, so their order on the line matters. */
class FilterList {
  readonly specs: FilterSpec[] = [];
  add(file: string): void {
    const name = basename(file).replace(/(\.debug)?\.wasm$/, "");
    // Without --priority, filters run in the order given: each one ranks just below the one before.
    const priority = -this.specs.length;
    this.specs.push({ name, file, configuration: "", vmConfiguration: "", rootId: "", vmId: "", phase: "PostAuthZ", priority, failOpen: false, allowOnHeadersStopIteration: false });
  }
  last(flag: string): FilterSpec {
    const s = this.specs[this.specs.length - 1];
    if (s === undefined) throw new Error(`${flag} applies to the --filter before it; give --filter FILE.wasm first`);
    return s;
  }
}

export const SERVE_HELP_AFTER = `
Per-filter options (--config, --vm-config, --root-id, --vm-id, --name, --phase,
--priority, --fail-open, --allow-on-headers-stop-iteration) apply to the --filter given before them.

Example:
  proxy-wasm-as serve --filter build/header-append.wasm --config '{"x-a":"1"}' --upstream echo
  curl -si http://127.0.0.1:10000/`;

/** An option's value parser whose complaints commander reports as usage errors. */
function usage<A extends unknown[], R>(parse: (...args: A) => R): (...args: A) => R {
  return (...args) => {
    try {
      return parse(...args);
    } catch (e) {
      throw new InvalidArgumentError((e as Error).message);
    }
  };
}

export function register(program: Command): void {
  const filters = new FilterList();
  const collect = <T>(parse: (v: string) => T) => usage((v: string, prev: T[] | undefined): T[] => [...(prev ?? []), parse(v)]);
  const perFilter = (flag: string, apply: (s: FilterSpec, v: string) => void) =>
    usage((v: string): string => {
      apply(filters.last(flag), v);
      return v;
    });
  const cmd = program
    .command("serve")
    .summary("run a development proxy: real HTTP traffic through filters on this machine")
    .description("Listens on loopback (HTTP/1.1 and h2c on one port), runs every request through the chain on the project's Envoy-faithful host, and sends it on to the upstream.")
    .addOption(new Option("--filter <file.wasm>", "add a filter to the chain (repeatable)").argParser((v: string) => (filters.add(v), v)))
    .addOption(new Option("--config <json|@file>", "plugin configuration of the filter before").argParser(perFilter("--config", (s, v) => (s.configuration = textOrFile(v)))))
    .addOption(new Option("--vm-config <text|@file>", "VM configuration of the filter before").argParser(perFilter("--vm-config", (s, v) => (s.vmConfiguration = textOrFile(v)))))
    .addOption(new Option("--root-id <id>", "root id of the filter before (default \"\")").argParser(perFilter("--root-id", (s, v) => (s.rootId = v))))
    .addOption(new Option("--vm-id <id>", "vm id of the filter before (scopes shared data and queues)").argParser(perFilter("--vm-id", (s, v) => (s.vmId = v))))
    .addOption(new Option("--name <name>", "name of the filter before (default: the file name)").argParser(perFilter("--name", (s, v) => (s.name = v))))
    .addOption(
      new Option("--phase <phase>", `phase of the filter before (${PHASES.join(", ")})`).argParser(
        perFilter("--phase", (s, v) => {
          if (!(PHASES as readonly string[]).includes(v)) throw new Error(`--phase "${v}": one of ${PHASES.join(", ")}`);
          s.phase = v as Phase;
        }),
      ),
    )
    .addOption(new Option("--priority <n>", "priority of the filter before (higher runs first)").argParser(perFilter("--priority", (s, v) => {
          if (!Number.isInteger(Number(v))) throw new Error(`--priority "${v}": expected a whole number`);
          s.priority = Number(v);
        })))
    .addOption(new Option("--fail-open", "a trap in the filter before lets traffic pass (default: fail closed, 503)"))
    .addOption(new Option("--allow-on-headers-stop-iteration", "the filter before may return StopIteration from headers and still get body callbacks (Envoy ≥ 1.35)"))
    .addOption(new Option("-f, --file <file.yaml>", "ServiceMeshExtension, WasmPlugin or manifest.yaml documents (repeatable)").argParser(collect((v) => v)))
    .addOption(new Option("--module <name=file.wasm>", "the module for a document's extension (repeatable)").argParser(collect((v) => v)))
    .addOption(new Option("--upstream <echo|url>", "echo, http://HOST:PORT, h2c://HOST:PORT or (with --tcp) tcp://HOST:PORT").default("echo"))
    .addOption(new Option("--cluster <name=url>", "a cluster for HTTP and gRPC callouts (repeatable): NAME=http://HOST:PORT or NAME=h2c://HOST:PORT").argParser(collect(parseCluster)))
    .addOption(new Option("--listen <host:port>", "where to listen").default(`${DEFAULT_LISTEN.host}:${DEFAULT_LISTEN.port}`))
    .addOption(new Option("--admin <host:port>", "admin port (/stats/prometheus, /ready, /logging, /plugins)"))
    .addOption(new Option("--buffer-limit <bytes>", "per-stream buffer limit (413 request / 500 response over it); with --tcp, what filters may hold from one side before serve stops reading it").default(String(DEFAULT_BUFFER_LIMIT)))
    .addOption(
      new Option("--route-timeout <ms>", "how long the upstream may take to answer once the request is sent (504 after; 0 = no limit)")
        .default(DEFAULT_ROUTE_TIMEOUT_MS)
        .argParser(usage((v: string) => {
          const n = Number(v);
          if (!Number.isInteger(n) || n < 0) throw new Error(`--route-timeout "${v}": expected milliseconds, 0 or more`);
          return n;
        })),
    )
    .addOption(new Option("--workers <n>", "VMs per plugin; connections are spread over them").default(1).argParser(usage(positiveInt("--workers"))))
    .addOption(new Option("--log-level <level>", `filter log level (${LOG_LEVELS.join(", ")})`).default("info"))
    .addOption(new Option("--watch", "reload a filter when its .wasm changes"))
    .addOption(new Option("--tcp", "run the chain as network filters on TCP connections (--upstream tcp://…)"))
    .addOption(new Option("--no-access-log", "no access-log line per request"))
    .addOption(new Option("--port-file <file>", "write the bound addresses as JSON once listening"))
    .addHelpText("after", SERVE_HELP_AFTER);
  cmd.on("option:fail-open", () => {
    filters.last("--fail-open").failOpen = true;
  });
  cmd.on("option:allow-on-headers-stop-iteration", () => {
    filters.last("--allow-on-headers-stop-iteration").allowOnHeadersStopIteration = true;
  });
  cmd.action(async (o: Record<string, unknown>) => {
    const io = ioOf(cmd);
    let options: ServeOptions;
    try {
      options = serveOptions(o, filters.specs, io);
    } catch (e) {
      throw new CliError((e as Error).message);
    }
    await run(options, String(o.upstream), o.portFile === undefined ? null : String(o.portFile), io);
  });
}

/** The options as serve takes them; throws for anything unusable, naming the option. */
function serveOptions(o: Record<string, unknown>, fromFlags: FilterSpec[], io: Io): ServeOptions {
  const cwd = io.cwd;
  const modules = new Map(
    ((o.module as string[] | undefined) ?? []).map((m) => {
      const i = m.indexOf("=");
      if (i <= 0) throw new Error(`--module "${m}": expected NAME=FILE.wasm`);
      return [m.slice(0, i), m.slice(i + 1)] as [string, string];
    }),
  );
  const specs = [...fromFlags];
  for (const f of (o.file as string[] | undefined) ?? []) specs.push(...filtersFromDocuments(f, modules, cwd));
  const listen = parseHostPort(String(o.listen), "--listen");
  return {
    listen,
    upstream: parseUpstream(String(o.upstream)),
    filters: specs,
    clusters: new Map((o.cluster as Array<[string, URL]> | undefined) ?? []),
    bufferLimit: byteSize(String(o.bufferLimit)),
    routeTimeoutMs: o.routeTimeout as number,
    workers: o.workers as number,
    admin: o.admin === undefined ? null : parseHostPort(String(o.admin), "--admin"),
    logLevel: parseLogLevel(String(o.logLevel)),
    watch: o.watch === true,
    tcp: o.tcp === true,
    accessLog: o.accessLog !== false,
    color: process.stdout.isTTY === true && io.env.NO_COLOR === undefined,
  };
}

/** Serves until SIGINT or SIGTERM, then drains and returns. */
async function run(options: ServeOptions, upstream: string, portFile: string | null, io: Io): Promise<void> {
  const specs = options.filters;
  const listen = options.listen;
  const write = io.out;
  let running;
  try {
    running = await startServe(options, write);
  } catch (e) {
    if (e instanceof PluginLoadFailure || (e as NodeJS.ErrnoException).code === "EADDRINUSE") throw new CliError((e as Error).message);
    throw e;
  }
  const url = `http://${running.listen.family === "IPv6" ? `[${running.listen.address}]` : running.listen.address}:${running.listen.port}`;
  const chain = specs.length === 0 ? "(no filters)" : running.workers.workers[0]!.current.chain.names.join(" → ");
  write(`proxy-wasm-as serve: listening on ${options.tcp ? url.replace("http:", "tcp:") : url} (${options.tcp ? "TCP" : "HTTP/1.1 and h2c"})`);
  write(`  chain:    ${chain}${options.workers > 1 ? ` (${options.workers} workers)` : ""}`);
  write(`  upstream: ${upstream}`);
  if (running.admin) write(`  admin:    http://${running.admin.address}:${running.admin.port}/`);
  if (!isLoopback(listen.host)) write(`  warning:  listening on ${listen.host}, reachable from other machines`);
  write(options.tcp ? `  try:      printf 'hello' | nc ${running.listen.address} ${running.listen.port}` : `  try:      curl -si ${url}/`);
  if (portFile !== null) {
    writeFileSync(portFile, JSON.stringify({ listen: `${running.listen.address}:${running.listen.port}`, port: running.listen.port, admin: running.admin?.port ?? null }) + "\n");
  }
  await untilInterrupted();
  write("proxy-wasm-as serve: draining");
  await running.close();
  write("proxy-wasm-as serve: stopped");
}


