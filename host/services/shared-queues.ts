// Shared queues (docs/envoy-semantics.md, "Shared queues"): named by (vm_id, name), with
// tokens unique in the process. The last registrant of a queue gets its notifications.
import { WasmResult } from "../abi/enums.js";

/** Who receives proxy_on_queue_ready for a queue: the last registrant. */
export interface QueueTarget {
  notify(token: number): void;
}

interface Queue {
  token: number;
  items: Uint8Array[];
  /** null once the registrant's plugin is gone: items wait, nobody is notified. */
  target: QueueTarget | null;
}

export class SharedQueues {
  private readonly byName = new Map<string, Queue>();
  private readonly byToken = new Map<number, Queue>();
  private nextToken = 1;

  register(vmId: string, name: string, target: QueueTarget): number {
    const key = `${vmId}\0${name}`;
    let q = this.byName.get(key);
    if (!q) {
      q = { token: this.nextToken++, items: [], target };
      this.byName.set(key, q);
      this.byToken.set(q.token, q);
    }
    q.target = target; // a later registration replaces the notification target
    return q.token;
  }

  resolve(vmId: string, name: string): number | undefined {
    return this.byName.get(`${vmId}\0${name}`)?.token;
  }

  /** Appends an item and notifies the registrant; NotFound for an unknown token. */
  enqueue(token: number, value: Uint8Array): WasmResult {
    const q = this.byToken.get(token);
    if (!q) return WasmResult.NotFound;
    q.items.push(value);
    q.target?.notify(token);
    return WasmResult.Ok;
  }

  dequeue(token: number): { result: WasmResult; value?: Uint8Array } {
    const q = this.byToken.get(token);
    if (!q) return { result: WasmResult.NotFound };
    const value = q.items.shift();
    return value ? { result: WasmResult.Ok, value } : { result: WasmResult.Empty };
  }

  /** Forgets a registrant whose plugin is gone, so the process no longer holds it; its queues stay. */
  release(target: QueueTarget): void {
    for (const q of this.byToken.values()) if (q.target === target) q.target = null;
  }

  /** Items waiting in a queue, or undefined for an unknown queue. */
  size(token: number): number | undefined {
    return this.byToken.get(token)?.items.length;
  }
}
