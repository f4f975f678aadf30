/**
 * The whole evaluation the CLI prints and the app charts: every method (methods.ts) walked forward, with and without
 * turnover awareness, then equal weight's and the best single model's (with hindsight) figures beside them.
 */
import { PORTFOLIO_METHODS } from "./methods";
import type { PortfolioMethod } from "./method";
import {
  bestSingleInHindsight,
  summarize,
  walkForward,
  type PathSummary,
  type RateTable,
  type WalkForward,
  type WalkForwardOptions,
} from "./walkForward";

/** Sharpe-per-round gain a turnover-aware variant needs before it changes the vector (see sticky.ts). */
export const DEFAULT_STICKY_THRESHOLD = 0.05;

export interface Evaluation {
  result: WalkForward; // paths of the methods and their variants
  hindsight: ReturnType<typeof bestSingleInHindsight>;
  summaries: PathSummary[]; // in table order, the hindsight benchmark last
}

export function evaluate(
  table: RateTable,
  sliceDivisor: number,
  options: Partial<WalkForwardOptions> = {},
  methods: readonly PortfolioMethod[] = PORTFOLIO_METHODS,
): Evaluation {
  if (!Number.isInteger(sliceDivisor) || sliceDivisor < 1)
    throw new Error(`the slice divisor R must be a whole number of at least 1, not ${sliceDivisor}`);
  const result = walkForward(table, methods, { stickyThresholds: [DEFAULT_STICKY_THRESHOLD], ...options });
  const hindsight = bestSingleInHindsight(table, result.rounds);
  const summaries = [...result.paths, hindsight].map((p) => summarize(p, sliceDivisor));
  return { result, hindsight, summaries };
}

/** A rate table from rates by round (round → model → rate), for `models` (default: every model seen). */
export function rateTableFromRounds(
  byRound: ReadonlyMap<number, ReadonlyMap<string, number>>,
  models?: readonly string[],
): RateTable {
  const rounds = [...byRound.keys()].sort((a, b) => a - b);
  const ids = models ? [...models] : [...new Set(rounds.flatMap((r) => [...byRound.get(r)!.keys()]))];
  return { models: ids, rounds, rates: ids.map((id) => rounds.map((r) => byRound.get(r)!.get(id) ?? null)) };
}
