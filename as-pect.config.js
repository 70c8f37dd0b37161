// as-pect 8 configuration (ES module: package.json has "type": "module").
// The compiler options live in as-pect.asconfig.json (as-pect's default path).
export default {
  /** Test entry points: every spec file under assembly/__tests__, an optional module's assembly/<module>/__tests__, and the examples. */
  entries: ["assembly/__tests__/**/*.spec.ts", "assembly/*/__tests__/**/*.spec.ts", "examples/*/assembly/__tests__/**/*.spec.ts"],
  /** Files added to every test compilation. */
  include: ["assembly/__tests__/**/*.include.ts"],
  /** Regexps of paths never used as entries. */
  disclude: [/node_modules/],
  /** Instantiate the test module; tests import nothing from a host. */
  async instantiate(memory, createImports, instantiate, binary) {
    return instantiate(binary, createImports({ env: { memory } }));
  },
  outputBinary: false,
};
