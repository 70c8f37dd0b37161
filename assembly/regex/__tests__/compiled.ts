// Shared by the regex specs: compiles a pattern that must compile.
import { Regex } from "../index";

export function compiled(pattern: string, flags: string = ""): Regex {
  const result = Regex.compile(pattern, flags);
  expect(result.error).toBeNull(pattern);
  expect(result.ok).toBe(true, pattern);
  return result.regex!;
}
