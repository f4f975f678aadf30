/**
 * When things really happen, from the contract's parameters and each round's roundInfo (pure, unit-tested):
 *   - a withdrawal can be claimed once its delay has passed (releaseAt) AND every round it was at risk in is settled
 *     for the account. A round can be settled once its result is published (from about its resolvesAt: the
 *     operator publishes after resolution); an unpublished round counts as zero after its deadline and a published
 *     one that cannot be proven for the account after its proof deadline, so the proof deadline is the latest a
 *     round can hold a withdrawal back. Anyone may settle (the staker included), so nobody else has to act.
 *   - a reallocation (and a deposit) takes effect when the next round opens: no earlier than the newest round's
 *     openedAt + minRoundInterval, when the operator opens it.
 *   - owed rewards can be claimed now when a refill has paid some (claimable > 0); the rest at the next refill.
 */
import { formatNmr, formatTime, relativeTime } from "@/lib/format";

/** One opened round's timetable (roundInfo). */
export interface RoundSchedule {
  round: number;
  resolvesAt: number; // earliest publication
  deadline: number; // unpublished after this: counts as a zero result
  proofDeadline: number; // published but unprovable for an account after this: may settle as zero for it
  published: boolean;
}

export interface ClaimWindow {
  /** The earliest time it can be claimed, if the operator publishes and someone settles promptly. */
  earliest: number;
  /** The latest, whatever the operator does (still needs a settlement, which anyone may send). */
  latest: number;
  /** What sets the earliest time: the delay, or the last at-risk round still to resolve. */
  limitedBy: { kind: "delay" } | { kind: "round"; round: number } | { kind: "now" };
  /** The round whose proof deadline sets the latest time (undefined: the delay does). */
  latestRound?: number;
}

/**
 * When a withdrawal can be claimed. `rounds` holds the schedules of the rounds still open (opened, proof deadline
 * not passed); an unsettled at-risk round missing from it is past its proof deadline, so it can be settled now.
 */
export function withdrawalClaimWindow(input: {
  releaseAt: number;
  lastRound: number; // the last round the amount is at risk in
  nextSettleRound: number; // the account's next round to settle: rounds before it are settled
  rounds: readonly RoundSchedule[];
  now: number;
}): ClaimWindow {
  const { releaseAt, now } = input;
  let earliest = Math.max(now, releaseAt);
  let latest = earliest;
  let limitedBy: ClaimWindow["limitedBy"] = releaseAt > now ? { kind: "delay" } : { kind: "now" };
  let latestRound: number | undefined;
  const byRound = new Map(input.rounds.map((r) => [r.round, r]));
  for (let round = Math.max(input.nextSettleRound, 1); round <= input.lastRound; round++) {
    const schedule = byRound.get(round);
    if (!schedule) continue; // past its proof deadline: can be settled now
    const roundEarliest = schedule.published ? now : Math.max(now, schedule.resolvesAt);
    if (roundEarliest > earliest) {
      earliest = roundEarliest;
      limitedBy = { kind: "round", round };
    }
    if (schedule.proofDeadline > latest) {
      latest = schedule.proofDeadline;
      latestRound = round;
    }
  }
  return { earliest, latest: Math.max(latest, earliest), limitedBy, latestRound };
}

/** "from about <date> (in 5 weeks), at the latest <date>: <why>" for a claim window. */
export function claimWindowText(w: ClaimWindow, now: number): string {
  const from =
    w.limitedBy.kind === "now"
      ? "as soon as the rounds it was at risk in are settled (they can be now)"
      : `from about ${formatTime(w.earliest)} (${relativeTime(w.earliest, now)})`;
  const why =
    w.limitedBy.kind === "round"
      ? `round ${w.limitedBy.round}, the last one it is at risk in, resolves then and must be published and settled first`
      : w.limitedBy.kind === "delay"
        ? "the withdrawal delay ends then"
        : "";
  const latest =
    w.latestRound !== undefined && w.latest > w.earliest
      ? `, at the latest ${formatTime(w.latest)} (round ${w.latestRound}'s proof deadline: after it an unpublished or unprovable round counts as zero)`
      : "";
  return `${from}${latest}${why ? `; ${why}` : ""}. Anyone may send the settlement, you included.`;
}

export type NextRoundOpening =
  | { kind: "first" } // no round opened yet
  | { kind: "scheduled"; at: number } // no earlier than `at`
  | { kind: "due"; since: number }; // it may open now (the operator opens it)

/** When the next round can open: the newest round's openedAt + minRoundInterval. */
export function nextRoundOpening(lastOpenedAt: number | null, minRoundInterval: number, now: number): NextRoundOpening {
  if (lastOpenedAt === null) return { kind: "first" };
  const at = lastOpenedAt + minRoundInterval;
  return at > now ? { kind: "scheduled", at } : { kind: "due", since: at };
}

/** "round 81, expected to open at <date> (in 5 hours; the operator opens it, never earlier)" and the like. */
export function nextRoundOpeningText(round: number, opening: NextRoundOpening, now: number): string {
  switch (opening.kind) {
    case "first":
      return `round ${round}, the first round, when the operator opens it`;
    case "scheduled":
      return `round ${round}, expected to open at ${formatTime(opening.at)} (${relativeTime(opening.at, now)}; the operator opens it, never earlier)`;
    case "due":
      return `round ${round}, as soon as the operator opens it (it may open since ${formatTime(opening.since)})`;
  }
}

/** When owed rewards can be claimed: now for what refills paid, the rest at the next refill (no date known). */
export function owedRewardsWhenText(claimable: bigint, unpaid: bigint): string {
  const now = claimable > 0n ? `${formatNmr(claimable)} NMR can be claimed now.` : "";
  const later =
    unpaid > 0n
      ? `${formatNmr(unpaid)} NMR becomes claimable at the next refill of the rewards pool (pro rata if the refill is short); refills have no schedule, so there is no date for it.`
      : "";
  return [now, later].filter(Boolean).join(" ") || "Nothing is owed.";
}
