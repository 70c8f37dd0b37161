// Builds every filter under examples/ into build/<name>.wasm (release) and
// build/<name>.debug.wasm (with names). A folder with an asconfig.json is a
// filter: adding one needs no edit here.
import { join } from "node:path";
import { buildFilter, findFilters } from "../cli/build/compile.js";

async function main(): Promise<void> {
  const filters = findFilters();
  if (filters.length === 0) throw new Error("no filters found under examples/ (a filter folder has an asconfig.json)");
  let failed = 0;
  for (const name of filters) {
    try {
      const result = await buildFilter(join("examples", name), name);
      console.log(`${result.name.padEnd(24)} ${String(result.bytes).padStart(7)} bytes  ${result.release}`);
    } catch (error) {
      failed++;
      console.error((error as Error).message);
    }
  }
  if (failed > 0) {
    console.error(`${failed} of ${filters.length} filters failed to build`);
    process.exitCode = 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    console.error((error as Error).message);
    process.exitCode = 1;
  });
}
