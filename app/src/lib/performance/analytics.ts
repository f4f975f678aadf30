/**
 * Performance analytics of one account, pure (no React, no chain): from its decoded events to per-model and
 * portfolio return series, cumulative returns, drawdowns and a correlation matrix.
 *
 * Conventions. A rate is a fraction of the stake at risk (0.01 = +1%). The balance compounds (each settlement adds
 * stake × Σ weight × rate to the stake the next round puts at risk), so cumulative returns compound:
 * C_t = Π_{s≤t} (1 + r_s) − 1. A model's rate is known for the rounds in which it carried weight: `Settled` reports
 * 0 for unweighted models, so those rounds are "no data" (null), not a 0% result; so are rounds that expired
 * unpublished (every rate 0). The portfolio's rate is delta / stakeAtRisk, the return on what was at risk; chaining
 * these per-round rates (a time-weighted return) leaves deposits and withdrawals out of the performance.
 */
import { pearson } from "@portfolio-stake/core/stats";
import type { AccountEvent, AllocationSetEvent, SettledEvent, SpanSettledEvent } from "@portfolio-stake/core/history";

export type Maybe = number | null;

const RATE_ONE = 10n ** 18n;

/** 18-decimal signed fixed point → number (exact enough for display and statistics). */
export function rateToNumber(rate: bigint): number {
  const whole = rate / RATE_ONE;
  return Number(whole) + Number(rate - whole * RATE_ONE) / 1e18;
}

/** The vector in force in `round`: the last AllocationSet with effectiveRound ≤ round (later sets win). */
export function vectorAt(allocations: readonly AllocationSetEvent[], round: number): number[] | null {
  let found: AllocationSetEvent | null = null;
  for (const a of allocations) if (a.effectiveRound <= round) found = a; // chain order: a later event overrides
  return found ? found.weights : null;
}

export interface RoundResult {
  round: number;
  stakeAtRisk: bigint;
  delta: bigint;
  balance: bigint;
  /** delta / stakeAtRisk: the portfolio's return that round under its actual vector. */
  portfolioRate: number;
  /** Per model in registry order: its rate, or null when it had no weight that round. */
  modelRates: Maybe[];
  weights: number[]; // bps in force that round (registry order)
}

/** One entry per settled round, oldest first. */
export function roundResults(events: readonly AccountEvent[], modelCount: number): RoundResult[] {
  const allocations = events.filter((e): e is AllocationSetEvent => e.kind === "allocation-set");
  // A round with nothing at risk says nothing about performance: left out.
  const settled = events
    .filter((e): e is SettledEvent => e.kind === "settled" && e.stakeAtRisk > 0n)
    .sort((a, b) => a.round - b.round);
  return settled.map((s) => {
    const weights = padded(vectorAt(allocations, s.round) ?? [], modelCount);
    // An expired (unpublished) round, or one with nothing at risk, reports every rate as 0: no result, not 0%.
    const published = s.rates.some((r) => r !== 0n);
    const modelRates = Array.from({ length: modelCount }, (_, m) => {
      const rate = s.rates[m];
      return published && (weights[m] ?? 0) > 0 && rate !== undefined ? rateToNumber(rate) : null;
    });
    const portfolioRate = s.stakeAtRisk === 0n ? 0 : Number((s.delta * 10n ** 12n) / s.stakeAtRisk) / 1e12;
    return {
      round: s.round,
      stakeAtRisk: s.stakeAtRisk,
      delta: s.delta,
      balance: s.balance,
      portfolioRate,
      modelRates,
      weights,
    };
  });
}

/**
 * Rounds settled together (settleSpans): the chain has their net result and each model's sum of rates over the span,
 * not the rates round by round, so they are not in roundResults (the per-round series, charts and statistics leave
 * them out) and are listed on their own. `portfolioReturn` is delta / stakeAtRisk, the sum of the rounds' returns on
 * the slice (each round put the same slice at risk); `modelSums` the per-model sums (null: no weight in the span).
 */
