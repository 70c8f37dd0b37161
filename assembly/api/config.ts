// Plugin configuration as a JSON object: the shape almost every filter wants,
// with the error reporting every filter owes its operators.
import { pluginConfiguration } from "./body";
import { JsonObject, describeJsonKind, parseJsonBytes } from "../json/value";
import { JsonReader } from "../json/reader";
import { log } from "./log";

/**
 * Reads the plugin configuration (call it from onConfigure) as a JSON object;
 * an empty configuration reads as `{}`. On a problem it logs one critical line
 * — "<filterName>: configuration is not valid JSON: at byte N: …" or
 * "<filterName>: configuration must be <expected>, not an array" — and returns
 * null, and onConfigure should return false so the proxy rejects it.
 */
export function pluginConfigurationObject(filterName: string, expected: string = "a JSON object"): JsonObject | null {
  const bytes = pluginConfiguration();
  if (bytes === null || bytes.byteLength == 0) return JsonObject.empty();
  const parsed = parseJsonBytes(bytes);
  const error = parsed.error;
  if (error !== null) {
    log.critical(filterName + ": configuration is not valid JSON: " + error.toString());
    return null;
  }
  const value = parsed.value;
  if (value === null) return null;
  const object = value.asObject();
  if (object === null) log.critical(filterName + ": configuration must be " + expected + ", not " + describeJsonKind(value.kind));
  return object;
}

/**
 * For a configuration read with a `JsonReader`: what stands where `wanted`
 * (a problem ending in "not ") was expected — `wanted` and the kind found, or,
 * when the text is not JSON there, "configuration is not valid JSON: " and the
 * reader's error. `unexpectedJson(json, "")` after `json.end()` fails names
 * what follows the value.
 */
export function unexpectedJson(json: JsonReader, wanted: string): string {
  const kind = json.describeNext();
  return kind !== null ? wanted + kind : "configuration is not valid JSON: " + json.errorText();
}
