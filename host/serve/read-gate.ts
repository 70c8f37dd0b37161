// Whether serve reads from one socket. Reading stops for one or more reasons at once (the
// other side cannot take more bytes, the filters hold too many) and starts again only when
// none is left, as Envoy counts its read-disables (docs/serve.md, "TCP").
import type net from "node:net";

export type StopReason = "peer-backlog" | "buffer-limit";

export class ReadGate {
  private readonly reasons = new Set<StopReason>();

  /** `onChange(true)` when reading stops, `onChange(false)` when it starts again. */
  constructor(
    private readonly socket: net.Socket,
    private readonly onChange: (stopped: boolean) => void,
  ) {}

  get stopped(): boolean {
    return this.reasons.size > 0;
  }

  /** Stops reading for `reason`; false if it was already stopped for it. */
  stop(reason: StopReason): boolean {
    if (this.reasons.has(reason)) return false;
    this.reasons.add(reason);
    if (this.reasons.size === 1) {
      this.socket.pause();
      this.onChange(true);
    }
    return true;
  }

  /** Lifts `reason`; reading starts again once no reason is left. */
  start(reason: StopReason): void {
    if (!this.reasons.delete(reason) || this.reasons.size > 0) return;
    this.socket.resume();
    this.onChange(false);
  }
}
