/**
 * Probability with a correlation penalty: weight ∝ P(mean rate > 0) × (1 − penalty × ρ̄⁺), where ρ̄ is the model's
 * average correlation with the account's other models over the window (ρ̄⁺ = max(ρ̄, 0)). Two models that are
 * near-copies both score high on P(mean > 0) alone and together take twice the weight of one idea; the penalty
 * moves weight to the models that add something of their own. penalty = 0 is the plain probability method.
 */
import { DEFAULT_LAGS, modelStats } from "./core";
import type { Maybe } from "../stats";
import { shrunkCovariance } from "./linalg";
import { toBps, type PortfolioMethod } from "./method";

export const DEFAULT_CORRELATION_PENALTY = 1;

/**
 * Each model's mean correlation with the other models (0 with no other model, or for a model that never moves),
 * from the sample covariance with missing rates at the model's mean (linalg.shrunkCovariance's `sample`).
 */
export function averageCorrelations(series: readonly (readonly Maybe[])[]): number[] {
  const n = series.length;
  if (n < 2) return series.map(() => 0);
  const { sample } = shrunkCovariance(series);
  return sample.map((row, i) => {
    let total = 0;
    row.forEach((v, j) => {
      const denominator = Math.sqrt(row[i]! * sample[j]![j]!);
      if (j !== i && denominator > 0) total += v / denominator;
    });
    return total / (n - 1);
  });
}

export function correlationPenaltyScores(
  series: readonly (readonly Maybe[])[],
  penalty = DEFAULT_CORRELATION_PENALTY,
): number[] {
  if (!(penalty >= 0 && penalty <= 1)) throw new Error(`the correlation penalty must be from 0 to 1, not ${penalty}`);
  const rho = averageCorrelations(series);
  return series.map((s, i) => {
    const st = modelStats(s, DEFAULT_LAGS);
    if (st.n < 2) return 0;
    return st.pPositive * (1 - penalty * Math.max(0, rho[i]!));
  });
}

export function correlationPenalized(penalty = DEFAULT_CORRELATION_PENALTY): PortfolioMethod {
  return {
    id: "probability-decorrelated",
    label: "Probability, correlation-penalised",
    choose: ({ series, minBps, maxBps }) => toBps(correlationPenaltyScores(series, penalty), minBps, maxBps),
  };
}
