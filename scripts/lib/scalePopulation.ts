/**
 * Staking accounts drawn like Numerai's (shared/data/numerai-statistics.md, public leaderboard grouped by account):
 * models per account median 1, p90 2, p99 13, max 50; stake per account median 2.5 NMR, p90 300, p99 4,000. Each
 * quantity is drawn from a quantile function through those points (linear in models, log-linear in stake), from a
 * seeded generator, so a benchmark run is reproducible.
 */

/** (probability, value) points of a quantile function, probabilities increasing from 0 to 1. */
type Quantiles = readonly (readonly [p: number, value: number])[];

export const MODELS_PER_ACCOUNT: Quantiles = [
  [0, 1],
  [0.5, 1],
  [0.9, 2],
  [0.99, 13],
  [1, 50],
];
/** NMR; the lowest leaderboard stakes are 0.01-0.02. */
export const STAKE_PER_ACCOUNT: Quantiles = [
  [0, 0.01],
  [0.5, 2.5],
  [0.9, 300],
  [0.99, 4000],
  [1, 20_000],
];

/** A small seeded generator (mulberry32): uniform numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** The value at probability `u` of a quantile function, interpolated linearly (or in log space) between points. */
export function quantileAt(points: Quantiles, u: number, logScale = false): number {
  for (let i = 1; i < points.length; i++) {
    const [p1, v1] = points[i]!;
    const [p0, v0] = points[i - 1]!;
    if (u > p1 && i < points.length - 1) continue;
    const t = p1 === p0 ? 0 : Math.min(1, Math.max(0, (u - p0) / (p1 - p0)));
    return logScale ? Math.exp(Math.log(v0) + t * (Math.log(v1) - Math.log(v0))) : v0 + t * (v1 - v0);
  }
  throw new Error("a quantile function needs at least two points");
}

export interface DrawnAccount {
  models: number; // 1-50
  stakeNmr: number; // NMR, two decimals, at least 0.01
}

/** `count` accounts drawn from the distributions above. */
export function drawAccounts(count: number, seed = 15): DrawnAccount[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => ({
    models: Math.round(quantileAt(MODELS_PER_ACCOUNT, random())),
    stakeNmr: Math.max(0.01, Math.round(quantileAt(STAKE_PER_ACCOUNT, random(), true) * 100) / 100),
  }));
}

/** The value at quantile `p` of `values` (nearest rank). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new Error("no values");
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}
