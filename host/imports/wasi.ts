// WASI preview1 as Envoy provides it (docs/envoy-semantics.md, "WASI"), offered under both
// `wasi_snapshot_preview1` and `wasi_unstable`.
import { randomFillSync } from "node:crypto";
import { Buffer } from "node:buffer";
import { Errno, LogLevel } from "../abi/enums.js";
import type { Vm } from "../vm.js";
import { logText, MAX_LOG_MESSAGE_BYTES } from "../memory.js";
import { hostCall, type ImportDef } from "./registry.js";

/** fd 1 → info, fd 2 → error; iovecs concatenated, one trailing newline dropped; long text cut (logText). */
function writeToLog(vm: Vm, fd: number, iovs: number, iovsLen: number, nwrittenPtr: number): number {
  if (fd !== 1 && fd !== 2) return Errno.Badf;
  const count = iovsLen >>> 0;
  if (count > 0x1fffffff || !vm.mem.inBounds(iovs, count * 8)) return Errno.Fault;
  const parts: Uint8Array[] = [];
  let total = 0;
  for (let i = 0; i < count; i++) {
    const ptr = vm.mem.getU32(iovs + i * 8)!;
    const len = vm.mem.getU32(iovs + i * 8 + 4)!;
    // Views, not copies: nothing runs in the guest before they are read.
    const part = vm.mem.view(ptr, len);
    if (part === null) return Errno.Fault;
    parts.push(part);
    total += len;
  }
  if (!vm.mem.setU32(nwrittenPtr, total)) return Errno.Fault;
  const level = fd === 1 ? LogLevel.Info : LogLevel.Error;
  if (vm.wantsLog(level)) {
    // Only what the log keeps is gathered, however long the writes are.
    const kept = Buffer.alloc(Math.min(total, MAX_LOG_MESSAGE_BYTES));
    let at = 0;
    for (const part of parts) {
      if (at >= kept.length) break;
      const n = Math.min(part.length, kept.length - at);
      kept.set(part.subarray(0, n), at);
      at += n;
    }
    let text = logText(kept, total);
    if (total <= MAX_LOG_MESSAGE_BYTES && text.endsWith("\n")) text = text.slice(0, -1);
    vm.log(level, text, vm.effective.id);
  }
  return Errno.Success;
}

const returns = (errno: number) => () => () => errno;

/** Stubs added to cpp-host for compiler-generated initialisers; allowed during start-up. */
const STUBS: Array<[string, number]> = [
  ["fd_advise", Errno.Notsup],
  ["fd_allocate", Errno.Notsup],
  ["fd_datasync", Errno.Notsup],
  ["fd_fdstat_set_rights", Errno.Notsup],
  ["fd_filestat_set_size", Errno.Notsup],
  ["fd_filestat_set_times", Errno.Notsup],
  ["fd_pread", Errno.Nosys],
  ["fd_readdir", Errno.Notdir],
  ["fd_renumber", Errno.Notsup],
  ["fd_sync", Errno.Notsup],
  ["fd_tell", Errno.Notsup],
  ["path_create_directory", Errno.Notsup],
  ["path_filestat_set_times", Errno.Notsup],
  // cpp-host declares path_link with 6 and path_symlink with 4 parameters (WASI has 7 and 5).
  ["path_link", Errno.Notsup],
  ["path_readlink", Errno.Notsup],
  ["path_remove_directory", Errno.Notsup],
  ["path_rename", Errno.Notsup],
  ["path_symlink", Errno.Notsup],
  ["path_unlink_file", Errno.Notsup],
  ["sock_accept", Errno.Notsup],
  ["sock_recv", Errno.Notsup],
  ["sock_send", Errno.Notsup],
  ["sock_shutdown", Errno.Notsup],
];

