/**
 * The three suggestions of `npm run suggest` (suggestCore.ts: equal, inverse volatility, P(mean > 0)) as portfolio
 * methods, so the walk-forward evaluation scores exactly what the CLI and the app suggest.
 */
import { suggestWeights, type Method } from "./core";
import type { PortfolioMethod } from "./method";

const LABELS: Record<Method, string> = {
  equal: "Equal weight",
  "inverse-volatility": "Inverse volatility",
  probability: "Probability",
};

export function classicMethod(method: Method): PortfolioMethod {
  return {
    id: method,
    label: LABELS[method],
    choose: ({ series, minBps, maxBps }) => suggestWeights(series, { method, minBps, maxBps }).bps,
  };
}
