// Shared queues under modules that misbehave: a proxy_on_queue_ready that enqueues again,
// and plugins shut down while their queue stays registered in the process.
import { test } from "node:test";
import assert from "node:assert/strict";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { ProxyProcess, startPlugin, WasmResult } from "../host/index.js";
import { PROLOGUE, wat } from "./support/wat.js";

// Registers queue "q" at start; every proxy_on_queue_ready dequeues one item and enqueues one.
const REQUEUE = wat(`(module
  (import "env" "proxy_register_shared_queue" (func $register (param i32 i32 i32) (result i32)))
  (import "env" "proxy_enqueue_shared_queue" (func $enqueue (param i32 i32 i32) (result i32)))
  (import "env" "proxy_dequeue_shared_queue" (func $dequeue (param i32 i32 i32) (result i32)))
  ${PROLOGUE}
  (data (i32.const 100) "q")
  (func (export "proxy_on_vm_start") (param i32 i32) (result i32)
    (drop (call $register (i32.const 100) (i32.const 1) (i32.const 200)))
    (i32.const 1))
  (func (export "proxy_on_queue_ready") (param i32 i32)
    (drop (call $dequeue (local.get 1) (i32.const 204) (i32.const 208)))
    (drop (call $enqueue (local.get 1) (i32.const 100) (i32.const 1))))
)`);

test("dispatchQueueReady delivers only what was pending when it began, even if the module enqueues again", async () => {
  const plugin = await startPlugin({ module: REQUEUE });
  assert.equal(plugin.enqueue("q", "a"), WasmResult.Ok);
  assert.equal(plugin.enqueue("q", "b"), WasmResult.Ok);
  assert.equal(plugin.dispatchQueueReady(), 2, "the two notifications pending at the start");
  assert.equal(plugin.queueSize("q"), 2, "each delivery dequeued one and enqueued one");
  assert.equal(plugin.dispatchQueueReady(), 2, "the two posted during the previous call");
});

const gc = (): void => {
  setFlagsFromString("--expose-gc");
  (runInNewContext("gc") as () => void)();
};

test("a shut-down plugin that registered a shared queue is collectable; the queue stays", async () => {
  const process = new ProxyProcess({ clock: "virtual" });
  let plugin: Awaited<ReturnType<typeof startPlugin>> | undefined = await startPlugin({ module: REQUEUE, process });
  plugin.enqueue("q", "x");
  const ref = new WeakRef(plugin);
  assert.equal(plugin.shutdown(), true);
  plugin = undefined;
  for (let i = 0; i < 10 && ref.deref() !== undefined; i++) {
    await new Promise((r) => setImmediate(r));
    gc();
  }
  assert.equal(ref.deref(), undefined, "the process still holds the plugin");
  // Another plugin of the same vm_id still finds the queue and its item.
  const next = await startPlugin({ module: REQUEUE, process });
  assert.equal(next.queueSize("q"), 1);
  assert.equal(next.dispatchQueueReady(), 0, "notifications of the old plugin are not delivered to the new one");
});
