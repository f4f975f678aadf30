/**
 * Shrunk tangency: the vector with the highest estimated Sharpe ratio (mean / sd of the portfolio's rate per round)
 * within the per-model bounds, on shrunk estimates: means pulled towards their common mean (James-Stein,
 * estimates.shrunkMeans) and the Ledoit-Wolf covariance. The raw sample tangency portfolio is notorious for betting
 * everything on the noise of the means; shrinking both inputs is the cheap cure (resampling is the expensive one).
 *
 * With bounds the tangency vector is not a closed form: it is found on the constrained efficient frontier, the
 * solutions of max μ'w − (γ/2) w'Σw over risk aversions γ (each a convex program): a grid of γ a factor of 4 apart,
 * then refined from the best point (see maxSharpeWeights).
 */
import { estimate } from "./estimates";
import { dot, quadForm, solveBudgetBoxQP } from "./linalg";
import { boundsAsFractions, toBps, type PortfolioMethod } from "./method";

/** The constrained max-Sharpe weights (fractions summing to 1) for means `mu` and covariance `cov`. */
export function maxSharpeWeights(
  mu: readonly number[],
  cov: number[][],
  lo: readonly number[],
  hi: readonly number[],
): number[] {
  const n = mu.length;
  const avgVariance = cov.reduce((a, row, i) => a + row[i]!, 0) / n;
  const scale = Math.max(...mu.map(Math.abs)) / Math.max(avgVariance, 1e-300);
  const sharpe = (w: readonly number[]) => dot(mu, w) / Math.sqrt(Math.max(quadForm(cov, w), 1e-300));
  // γ = ∞ first (minimum variance), then less and less risk-averse.
  let best = solveBudgetBoxQP(
    cov,
    mu.map(() => 0),
    lo,
    hi,
  );
  let bestSharpe = sharpe(best);
  let start = best;
  if (scale === 0) return best;
  let bestGamma = Infinity;
  for (let k = 12; k >= -4; k -= 2) {
    const gamma = scale * 2 ** k;
    const w = frontierPoint(gamma, start);
    start = w;
    const s = sharpe(w);
    if (s > bestSharpe + 1e-12) {
      best = w;
      bestSharpe = s;
      bestGamma = gamma;
    }
  }
  // Refine: the max-Sharpe vector is the frontier point whose risk aversion is its own μ'w / w'Σw (the two problems
  // have the same optimality conditions). Solve γ = F(γ) from the best grid point by the secant method on F(γ) − γ.
  if (!Number.isFinite(bestGamma)) return best;
  const implied = (w: readonly number[]) => dot(mu, w) / quadForm(cov, w);
  let g0 = bestGamma;
  let f0 = implied(best) - g0;
  let w1 = best;
  let g1 = g0 + f0;
  for (let k = 0; k < 20 && g1 > 0 && Number.isFinite(g1); k++) {
    w1 = frontierPoint(g1, w1);
    const s = sharpe(w1);
    if (s > bestSharpe) {
      best = w1;
      bestSharpe = s;
    }
    const f1 = implied(w1) - g1;
    if (Math.abs(f1) <= 1e-9 * g1 || f1 === f0) break;
    const g2 = g1 - (f1 * (g1 - g0)) / (f1 - f0);
    g0 = g1;
    f0 = f1;
    g1 = g2 > 0 && Number.isFinite(g2) ? g2 : g1 + f1;
  }
  return best;

  function frontierPoint(gamma: number, from: readonly number[]) {
    return solveBudgetBoxQP(
      cov,
      mu.map((m) => m / gamma),
      lo,
      hi,
      { start: from },
    );
  }
}

export const tangency: PortfolioMethod = {
  id: "tangency",
  label: "Max Sharpe (shrunk)",
  choose: ({ series, minBps, maxBps }) => {
    const { means, cov } = estimate(series);
    const { lo, hi } = boundsAsFractions(series.length, minBps, maxBps);
    return toBps(maxSharpeWeights(means, cov, lo, hi), minBps, maxBps);
  },
};
