// A time limit per callback (limits.callbackMs): an endless loop in a callback, in
// _initialize or in a start section fails the VM with "callback X exceeded N ms" instead of
// hanging the test, and the stream follows the failure policy.
import { test } from "node:test";
import assert from "node:assert/strict";
import { startPlugin } from "../host/index.js";
import { PROLOGUE, wat } from "./support/wat.js";

const SPIN = `(loop $l (br $l))`;
const REQUEST = { ":method": "GET", ":path": "/", ":authority": "x" };

test("an endless proxy_on_request_headers fails the VM after the limit; the stream follows fail-closed or fail-open", async () => {
  const module = wat(`(module ${PROLOGUE}
    (func (export "proxy_on_context_create") (param i32 i32))
    (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32) ${SPIN} (i32.const 0)))`);
  for (const failOpen of [false, true]) {
    const plugin = await startPlugin({ module, failOpen, limits: { callbackMs: 1000 } });
    const stream = plugin.newHttpStream();
    const began = Date.now();
    stream.sendRequestHeaders(REQUEST, true);
    assert.ok(Date.now() - began < 30_000);
    assert.match(plugin.failure ?? "", /Function: proxy_on_request_headers failed: callback proxy_on_request_headers exceeded 1000 ms/);
    if (failOpen) assert.equal(stream.localReply, null, "fail open lets the request through");
    else assert.equal(stream.localReply?.status, 503, "fail closed answers 503");
  }
});

test("an endless _initialize or start section fails the start-up after the limit", async () => {
  const init = await startPlugin({ module: wat(`(module ${PROLOGUE} (func (export "_initialize") ${SPIN}))`), limits: { callbackMs: 1000 } });
  assert.match(init.startupFailure ?? "", /callback _initialize exceeded 1000 ms/);
  await assert.rejects(
    startPlugin({ module: wat(`(module ${PROLOGUE} (func $s ${SPIN}) (start $s))`), limits: { callbackMs: 1000 } }),
    /callback start section exceeded 1000 ms/,
  );
});

test("callbacks within the limit run as without it", async () => {
  const module = wat(`(module ${PROLOGUE}
    (func (export "proxy_on_context_create") (param i32 i32))
    (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32) (i32.const 0)))`);
  const plugin = await startPlugin({ module, limits: { callbackMs: 10_000 } });
  const stream = plugin.newHttpStream();
  stream.sendRequestHeaders(REQUEST, true);
  assert.equal(plugin.failure, null);
  assert.equal(stream.localReply, null);
});
