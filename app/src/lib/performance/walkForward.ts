/**
 * The walk-forward evaluation on the performance page: the same pure code as `npm run suggest -- --evaluate`
 * (packages/core/src/suggest/evaluate.ts), on this account's own settled rates. Each method is replayed round by round on
 * only the rates public at the time (a round counts as public `delay` rounds after it opened) and scored on the
 * rounds its vector would have applied to.
 */
import { evaluate } from "@portfolio-stake/core/suggest/evaluate";
import { NUMERAI_DAILY_DELAY } from "@portfolio-stake/core/suggest/timing";
import { cumulativeOnStake, type PathSummary } from "@portfolio-stake/core/suggest/walkForward";
import type { Maybe } from "./analytics";

export { NUMERAI_DAILY_DELAY };

/** Public rates a model needs before a method weights it, and the fewest evaluated rounds worth a chart. */
export const APP_MIN_RATES = 5;

export interface WalkForwardView {
  rounds: number[]; // evaluated rounds
  lines: { id: string; label: string; values: number[] }[]; // cumulative rate on the slices, per method
  summaries: PathSummary[];
  delay: number;
}

/**
 * The evaluation, or why there is none in words: it needs delay + APP_MIN_RATES + 1 rounds from the first settled one.
 * Returns on the slices (R = 1): the page reads every return per slice.
 */
export function walkForwardView(
  series: readonly (readonly Maybe[])[],
  rounds: readonly number[],
  models: readonly string[],
  bounds: { minBps: number; maxBps: number },
  delay = NUMERAI_DAILY_DELAY,
): WalkForwardView | { error: string } {
  const span = rounds.length ? (rounds.at(-1) ?? 0) - (rounds[0] ?? 0) + 1 : 0;
  const needed = delay + APP_MIN_RATES + 1;
  if (span < needed)
    return {
      error:
        `The walk-forward test needs ${needed} rounds from the first settled one (a round's result is only known ` +
        `${delay} rounds after it opens, and a method needs ${APP_MIN_RATES} known results); this account has ${span}.`,
    };
  try {
    const { result, summaries } = evaluate(
      { models: [...models], rounds: [...rounds], rates: series.map((s) => [...s]) },
      1,
      { delay, window: 60, minRates: APP_MIN_RATES, every: 1, stickyThresholds: [], ...bounds },
    );
    const lines = result.paths.map((p) => ({ id: p.id, label: p.label, values: cumulativeOnStake(p, 1) }));
    return { rounds: result.rounds, lines, summaries, delay };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}
