// Shared key-value data and shared queues (reference §4.8, §4.9, §9.10). Both are
// process-wide: data is scoped by vm_id with one CAS counter for the whole process,
// queues by (vm_id, name) with process-wide tokens.
import { WasmResult } from "../abi/enums.js";

interface Entry {
  value: Uint8Array;
  cas: number;
}

const sharedData = new Map<string, Map<string, Entry>>();
let nextCas = 1;

function takeCas(): number {
  const cas = nextCas;
  nextCas = nextCas >= 0xffffffff ? 1 : nextCas + 1; // 0 is never handed out
  return cas;
}

export function getSharedData(vmId: string, key: string): Entry | undefined {
  return sharedData.get(vmId)?.get(key);
}

export function setSharedData(vmId: string, key: string, value: Uint8Array, cas: number): WasmResult {
  let scope = sharedData.get(vmId);
  if (!scope) {
    scope = new Map();
    sharedData.set(vmId, scope);
  }
  const existing = scope.get(key);
  if (existing && cas !== 0 && existing.cas !== cas) return WasmResult.CasMismatch;
  scope.set(key, { value, cas: takeCas() });
  return WasmResult.Ok;
}

/** Drops a vm_id's data (Envoy does so when the last VM with that vm_id goes away). */
export function clearSharedData(vmId?: string): void {
  if (vmId === undefined) sharedData.clear();
  else sharedData.delete(vmId);
}

/** Who receives proxy_on_queue_ready for a queue: the last registrant. */
export interface QueueTarget {
  notify(token: number): void;
}

interface Queue {
  token: number;
  vmId: string;
  name: string;
  items: Uint8Array[];
  target: QueueTarget;
}

const queuesByName = new Map<string, Queue>();
const queuesByToken = new Map<number, Queue>();
let nextQueueToken = 1;

export function registerQueue(vmId: string, name: string, target: QueueTarget): number {
  const key = `${vmId}\0${name}`;
  let q = queuesByName.get(key);
  if (!q) {
    q = { token: nextQueueToken++, vmId, name, items: [], target };
    queuesByName.set(key, q);
    queuesByToken.set(q.token, q);
  }
  q.target = target; // a later registration replaces the notification target
  return q.token;
}

export function resolveQueue(vmId: string, name: string): number | undefined {
  return queuesByName.get(`${vmId}\0${name}`)?.token;
}

export function enqueue(token: number, value: Uint8Array): WasmResult {
  const q = queuesByToken.get(token);
  if (!q) return WasmResult.NotFound;
  q.items.push(value);
  q.target.notify(token);
  return WasmResult.Ok;
}

/** Items waiting in a queue, or undefined for an unknown queue. */
export function queueSize(token: number): number | undefined {
  return queuesByToken.get(token)?.items.length;
}

/** Puts an item on a queue from outside any VM (a test playing another worker); NotFound if unknown. */
export function enqueueFromHost(token: number, value: Uint8Array): WasmResult {
  return enqueue(token, value);
}

export function dequeue(token: number): { result: WasmResult; value?: Uint8Array } {
  const q = queuesByToken.get(token);
  if (!q) return { result: WasmResult.NotFound };
  const value = q.items.shift();
  return value ? { result: WasmResult.Ok, value } : { result: WasmResult.Empty };
}
