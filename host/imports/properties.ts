// proxy_get_property / proxy_set_property (docs/envoy-semantics.md, "Properties").
import { WasmResult } from "../abi/enums.js";
import { encodeString, wirePathKey } from "../properties.js";
import type { Context } from "../context.js";
import type { Vm } from "../vm.js";
import { hostCall, type ImportDef } from "./registry.js";

/** Resolves a property for the effective context: user values, plugin names, then stream attributes. */
export function resolveProperty(vm: Vm, key: string, ctx: Context = vm.effective): Uint8Array | null {
  const user = vm.userProps.get(key);
  if (user !== undefined) return user;
  switch (key) {
    case "plugin_name":
      return encodeString(vm.root.names.pluginName);
    case "plugin_root_id":
      return encodeString(vm.root.names.rootId);
    case "plugin_vm_id":
      return encodeString(vm.root.names.vmId);
  }
  return ctx.streamProperty(key);
}

export const propertyImports: ImportDef[] = [
  hostCall("proxy_get_property", (vm) => (pathPtr: number, pathLen: number, valuePP: number, valueSP: number) => {
    const raw = vm.mem.string(pathPtr, pathLen);
    if (raw === null) return WasmResult.InvalidMemoryAccess;
    const value = resolveProperty(vm, wirePathKey(raw));
    if (value === null) return WasmResult.NotFound;
    return vm.mem.copyOut(value, valuePP, valueSP);
  }),
  hostCall("proxy_set_property", (vm) => (pathPtr: number, pathLen: number, valuePtr: number, valueLen: number) => {
    const raw = vm.mem.string(pathPtr, pathLen);
    const value = vm.mem.copy(valuePtr, valueLen);
    if (raw === null || value === null) return WasmResult.InvalidMemoryAccess;
    return vm.effective.setProperty(wirePathKey(raw), value);
  }),
];
