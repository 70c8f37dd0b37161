// What the compiler transform knows about `proxy-wasm-as/compat` (docs/compat.md):
// - proxy-runtime method names compat does not call are compile errors that
//   name the replacement, never overrides that silently do nothing;
// - compat's own classes forward every callback, so their methods make no
//   export necessary: the filter's overrides decide, as in native filters.

/** Where compat's context classes live, whatever name the package is installed under. */
const COMPAT_CONTEXT = /\/assembly\/compat\/context\/(BaseContext|RootContext|Context)$/;

/** compat's own classes (declaring proxy-runtime's names is their job). */
const COMPAT_OWN = /\/assembly\/compat\//;

/** proxy-runtime methods compat never calls, and what to use instead. */
export const UNSUPPORTED_METHODS: Readonly<Record<string, string>> = {
  on_grpc_receive_initial_metadata: "use grpcStream(…) from proxy-wasm-as with a GrpcCallback overriding onInitialMetadata",
  on_grpc_trailing_metadata: "use grpcStream(…) from proxy-wasm-as with a GrpcCallback overriding onTrailingMetadata",
  on_grpc_receive: "use grpcCall(…) or grpcStream(…) from proxy-wasm-as with a GrpcCallback overriding onMessage",
  on_grpc_close: "use grpcCall(…) or grpcStream(…) from proxy-wasm-as with a GrpcCallback overriding onClose",
  validateConfiguration: "Envoy never calls it; check the configuration in onConfigure and return false to reject it",
};

/** The parts of the compiler's program this check reads. */
interface Range { source: unknown }
interface Member { declaration: { range: Range } }
interface ClassPrototype {
  internalName: string;
  basePrototype: ClassPrototype | null;
  instanceMembers: Map<string, Member> | null;
}
interface Program {
  elementsByDeclaration: Map<object, object>;
  error(code: number, range: Range, arg0: string): void;
}

/** AssemblyScript's "User-defined: {0}" diagnostic. */
const USER_DEFINED = 102;

function isClassPrototype(element: object): element is ClassPrototype {
  return "basePrototype" in element && "instanceMembers" in element;
}

function extendsCompatContext(prototype: ClassPrototype): boolean {
  for (let base = prototype.basePrototype; base; base = base.basePrototype) {
    if (COMPAT_CONTEXT.test(base.internalName)) return true;
  }
  return false;
}

/** Reports each proxy-runtime method a filter's compat context declares that compat would never call. */
export function reportUnsupportedMethods(program: Program): void {
  for (const element of program.elementsByDeclaration.values()) {
    if (!isClassPrototype(element) || !element.instanceMembers || COMPAT_OWN.test(element.internalName)) continue;
    if (!extendsCompatContext(element)) continue;
    for (const [name, member] of element.instanceMembers) {
      if (!Object.hasOwn(UNSUPPORTED_METHODS, name)) continue;
      const replacement = UNSUPPORTED_METHODS[name]!;
      program.error(USER_DEFINED, member.declaration.range, `proxy-wasm-as/compat never calls ${name}: ${replacement}`);
    }
  }
}

/** compat's forwarding classes and proxy-runtime-style defaults: their methods make no callback necessary. */
const COMPAT_FORWARDERS =
  /\/assembly\/compat\/context\/(BaseContext|RootContext|Context|RootBridge|HttpBridge|TcpBridge)#/;

/** Whether the function is one of compat's forwarders or defaults rather than a filter's override. */
export function isCompatForwarder(functionName: string): boolean {
  return COMPAT_FORWARDERS.test(functionName);
}

/** proxy-runtime's name for a callback method, in the SDK's terms. */
export function sdkMethodName(method: string): string {
  return method === "onStart" ? "onVmStart" : method;
}

/**
 * SDK methods compat's own defaults need: onConfigure stores the
 * configuration for getConfiguration (kept whenever compat is in the
 * module), and onDone cancels the root's pending HTTP calls (kept when the
 * filter makes HTTP calls).
 */
export function compatNeededMethods(functionNames: readonly string[], importedCalls: ReadonlySet<string>): string[] {
  const needed: string[] = [];
  if (functionNames.some((name) => /\/assembly\/compat\/context\/RootBridge#/.test(name))) needed.push("onConfigure");
  if (importedCalls.has("proxy_http_call") && functionNames.some((name) => /\/assembly\/compat\/context\/RootContext#onDone/.test(name))) {
    needed.push("onDone");
  }
  return needed;
}
