/**
 * Turnover awareness: keep the vector in force unless the method's new vector is expected to do better by more than
 * a threshold. "Better" is the estimated Sharpe ratio per round (shrunk means over the square root of the shrunk
 * variance, estimates.ts), the same yardstick for every method; the threshold is in those units (0.05: the new
 * vector must add 0.05 to the estimated mean / sd per round). Changing costs a transaction, and every change made
 * on noise is a change that will be undone later.
 */
import { TOTAL_BPS } from "../bps";
import type { Estimates } from "./estimates";
import { dot, quadForm } from "./linalg";

/** Estimated Sharpe ratio per round of a bps vector. */
export function estimatedSharpe(bps: readonly number[], means: readonly number[], cov: number[][]): number {
  const w = bps.map((b) => b / TOTAL_BPS);
  return dot(means, w) / Math.sqrt(Math.max(quadForm(cov, w), 1e-300));
}

/**
 * `next` if its estimated Sharpe beats `current`'s by more than `threshold`, else `current` (kept as is). A `current`
 * that is not a valid vector for these models (the models changed) is never kept.
 */
export function keepUnlessBetter(
  next: readonly number[],
  current: readonly number[],
  estimates: Pick<Estimates, "means" | "cov">,
  threshold: number,
): number[] {
  const valid = current.length === next.length && current.reduce((a, b) => a + b, 0) === TOTAL_BPS;
  if (!valid) return [...next];
  const gain =
    estimatedSharpe(next, estimates.means, estimates.cov) - estimatedSharpe(current, estimates.means, estimates.cov);
  return gain > threshold ? [...next] : [...current];
}
