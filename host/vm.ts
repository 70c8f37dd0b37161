// One Wasm instance: links the module against the host imports of its ABI version, runs
// the start-up entry points in restricted mode, and calls exports with the current and
// effective context saved and restored around every call. A trap in any export fails the
// whole VM; afterwards no export is called again. Nothing a module does makes the host
// throw; an error in the host's own JavaScript does reach the caller
// (docs/envoy-semantics.md, "Restricted mode", "Contexts", "VM failure").
import { CallbackTimeoutError, CallbackTimer } from "./time-limit.js";
import { AbiVersion, LogLevel, type WasmResult } from "./abi/enums.js";
import { expectedExports, inspectModule, ModuleError, type ModuleInfo } from "./abi/module-info.js";
import { formatSignature, parseSignature, sameSignature, type ParsedModule } from "./abi/wasm-binary.js";
import type { Clock } from "./clock.js";
import { Context, VmContext } from "./context.js";
import { ContextTable } from "./context-table.js";
import { ALL_IMPORTS } from "./imports/index.js";
import { versionBit, WASI_MODULES, type ImportDef } from "./imports/registry.js";
import { GuestMemory } from "./memory.js";
import type { RootContext } from "./root-context.js";
import type { ProxyProcess } from "./process.js";
import type { Callouts, GrpcCallRequest, HttpCallRequest } from "./services/callouts.js";
import type { Metrics } from "./services/metrics.js";
import type { QueueTarget } from "./services/shared-queues.js";
import { crashReport, type CrashReport, type TraceSource } from "./stack-trace.js";

/** An exported Wasm function as JS sees it. */
export type ExportFn = (...args: number[]) => number | undefined;

export interface LogEntry {
  level: LogLevel;
  message: string;
  contextId: number;
}

/** Start = during _initialize/_start/main, Alloc = inside the guest allocator. */
export const enum Mode {
  Normal = 0,
  Start = 1,
  Alloc = 2,
  /** A Wasm start section runs: the memory is not reachable yet, so no host call is. */
  Instantiating = 3,
}

/** Thrown by a host import that is called where it is not allowed; traps the VM. */
export class RestrictedCallError extends Error {}

/** Unwinds guest frames after the VM failed inside a nested call (the allocator). */
class VmAbort extends Error {}

/** Sees every callback into the module and every log line, in order (a trace, e.g. for a CLI). */
export interface HostTrace {
  /** A callback is about to run with `contextId` current. */
  enter?(callback: string, contextId: number): void;
  /** It returned (result as u32; 0 for void, a failure or a trap: check `failed`). */
  exit?(callback: string, contextId: number, result: number, failed: boolean): void;
  log?(entry: LogEntry): void;
}

/** What the VM tells its plugin about. */
export interface VmEvents {
  /** The module set the root context's tick period (0 = off). */
  tickPeriodChanged(periodMs: number): void;
  /** The module made an HTTP callout (the plugin arms its timeout). */
  httpCallMade(call: HttpCallRequest): void;
  /** The module made a unary gRPC call. */
  grpcCallMade(call: GrpcCallRequest): void;
  /** The module opened, sent on, half-closed or cancelled a gRPC stream. */
  grpcStreamChanged(token: number): void;
}

/** The collaborators a VM's host calls use, given at construction. */
export interface VmSetup {
  process: ProxyProcess;
  root: RootContext;
  metrics: Metrics;
  callouts: Callouts;
  /** User-supplied properties by internal path key (segments joined with NUL). */
  userProps: Map<string, Uint8Array>;
  /** WASI environment as KEY=VALUE strings. */
  environment: readonly string[];
  /** Receives proxy_on_queue_ready notifications for queues this VM registers. */
  queueTarget: QueueTarget;
  /** Where time comes from. */
  clock: Clock;
  /** Foreign functions registered by the test (they take precedence over the built-in ones). */
  foreignFunctions: Map<string, (args: Uint8Array) => Uint8Array | WasmResult>;
  events: VmEvents;
  logLevel: LogLevel;
  /** Log entries kept; beyond it the oldest tenth is dropped and counted in `droppedLogs`. */
  logLimit: number;
  /** Time limit per callback in ms, or undefined for none. */
  callbackLimitMs: number | undefined;
  trace: HostTrace | null;
  /** The module's file and source map, for crash reports. */
  moduleSource: Pick<TraceSource, "path" | "sourceMap">;
}

