/**
 * Weight suggestions in the app: the same pure code as `npm run suggest` (scripts/lib/suggestCore.ts), applied to
 * the last `window` settled rounds of the account's own per-model rates.
 */
import { METHODS, suggestWeights, windowReturn, type Method } from "../../../../scripts/lib/suggestCore";
import type { Maybe } from "./analytics";

export { METHODS, type Method };

export const METHOD_LABELS: Record<Method, string> = {
  equal: "Equal weight",
  "inverse-volatility": "Inverse volatility",
  probability: "Probability",
};

export interface SuggestionRow {
  method: Method;
  bps: number[];
  /** Σ rounds Σ models weight × rate over the window (in-sample), a fraction of the stake. */
  earned: number;
  notes: string[];
}

export interface SuggestionInput {
  series: readonly (readonly Maybe[])[]; // per model, per round (oldest first)
  window: number; // last N rounds
  minBps: number;
  maxBps: number;
}

/** Window of the last N rounds of every series. */
export function lastRounds(series: readonly (readonly Maybe[])[], window: number): Maybe[][] {
  return series.map((s) => s.slice(Math.max(0, s.length - window)));
}

/** Every method's vector (whole bps summing to 10,000 within the bounds) and what it would have earned. */
export function suggestAll(input: SuggestionInput): SuggestionRow[] {
  const windowed = lastRounds(input.series, input.window);
  return METHODS.map((method) => {
    const s = suggestWeights(windowed, { method, minBps: input.minBps, maxBps: input.maxBps });
    return { method, bps: s.bps, earned: windowReturn(s.bps, windowed).total, notes: s.notes };
  });
}

export function earnedBy(bps: readonly number[], series: readonly (readonly Maybe[])[], window: number): number {
  return windowReturn(bps, lastRounds(series, window)).total;
}
