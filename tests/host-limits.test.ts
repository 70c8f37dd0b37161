// What the host keeps over a long run is bounded: the log (oldest entries dropped and
// counted) and histogram samples (every sample counted in Envoy's buckets, only recent
// ones kept).
import { test } from "node:test";
import assert from "node:assert/strict";
import { startPlugin } from "../host/index.js";
import { PROLOGUE, wat } from "./support/wat.js";

// Every proxy_on_tick logs "tick" and records the tick's number in histogram "h".
const TICKER = wat(`(module
  (import "env" "proxy_log" (func $log (param i32 i32 i32) (result i32)))
  (import "env" "proxy_define_metric" (func $define (param i32 i32 i32 i32) (result i32)))
  (import "env" "proxy_record_metric" (func $record (param i32 i64) (result i32)))
  (import "env" "proxy_set_tick_period_milliseconds" (func $tick (param i32) (result i32)))
  ${PROLOGUE}
  (data (i32.const 100) "tickh")
  (global $n (mut i64) (i64.const 0))
  (func (export "proxy_on_vm_start") (param i32 i32) (result i32)
    (drop (call $define (i32.const 2) (i32.const 104) (i32.const 1) (i32.const 200)))
    (drop (call $tick (i32.const 1)))
    (i32.const 1))
  (func (export "proxy_on_tick") (param i32)
    (global.set $n (i64.add (global.get $n) (i64.const 1)))
    (drop (call $log (i32.const 2) (i32.const 100) (i32.const 4)))
    (drop (call $record (i32.load (i32.const 200)) (global.get $n))))
)`);

async function ticked(n: number, limits?: Parameters<typeof startPlugin>[0]["limits"]) {
  const plugin = await startPlugin({ module: TICKER, clock: "virtual", limits });
  plugin.advanceTime(n);
  return plugin;
}

test("the log keeps at most limits.logEntries entries and counts what it dropped", async () => {
  const plugin = await ticked(5000, { logEntries: 1000 });
  assert.ok(plugin.logs.length <= 1000, `${plugin.logs.length} entries kept`);
  assert.equal(plugin.logs.length + plugin.droppedLogs, 5000);
  assert.equal(plugin.logs.at(-1)!.message, "tick", "the newest entries are kept");
  const quiet = await ticked(10, { logEntries: 0 });
  assert.deepEqual([quiet.logs.length, quiet.droppedLogs], [0, 10]);
});

test("histograms count every sample in Envoy's buckets and keep only the recent samples", async () => {
  const plugin = await ticked(3000, { histogramSamples: 100 });
  const samples = plugin.histogram("h")!;
  assert.ok(samples.length <= 100 && samples.length > 0);
  assert.equal(samples.at(-1), 3000n, "the newest sample is kept");
  const text = plugin.prometheus();
  assert.match(text, /envoy_wasmcustom_h_count 3000\n/);
  assert.match(text, /envoy_wasmcustom_h_sum 4501500\n/);
  assert.match(text, /envoy_wasmcustom_h_bucket\{le="1"\} 1\n/);
  assert.match(text, /envoy_wasmcustom_h_bucket\{le="1000"\} 1000\n/);
  assert.match(text, /envoy_wasmcustom_h_bucket\{le="2500"\} 2500\n/);
  assert.match(text, /envoy_wasmcustom_h_bucket\{le="\+Inf"\} 3000\n/);
});