export class Vm {
  readonly abi: AbiVersion;
  readonly info: ModuleInfo;
  readonly module: WebAssembly.Module;
  private readonly instance: WebAssembly.Instance;
  // Declared, not defined as undefined until bind(): V8 then keeps the field's type, and
  // `vm.mem` is read on every host call.
  declare mem: GuestMemory;
  /** Callable exports the host knows, by name. */
  private fns: Record<string, ExportFn | undefined> = Object.create(null);
  private allocFn: ((size: number) => number) | undefined;

  mode: Mode = Mode.Start;
  failed = false;
  /** Failed by the module itself (a trap, a failed start-up entry point), not by a rejection. */
  trapped = false;
  failure: string | null = null;
  /** The failure's frames and backtrace (docs/crash-reports.md). */
  crash: CrashReport | null = null;
  private readonly moduleSource: Pick<TraceSource, "path" | "sourceMap">;

  readonly vmContext = new VmContext();
  current: Context = this.vmContext;
  effective: Context = this.vmContext;
  readonly contexts = new ContextTable();
  private nextContextId: number;

  readonly logs: LogEntry[] = [];
  /** Changes at run time with Plugin.logLevel (Envoy's /logging). */
  logLevel: LogLevel;
  private readonly logLimit: number;
  private readonly timer: CallbackTimer | null;
  /** Log entries dropped to keep `logs` within its limit. */
  droppedLogs = 0;

  /** Host-call counters, indexed like `importNames`. */
  readonly counts: number[] = [];
  readonly importNames: string[] = [];

  /** Contexts with deferred actions to run once the running callback has returned. */
  private deferred: Context[] = [];
  private flushing = false;

  /** Optional trace of callbacks and logs; null on the fast path. */
  readonly trace: HostTrace | null;

  // Plugin-wide collaborators of the host calls (see VmSetup).
  readonly process: ProxyProcess;
  readonly root: RootContext;
  readonly metrics: Metrics;
  readonly callouts: Callouts;
  readonly userProps: Map<string, Uint8Array>;
  readonly environment: readonly string[];
  readonly queueTarget: QueueTarget;
  readonly clock: Clock;
  readonly foreignFunctions: Map<string, (args: Uint8Array) => Uint8Array | WasmResult>;
  readonly events: VmEvents;
  /** envoy_resolve_dns requests (this host has no resolver). */
  readonly dnsRequests: Array<{ token: number; address: string }> = [];

  /**
   * Inspects, links and instantiates the module; throws ModuleError when it cannot load.
   * Start-up entry points are not run yet (see `start`).
   */
  constructor(module: WebAssembly.Module, parsed: ParsedModule | null, setup: VmSetup) {
    this.module = module;
    this.info = inspectModule(module, parsed);
    this.abi = this.info.abi;
    this.logLevel = setup.logLevel;
    this.logLimit = setup.logLimit;
    this.timer = setup.callbackLimitMs === undefined ? null : new CallbackTimer(setup.callbackLimitMs);
    this.trace = setup.trace;
    this.process = setup.process;
    this.root = setup.root;
    this.nextContextId = setup.root.id + 1;
    this.metrics = setup.metrics;
    this.callouts = setup.callouts;
    this.userProps = setup.userProps;
    this.environment = setup.environment;
    this.queueTarget = setup.queueTarget;
    this.clock = setup.clock;
    this.foreignFunctions = setup.foreignFunctions;
    this.events = setup.events;
    this.moduleSource = setup.moduleSource;
    const imports = this.buildImports();
    try {
      // A Wasm start section runs here, before any context exists and before the memory can be
      // bound: every host call is refused with a clear message.
      this.mode = Mode.Instantiating;
      this.instance =
        this.timer === null
          ? new WebAssembly.Instance(module, imports)
          : this.timer.run("start section", (m, i) => new WebAssembly.Instance(m as WebAssembly.Module, i as WebAssembly.Imports), [module, imports]);
      this.mode = Mode.Start;
    } catch (e) {
      throw new ModuleError(`Failed to instantiate Wasm module: ${errorMessage(e)}`);
    }
    this.bind(imports);
  }

