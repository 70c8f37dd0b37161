// The metering pass that `npm run bench:limits` measures against the watchdog
// (docs/limits.md, "The host"): a metered module behaves as before, imports nothing new,
// refills its budget per callback and traps once a callback spends it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { startPlugin } from "../host/index.js";
import { readSpec, replayRequest } from "../tools/bench-examples.js";
import { countLoops, meter } from "../tools/metering.js";
import { builtModule } from "./support/examples.js";
import { assemble, op } from "./fixtures/assembler.js";

const importsOf = (bytes: Uint8Array) => WebAssembly.Module.imports(new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>));

/** A module whose request-headers callback runs `body` and continues. */
function requestHeadersModule(body: number[]): Uint8Array {
  return assemble({
    funcs: [
      { export: "proxy_abi_version_0_2_1", sig: ":", body: [] },
      { export: "malloc", sig: "i:i", body: op.i32(8192) },
      { export: "proxy_on_context_create", sig: "ii:", body: [] },
      { export: "proxy_on_request_headers", sig: "iii:i", body: [...body, ...op.i32(0)] },
    ],
  });
}

async function requestsUntilFailure(module: Uint8Array, requests: number): Promise<{ served: number; failure: string | null }> {
  const plugin = await startPlugin({ module, limits: { callbackMs: 60_000 } });
  let served = 0;
  for (; served < requests && !plugin.failed; served++) plugin.newHttpStream().sendRequestHeaders({ ":path": "/" }, true);
  return { served: plugin.failed ? served - 1 : served, failure: plugin.failure };
}

test("header-append metered: every loop counted, the same imports, the same answer to its bench.json request", async () => {
  const original = new Uint8Array(readFileSync(builtModule("header-append")));
  const metered = meter(original, 1_000_000);
  assert.ok(metered.loops > 0 && metered.functions > 0);
  assert.equal(metered.loops, countLoops(original));
  assert.deepEqual(importsOf(metered.binary), importsOf(original));
  const spec = readSpec(join("examples", "header-append", "bench.json"));
  const answers: string[] = [];
  for (const module of [original, metered.binary]) {
    const plugin = await startPlugin({ module, configuration: spec.configuration });
    const stream = replayRequest(plugin, "header-append", spec);
    assert.equal(plugin.failed, false, String(plugin.failure));
    answers.push(JSON.stringify(stream.responseHeaders.entries()));
  }
  assert.equal(answers[1], answers[0]);
  assert.match(answers[0]!, /x-bench-team/);
});

test("an endless loop is stopped by the meter, as a trap in the callback", { timeout: 60_000 }, async () => {
  const endless = requestHeadersModule(op.loop(op.br(0)));
  const { served, failure } = await requestsUntilFailure(meter(endless, 1_000_000).binary, 1);
  assert.equal(served, 0);
  assert.match(failure ?? "", /^Function: proxy_on_request_headers failed: unreachable/);
});

test("the budget is per callback: many callbacks under it run, one over it traps", { timeout: 60_000 }, async () => {
  // Counts down from `n` in a loop: n loop heads plus the function entry.
  const countdown = (n: number) => requestHeadersModule([...op.i32(n), ...op.tee(1), ...op.drop, ...op.loop([...op.get(1), ...op.i32(-1), ...op.add, ...op.tee(1), ...op.brIf(0)])]);
  const under = await requestsUntilFailure(meter(countdown(900), 1_000).binary, 50);
  assert.deepEqual(under, { served: 50, failure: null });
  const over = await requestsUntilFailure(meter(countdown(1_100), 1_000).binary, 50);
  assert.equal(over.served, 0);
  assert.match(over.failure ?? "", /unreachable/);
});
