// Header names as Envoy stores them: lower case (docs/envoy-semantics.md, "Header maps").
// The same few names come by on every request, nearly always already in lower case;
// remembering those lets a Set lookup (the string's hash is cached by V8) replace a
// toLowerCase call per header. The memo is the host's only module-level state: it changes
// no result, only how fast one is found.

/** Names known to be their own lower case. */
const lowerCase = new Set<string>();
/** Bounds the memory a module or test inventing fresh names on every request can hold. */
const MAX_REMEMBERED = 4096;

/** `name.toLowerCase()`, which for a name already in lower case is the name itself. */
export function lowerCaseName(name: string): string {
  if (lowerCase.has(name)) return name;
  const lower = name.toLowerCase();
  if (lower === name) {
    if (lowerCase.size >= MAX_REMEMBERED) lowerCase.clear();
    lowerCase.add(name);
  }
  return lower;
}
