// A proxy-runtime filter that overrides methods proxy-wasm-as/compat never
// calls. It must not compile: each override is an error naming what to use
// instead (tests/compat-build.test.ts).
export * from "proxy-wasm-as/exports";
import { RootContext, registerRootContext, log, LogLevelValues } from "proxy-wasm-as/compat";

class GrpcRoot extends RootContext {
  validateConfiguration(configuration_size: usize): bool {
    return configuration_size > 0;
  }

  on_grpc_receive(token: u32, response_size: u32): void {
    log(LogLevelValues.info, "grpc message " + response_size.toString());
  }
}

registerRootContext((context_id: u32) => { return new GrpcRoot(context_id); }, "grpc");
