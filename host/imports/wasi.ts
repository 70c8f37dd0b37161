// WASI preview1 as Envoy provides it (docs/envoy-semantics.md, "WASI"), offered under both
// `wasi_snapshot_preview1` and `wasi_unstable`.
import { randomFillSync } from "node:crypto";
import { Buffer } from "node:buffer";
import { Errno, LogLevel } from "../abi/enums.js";
import type { Vm } from "../vm.js";
import { Allow, wasiImport, type ImportDef } from "./registry.js";

/** fd 1 → info, fd 2 → error; iovecs concatenated, one trailing newline dropped. */
function writeToLog(vm: Vm, fd: number, iovs: number, iovsLen: number, nwrittenPtr: number): number {
  if (fd !== 1 && fd !== 2) return Errno.Badf;
  const count = iovsLen >>> 0;
  if (count > 0x1fffffff || !vm.mem.inBounds(iovs, count * 8)) return Errno.Fault;
  const parts: Uint8Array[] = [];
  let total = 0;
  for (let i = 0; i < count; i++) {
    const ptr = vm.mem.getU32(iovs + i * 8)!;
    const len = vm.mem.getU32(iovs + i * 8 + 4)!;
    const part = vm.mem.copy(ptr, len);
    if (part === null) return Errno.Fault;
    parts.push(part);
    total += len;
  }
  if (!vm.mem.setU32(nwrittenPtr, total)) return Errno.Fault;
  const level = fd === 1 ? LogLevel.Info : LogLevel.Error;
  if (vm.wantsLog(level)) {
    let text = Buffer.concat(parts).toString("utf8");
    if (text.endsWith("\n")) text = text.slice(0, -1);
    vm.log(level, text, vm.effective.id);
  }
  return Errno.Success;
}

const returns = (errno: number) => () => () => errno;

/** Stubs added to cpp-host for compiler-generated initialisers; allowed during start-up. */
const STUBS: Array<[string, string, number]> = [
  ["fd_advise", "iIIi:i", Errno.Notsup],
  ["fd_allocate", "iII:i", Errno.Notsup],
  ["fd_datasync", "i:i", Errno.Notsup],
  ["fd_fdstat_set_rights", "iII:i", Errno.Notsup],
  ["fd_filestat_set_size", "iI:i", Errno.Notsup],
  ["fd_filestat_set_times", "iIIi:i", Errno.Notsup],
  ["fd_pread", "iiiIi:i", Errno.Nosys],
  ["fd_readdir", "iiiIi:i", Errno.Notdir],
  ["fd_renumber", "ii:i", Errno.Notsup],
  ["fd_sync", "i:i", Errno.Notsup],
  ["fd_tell", "ii:i", Errno.Notsup],
  ["path_create_directory", "iii:i", Errno.Notsup],
  ["path_filestat_set_times", "iiiiIIi:i", Errno.Notsup],
  // cpp-host declares path_link with 6 and path_symlink with 4 parameters (WASI has 7 and 5).
  ["path_link", "iiiiii:i", Errno.Notsup],
  ["path_readlink", "iiiiii:i", Errno.Notsup],
  ["path_remove_directory", "iii:i", Errno.Notsup],
  ["path_rename", "iiiiii:i", Errno.Notsup],
  ["path_symlink", "iiii:i", Errno.Notsup],
  ["path_unlink_file", "iii:i", Errno.Notsup],
  ["sock_accept", "iii:i", Errno.Notsup],
  ["sock_recv", "iiiiii:i", Errno.Notsup],
  ["sock_send", "iiiii:i", Errno.Notsup],
  ["sock_shutdown", "ii:i", Errno.Notsup],
];

