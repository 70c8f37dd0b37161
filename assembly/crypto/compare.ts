// Comparison whose time depends only on the lengths, never on where the
// contents differ, so a MAC or password hash check leaks nothing through timing.

/** True when `a` and `b` hold the same bytes. Lengths are not secret: unequal lengths return false at once. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): bool {
  if (a.length != b.length) return false;
  let difference: u32 = 0;
  for (let i = 0; i < a.length; i++) difference |= <u32>(unchecked(a[i]) ^ unchecked(b[i]));
  return difference == 0;
}
