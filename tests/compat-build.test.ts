// Building filters against proxy-wasm-as/compat: a proxy-runtime method that
// compat would never call is a compile error naming what to use instead
// (tests/filters/compat-unsupported), never an override that silently does nothing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildFilter } from "../cli/build/compile.js";

test("overriding a proxy-runtime method compat never calls is a compile error that names the replacement", async () => {
  await assert.rejects(buildFilter("tests/filters/compat-unsupported", "compat-unsupported", "build/test"), (error: Error) => {
    assert.match(error.message, /compat never calls validateConfiguration: .*check the configuration in onConfigure/);
    assert.match(error.message, /compat never calls on_grpc_receive: use grpcCall\(…\) or grpcStream\(…\) from proxy-wasm-as with a GrpcCallback overriding onMessage/);
    assert.match(error.message, /compat-unsupported\/assembly\/index\.ts\(8,3\)/, "the error points at the override");
    return true;
  });
});
