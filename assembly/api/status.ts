// The status the host attached to the last call that reported one (a gRPC
// close, a failed callout): proxy_get_status.
import { proxy_get_status } from "../abi/imports";
import { WasmResult } from "../abi/enums";
import { OUT_PTR, OUT_SIZE, OUT_U64, takeResultBytes } from "../runtime/memory";

/** A host status code and its message bytes. */
export class HostStatus {
  constructor(public readonly code: u32, public readonly message: ArrayBuffer) {}
}

/** The host's last status, or null when it has none to give. */
export function hostStatus(): HostStatus | null {
  if (proxy_get_status(OUT_U64, OUT_PTR, OUT_SIZE) != WasmResult.Ok) return null;
  const code = load<u32>(OUT_U64);
  return new HostStatus(code, takeResultBytes());
}
