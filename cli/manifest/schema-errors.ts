// Turns Ajv's errors into one readable sentence each, naming the field.
import type { ErrorObject } from "ajv";
import { clip, quote } from "../command.js";

/** A key from the user's file with its control characters escaped, so a message stays one line. */
function escapeControls(key: string): string {
  // eslint-disable-next-line no-control-regex
  return key.replace(/[\u0000-\u001f\u007f]/g, (c) => JSON.stringify(c).slice(1, -1));
}

/** "/spec/phase" → "spec.phase"; "" → "(document)". */
export function fieldName(pointer: string): string {
  if (pointer === "") return "(document)";
  return clip(pointer
    .slice(1)
    .split("/")
    .map((s) => escapeControls(s.replace(/~1/g, "/").replace(/~0/g, "~")))
    .map((s, i) => (/^\d+$/.test(s) ? `[${s}]` : i === 0 ? s : `.${s}`))
    .join(""));
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") return `string ${JSON.stringify(clip(value))}`;
  return `${typeof value} ${clip(String(value))}`;
}

export interface SchemaProblem {
  /** JSON pointer of the value the problem is about. */
  pointer: string;
  /** Whether the key (rather than the value) is the thing to point at. */
  atKey: boolean;
  message: string;
}

/** Custom wording for `pattern` failures, by field name (last path segment). */
export type PatternHints = Record<string, string>;

export function explain(error: ErrorObject, data: unknown, hints: PatternHints = {}): SchemaProblem {
  const pointer = error.instancePath;
  const field = fieldName(pointer);
  const value = valueAt(data, pointer);
  const last = pointer.slice(pointer.lastIndexOf("/") + 1);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "required": {
      const missing = String(params.missingProperty);
      return { pointer, atKey: true, message: `missing required key "${pointer === "" ? missing : `${field}.${missing}`}"` };
    }
    case "additionalProperties": {
      const extra = String(params.additionalProperty);
      const parentSchema = error.parentSchema as { properties?: Record<string, unknown> } | undefined;
      const allowed = Object.keys(parentSchema?.properties ?? {});
      const near = allowed.find((k) => k.toLowerCase() === extra.toLowerCase());
      const hint = near ? ` (keys are case-sensitive: did you mean "${near}"?)` : allowed.length ? ` (allowed: ${allowed.join(", ")})` : "";
      return { pointer: `${pointer}/${extra.replace(/~/g, "~0").replace(/\//g, "~1")}`, atKey: true, message: `unknown key ${quote(extra)}${hint}` };
    }
    case "enum": {
      const values = params.allowedValues as unknown[];
      let allowed = values.map((v) => (typeof v === "string" ? v : JSON.stringify(v)));
      if (new Set(allowed).size < allowed.length) allowed = values.map((v) => JSON.stringify(v));
      const near = typeof value === "string" ? allowed.find((a) => a.toLowerCase() === value.toLowerCase()) : undefined;
      const hint = near ? ` (values are case-sensitive: did you mean ${near}?)` : "";
      return { pointer, atKey: false, message: `${field}: ${describe(value)} is not one of ${allowed.join(", ")}${hint}` };
    }
    case "const":
      return { pointer, atKey: false, message: `${field}: must be ${JSON.stringify(params.allowedValue)}, got ${describe(value)}` };
    case "type": {
      const quote = params.type === "string" && (typeof value === "number" || typeof value === "boolean") ? " (put it in quotes)" : "";
      return { pointer, atKey: false, message: `${field}: must be ${article(String(params.type))}, got ${describe(value)}${quote}` };
    }
    case "pattern":
      return { pointer, atKey: false, message: `${field}: ${describe(value)} ${hints[last] ?? `does not match ${String(params.pattern)}`}` };
    case "minimum":
    case "maximum":
    case "exclusiveMinimum":
    case "exclusiveMaximum":
      return { pointer, atKey: false, message: `${field}: ${describe(value)} must be ${String(params.comparison)} ${String(params.limit)}` };
    case "minLength":
      return { pointer, atKey: false, message: `${field}: must be at least ${String(params.limit)} characters long` };
    case "maxLength":
      return { pointer, atKey: false, message: `${field}: must be at most ${String(params.limit)} characters long` };
    case "minItems":
    case "maxItems":
      return { pointer, atKey: false, message: `${field}: must have ${error.keyword === "minItems" ? "at least" : "at most"} ${String(params.limit)} items` };
    default:
      return { pointer, atKey: false, message: `${field}: ${error.message ?? error.keyword}` };
  }
}

function article(type: string): string {
  if (type === "integer") return "an integer";
  if (type === "object") return "a mapping";
  if (type === "array") return "a list";
  return `a ${type}`;
}

export function valueAt(data: unknown, pointer: string): unknown {
  if (pointer === "") return data;
  let current: unknown = data;
  for (const raw of pointer.slice(1).split("/")) {
    const segment = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

/**
 * Ajv reports an enum failure inside anyOf/oneOf branches too; keep the most
 * useful error per location and drop the umbrella "must match a schema in anyOf".
 */
export function relevantErrors(errors: ErrorObject[]): ErrorObject[] {
  const seen = new Set<string>();
  const out: ErrorObject[] = [];
  for (const error of errors) {
    if (error.keyword === "anyOf" || error.keyword === "oneOf" || error.keyword === "if") continue;
    const key = `${error.instancePath}|${error.keyword}|${JSON.stringify(error.params)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(error);
  }
  return out;
}
