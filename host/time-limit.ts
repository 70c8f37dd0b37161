// A time limit per callback for the test host (Envoy has none; README, "Limits and failure
// behaviour → The host"). The outermost call into the module runs through node:vm with a
// timeout: its watchdog terminates the running code, Wasm loops included, and the call
// fails with "callback X exceeded N ms". Used only when a limit is set: each limited call
// costs a watchdog (about 0.1 ms), an unlimited call nothing.
import { Script, createContext, type Context } from "node:vm";

/** The environment variable giving the default limit (the project's own test runs set it). */
export const CALLBACK_LIMIT_ENV = "PROXY_WASM_AS_CALLBACK_LIMIT_MS";

/** A callback ran past its time limit; fails the VM like a trap. */
export class CallbackTimeoutError extends Error {}

type Fn = (...args: unknown[]) => unknown;

export class CallbackTimer {
  private readonly context: Context & { f: Fn | null; args: unknown[] };
  private readonly script = new Script("f(...args)");
  private depth = 0;

  constructor(readonly ms: number) {
    this.context = createContext({ f: null, args: [] }) as Context & { f: Fn | null; args: unknown[] };
  }

  /** Runs `fn(...args)`, bounded by the limit unless an outer call already is; `what` names it in the error. */
  run<T>(what: string, fn: Fn, args: unknown[]): T {
    if (this.depth > 0) return fn(...args) as T;
    this.depth++;
    const ctx = this.context;
    ctx.f = fn;
    ctx.args = args;
    try {
      return this.script.runInContext(ctx, { timeout: this.ms }) as T;
    } catch (err) {
      if ((err as { code?: string }).code === "ERR_SCRIPT_EXECUTION_TIMEOUT") {
        throw new CallbackTimeoutError(`callback ${what} exceeded ${this.ms} ms`);
      }
      throw err;
    } finally {
      ctx.f = null;
      ctx.args = [];
      this.depth--;
    }
  }
}

/** The limit from the option, else from the environment, else none. */
export function callbackLimit(given: number | undefined): number | undefined {
  if (given !== undefined) return given > 0 ? given : undefined;
  const env = Number(process.env[CALLBACK_LIMIT_ENV]);
  return Number.isFinite(env) && env > 0 ? env : undefined;
}
