// Guest text longer than a JavaScript string can be (about 512 MiB) never fails the VM with
// a JavaScript error: logs keep a cut message, other host calls return a status.
import { test } from "node:test";
import assert from "node:assert/strict";
import { startPlugin, WasmResult } from "../host/index.js";
import { wat } from "./support/wat.js";

const HUGE = 537_000_000; // above V8's 536,870,888-character limit

test("proxy_log, fd_write and a string-taking host call with text past V8's string limit", async () => {
  const module = wat(`(module
    (import "env" "proxy_log" (func $log (param i32 i32 i32) (result i32)))
    (import "env" "proxy_set_shared_data" (func $set (param i32 i32 i32 i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
    (memory (export "memory") 8200)
    (func (export "proxy_abi_version_0_2_1"))
    (func (export "malloc") (param i32) (result i32) (i32.const 4096))
    (func $status (param i32)
      (i32.store8 (i32.const 16) (i32.add (i32.const 48) (local.get 0)))
      (drop (call $log (i32.const 3) (i32.const 16) (i32.const 1))))
    (func (export "proxy_on_vm_start") (param i32 i32) (result i32)
      (i32.store (i32.const 32) (i32.const 1024))
      (i32.store (i32.const 36) (i32.const ${HUGE}))
      (call $status (call $log (i32.const 2) (i32.const 1024) (i32.const ${HUGE})))
      (call $status (call $write (i32.const 1) (i32.const 32) (i32.const 1) (i32.const 40)))
      (call $status (call $set (i32.const 1024) (i32.const ${HUGE}) (i32.const 0) (i32.const 1) (i32.const 0)))
      (i32.const 1))
  )`);
  const plugin = await startPlugin({ module });
  assert.equal(plugin.startupFailure, null);
  assert.deepEqual(plugin.warnLogs, [String(WasmResult.Ok), "0", String(WasmResult.InvalidMemoryAccess)]);
  assert.equal(plugin.infoLogs.length, 2, "proxy_log and fd_write both logged");
  for (const message of plugin.infoLogs) {
    assert.ok(message.length < 2_000_000, "the message is cut");
    assert.ok(message.endsWith(`… [${HUGE - (1 << 20)} more bytes not kept]`), message.slice(-60));
  }
});