export const wasiImports: ImportDef[] = [
  hostCall("fd_write", (vm) => (fd: number, iovs: number, n: number, nw: number) => writeToLog(vm, fd, iovs, n, nw)),
  hostCall("fd_pwrite", (vm) => (fd: number, iovs: number, n: number, _offset: bigint, nw: number) => writeToLog(vm, fd, iovs, n, nw)
  ),
  hostCall("fd_read", returns(Errno.Nosys)),
  hostCall("fd_seek", (vm) => () => {
    vm.log(LogLevel.Trace, "wasi fd_seek is not supported", vm.effective.id);
    return Errno.Success;
  }),
  hostCall("fd_close", (vm) => () => {
    vm.log(LogLevel.Trace, "wasi fd_close is not supported", vm.effective.id);
    return Errno.Success;
  }),
  hostCall("fd_fdstat_get", (vm) => (fd: number, statPtr: number) => {
      if (fd !== 1 && fd !== 2) return Errno.Badf;
      const view = vm.mem.view(statPtr, 24);
      if (view === null) return Errno.Fault;
      view.fill(0);
      vm.mem.setU64(statPtr + 8, 64n); // rights_base
      return Errno.Success;
    }
  ),
  hostCall("fd_fdstat_set_flags", returns(Errno.Nosys)),
  hostCall("fd_prestat_get", returns(Errno.Badf)),
  hostCall("fd_prestat_dir_name", returns(Errno.Nosys)),
  hostCall("fd_filestat_get", returns(Errno.Badf)),
  hostCall("path_open", returns(Errno.Noent)),
  hostCall("path_filestat_get", returns(Errno.Notsup)),
  hostCall("environ_sizes_get", (vm) => (countPtr: number, sizePtr: number) => {
      const size = vm.environment.reduce((n, s) => n + Buffer.byteLength(s) + 1, 0);
      return vm.mem.setU32(countPtr, vm.environment.length) && vm.mem.setU32(sizePtr, size) ? Errno.Success : Errno.Fault;
    }
  ),
  hostCall("environ_get", (vm) => (environPtr: number, bufPtr: number) => {
      let at = bufPtr >>> 0;
      for (let i = 0; i < vm.environment.length; i++) {
        const bytes = Buffer.from(vm.environment[i] + "\0", "utf8");
        const dst = vm.mem.view(at, bytes.length);
        if (dst === null || !vm.mem.setU32(environPtr + i * 4, at)) return Errno.Fault;
        dst.set(bytes);
        at += bytes.length;
      }
      return Errno.Success;
    }
  ),
  hostCall("args_sizes_get", (vm) => (argcPtr: number, sizePtr: number) => (vm.mem.setU32(argcPtr, 0) && vm.mem.setU32(sizePtr, 0) ? Errno.Success : Errno.Fault)
  ),
  hostCall("args_get", returns(Errno.Success)),
  hostCall("clock_time_get", (vm) => (clock: number, _precision: bigint, timePtr: number) => {
      let t: bigint;
      if (clock === 0) t = vm.clock.now();
      else if (clock === 1) t = vm.clock.monotonic();
      else return Errno.Notsup;
      return vm.mem.setU64(timePtr, t) ? Errno.Success : Errno.Fault;
    }
  ),
  hostCall("clock_res_get", (vm) => (clock: number, resPtr: number) => {
      if (clock !== 0 && clock !== 1) return Errno.Notsup;
      return vm.mem.setU64(resPtr, 1n) ? Errno.Success : Errno.Fault;
    }
  ),
  hostCall("random_get", (vm) => (ptr: number, len: number) => {
      if (len >>> 0 > 65536) return Errno.Inval;
      const view = vm.mem.view(ptr, len);
      if (view === null) return Errno.Fault;
      randomFillSync(view);
      return Errno.Success;
    }
  ),
  hostCall("sched_yield", returns(Errno.Success)),
  hostCall("poll_oneoff", (vm) => (_in: number, _out: number, _n: number, neventsPtr: number) => (vm.mem.setU32(neventsPtr, 0) ? Errno.Success : Errno.Fault)
  ),
  hostCall("proc_exit", (vm) => (code: number) => {
    // Envoy only logs; execution continues after the call.
    vm.log(LogLevel.Trace, `wasi proc_exit(${code}) called; execution continues`, vm.effective.id);
  }),
  ...STUBS.map(([name, errno]) => hostCall(name, returns(errno))),
];
