/**
 * What an account's rounds put at risk (no leverage), written once for the app (app/src/lib/account/exposure.ts,
 * from the contract's views) and the indexer (/accounts/:address/exposure, from indexed events): each round risks a
 * slice of the stake it opened with, stake / R (its sliceDivisor), and a rate is clipped at the round's cap, a
 * fraction of that slice (1e18 = 100%). So a round can take at most slice x cap, and the rounds open at once at most
 * the sum of that.
 *
 * "Open": opened and not past its proof deadline. Until then a round can still settle with a published result;
 * after it, a round nobody proved for the account counts as zero, so it can take nothing more. (A round settled
 * early for the account still counts until its proof deadline: the contract's exposure rule counts it too.)
 */

export const RATE_ONE = 10n ** 18n;

export interface RoundRisk {
  round: number;
  /** sliceAt(account, round): stake at the round's opening / its sliceDivisor. */
  slice: bigint;
  sliceDivisor: number;
  /** The round's cap, a fraction of the slice (1e18 = 100%); it may be lower than the parameter. */
  rateCap: bigint;
  /** The most the round can take: slice x cap. */
  maxLoss: bigint;
  proofDeadline: number;
}

export interface Exposure {
  /** The next round, not yet opened: what it will put at risk as things stand (the current R and cap). */
  next: { round: number; slice: bigint; sliceDivisor: number; rateCap: bigint; maxLoss: bigint };
  /** Open rounds (opened, not past their proof deadline), newest first. */
  open: RoundRisk[];
  /** Sum of the open rounds' maxLoss: what they can take at most, all together. */
  openMaxLoss: bigint;
}

/** A round's slice, as sliceAt: the stake it opened with / its sliceDivisor (rounded down). */
export const sliceOf = (stake: bigint, sliceDivisor: number) => stake / BigInt(sliceDivisor);

/** The most a round can take: its slice x its cap (rounded down, as the contract's per-model terms). */
export const maxLossOf = (slice: bigint, rateCap: bigint) => (slice * rateCap) / RATE_ONE;

/** Whether a round counts as open at `chainTime`: opened, and its proof deadline not passed. */
export const isOpenRound = (info: { openedAt: number; proofDeadline: number }, chainTime: number) =>
  info.openedAt > 0 && chainTime <= info.proofDeadline;

export function summarizeExposure(
  next: { round: number; slice: bigint; sliceDivisor: number; rateCap: bigint },
  open: readonly Omit<RoundRisk, "maxLoss">[],
): Exposure {
  const rounds = [...open]
    .sort((a, b) => b.round - a.round)
    .map((r) => ({ ...r, maxLoss: maxLossOf(r.slice, r.rateCap) }));
  return {
    next: { ...next, maxLoss: maxLossOf(next.slice, next.rateCap) },
    open: rounds,
    openMaxLoss: rounds.reduce((sum, r) => sum + r.maxLoss, 0n),
  };
}

/**
 * stakeAt(account, round) from the account's balance changes in chain order, each with the round open when it
 * happened (`openRound`, 0 before round 1) and the balance after it: the contract checkpoints every balance change
 * at openRound + 1, so a round opens with the balance after the last change made before it (openRound < round).
 */
export function stakeAtRound(changes: readonly { openRound: number; balance: bigint }[], round: number): bigint {
  let stake = 0n;
  for (const c of changes) if (c.openRound < round) stake = c.balance;
  return stake;
}
