// proxy-wasm-as/regex: regular expressions with linear-time matching.
// Depends only on the AssemblyScript standard library; see docs/regex.md.
export { DEFAULT_PROGRAM_LIMIT, Match, Regex, RegexResult } from "./regex";
