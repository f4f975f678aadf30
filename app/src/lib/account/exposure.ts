/**
 * The exposure card's words. The computation (slices, caps, which rounds are open, the sum) is core's
 * (@portfolio-stake/core/exposure), shared with the indexer's /accounts/:address/exposure.
 */
import { type Exposure, RATE_ONE } from "@portfolio-stake/core/exposure";
import { formatNmr } from "@/lib/format";

export {
  type Exposure,
  type RoundRisk,
  RATE_ONE,
  isOpenRound,
  maxLossOf,
  summarizeExposure,
} from "@portfolio-stake/core/exposure";

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
