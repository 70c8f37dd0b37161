// Shared data (a key-value store with compare-and-swap) and shared queues: the
// only channels between plugins and worker VMs (docs/sdk.md, "Shared data and queues").
import {
  proxy_dequeue_shared_queue, proxy_enqueue_shared_queue, proxy_get_shared_data, proxy_register_shared_queue,
  proxy_resolve_shared_queue, proxy_set_shared_data,
} from "../abi/imports";
import { WasmResult } from "../abi/enums";
import { OUT_PTR, OUT_SIZE, OUT_U64, stage, stagePair, stagedLen, stagedLen2, stagedPtr, stagedPtr2, takeResultBytes } from "../runtime/memory";
import { Handle } from "./handle";

/** A stored value and the CAS it was read at. */
export class SharedValue {
  constructor(public readonly value: ArrayBuffer, public readonly cas: u32) {}
  text(): string { return String.UTF8.decode(this.value); }
}

/** Computes a new value from the current one for SharedData.update; return null to leave the key as it is. */
export class SharedDataUpdater {
  next(current: SharedValue | null): ArrayBuffer | null { return null; }
}

export namespace SharedData {
  /** The value of `key` with its CAS, or null when the key was never set. */
  export function get(key: string): SharedValue | null {
    stage(key);
    if (proxy_get_shared_data(stagedPtr, stagedLen, OUT_PTR, OUT_SIZE, OUT_U64) != WasmResult.Ok) return null;
    const cas = load<u32>(OUT_U64);
    return new SharedValue(takeResultBytes(), cas);
  }

  /** Stores `value`. With `cas` 0 the write is unconditional; otherwise it fails with CasMismatch if someone wrote since that CAS. */
  export function set(key: string, value: ArrayBuffer, cas: u32 = 0): WasmResult {
    stage(key);
    return <WasmResult>proxy_set_shared_data(stagedPtr, stagedLen, changetype<usize>(value), <usize>value.byteLength, cas);
  }

  export function setText(key: string, value: string, cas: u32 = 0): WasmResult {
    stagePair(key, value);
    return <WasmResult>proxy_set_shared_data(stagedPtr, stagedLen, stagedPtr2, stagedLen2, cas);
  }

  /**
   * Read-modify-write that retries on CasMismatch, at most `maxAttempts`
   * times. Returns Ok, CasMismatch when every attempt lost the race, or the
   * host's error. An updater returning null stops with Ok and writes nothing.
   */
  export function update(key: string, updater: SharedDataUpdater, maxAttempts: i32 = 8): WasmResult {
    let result = WasmResult.CasMismatch;
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      const current = get(key);
      const next = updater.next(current);
      if (next === null) return WasmResult.Ok;
      // A key that does not exist yet is written unconditionally by the host
      // whatever the CAS, so a first writer that races another may overwrite it.
      result = set(key, next, current !== null ? current.cas : 0);
      if (result != WasmResult.CasMismatch) return result;
    }
    return result;
  }
}

export namespace SharedQueue {
  /** Creates (or re-opens) the queue `name` of this VM id, making this root the one notified by onQueueReady. */
  export function register(name: string): Handle {
    stage(name);
    return Handle.fromHost(proxy_register_shared_queue(stagedPtr, stagedLen, OUT_PTR));
  }

  /** The queue `name` registered by `vmId` ("" for this VM id); status NotFound when there is none. */
  export function resolve(vmId: string, name: string): Handle {
    stagePair(vmId, name);
    return Handle.fromHost(proxy_resolve_shared_queue(stagedPtr, stagedLen, stagedPtr2, stagedLen2, OUT_PTR));
  }

  export function enqueue(token: u32, data: ArrayBuffer): WasmResult {
    return <WasmResult>proxy_enqueue_shared_queue(token, changetype<usize>(data), <usize>data.byteLength);
  }

  export function enqueueText(token: u32, text: string): WasmResult {
    stage(text);
    return <WasmResult>proxy_enqueue_shared_queue(token, stagedPtr, stagedLen);
  }

  /** The oldest item, or null when the queue is empty (or unknown). */
  export function dequeue(token: u32): ArrayBuffer | null {
    if (proxy_dequeue_shared_queue(token, OUT_PTR, OUT_SIZE) != WasmResult.Ok) return null;
    return takeResultBytes();
  }
}
