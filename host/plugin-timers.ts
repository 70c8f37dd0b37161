// A plugin's timers on its clock (docs/envoy-semantics.md, "Timers and time"): the root
// context's tick (one timer, replaced when the period changes, re-armed after each tick)
// and HTTP-callout timeouts, which fire by themselves on a clock that can schedule (a
// virtual clock as it advances, RealTimerClock on real time).
import { VirtualClock, type Clock, type TimerHandle } from "./clock.js";
import { HTTP_CALL_TIMEOUT_RESPONSE, type CalloutAnswers } from "./callout-answers.js";
import type { PluginLifecycle } from "./plugin-lifecycle.js";
import type { RootContext } from "./root-context.js";
import type { Vm } from "./vm.js";

export class PluginTimers {
  private tickTimer: TimerHandle | null = null;
  private readonly httpTimeouts = new Set<TimerHandle>();

  constructor(
    private readonly clock: Clock,
    private readonly vm: Vm,
    private readonly root: RootContext,
    private readonly lifecycle: PluginLifecycle,
    private readonly answers: CalloutAnswers,
  ) {}

  /** proxy_on_tick once, now, if a period is set (whatever the clock). */
  tick(): void {
    if (this.root.tickPeriodMs === 0) return;
    this.lifecycle.rootCallback(() => this.vm.invoke(this.root, "proxy_on_tick", this.root.id));
  }

  /** Envoy's timer per root context: setting the period replaces the timer. */
  armTick(periodMs: number): void {
    this.tickTimer?.cancel();
    this.tickTimer = null;
    if (periodMs > 0 && this.clock.schedule !== undefined) {
      this.tickTimer = this.clock.schedule(periodMs, () => this.fireTick());
    }
  }

  private fireTick(): void {
    this.tickTimer = null;
    const { vm, root } = this;
    // Without proxy_on_tick Envoy does not re-arm the timer.
    if (vm.failed || !vm.has("proxy_on_tick") || !this.lifecycle.rootAlive) return;
    vm.invoke(root, "proxy_on_tick", root.id);
    this.lifecycle.afterRootCallback();
    // Re-armed after each tick; a period set inside onTick already replaced the timer.
    if (this.tickTimer === null && root.tickPeriodMs > 0 && !vm.failed) this.armTick(root.tickPeriodMs);
  }

  /** On a clock that schedules, Envoy's async client answers a timed-out call with a 504. */
  armHttpTimeout(token: number, timeoutMs: number): void {
    if (timeoutMs === 0 || this.clock.schedule === undefined) return;
    const handle = this.clock.schedule(timeoutMs, () => {
      this.httpTimeouts.delete(handle);
      if (!this.vm.callouts.pendingHttp.has(token)) return;
      this.answers.respondHttpCall(token, HTTP_CALL_TIMEOUT_RESPONSE);
    });
    this.httpTimeouts.add(handle);
  }

  /** Cancels every timer: the plugin is gone. */
  stop(): void {
    this.tickTimer?.cancel();
    this.tickTimer = null;
    for (const t of this.httpTimeouts) t.cancel();
    this.httpTimeouts.clear();
  }

  /** Moves the virtual clock forward, firing ticks and callout timeouts as they fall due. */
  advance(ms: number): void {
    if (!(this.clock instanceof VirtualClock)) {
      throw new Error('advanceTime needs a virtual clock: startPlugin({ …, clock: "virtual" })');
    }
    this.clock.advance(ms);
  }
}