  private buildImports(): WebAssembly.Imports {
    const bit = versionBit(this.abi);
    const env = new Map<string, ImportDef>();
    const wasi = new Map<string, ImportDef>();
    for (const def of ALL_IMPORTS) {
      if ((def.versions & bit) === 0) continue;
      (def.module === "env" ? env : wasi).set(def.name, def);
    }
    const parsed = this.info.parsed;
    const envObj: Record<string, WebAssembly.ImportValue> = {};
    const wasiObj: Record<string, WebAssembly.ImportValue> = {};
    const made = new Map<ImportDef, WebAssembly.ImportValue>();
    const imports = parsed ? parsed.imports : this.info.imports.map((i) => ({ ...i, typeIndex: undefined, limits: undefined }));

    for (const imp of imports) {
      const where = `${imp.module}.${imp.name}`;
      if (imp.kind === "memory") {
        // An imported memory is created by the host with the declared limits.
        const limits = "limits" in imp && imp.limits ? imp.limits : { min: 1 };
        const mem = new WebAssembly.Memory({ initial: limits.min, maximum: limits.max });
        const obj = imp.module === "env" ? envObj : ((WASI_MODULES as readonly string[]).includes(imp.module) ? wasiObj : null);
        if (!obj) throw new ModuleError(`Failed to load Wasm module due to a missing import: ${where}`);
        obj[imp.name] = mem;
        continue;
      }
      const table = imp.module === "env" ? env : (WASI_MODULES as readonly string[]).includes(imp.module) ? wasi : null;
      const def = imp.kind === "function" ? table?.get(imp.name) : undefined;
      if (!def) throw new ModuleError(`Failed to load Wasm module due to a missing import: ${where}`);
      if (parsed && imp.typeIndex !== undefined) {
        const want = parseSignature(def.sig);
        const found = parsed.types[imp.typeIndex];
        if (found && !sameSignature(found, want)) {
          throw new ModuleError(
            `Failed to load Wasm module due to an import type mismatch for ${where}, want: ${formatSignature(want)}, found: ${formatSignature(found)}`,
          );
        }
      }
      let fn = made.get(def);
      if (!fn) {
        fn = this.wrap(def);
        made.set(def, fn);
      }
      (imp.module === "env" ? envObj : wasiObj)[imp.name] = fn;
    }
    const result: WebAssembly.Imports = { env: envObj };
    for (const m of WASI_MODULES) result[m] = wasiObj;
    return result;
  }

  /** Wraps an import with its counter and the restricted-mode check. */
  private wrap(def: ImportDef): WebAssembly.ImportValue {
    const id = this.importNames.indexOf(def.name) >= 0 ? this.importNames.indexOf(def.name) : this.importNames.push(def.name) - 1;
    this.counts[id] = 0;
    const impl = def.make(this);
    const allow = def.allow;
    const name = def.module === "env" ? `env.${def.name}` : def.name;
    const counts = this.counts;
    const vm = this;
    // One wrapper per arity: V8 calls a JS import fastest when its declared parameter
    // count matches the Wasm signature, and fixed arguments avoid an `arguments` object.
    type P = number | bigint;
    switch (def.sig.indexOf(":")) {
      case 0:
        return function (): number | void {
          counts[id]!++;
          if (vm.mode > allow) vm.restricted(name);
          return impl();
        };
      case 1:
        return function (a: P): number | void {
          counts[id]!++;
          if (vm.mode > allow) vm.restricted(name);
          return impl(a);
        };
      case 2:
        return function (a: P, b: P): number | void {
          counts[id]!++;
          if (vm.mode > allow) vm.restricted(name);
          return impl(a, b);
        };
      case 3:
        return function (a: P, b: P, c: P): number | void {
          counts[id]!++;
          if (vm.mode > allow) vm.restricted(name);
          return impl(a, b, c);
        };
      case 4:
        return function (a: P, b: P, c: P, d: P): number | void {
          counts[id]!++;
          if (vm.mode > allow) vm.restricted(name);
          return impl(a, b, c, d);
        };
      case 5:
        return function (a: P, b: P, c: P, d: P, e: P): number | void {
          counts[id]!++;
          if (vm.mode > allow) vm.restricted(name);
          return impl(a, b, c, d, e);
        };
      default:
        return function (...args: P[]): number | void {
          counts[id]!++;
          if (vm.mode > allow) vm.restricted(name);
          return impl(...args);
        };
    }
  }

  private bind(imports: WebAssembly.Imports): void {
    const exports = this.instance.exports;
    const known = expectedExports(this.abi);
    for (const name of Object.keys(known)) {
      const f = exports[name];
      if (typeof f === "function") this.fns[name] = f as ExportFn;
    }
    let memory: WebAssembly.Memory | undefined;
    for (const e of WebAssembly.Module.exports(this.module)) {
      if (e.kind === "memory") {
        memory = exports[e.name] as WebAssembly.Memory;
        break;
      }
    }
    if (!memory) {
      for (const ns of Object.values(imports)) {
        for (const v of Object.values(ns)) if (v instanceof WebAssembly.Memory) memory = v;
      }
    }
    this.allocFn = this.fns[this.info.allocator] as (size: number) => number;
    this.mem = new GuestMemory(memory!, (size) => this.allocate(size));
  }

