// Time as the host calls see it (docs/envoy-semantics.md, "Timers and time"): the real clock
// by default, or a virtual clock that only moves when the test advances it and then fires
// the timers that fell due (ticks, callout timeouts), in order of their due time.

/** What the host reads time from. Both values are nanoseconds. */
export interface Clock {
  /** Wall-clock time since the Unix epoch (proxy_get_current_time_nanoseconds, WASI clock 0). */
  now(): bigint;
  /** A monotonic time (WASI clock 1). */
  monotonic(): bigint;
  /** `now()` in milliseconds (may have a fraction): cheap to take on every stream. */
  nowMs(): number;
  /**
   * Runs `fire` after `delayMs` of this clock's time. A clock without it never fires
   * ticks or callout timeouts by itself.
   */
  schedule?(delayMs: number, fire: () => void): TimerHandle;
}

/** Milliseconds (possibly fractional) as nanoseconds. */
export function msToNs(ms: number): bigint {
  const whole = Math.floor(ms);
  return BigInt(whole) * 1_000_000n + BigInt(Math.round((ms - whole) * 1e6));
}

/** The machine's clock. Timers never fire by themselves on it: use `plugin.tick()`. */
export class RealClock implements Clock {
  now(): bigint {
    return BigInt(Date.now()) * 1_000_000n;
  }
  monotonic(): bigint {
    return process.hrtime.bigint();
  }
  nowMs(): number {
    return Date.now();
  }
}

export const REAL_CLOCK: Clock = new RealClock();

/**
 * The machine's clock with real timers: ticks and callout timeouts fire on their own, as
 * in a running proxy. Timers do not keep the process alive.
 */
export class RealTimerClock extends RealClock {
  schedule(delayMs: number, fire: () => void): TimerHandle {
    const t = setTimeout(fire, Math.max(0, delayMs));
    t.unref();
    return { cancel: () => clearTimeout(t) };
  }
}

/** Where a virtual clock starts unless told otherwise: 2024-01-01T00:00:00Z. */
export const DEFAULT_VIRTUAL_START_MS = Date.UTC(2024, 0, 1);

interface Timer {
  due: bigint;
  seq: number;
  fire: () => void;
  cancelled: boolean;
}

/** A handle to cancel a scheduled timer. */
export interface TimerHandle {
  cancel(): void;
}

/**
 * A clock that stands still until `advance` is called. One virtual clock can drive
 * several plugins (a chain, or plugins sharing a VM id): their timers fire in due order.
 */
export class VirtualClock implements Clock {
  private ns: bigint;
  private readonly startNs: bigint;
  private timers: Timer[] = [];
  private seq = 0;
  private advancing = false;

  /** @param startMs wall-clock start, milliseconds since the epoch (or a Date). */
  constructor(startMs: number | Date = DEFAULT_VIRTUAL_START_MS) {
    const ms = startMs instanceof Date ? startMs.getTime() : startMs;
    this.ns = BigInt(Math.round(ms)) * 1_000_000n;
    this.startNs = this.ns;
  }

  now(): bigint {
    return this.ns;
  }

  /** Milliseconds since the epoch (with a fraction when time moved by fractions of a ms). */
  nowMs(): number {
    return Number(this.ns / 1_000_000n) + Number(this.ns % 1_000_000n) / 1e6;
  }

  /** Nanoseconds since the clock was created (plus one second, so it is never 0). */
  monotonic(): bigint {
    return this.ns - this.startNs + 1_000_000_000n;
  }

  /** Runs `fire` once the clock reaches now + `delayMs`. */
  schedule(delayMs: number, fire: () => void): TimerHandle {
    const t: Timer = { due: this.ns + BigInt(Math.max(0, Math.round(delayMs))) * 1_000_000n, seq: this.seq++, fire, cancelled: false };
    this.timers.push(t);
    return {
      cancel: () => {
        t.cancelled = true;
        // Dropped at once, so a cancelled timer does not keep what its callback holds.
        if (!this.advancing) {
          const i = this.timers.indexOf(t);
          if (i >= 0) this.timers.splice(i, 1);
        }
      },
    };
  }

  /** Timers not yet fired or cancelled. */
  get pendingTimers(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }

  /**
   * Moves time forward by `ms` milliseconds, firing every timer that falls due on the way,
   * each at its own due time (a timer armed while firing fires too if it falls in range).
   */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`advance(${ms}): time only moves forward`);
    if (this.advancing) throw new Error("advance() was called from inside a timer");
    const target = this.ns + BigInt(Math.round(ms * 1_000_000));
    this.advancing = true;
    try {
      for (;;) {
        this.timers = this.timers.filter((t) => !t.cancelled);
        let next: Timer | undefined;
        for (const t of this.timers) {
          if (t.due <= target && (next === undefined || t.due < next.due || (t.due === next.due && t.seq < next.seq))) next = t;
        }
        if (next === undefined) break;
        next.cancelled = true;
        if (next.due > this.ns) this.ns = next.due;
        next.fire();
      }
      this.ns = target;
    } finally {
      this.advancing = false;
    }
  }
}
