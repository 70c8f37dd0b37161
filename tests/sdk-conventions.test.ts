// One error convention (docs/sdk-errors.md), seen through a compiled filter,
// and the proxy-wasm-as/advanced entry point resolving for a filter.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { startPlugin } from "proxy-wasm-as/host";
import { buildFilter } from "../cli/build/compile.js";

let MODULE = "";

before(async () => {
  MODULE = (await buildFilter("tests/filters/sdk-probe", "sdk-probe-conventions", "build/test")).release;
});

async function probe(action: string): Promise<string | undefined> {
  const plugin = await startPlugin({ module: MODULE, rootId: "probe" });
  const stream = plugin.newHttpStream();
  stream.sendRequestHeaders({ ":method": "GET", ":path": "/", ":authority": "example.com", "x-probe": action }, true);
  return stream.requestHeaders.get("x-probe-result");
}

test("what is not there is null, a missing number is the fallback, a failed start carries its status", async () => {
  assert.equal(await probe("conventions"), "body=null,configuration=null,property=7,queue=failed:1,foreign=null:1,length=0");
});

test("a filter imports the wire helpers from proxy-wasm-as/advanced", async () => {
  assert.equal(await probe("wire"), "a=1;bé=,4");
});