  /** Runs _initialize (+ main / __main_void) or _start in restricted mode. */
  start(): void {
    this.mode = Mode.Start;
    try {
      if (this.fns._initialize) {
        this.invoke(this.vmContext, "_initialize");
        if (!this.failed) {
          if (this.fns.main) this.invoke(this.vmContext, "main", 0, 0);
          else if (this.fns.__main_void) this.invoke(this.vmContext, "__main_void");
        }
      } else if (this.fns._start) {
        this.invoke(this.vmContext, "_start");
      }
    } finally {
      this.mode = Mode.Normal;
    }
  }

  has(name: string): boolean {
    return this.fns[name] !== undefined;
  }

  /** Allocates a new context id (ids are never reused; 0 is the VM context). */
  newContextId(): number {
    return this.nextContextId++;
  }

  /** A callable export, or undefined when the module does not export `name`. */
  exportFn(name: string): ExportFn | undefined {
    return this.fns[name];
  }

  /**
   * Calls an export with `ctx` current. Returns its result as u32 (0 for void, failure or
   * a missing export); check `failed` afterwards.
   */
  invoke(ctx: Context, name: string, a?: number, b?: number, c?: number, d?: number, e?: number): number {
    const fn = this.fns[name];
    return fn === undefined ? 0 : this.call(ctx, fn, name, a, b, c, d, e);
  }

  /** `invoke` for an export already resolved with `exportFn` (the per-request path skips the lookup). */
  call(ctx: Context, fn: ExportFn, name: string, a?: number, b?: number, c?: number, d?: number, e?: number): number {
    if (this.failed) return 0;
    const prevCurrent = this.current;
    const prevEffective = this.effective;
    this.current = ctx;
    this.effective = ctx;
    const trace = this.trace;
    if (trace !== null) trace.enter?.(name, ctx.id);
    try {
      const r = this.timer === null ? fn(a!, b!, c!, d!, e!) : this.timer.run<unknown>(name, fn as (...x: unknown[]) => unknown, [a, b, c, d, e]);
      const v = typeof r === "number" ? r >>> 0 : 0;
      if (trace !== null) trace.exit?.(name, ctx.id, v, false);
      return v;
    } catch (err) {
      // Only the module fails the VM; an error in the host's own JavaScript is a host bug
      // and reaches the caller as it is.
      if (!fromWasm(err)) throw err;
      this.fail(name, err);
      if (trace !== null) trace.exit?.(name, ctx.id, 0, true);
      return 0;
    } finally {
      this.current = prevCurrent;
      this.effective = prevEffective;
    }
  }

  /** Calls the guest allocator in restricted mode with the VM context current. */
  private allocate(size: number): number {
    const fn = this.allocFn!;
    const prevMode = this.mode;
    const prevCurrent = this.current;
    const prevEffective = this.effective;
    this.mode = Mode.Alloc;
    this.current = this.vmContext;
    this.effective = this.vmContext;
    try {
      return fn(size) >>> 0;
    } catch (err) {
      if (!fromWasm(err)) throw err;
      this.fail(this.info.allocator, err);
      throw new VmAbort("VM failed in allocator");
    } finally {
      this.mode = prevMode;
      this.current = prevCurrent;
      this.effective = prevEffective;
    }
  }

  restricted(name: string): never {
    if (this.mode === Mode.Instantiating) {
      throw new RestrictedCallError(
        `${name} was called from the module's start section, where no host call is available (run start-up code from _initialize)`,
      );
    }
    throw new RestrictedCallError(
      `restricted_callback: ${name} is not allowed ${this.mode === Mode.Alloc ? "inside the allocator" : "during start-up"}`,
    );
  }

  /**
   * Marks the VM failed without a trap: proxy_on_vm_start or proxy_on_configure returned
   * false, which Envoy treats as a failed VM for this plugin.
   */
  reject(reason: string): void {
    if (this.failed) return;
    this.failed = true;
    this.failure = reason;
  }

