/**
 * Shrunk minimum variance: the vector with the lowest estimated variance of the portfolio's rate, within the
 * per-model bounds, using the Ledoit-Wolf covariance (linalg.shrunkCovariance). Real rounds are strongly correlated
 * (about 71% of CORR variance is common to all models), so the sample covariance alone is near singular and its
 * minimum-variance vector piles onto a few models by accident; the shrunk one is stable.
 */
import { shrunkCovariance, solveBudgetBoxQP } from "./linalg";
import { boundsAsFractions, toBps, type PortfolioMethod } from "./method";

export const minVariance: PortfolioMethod = {
  id: "min-variance",
  label: "Minimum variance (shrunk)",
  choose: ({ series, minBps, maxBps }) => {
    const { cov } = shrunkCovariance(series);
    const { lo, hi } = boundsAsFractions(series.length, minBps, maxBps);
    const w = solveBudgetBoxQP(
      cov,
      cov.map(() => 0),
      lo,
      hi,
    );
    return toBps(w, minBps, maxBps);
  },
};
