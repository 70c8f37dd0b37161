// A plugin's root context from start to removal (docs/envoy-semantics.md, "Plugin
// lifecycle"): context_create(root, 0) → vm_start → configure, as Envoy's worker does it;
// a start or configure that returns false rejects the plugin like a trap (its streams then
// follow the failure policy); proxy_on_done / proxy_done / proxy_on_delete at removal, which
// also cancels the callouts the root context still has in flight.
import type { RootContext } from "./root-context.js";
import type { Vm } from "./vm.js";

export class PluginLifecycle {
  private vmStartedResult = false;
  private configuredResult = false;
  /** Why the plugin took no traffic, fixed when start-up ends; null when it started. */
  private startupFailureReason: string | null = null;

  constructor(
    private readonly vm: Vm,
    private readonly root: RootContext,
    /** Called once the root context is gone or the VM failed at shutdown: the plugin lets go of the process. */
    private readonly onGone: () => void = () => {},
  ) {}

  /** Runs the start-up entry points and the root context's start-up callbacks. */
  boot(): void {
    const { vm, root } = this;
    vm.start();
    this.startupFailureReason = vm.failure;
    if (vm.failed) return;
    vm.addContext(root);
    // The plugin configuration is readable in the root's first context_create and in configure, not in vm_start.
    root.pluginConfigReadable = true;
    vm.invoke(root, "proxy_on_context_create", root.id, 0);
    root.pluginConfigReadable = false;
    this.vmStartedResult = vm.has("proxy_on_vm_start") ? vm.invoke(root, "proxy_on_vm_start", root.id, root.vmConfig.length) !== 0 : true;
    if (vm.failed) this.vmStartedResult = false;
    else if (!this.vmStartedResult) vm.reject("proxy_on_vm_start returned false: the VM did not start");
    if (this.vmStartedResult) {
      root.pluginConfigReadable = true;
      this.configuredResult = vm.has("proxy_on_configure") ? vm.invoke(root, "proxy_on_configure", root.id, root.pluginConfig.length) !== 0 : true;
      root.pluginConfigReadable = false;
      if (!this.configuredResult && !vm.failed) vm.reject("proxy_on_configure returned false: the plugin rejected its configuration");
    }
    this.afterRootCallback();
    this.startupFailureReason = vm.failure;
  }

  /** Why the plugin takes no traffic (a start-up trap, or vm_start / configure returning false); null when it started. */
  get startupFailure(): string | null {
    return this.startupFailureReason;
  }

  /** proxy_on_vm_start's result (true if not exported). */
  get vmStarted(): boolean {
    return this.vmStartedResult;
  }

  /** proxy_on_configure's result (true if not exported); false after a failed start or a trap. */
  get configured(): boolean {
    return this.configuredResult && !this.vm.failed;
  }

  /** Whether the root context still exists (not yet deleted). */
  get rootAlive(): boolean {
    return this.vm.contexts.has(this.root.id);
  }

  /** Runs a root-context delivery unless the VM failed or the root is gone, then the deferred actions. */
  rootCallback(run: () => void): void {
    if (this.vm.failed || !this.rootAlive) return;
    run();
    this.afterRootCallback();
  }

  /**
   * Plugin removal: proxy_on_done(root); if it returns 1 the root is deleted at once,
   * otherwise when the plugin calls proxy_done. Returns whether the root context is gone.
   */
  shutdown(): boolean {
    const { vm, root } = this;
    if (vm.failed) {
      this.vm.callouts.cancelAll();
      this.onGone();
      return true;
    }
    if (!this.rootAlive) return true;
    if (root.waitingForDone) return false;
    const done = vm.has("proxy_on_done") ? vm.invoke(root, "proxy_on_done", root.id) : 1;
    if (vm.failed) {
      this.vm.callouts.cancelAll();
      this.onGone();
      return true;
    }
    if (done !== 0) {
      this.deleteRoot();
      return true;
    }
    root.waitingForDone = true;
    this.afterRootCallback();
    return !this.rootAlive;
  }

  /** Runs deferred stream actions and a requested root deletion once a root callback returned. */
  afterRootCallback(): void {
    const { vm, root } = this;
    vm.flushDeferred();
    if (root.waitingForDone && root.doneCalled && this.rootAlive) this.deleteRoot();
  }

  /** proxy_on_delete; the root's callouts and its timer die with it, as in Envoy's context destructor. */
  private deleteRoot(): void {
    this.vm.invoke(this.root, "proxy_on_delete", this.root.id);
    this.vm.removeContext(this.root.id);
    this.vm.callouts.cancelAll();
    this.root.tickPeriodMs = 0;
    this.vm.events.tickPeriodChanged(0);
    this.onGone();
  }
}
