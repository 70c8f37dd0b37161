// How a module's failures reach a test: an uncaught Wasm exception, host calls from a start
// section; and chain streams driven like single-plugin ones (METADATA frames).
import { test } from "node:test";
import assert from "node:assert/strict";
import { startChain, startPlugin, type ChainEntry } from "../host/index.js";
import { PROLOGUE, wat } from "./support/wat.js";

test("an uncaught Wasm exception is reported with its exported tag and arguments", async () => {
  const module = wat(
    `(module
      ${PROLOGUE}
      (tag $oops (export "oops") (param i32 i64))
      (tag $hidden (param i32))
      (func (export "proxy_on_vm_start") (param i32 i32) (result i32)
        (if (i32.eq (local.get 1) (i32.const 0)) (then (throw $oops (i32.const 42) (i64.const 7))))
        (throw $hidden (i32.const 1)))
    )`,
    ["--enable-exceptions"],
  );
  const plugin = await startPlugin({ module });
  assert.match(plugin.startupFailure ?? "", /Function: proxy_on_vm_start failed: uncaught Wasm exception with tag "oops" \(42, 7\)/);
  assert.doesNotMatch(plugin.startupFailure ?? "", /object WebAssembly\.Exception/);
  const other = await startPlugin({ module, vmConfiguration: "x" });
  assert.match(other.startupFailure ?? "", /uncaught Wasm exception with a tag the module does not export/);
});

test("a chain stream takes METADATA frames like a single-plugin stream", async () => {
  const module = wat(`(module
    (import "env" "proxy_log" (func $log (param i32 i32 i32) (result i32)))
    ${PROLOGUE}
    (data (i32.const 100) "reqresp")
    (func (export "proxy_on_context_create") (param i32 i32))
    (func (export "proxy_on_request_metadata") (param i32 i32) (result i32)
      (drop (call $log (i32.const 2) (i32.const 100) (i32.const 3))) (i32.const 0))
    (func (export "proxy_on_response_metadata") (param i32 i32) (result i32)
      (drop (call $log (i32.const 2) (i32.const 103) (i32.const 4))) (i32.const 0))
  )`);
  const entry = (name: string): ChainEntry => ({ name, phase: "PreAuthN", options: { module } });
  const chain = await startChain([entry("a"), entry("b")]);
  const stream = chain.newHttpStream();
  stream.sendRequestHeaders({ ":method": "GET", ":path": "/", ":authority": "x" });
  assert.equal(stream.sendRequestMetadata(1), 0);
  stream.sendResponseHeaders({ ":status": "200" });
  assert.equal(stream.sendResponseMetadata(1), 0);
  for (const p of chain.plugins) assert.deepEqual(p.infoLogs, ["req", "resp"]);
});

test("a host call from a Wasm start section refuses the load with a clear message", async () => {
  const module = wat(`(module
    (import "env" "proxy_log" (func $log (param i32 i32 i32) (result i32)))
    ${PROLOGUE}
    (func $boot (drop (call $log (i32.const 2) (i32.const 0) (i32.const 1))))
    (start $boot)
  )`);
  await assert.rejects(
    startPlugin({ module }),
    (e: Error) =>
      /Failed to instantiate Wasm module: env\.proxy_log was called from the module's start section, where no host call is available/.test(e.message) &&
      !/inBounds/.test(e.message),
  );
  // A start section that calls nothing loads as before.
  const quiet = await startPlugin({ module: wat(`(module ${PROLOGUE} (func $boot) (start $boot))`) });
  assert.equal(quiet.startupFailure, null);
});
