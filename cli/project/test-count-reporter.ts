// A node:test reporter for `proxy-wasm-as test`: writes one JSON line with how
// many tests ran and how many failed, so that a run of no test can fail.
// Suites, skipped and todo tests are not counted as run, nor is the entry
// node:test makes for a test file that passed without defining a test (its
// name is the file's path); a file that failed to load counts as a failure.
interface TestEvent {
  type: string;
  data?: { name?: string; file?: string; skip?: unknown; todo?: unknown; details?: { type?: string } };
}

export default async function* countTests(source: AsyncIterable<TestEvent>): AsyncGenerator<string> {
  let ran = 0;
  let failed = 0;
  for await (const event of source) {
    if (event.type !== "test:pass" && event.type !== "test:fail") continue;
    const data = event.data ?? {};
    if (data.details?.type === "suite" || data.skip !== undefined || data.todo !== undefined) continue;
    if (event.type === "test:pass" && data.file !== undefined && data.name === data.file) continue;
    ran++;
    if (event.type === "test:fail") failed++;
  }
  yield JSON.stringify({ ran, failed }) + "\n";
}
