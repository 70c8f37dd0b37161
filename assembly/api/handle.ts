// The result of a host call that hands back a token (a callout, a shared
// queue): the host's status and, when it is Ok, the token (docs/sdk-errors.md).
import { WasmResult } from "../abi/enums";
import { OUT_PTR } from "../runtime/memory";

/** What starting a callout or opening a queue gave: the host's status and, when `ok`, the token. */
export class Handle {
  constructor(public readonly status: WasmResult, public readonly token: u32) {}
  get ok(): bool { return this.status == WasmResult.Ok; }

  /** @internal The handle for a host call's status, with the token the host wrote at OUT_PTR when it is Ok. */
  static fromHost(status: u32): Handle {
    return new Handle(<WasmResult>status, status == WasmResult.Ok ? load<u32>(OUT_PTR) : 0);
  }
}
