// What the fuzz suites (tests/fuzz-*.test.ts) share: a seeded generator, so every run sees
// the same cases, and the scale `npm run fuzz` raises (PROXY_WASM_AS_FUZZ_SCALE).

/** How many times the default cases a run makes; `npm test` runs 1, `npm run fuzz` 20. */
export const FUZZ_SCALE = Math.max(1, Number(process.env.PROXY_WASM_AS_FUZZ_SCALE ?? 1) || 1);

/** mulberry32: a small seeded generator, so every run sees the same cases. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const pick = <T>(rnd: () => number, xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;

/** A whole number in [low, high). */
export const between = (rnd: () => number, low: number, high: number): number => low + Math.floor(rnd() * (high - low));
