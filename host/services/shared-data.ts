// Shared key-value data (docs/envoy-semantics.md, "Shared data"): scoped by vm_id, with one
// CAS counter for the whole process. One instance belongs to one ProxyProcess.
import { WasmResult } from "../abi/enums.js";

export interface SharedEntry {
  value: Uint8Array;
  cas: number;
}

export class SharedData {
  private readonly scopes = new Map<string, Map<string, SharedEntry>>();
  private nextCas = 1;

  get(vmId: string, key: string): SharedEntry | undefined {
    return this.scopes.get(vmId)?.get(key);
  }

  /** Writes a value; CAS 0 writes unconditionally, another CAS must match the current one. */
  set(vmId: string, key: string, value: Uint8Array, cas: number): WasmResult {
    let scope = this.scopes.get(vmId);
    if (!scope) {
      scope = new Map();
      this.scopes.set(vmId, scope);
    }
    const existing = scope.get(key);
    if (existing && cas !== 0 && existing.cas !== cas) return WasmResult.CasMismatch;
    scope.set(key, { value, cas: this.takeCas() });
    return WasmResult.Ok;
  }

  /** Drops a vm_id's data, or everything (Envoy does so when the last VM with that vm_id goes away). */
  clear(vmId?: string): void {
    if (vmId === undefined) this.scopes.clear();
    else this.scopes.delete(vmId);
  }

  private takeCas(): number {
    const cas = this.nextCas;
    this.nextCas = cas >= 0xffffffff ? 1 : cas + 1; // 0 is never handed out
    return cas;
  }
}
