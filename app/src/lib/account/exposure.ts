/**
 * What the account's rounds put at risk (no leverage): each round risks a slice of the stake it opened with, stake /
 * R (its sliceDivisor), and a rate is clipped at the round's cap, a fraction of that slice (1e18 = 100%). So a round
 * can take at most slice x cap, and the rounds open at once at most the sum of that. Pure, unit-tested.
 *
 * "Open" here: opened and not past its proof deadline. Until then a round can still settle with a published result;
 * after it, a round nobody proved for the account counts as zero, so it can take nothing more. (A round settled
 * early for the account still counts until its proof deadline: the contract's exposure rule counts it too.)
 */
import { formatNmr } from "@/lib/format";

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

/** "12.5%" of a 1e18 fraction, two decimals at most. */
export function fractionText(fraction: bigint): string {
  const bps = Number((fraction * 10_000n) / RATE_ONE);
  return `${Number((bps / 100).toFixed(2))}%`;
}

/**
 * The headline: "Round r risks X NMR; the N open rounds risk at most Y NMR in all." Nothing at risk is said in words
 * ("no NMR is at risk in the N open rounds", "round r risks no NMR"), never as "at most 0.00 NMR".
 */
export function exposureSentence(e: Exposure): string {
  const n = e.open.length;
  const openRounds = n === 1 ? "the open round" : `the ${n} open rounds`;
  if (n === 0 && e.next.slice === 0n) return `No round is open, and round ${e.next.round} risks no NMR.`;
  if (e.openMaxLoss === 0n && e.next.slice === 0n)
    return `No NMR is at risk in ${openRounds} or in round ${e.next.round}.`;
  const nextPart =
    e.next.slice === 0n
      ? `Round ${e.next.round} risks no NMR`
      : `Round ${e.next.round} risks ${formatNmr(e.next.slice)} NMR`;
  const openPart =
    n === 0
      ? "no round is open"
      : e.openMaxLoss === 0n
        ? `no NMR is at risk in ${openRounds}`
        : `the ${n === 1 ? "1 open round risks" : `${n} open rounds risk`} at most ${formatNmr(e.openMaxLoss)} NMR in all`;
  return `${nextPart}; ${openPart}.`;
}

/** What `openMaxLoss` is as a share of what the account holds in the contract (stake + pending withdrawal). */
export function shareOfStake(amount: bigint, held: bigint): string {
  return held === 0n ? "0%" : fractionText((amount * RATE_ONE) / held);
}
