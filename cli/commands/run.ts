// `proxy-wasm-as run FILTER.wasm`: one exchange through any proxy-wasm module on the host.
import type { Command } from "commander";
import { PluginLoadError } from "../../host/index.js";
import { CliError, ExitStatus, integer, ioOf, repeatable } from "../command.js";
import { runExchange, type RunOptions } from "../run/exchange.js";

const DESCRIPTION = `Loads FILTER.wasm (any proxy-wasm module: ABI 0.1.0, 0.2.0 or 0.2.1) on the
project's Envoy-faithful host and drives one HTTP exchange through it — request
headers, body, response headers, body, then the access log and the end of the
stream — or with --tcp one downstream connection. It prints, in order, each
callback with the action it returned, every log line with its level, the
callouts the module made and how they were answered, the local reply if any,
and the final request and response headers and bodies. A callback is listed
when it returns, so the log lines it wrote come just above it. Time is
virtual: ticks and callout timeouts fire only as --ticks moves the clock.`;

const EXIT = `
Exit status: 0 when the exchange ran, 1 when the module could not be loaded,
trapped, or rejected its configuration, 2 for bad usage.`;

export function register(program: Command): void {
  program
    .command("run")
    .summary("run one HTTP exchange (or TCP connection) through a proxy-wasm module and show every step")
    .description(DESCRIPTION)
    .argument("<filter>", "the .wasm module")
    .option("--config <text|@file>", "plugin configuration (buffer 7)")
    .option("--vm-config <text|@file>", "VM configuration (buffer 6)")
    .option("--root-id <id>", "root id", "")
    .option("--vm-id <id>", "vm id", "")
    .option("--property <path=value>", "a property, path segments joined with \".\" (repeatable)", repeatable)
    .option("-H, --header <name: value>", "a request header (repeatable; default GET / with :authority example.com and :scheme http)", repeatable)
    .option("-R, --response-header <name: value>", "a response header (repeatable; default :status 200)", repeatable)
    .option("--body <text|@file>", "request body (with --tcp: data from the client)")
    .option("--response-body <text|@file>", "response body (with --tcp: data from the upstream)")
    .option("--callout-response <status[:body]|reset>", "how HTTP callouts are answered, in order; the last one answers any further callouts (default 200)", repeatable)
    .option("--ticks <n>", "fire the root's timer n times (one period each, on a virtual clock) before the exchange", integer("a whole number", 0))
    .option("--fail-open", "a trap lets traffic pass instead of failing closed")
    .option("--tcp", "drive a TCP connection instead of an HTTP exchange")
    .option("--json", "print one JSON document instead of text")
    .addHelpText("after", EXIT)
    .action(async (file: string, options: RunOptions, command: Command) => {
      const io = ioOf(command);
      let code: number;
      try {
        code = await runExchange(file, options, io);
      } catch (error) {
        if (error instanceof PluginLoadError) throw new CliError(`run: ${error.message}`);
        throw error;
      }
      if (code !== 0) throw new ExitStatus(code);
    });
}
