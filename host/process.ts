// One Envoy process as the plugins inside it see it (docs/host-layout.md): the state that
// Envoy keeps process-wide rather than per VM — shared data, shared queues, downstream
// connection ids and the clock. Plugins given the same ProxyProcess share that state; a
// fresh ProxyProcess is a fresh world (what a test wants), with no global state to reset.
import { REAL_CLOCK, VirtualClock, type Clock } from "./clock.js";
import { SharedData } from "./services/shared-data.js";
import { SharedQueues } from "./services/shared-queues.js";

export interface ProxyProcessOptions {
  /**
   * Where time comes from: real time (default), "virtual" (a fresh VirtualClock starting at
   * 2024-01-01T00:00:00Z) or a clock object.
   */
  clock?: Clock | "virtual" | "real";
}

/** A clock option as a clock: "virtual" makes a fresh VirtualClock. */
export function clockOf(c: ProxyProcessOptions["clock"]): Clock {
  if (c === undefined || c === "real") return REAL_CLOCK;
  if (c === "virtual") return new VirtualClock();
  return c;
}

export class ProxyProcess {
  /** Shared data of every VM in the process, scoped by vm_id. */
  readonly sharedData = new SharedData();
  /** Shared queues of every VM in the process. */
  readonly queues = new SharedQueues();
  /** The clock plugins read unless they were given their own. */
  readonly clock: Clock;
  private nextConnection = 1;

  constructor(options: ProxyProcessOptions = {}) {
    this.clock = clockOf(options.clock);
  }

  /** A new downstream connection id (`connection.id`), unique in the process like Envoy's. */
  nextConnectionId(): number {
    return this.nextConnection++;
  }

  /** Moves the process's virtual clock forward, firing every plugin's timers that fall due. */
  advanceTime(ms: number): void {
    if (!(this.clock instanceof VirtualClock)) throw new Error('advanceTime needs a virtual clock: new ProxyProcess({ clock: "virtual" })');
    this.clock.advance(ms);
  }
}
