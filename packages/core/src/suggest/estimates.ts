/**
 * Estimates the optimising methods share: each model's mean rate shrunk towards the models' common mean (the sample
 * means of 60 overlapping rounds are mostly noise), and the Ledoit-Wolf covariance.
 */
import { DEFAULT_LAGS, modelStats } from "./core";
import type { Maybe } from "../stats";
import { shrunkCovariance, type Matrix } from "./linalg";

export interface Estimates {
  means: number[]; // shrunk mean rate per round, per model
  rawMeans: number[];
  /** How far the means were pulled to their common mean: 0 (not at all) to 1 (all equal). */
  meanShrinkage: number;
  cov: Matrix;
  covShrinkage: number;
}

/**
 * James-Stein (positive part) shrinkage of the means towards their average: μ̂_i = μ̄ + (1 − κ)(m_i − μ̄), with
 * κ = min(1, (n − 3) · s̄² / Σ(m_i − μ̄)²), s̄² the average squared standard error (Newey-West, overlapping rounds). With
 * fewer than four models nothing is shrunk (the estimator needs n ≥ 4).
 */
export function shrunkMeans(series: readonly (readonly Maybe[])[], lags = DEFAULT_LAGS) {
  const stats = series.map((s) => modelStats(s, lags));
  const raw = stats.map((s) => (Number.isFinite(s.mean) ? s.mean : 0));
  const n = raw.length;
  const grand = raw.reduce((a, b) => a + b, 0) / Math.max(1, n);
  const spread = raw.reduce((a, m) => a + (m - grand) ** 2, 0);
  const se2 = stats.reduce((a, s) => a + (Number.isFinite(s.se) ? s.se ** 2 : 0), 0) / Math.max(1, n);
  const shrinkage = n < 4 ? 0 : spread === 0 ? 1 : Math.min(1, ((n - 3) * se2) / spread);
  return { means: raw.map((m) => grand + (1 - shrinkage) * (m - grand)), raw, shrinkage };
}

export function estimate(series: readonly (readonly Maybe[])[]): Estimates {
  const m = shrunkMeans(series);
  const c = shrunkCovariance(series);
  return { means: m.means, rawMeans: m.raw, meanShrinkage: m.shrinkage, cov: c.cov, covShrinkage: c.shrinkage };
}
