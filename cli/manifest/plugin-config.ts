// The plugin configuration file, read one way for every command: a YAML or JSON
// mapping (what Istio's pluginConfig and Maistra's config hold). render writes it into
// the resources; run hands it to the plugin as the JSON the mesh would pass.
import { CliError } from "../command.js";
import { InputFileError, readBoundedText } from "../files.js";
import { FileError, loadYaml } from "./yaml.js";

/** Default size limit of a configuration file (raised with --max-config-bytes). */
export const DEFAULT_MAX_CONFIG_BYTES = 4 * 1024 * 1024;

/** File names read as a configuration mapping (anything else `run` passes byte for byte). */
export function isConfigDocument(file: string): boolean {
  return /\.(ya?ml|json)$/i.test(file);
}

/**
 * Reads `file` (named `shown` in errors) as a mapping. Throws InputFileError when the
 * file cannot be read within bounds and FileError (file:line:col) for its content.
 */
export function readPluginConfig(file: string, shown: string, maxBytes = DEFAULT_MAX_CONFIG_BYTES): Record<string, unknown> {
  const text = readBoundedText(file, shown, { maxBytes, limitName: "--max-config-bytes" });
  const loaded = loadYaml(text, shown);
  if (loaded.data === null || typeof loaded.data !== "object" || Array.isArray(loaded.data)) {
    const got = Array.isArray(loaded.data) ? "a list" : loaded.data === null ? "null" : typeof loaded.data;
    throw new FileError(shown, { line: 1, column: 1 }, `the configuration must be a mapping (a JSON object), got ${got}`);
  }
  return loaded.data as Record<string, unknown>;
}

/** readPluginConfig for a command: any problem is one `error: <command>: …` line. */
export function readConfigOption(command: string, file: string, shown: string, maxBytes: number): Record<string, unknown> {
  try {
    return readPluginConfig(file, shown, maxBytes);
  } catch (error) {
    if (error instanceof FileError || error instanceof InputFileError) throw new CliError(`${command}: ${error.message}`);
    throw error;
  }
}
