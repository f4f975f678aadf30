/**
 * Weight suggestions in the app: the same pure code as `npm run suggest` (@portfolio-stake/core/suggest/core), applied to
 * the last `window` settled rounds of the account's own per-model rates.
 */
import { TOTAL_BPS, bpsToPercentText, parseBps } from "@portfolio-stake/core/bps";
import { METHODS, suggestWeights, windowReturn, type Method } from "@portfolio-stake/core/suggest/core";
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
  /** What the vector would have earned over the window (in-sample), see `earnedBy`. */
  earned: Earned;
  notes: string[];
}

export interface SuggestionInput {
  series: readonly (readonly Maybe[])[]; // per model, per round (oldest first)
  /** The stake at risk in each of those rounds (NMR wei), to say what a vector would have earned in NMR. */
  stakes: readonly bigint[];
  window: number; // last N rounds
  minBps: number;
  maxBps: number;
}

/** Window of the last N entries of every series. */
export function lastRounds<T>(series: readonly (readonly T[])[], window: number): T[][] {
  return series.map((s) => s.slice(Math.max(0, s.length - window)));
}

/** Every method's vector (whole bps summing to 10,000 within the bounds) and what it would have earned. */
export function suggestAll(input: SuggestionInput): SuggestionRow[] {
  const windowed = lastRounds(input.series, input.window);
  return METHODS.map((method) => {
    const s = suggestWeights(windowed, { method, minBps: input.minBps, maxBps: input.maxBps });
    return { method, bps: s.bps, earned: earnedBy(s.bps, input.series, input.stakes, input.window), notes: s.notes };
  });
}

export interface Earned {
  /** Σ rounds Σ models weight × rate: a fraction of the stake, added up over the rounds (as `npm run suggest`). */
  fraction: number;
  /** Σ rounds stake at risk × Σ models weight × rate, in NMR wei: on the stakes actually at risk then. */
  nmr: bigint;
}

/**
 * What vector `bps` would have earned over the last `window` rounds, had it been in force, at each model's rates in
 * those rounds (a model without a rate in a round, having had no weight then, counts 0). In-sample for a suggestion
 * fitted on the same rounds.
 */
export function earnedBy(
  bps: readonly number[],
  series: readonly (readonly Maybe[])[],
  stakes: readonly bigint[],
  window: number,
): Earned {
  const { total, perRound } = windowReturn(bps, lastRounds(series, window));
  const windowStakes = stakes.slice(Math.max(0, stakes.length - window));
  const nmr = perRound.reduce(
    (acc, rate, r) => acc + ((windowStakes[r] ?? 0n) * BigInt(Math.round(rate * 1e12))) / 10n ** 12n,
    0n,
  );
  return { fraction: total, nmr };
}

/** Percent text → whole bps, or null when it is not a number from 0 to 100 with at most two decimals. */
function percentToBps(text: string): number | null {
  const parsed = parseBps(text);
  return parsed.ok ? parsed.bps : null;
}

/**
 * The suggestion bounds as typed (percent per model) → bps, or what is wrong with them in words: each from 0 to 100
 * with at most two decimals, the minimum not above the maximum, and `modelCount` models able to total 100% within.
 */
export function parseBounds(
  minText: string,
  maxText: string,
  modelCount: number,
): { minBps: number; maxBps: number } | { error: string } {
  const minBps = percentToBps(minText);
  const maxBps = percentToBps(maxText);
  if (minBps === null || maxBps === null)
    return { error: "The minimum and maximum weights must be percentages from 0 to 100, with at most two decimals." };
  if (minBps > maxBps) return { error: `The minimum (${minText.trim()}%) is above the maximum (${maxText.trim()}%).` };
  const pct = (bps: number) => `${bpsToPercentText(bps)}%`;
  if (modelCount * minBps > TOTAL_BPS)
    return {
      error: `${modelCount} models at a minimum of ${pct(minBps)} each come to ${pct(modelCount * minBps)}, more than 100%: lower the minimum.`,
    };
  if (modelCount * maxBps < TOTAL_BPS)
    return {
      error: `${modelCount} models at a maximum of ${pct(maxBps)} each come to only ${pct(modelCount * maxBps)}, less than 100%: raise the maximum.`,
    };
  return { minBps, maxBps };
}
