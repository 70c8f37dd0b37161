// Foreign functions: host extensions called by name (Envoy's compress,
// uncompress, clear_route_cache, …).
import { proxy_call_foreign_function } from "../abi/imports";
import { WasmResult } from "../abi/enums";
import { OUT_PTR, OUT_SIZE, stage, stagedLen, stagedPtr, takeResultBytes } from "../runtime/memory";

/** The result of a foreign function call: the host's status and, when Ok, the returned bytes (null otherwise). */
export class ForeignResult {
  constructor(public readonly status: WasmResult, public readonly data: ArrayBuffer | null) {}
  get ok(): bool { return this.status == WasmResult.Ok; }
}

/** Calls the host function `name` with `args`; NotFound when the host has no such function. */
export function callForeignFunction(name: string, args: ArrayBuffer): ForeignResult {
  stage(name);
  const status = <WasmResult>proxy_call_foreign_function(
    stagedPtr, stagedLen, changetype<usize>(args), <usize>args.byteLength, OUT_PTR, OUT_SIZE);
  return new ForeignResult(status, status == WasmResult.Ok ? takeResultBytes() : null);
}
