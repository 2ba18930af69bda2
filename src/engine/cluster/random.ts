/**
 * A small seeded PRNG (mulberry32) and the few draws clustering needs, so
 * that a seed gives the same clusters on every machine and Node version
 * (Math.random cannot be seeded).
 */
export type Rng = () => number;

export function seededRng(seed: number): Rng {
  let a = Math.floor(seed) >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer in [0, n). */
export function randInt(rng: Rng, n: number): number {
  return Math.min(n - 1, Math.floor(rng() * n));
}

/** m distinct indices of [0, n), in increasing order (m ≥ n gives all). */
export function sampleIndices(rng: Rng, n: number, m: number): number[] {
  if (m >= n) return Array.from({ length: n }, (_, i) => i);
  // partial Fisher–Yates: O(n) memory, but only m swaps
  const idx = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < m; i++) {
    const j = i + randInt(rng, n - i);
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  return idx.slice(0, m).sort((a, b) => a - b);
}
