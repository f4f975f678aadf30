/**
 * How many rounds pass before a round's result is public, from the rounds' own times (the RoundOpened events): round
 * s counts as public from the first round that opens at or after s resolves. The evaluation uses the largest delay
 * seen (a method must never be credited with a result it could not have had).
 */
export interface RoundTimes {
  round: number;
  openedAt: number; // Unix seconds
  resolvesAt: number;
}

/** Numerai's daily rounds under the 2026 settings: resolutionDelay 28 days, rounds Tuesday to Saturday → 20 rounds. */
export const NUMERAI_DAILY_DELAY = 20;

/** The largest delay in rounds over the rounds whose resolution some later round's opening shows; null if none. */
export function delayFromRoundTimes(times: readonly RoundTimes[]): number | null {
  const byRound = [...times].sort((a, b) => a.round - b.round);
  let delay: number | null = null;
  for (const s of byRound) {
    const after = byRound.find((u) => u.round > s.round && u.openedAt >= s.resolvesAt);
    if (after) delay = Math.max(delay ?? 0, after.round - s.round);
  }
  return delay;
}
