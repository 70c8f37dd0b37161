// Bounds-checked access to the guest's linear memory (reference §1, §8). Views are
// re-created whenever `memory.buffer` changes, because growing memory detaches the old
// ArrayBuffer.
import { Buffer } from "node:buffer";
import { WasmResult } from "./abi/enums.js";

export class GuestMemory {
  private ab: ArrayBuffer;
  private _buf: Buffer;
  private _dv: DataView;

  /**
   * @param memory the module's memory
   * @param allocate calls the guest allocator; returns 0 on failure
   */
  constructor(
    readonly memory: WebAssembly.Memory,
    private readonly allocate: (size: number) => number,
  ) {
    this.ab = memory.buffer;
    this._buf = Buffer.from(this.ab);
    this._dv = new DataView(this.ab);
  }

  /** A Buffer over the current memory (valid until the next call into the guest). */
  get buf(): Buffer {
    if (this.memory.buffer !== this.ab) this.refresh();
    return this._buf;
  }

  get dv(): DataView {
    if (this.memory.buffer !== this.ab) this.refresh();
    return this._dv;
  }

  private refresh(): void {
    this.ab = this.memory.buffer;
    this._buf = Buffer.from(this.ab);
    this._dv = new DataView(this.ab);
  }

  /** Whether [ptr, ptr+len) lies inside memory; (0, 0) is always valid. Arguments are u32. */
  inBounds(ptr: number, len: number): boolean {
    return (ptr >>> 0) + (len >>> 0) <= this.buf.length;
  }

  /** A view (not a copy) of guest bytes, or null when out of bounds. */
  view(ptr: number, len: number): Uint8Array | null {
    ptr >>>= 0;
    len >>>= 0;
    const b = this.buf;
    if (ptr + len > b.length) return null;
    return b.subarray(ptr, ptr + len);
  }

  /** A copy of guest bytes, or null when out of bounds. */
  copy(ptr: number, len: number): Uint8Array | null {
    const v = this.view(ptr, len);
    return v === null ? null : new Uint8Array(v);
  }

  /** Guest bytes decoded as UTF-8, or null when out of bounds. */
  string(ptr: number, len: number): string | null {
    ptr >>>= 0;
    len >>>= 0;
    const b = this.buf;
    if (ptr + len > b.length) return null;
    return len === 0 ? "" : b.toString("utf8", ptr, ptr + len);
  }

  setU32(ptr: number, value: number): boolean {
    ptr >>>= 0;
    const dv = this.dv;
    if (ptr + 4 > dv.byteLength) return false;
    dv.setUint32(ptr, value >>> 0, true);
    return true;
  }

  setU64(ptr: number, value: bigint): boolean {
    ptr >>>= 0;
    const dv = this.dv;
    if (ptr + 8 > dv.byteLength) return false;
    dv.setBigUint64(ptr, BigInt.asUintN(64, value), true);
    return true;
  }

  getU32(ptr: number): number | null {
    ptr >>>= 0;
    const dv = this.dv;
    if (ptr + 4 > dv.byteLength) return null;
    return dv.getUint32(ptr, true);
  }

  /**
   * Allocates `size` bytes in the guest, lets `fill` write them, and stores (address, size)
   * at the out-pointers. Size 0 writes (0, 0) without calling the allocator.
   */
  copyOutWith(size: number, ptrPtr: number, sizePtr: number, fill: (buf: Buffer, at: number) => void): WasmResult {
    let addr = 0;
    if (size > 0) {
      addr = this.allocate(size) >>> 0;
      if (addr === 0) return WasmResult.InvalidMemoryAccess;
      const b = this.buf; // the allocator may have grown memory
      if (addr + size > b.length) return WasmResult.InvalidMemoryAccess;
      fill(b, addr);
    }
    if (!this.setU32(ptrPtr, addr) || !this.setU32(sizePtr, size)) return WasmResult.InvalidMemoryAccess;
    return WasmResult.Ok;
  }

  copyOut(data: Uint8Array, ptrPtr: number, sizePtr: number): WasmResult {
    return this.copyOutWith(data.length, ptrPtr, sizePtr, (b, at) => b.set(data, at));
  }

  copyOutString(s: string, ptrPtr: number, sizePtr: number): WasmResult {
    return this.copyOutWith(Buffer.byteLength(s), ptrPtr, sizePtr, (b, at) => {
      b.write(s, at, "utf8");
    });
  }
}
