/**
 * Risk parity: every model contributes the same share of the portfolio's estimated variance (w_i (Σw)_i equal), on
 * the Ledoit-Wolf covariance. Then the per-model bounds as for the other methods (clipped in proportion), so with
 * binding bounds the contributions are only as equal as the bounds allow.
 */
import { riskParityWeights, shrunkCovariance } from "./linalg";
import { toBps, type PortfolioMethod } from "./method";

export const riskParity: PortfolioMethod = {
  id: "risk-parity",
  label: "Risk parity",
  choose: ({ series, minBps, maxBps }) => toBps(riskParityWeights(shrunkCovariance(series).cov), minBps, maxBps),
};