export interface SpanResult {
  fromRound: number;
  toRound: number;
  rounds: number;
  stakeAtRisk: bigint;
  delta: bigint;
  portfolioReturn: number;
  modelSums: Maybe[];
}

export function spanResults(events: readonly AccountEvent[], modelCount: number): SpanResult[] {
  const allocations = events.filter((e): e is AllocationSetEvent => e.kind === "allocation-set");
  return events
    .filter((e): e is SpanSettledEvent => e.kind === "span-settled")
    .sort((a, b) => a.fromRound - b.fromRound)
    .map((s) => {
      const weights = padded(vectorAt(allocations, s.fromRound) ?? [], modelCount);
      return {
        fromRound: s.fromRound,
        toRound: s.toRound,
        rounds: s.toRound - s.fromRound + 1,
        stakeAtRisk: s.stakeAtRisk,
        delta: s.delta,
        portfolioReturn: s.stakeAtRisk === 0n ? 0 : Number((s.delta * 10n ** 12n) / s.stakeAtRisk) / 1e12,
        modelSums: Array.from({ length: modelCount }, (_, m) =>
          (weights[m] ?? 0) > 0 && s.rateSums[m] !== undefined ? rateToNumber(s.rateSums[m]) : null,
        ),
      };
    });
}

function padded(weights: readonly number[], n: number): number[] {
  return Array.from({ length: n }, (_, i) => weights[i] ?? 0);
}

/** Model m's rates, one per round result. */
export function modelSeries(results: readonly RoundResult[], m: number): Maybe[] {
  return results.map((r) => r.modelRates[m] ?? null);
}

/** Compounded cumulative return after each round; a missing round leaves it unchanged. */
export function cumulative(rates: readonly Maybe[]): number[] {
  let growth = 1;
  return rates.map((r) => {
    if (r !== null && Number.isFinite(r)) growth *= 1 + r;
    return growth - 1;
  });
}

/** Drawdown after each round: how far the compounded value is below its running peak (0 or negative). */
export function drawdown(cumulativeReturns: readonly number[]): number[] {
  let peak = 1;
  return cumulativeReturns.map((c) => {
    const value = 1 + c;
    if (value > peak) peak = value;
    return value / peak - 1;
  });
}

/** Pairwise Pearson correlations over the rounds both models have (NaN with fewer than 3 such rounds). */
export function correlationMatrix(series: readonly (readonly Maybe[])[]): number[][] {
  return series.map((a, i) =>
    series.map((b, j) => (i === j ? (a.filter((x) => x !== null).length >= 3 ? 1 : NaN) : pearson(a, b))),
  );
}

export interface SeriesSummary {
  rounds: number; // rounds with data
  total: number; // compounded
  mean: number;
  hitRate: number; // share of rounds with a positive rate
  maxDrawdown: number; // most negative drawdown
}

export function summarize(rates: readonly Maybe[]): SeriesSummary {
  const values = rates.filter((r): r is number => r !== null && Number.isFinite(r));
  const cum = cumulative(rates);
  const dd = drawdown(cum);
  return {
    rounds: values.length,
    total: cum.at(-1) ?? 0,
    mean: values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN,
    hitRate: values.length ? values.filter((v) => v > 0).length / values.length : NaN,
    maxDrawdown: dd.length ? Math.min(0, ...dd) : 0,
  };
}

/** Rounds the editor looks back over for "recent" return and drawdown (about a month of daily rounds). */
export const RECENT_ROUNDS = 20;

/** Model m over the last `window` settled rounds: compounded return and worst drawdown (null: no data there). */
export function recentModelSummary(
  results: readonly RoundResult[],
  m: number,
  window = RECENT_ROUNDS,
): { rounds: number; total: number; maxDrawdown: number } | null {
  const summary = summarize(modelSeries(results.slice(-window), m));
  return summary.rounds === 0
    ? null
    : { rounds: summary.rounds, total: summary.total, maxDrawdown: summary.maxDrawdown };
}