  /** Marks the VM failed and logs like Envoy: `Function: <name> failed: <message>` and the in-VM backtrace. */
  fail(name: string, err: unknown): void {
    if (this.failed) return;
    this.failed = true;
    this.trapped = true;
    this.crash = crashReport(err, { module: this.module, parsed: this.info.parsed, ...this.moduleSource });
    this.failure = `Function: ${name} failed: ${errorMessage(err, this.instance?.exports)}${this.crash.text}`;
    this.log(LogLevel.Critical, this.failure, this.current.id);
  }

  log(level: LogLevel, message: string, contextId: number): void {
    if (level < this.logLevel) return;
    const entry = { level, message, contextId };
    if (this.logs.length >= this.logLimit) {
      // Dropping a tenth at a time keeps the cost per line constant.
      const drop = Math.min(this.logs.length, Math.max(1, Math.ceil(this.logLimit / 10)));
      this.logs.splice(0, drop);
      this.droppedLogs += drop;
    }
    if (this.logLimit > 0) this.logs.push(entry);
    else this.droppedLogs++;
    if (this.trace !== null) this.trace.log?.(entry);
  }

  /** Whether a message at `level` would be captured (lets callers skip decoding). */
  wantsLog(level: number): boolean {
    return level >= this.logLevel;
  }

  /** Registers a context so that proxy_set_effective_context can find it. */
  addContext(ctx: Context): void {
    this.contexts.set(ctx);
  }

  removeContext(id: number): void {
    this.contexts.delete(id);
  }

  /** Queues `ctx.runDeferred()` for after the running callback. */
  defer(ctx: Context & { runDeferred(): void }): void {
    if (!this.deferred.includes(ctx)) this.deferred.push(ctx);
  }

  /** Runs deferred actions (continue, close, local reply) once callbacks have returned. */
  flushDeferred(): void {
    if (this.flushing || this.deferred.length === 0) return;
    this.flushing = true;
    try {
      while (this.deferred.length > 0) {
        const ctx = this.deferred.shift() as Context & { runDeferred(): void };
        ctx.runDeferred();
      }
    } finally {
      this.flushing = false;
    }
  }

  memoryPages(): number {
    return this.mem.memory.buffer.byteLength / 65536;
  }

  exportList(): Array<{ name: string; kind: string }> {
    return this.info.exports;
  }
}

/** WebAssembly.Exception where the runtime has it (the TypeScript DOM types do not declare it). */
const WASM_EXCEPTION = (WebAssembly as unknown as { Exception?: abstract new (...args: never[]) => object }).Exception;

/**
 * Whether an error thrown out of a call into the module comes from the module: a trap, a
 * Wasm exception, stack exhaustion, a host call made where it is not allowed, or the
 * unwinding after the allocator failed. Anything else is a bug in the host's JavaScript.
 */
function fromWasm(err: unknown): boolean {
  return (
    err instanceof WebAssembly.RuntimeError ||
    err instanceof RestrictedCallError ||
    err instanceof VmAbort ||
    err instanceof CallbackTimeoutError ||
    (WASM_EXCEPTION !== undefined && err instanceof WASM_EXCEPTION) ||
    (err instanceof RangeError && err.message === "Maximum call stack size exceeded")
  );
}

/** WebAssembly.Tag and the Exception methods the TypeScript DOM types lack. */
const WASM_TAG = (WebAssembly as unknown as { Tag?: abstract new (...args: never[]) => object }).Tag;
interface WasmException {
  is(tag: object): boolean;
  getArg(tag: object, index: number): unknown;
}

/**
 * An uncaught Wasm exception in words: the exported tag it carries, with its arguments, or
 * that the tag is not exported (a module's own exceptions cannot be read from outside).
 */
function describeException(e: WasmException, exports: WebAssembly.Exports | undefined): string {
  for (const [name, value] of Object.entries(exports ?? {})) {
    if (WASM_TAG === undefined || !(value instanceof WASM_TAG) || !e.is(value)) continue;
    const args: string[] = [];
    // The tag's arity is not visible without type reflection: read until an index is refused.
    for (let i = 0; i < 16; i++) {
      try {
        args.push(String(e.getArg(value, i)));
      } catch {
        break;
      }
    }
    return `uncaught Wasm exception with tag "${name}"${args.length > 0 ? ` (${args.join(", ")})` : ""}`;
  }
  return "uncaught Wasm exception with a tag the module does not export";
}

export function errorMessage(e: unknown, exports?: WebAssembly.Exports): string {
  if (WASM_EXCEPTION !== undefined && e instanceof WASM_EXCEPTION) return describeException(e as unknown as WasmException, exports);
  if (e instanceof Error) return e.message;
  return String(e);
}

export { ModuleError };
