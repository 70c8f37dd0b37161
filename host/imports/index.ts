// Every host import, grouped by topic; the VM picks those registered for the module's ABI version.
import { bufferImports } from "./buffers.js";
import { calloutImports } from "./callouts.js";
import { headerMapImports } from "./header-maps.js";
import { loggingImports } from "./logging.js";
import { metricImports } from "./metrics.js";
import { miscImports } from "./misc.js";
import { propertyImports } from "./properties.js";
import { checkComplete, type ImportDef } from "./registry.js";
import { sharedImports } from "./shared.js";
import { streamControlImports } from "./stream-control.js";
import { wasiImports } from "./wasi.js";

export const ALL_IMPORTS: readonly ImportDef[] = [
  ...loggingImports,
  ...propertyImports,
  ...bufferImports,
  ...headerMapImports,
  ...streamControlImports,
  ...calloutImports,
  ...sharedImports,
  ...metricImports,
  ...miscImports,
  ...wasiImports,
];

// A described call the host lacks fails here, when the host module loads.
checkComplete(ALL_IMPORTS);
