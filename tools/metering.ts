// A count-based metering pass, the alternative to the host's watchdog that docs/limits.md
// weighs: a mutable global counter, set to a budget when the host enters the module through
// a callback, decremented at every function entry and loop head; when it runs out the module
// traps (unreachable). No import is added: the module still imports only what it did.
// Only for the measurement in tools/bench-limits.ts.
import binaryen from "binaryen";

const METER = "__meter";

/** Expression setters binaryen.js has but its typings do not declare. */
const setters = binaryen as unknown as {
  Loop: { getBody(loop: binaryen.ExpressionRef): binaryen.ExpressionRef; setBody(loop: binaryen.ExpressionRef, body: binaryen.ExpressionRef): void };
  Function: { setBody(fn: binaryen.FunctionRef, body: binaryen.ExpressionRef): void };
};

/** Exports the host calls back into while a callback runs: entering them must not refill the budget. */
const NESTED_EXPORTS = new Set(["malloc", "proxy_on_memory_allocate"]);

/** Fields of binaryen.getExpressionInfo that hold child expressions (arrays for the list fields). */
const CHILD_FIELDS = [
  "value", "ptr", "vec", "condition", "target", "size", "right", "left", "dest", "body", "ifTrue", "ifFalse",
  "expected", "replacement", "delta", "timeout", "source", "shift", "notifyCount", "tuple", "a", "b", "c",
];
const CHILD_LIST_FIELDS = ["children", "operands", "catchBodies"];

export interface Metered {
  binary: Uint8Array;
  /** Function entries and loop heads that count. */
  functions: number;
  loops: number;
}

/** Every loop in the expression tree under `root`. */
function loopsUnder(root: binaryen.ExpressionRef): binaryen.ExpressionRef[] {
  const loops: binaryen.ExpressionRef[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const expr = stack.pop()!;
    if (expr === 0) continue;
    const info = binaryen.getExpressionInfo(expr) as unknown as Record<string, unknown>;
    if (info.id === binaryen.ConstId) continue; // its "value" is the constant, not a child
    if (info.id === binaryen.LoopId) loops.push(expr);
    for (const field of CHILD_FIELDS) if (typeof info[field] === "number") stack.push(info[field] as number);
    for (const field of CHILD_LIST_FIELDS) if (Array.isArray(info[field])) stack.push(...(info[field] as number[]));
  }
  return loops;
}

/**
 * The module with a meter: `budget` counts (function entries plus loop iterations) per callback.
 * Throws when binaryen cannot read or validate the module.
 */
export function meter(bytes: Uint8Array, budget: number): Metered {
  const module = binaryen.readBinary(bytes);
  try {
    module.setFeatures(binaryen.Features.All);
    module.addGlobal(METER, binaryen.i32, true, module.i32.const(budget));
    const count = (): binaryen.ExpressionRef => module.block(null, [
      module.global.set(METER, module.i32.sub(module.global.get(METER, binaryen.i32), module.i32.const(1))),
      module.if(module.i32.lt_s(module.global.get(METER, binaryen.i32), module.i32.const(0)), module.unreachable()),
    ]);
    const refill = (): binaryen.ExpressionRef => module.global.set(METER, module.i32.const(budget));
    const refilled = new Set<string>();
    for (let i = 0; i < module.getNumExports(); i++) {
      const info = binaryen.getExportInfo(module.getExportByIndex(i));
      if (info.kind === binaryen.ExternalFunction && !NESTED_EXPORTS.has(info.name)) refilled.add(info.value);
    }
    let functions = 0;
    let loops = 0;
    for (let i = 0; i < module.getNumFunctions(); i++) {
      const fn = module.getFunctionByIndex(i);
      const info = binaryen.getFunctionInfo(fn);
      if (info.module !== "") continue; // an import: no body
      for (const loop of loopsUnder(info.body)) {
        const body = setters.Loop.getBody(loop);
        setters.Loop.setBody(loop, module.block(null, [count(), body], binaryen.getExpressionType(body)));
        loops++;
      }
      const entry = refilled.has(info.name) ? [refill(), count()] : [count()];
      setters.Function.setBody(fn, module.block(null, [...entry, info.body], binaryen.getExpressionType(info.body)));
      functions++;
    }
    if (!module.validate()) throw new Error("the metered module does not validate");
    return { binary: module.emitBinary(), functions, loops };
  } finally {
    module.dispose();
  }
}

/** The module read and written back by binaryen, unchanged otherwise: what metering starts from. */
export function roundTrip(bytes: Uint8Array): Uint8Array {
  const module = binaryen.readBinary(bytes);
  try {
    return module.emitBinary();
  } finally {
    module.dispose();
  }
}

/** Loops in the module's text form: an independent count to check that the pass found every one. */
export function countLoops(bytes: Uint8Array): number {
  const module = binaryen.readBinary(bytes);
  try {
    return module.emitText().match(/\(loop\b/g)?.length ?? 0;
  } finally {
    module.dispose();
  }
}