export const wasiImports: ImportDef[] = [
  wasiImport("fd_write", "iiii:i", (vm) => (fd: number, iovs: number, n: number, nw: number) => writeToLog(vm, fd, iovs, n, nw), Allow.Alloc),
  wasiImport(
    "fd_pwrite",
    "iiiIi:i",
    (vm) => (fd: number, iovs: number, n: number, _offset: bigint, nw: number) => writeToLog(vm, fd, iovs, n, nw),
    Allow.Start,
  ),
  wasiImport("fd_read", "iiii:i", returns(Errno.Nosys)),
  wasiImport("fd_seek", "iIii:i", (vm) => () => {
    vm.log(LogLevel.Trace, "wasi fd_seek is not supported", vm.effective.id);
    return Errno.Success;
  }),
  wasiImport("fd_close", "i:i", (vm) => () => {
    vm.log(LogLevel.Trace, "wasi fd_close is not supported", vm.effective.id);
    return Errno.Success;
  }),
  wasiImport(
    "fd_fdstat_get",
    "ii:i",
    (vm) => (fd: number, statPtr: number) => {
      if (fd !== 1 && fd !== 2) return Errno.Badf;
      const view = vm.mem.view(statPtr, 24);
      if (view === null) return Errno.Fault;
      view.fill(0);
      vm.mem.setU64(statPtr + 8, 64n); // rights_base
      return Errno.Success;
    },
    Allow.Start,
  ),
  wasiImport("fd_fdstat_set_flags", "ii:i", returns(Errno.Nosys), Allow.Start),
  wasiImport("fd_prestat_get", "ii:i", returns(Errno.Badf), Allow.Start),
  wasiImport("fd_prestat_dir_name", "iii:i", returns(Errno.Nosys), Allow.Start),
  wasiImport("fd_filestat_get", "ii:i", returns(Errno.Badf), Allow.Start),
  wasiImport("path_open", "iiiiiIIii:i", returns(Errno.Noent)),
  wasiImport("path_filestat_get", "iiiii:i", returns(Errno.Notsup), Allow.Start),
  wasiImport(
    "environ_sizes_get",
    "ii:i",
    (vm) => (countPtr: number, sizePtr: number) => {
      const size = vm.environment.reduce((n, s) => n + Buffer.byteLength(s) + 1, 0);
      return vm.mem.setU32(countPtr, vm.environment.length) && vm.mem.setU32(sizePtr, size) ? Errno.Success : Errno.Fault;
    },
    Allow.Start,
  ),
  wasiImport(
    "environ_get",
    "ii:i",
    (vm) => (environPtr: number, bufPtr: number) => {
      let at = bufPtr >>> 0;
      for (let i = 0; i < vm.environment.length; i++) {
        const bytes = Buffer.from(vm.environment[i] + "\0", "utf8");
        const dst = vm.mem.view(at, bytes.length);
        if (dst === null || !vm.mem.setU32(environPtr + i * 4, at)) return Errno.Fault;
        dst.set(bytes);
        at += bytes.length;
      }
      return Errno.Success;
    },
    Allow.Start,
  ),
  wasiImport(
    "args_sizes_get",
    "ii:i",
    (vm) => (argcPtr: number, sizePtr: number) => (vm.mem.setU32(argcPtr, 0) && vm.mem.setU32(sizePtr, 0) ? Errno.Success : Errno.Fault),
    Allow.Start,
  ),
  wasiImport("args_get", "ii:i", returns(Errno.Success), Allow.Start),
  wasiImport(
    "clock_time_get",
    "iIi:i",
    (vm) => (clock: number, _precision: bigint, timePtr: number) => {
      let t: bigint;
      if (clock === 0) t = vm.clock.now();
      else if (clock === 1) t = vm.clock.monotonic();
      else return Errno.Notsup;
      return vm.mem.setU64(timePtr, t) ? Errno.Success : Errno.Fault;
    },
    Allow.Alloc,
  ),
  wasiImport(
    "clock_res_get",
    "ii:i",
    (vm) => (clock: number, resPtr: number) => {
      if (clock !== 0 && clock !== 1) return Errno.Notsup;
      return vm.mem.setU64(resPtr, 1n) ? Errno.Success : Errno.Fault;
    },
    Allow.Start,
  ),
  wasiImport(
    "random_get",
    "ii:i",
    (vm) => (ptr: number, len: number) => {
      if (len >>> 0 > 65536) return Errno.Inval;
      const view = vm.mem.view(ptr, len);
      if (view === null) return Errno.Fault;
      randomFillSync(view);
      return Errno.Success;
    },
    Allow.Start,
  ),
  wasiImport("sched_yield", ":i", returns(Errno.Success)),
  wasiImport(
    "poll_oneoff",
    "iiii:i",
    (vm) => (_in: number, _out: number, _n: number, neventsPtr: number) => (vm.mem.setU32(neventsPtr, 0) ? Errno.Success : Errno.Fault),
    Allow.Alloc,
  ),
  wasiImport("proc_exit", "i:", (vm) => (code: number) => {
    // Envoy only logs; execution continues after the call.
    vm.log(LogLevel.Trace, `wasi proc_exit(${code}) called; execution continues`, vm.effective.id);
  }),
  ...STUBS.map(([name, sig, errno]) => wasiImport(name, sig, returns(errno), Allow.Start)),
];
