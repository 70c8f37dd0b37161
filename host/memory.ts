// Bounds-checked access to the guest's linear memory (docs/host-layout.md). Views are
// re-created whenever `memory.buffer` changes, because growing memory detaches the old
// ArrayBuffer.
import { Buffer, constants } from "node:buffer";
import { WasmResult } from "./abi/enums.js";
import { StringCache } from "./string-cache.js";

/** The longest guest text decoded into a string (V8's string limit, about 512 MiB; UTF-8 never decodes to more units than bytes). */
export const MAX_STRING_BYTES = constants.MAX_STRING_LENGTH;

/** Log messages (proxy_log, fd_write) longer than this are kept cut, with the number of bytes left out. */
export const MAX_LOG_MESSAGE_BYTES = 1 << 20;

/** A log message of `total` bytes from its first bytes, cut at MAX_LOG_MESSAGE_BYTES. */
export function logText(bytes: Uint8Array, total = bytes.length): string {
  if (total <= MAX_LOG_MESSAGE_BYTES) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("utf8");
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, MAX_LOG_MESSAGE_BYTES)).toString("utf8");
  return `${head}… [${total - MAX_LOG_MESSAGE_BYTES} more bytes not kept]`;
}

export class GuestMemory {
  // Fields are assigned in the constructor, not declared with ES2022 initialisers: a field
  // first defined as undefined loses V8's knowledge of its type, and these are read on
  // every host call.
  declare readonly memory: WebAssembly.Memory;
  private declare readonly allocate: (size: number) => number;
  private declare ab: ArrayBuffer | SharedArrayBuffer;
  private declare _buf: Buffer;
  private declare _dv: DataView;
  /** A shared memory grows without detaching its old buffer, so it is re-read on every access. */
  private declare readonly shared: boolean;
  private declare readonly strings: StringCache;

  /**
   * @param memory the module's memory
   * @param allocate calls the guest allocator; returns 0 on failure
   */
  constructor(memory: WebAssembly.Memory, allocate: (size: number) => number) {
    this.memory = memory;
    this.allocate = allocate;
    this.ab = memory.buffer;
    this.shared = !(this.ab instanceof ArrayBuffer);
    this._buf = Buffer.from(this.ab);
    this._dv = new DataView(this.ab);
    this.strings = new StringCache();
  }

  /** A Buffer over the current memory (valid until the next call into the guest). */
  get buf(): Buffer {
    // Reading `memory.buffer` is a native call; a detached view (length 0) tells that
    // memory grew far more cheaply.
    if (this._buf.length === 0 || this.shared) this.sync();
    return this._buf;
  }

  get dv(): DataView {
    if (this._buf.length === 0 || this.shared) this.sync();
    return this._dv;
  }

  private sync(): void {
    const ab = this.memory.buffer;
    if (ab === this.ab) return;
    this.ab = ab;
    this._buf = Buffer.from(ab);
    this._dv = new DataView(ab);
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

  /**
   * Guest bytes decoded as UTF-8, or null when out of bounds or longer than a JavaScript
   * string can be (MAX_STRING_BYTES): the host call then returns a status instead of
   * failing the VM.
   */
  string(ptr: number, len: number): string | null {
    ptr >>>= 0;
    len >>>= 0;
    const b = this.buf;
    if (ptr + len > b.length || len > MAX_STRING_BYTES) return null;
    return len === 0 ? "" : this.strings.decode(b, this._dv, ptr, len);
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
    const addr = this.reserve(size);
    if (addr < 0) return WasmResult.InvalidMemoryAccess;
    if (size > 0) fill(this._buf, addr);
    return this.publish(addr, size, ptrPtr, sizePtr);
  }

  // copyOut, copyOutString and copyOutEmpty are copyOutWith without a closure per call.

  copyOut(data: Uint8Array, ptrPtr: number, sizePtr: number): WasmResult {
    const addr = this.reserve(data.length);
    if (addr < 0) return WasmResult.InvalidMemoryAccess;
    if (data.length > 0) this._buf.set(data, addr);
    return this.publish(addr, data.length, ptrPtr, sizePtr);
  }

  copyOutString(s: string, ptrPtr: number, sizePtr: number): WasmResult {
    const size = Buffer.byteLength(s);
    const addr = this.reserve(size);
    if (addr < 0) return WasmResult.InvalidMemoryAccess;
    if (size > 0) this._buf.write(s, addr, "utf8");
    return this.publish(addr, size, ptrPtr, sizePtr);
  }

  /** Stores (0, 0): an empty answer. */
  copyOutEmpty(ptrPtr: number, sizePtr: number): WasmResult {
    return this.publish(0, 0, ptrPtr, sizePtr);
  }

  /**
   * Guest memory for `size` bytes: the address (0 for size 0, without calling the
   * allocator), or -1 when the allocator fails. Afterwards `_buf` is current.
   */
  private reserve(size: number): number {
    if (size === 0) return 0;
    const addr = this.allocate(size) >>> 0;
    if (addr === 0) return -1;
    // The allocator may have grown memory.
    if (addr + size > this.buf.length) return -1;
    return addr;
  }

  private publish(addr: number, size: number, ptrPtr: number, sizePtr: number): WasmResult {
    if (!this.setU32(ptrPtr, addr) || !this.setU32(sizePtr, size)) return WasmResult.InvalidMemoryAccess;
    return WasmResult.Ok;
  }
}
