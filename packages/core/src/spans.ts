/**
 * Span planning: which of an account's unsettled rounds can settle together with `settleSpans`, and which must go
 * one by one (`settle` / `settleBatch`).
 *
 * `settleSpans` settles a segment of rounds x..y in one step from two cumulative leaves per weighted model (the
 * cumulatives at x - 1 and at y), at a cost that does not grow with y - x. The contract accepts a segment only when
 * (its custom error in brackets):
 *   a. rounds x - 1..y are all published with one rateCap c and one sliceDivisor R: `publishedRun(y) >= y - x + 2`
 *      (SpanNotPublished);
 *   b. the stake is constant over x..y: the stake checkpoint in force at y has key <= x (SpanStakeChanged);
 *   c. one weight vector is in force over x..y and it weights something (SpanVectorChanged);
 *   d. the balance at the segment's start covers the slice and the worst loss of the whole segment:
 *      balance >= S + ceil(n x S x c / 1e18), S = stake / R, n = y - x + 1 (SpanTooRisky);
 * and both boundaries prove the cumulative of every weighted model (their trees must hold those leaves).
 *
 * The planner is pure: the caller reads the chain (rounds, stakes, vectors, balance) and says which boundary trees
 * prove the account's models. It prefers long segments (greedy: each segment is extended as far as the conditions
 * allow), never makes one shorter than `minSpanRounds` (a 1-round span costs more than the round settled alone), and
 * checks d against a balance that assumes every earlier step of the plan lost its worst (gains may be owed rather
 * than paid, so they are never counted): a plan it returns is accepted whatever the rates turn out to be. What it
 * cannot see (a stake checkpoint or a new vector that changed nothing, when the caller gives values rather than keys)
 * makes the contract revert the span; callers then settle the account round by round (the keeper does).
 */

const RATE_SCALE = 10n ** 18n;

/** What the planner needs of one round (from `roundInfo`). */
export interface SpanRoundInfo {
  published: boolean; // its root is on chain
  publishedRun: number; // RoundInfo.publishedRun: published rounds with one cap and divisor ending here (0: unpublished)
  rateCap: bigint;
  sliceDivisor: bigint;
}

export interface SpanPlanInput {
  /** The account's nextSettleRound: the plan starts here. */
  nextSettleRound: bigint;
  /** The last round to plan (inclusive): the last round the caller can settle now (each one settleable per round). */
  lastRound: bigint;
  /** Round data; undefined for a round the caller did not read (then no span touches it). */
  round: (round: bigint) => SpanRoundInfo | undefined;
  /** The account's stake in `round` (`stakeAt`: the checkpoint in force). */
  stakeAt: (round: bigint) => bigint;
  /**
   * The keys of the account's stake checkpoints, if the caller knows them: a checkpoint with key in x + 1..y breaks
   * a segment even when it left the value unchanged. Without them, a change is seen only when `stakeAt` changes.
   */
  stakeCheckpoints?: readonly bigint[];
  /** Effective rounds of the account's vectors (each starts where the previous one ends). */
  vectorStarts: readonly bigint[];
  /** Whether the vector in force at `round` exists and weights a model (words[0] != 0 in the contract). */
  weighted: (round: bigint) => boolean;
  /**
   * Whether `boundary`'s tree proves the cumulatives of every model weighted by the vector in force at `vectorRound`
   * (kind-1 leaves present, leaf file loaded). Default: always.
   */
  provable?: (boundary: bigint, vectorRound: bigint) => boolean;
  /** The account's balance now (accountOf.balance): what the first step starts from. */
  balance: bigint;
  /** Shortest segment worth a span (default 2). */
  minSpanRounds?: number;
}

/** One step of an account's plan, in settlement order. */
export type SpanStep =
  | { kind: "span"; from: bigint; to: bigint; stakeAtRisk: bigint; worstLoss: bigint }
  | { kind: "round"; round: bigint };

/** A run of steps sent together: contiguous segments (one settleSpans entry) or consecutive per-round rounds. */
export type SpanPiece = { kind: "spans"; boundaries: bigint[] } | { kind: "rounds"; rounds: bigint[] };

export interface SpanPlan {
  steps: SpanStep[];
  segments: { from: bigint; to: bigint }[];
  perRound: bigint[];
  pieces: SpanPiece[];
}

export const DEFAULT_MIN_SPAN_ROUNDS = 2;

/** The worst loss of `rounds` rounds of slice `stakeAtRisk` at cap `rateCap`, rounded up (condition d). */
export function spanWorstLoss(rounds: bigint, stakeAtRisk: bigint, rateCap: bigint): bigint {
  const product = rounds * stakeAtRisk * rateCap;
  return (product + RATE_SCALE - 1n) / RATE_SCALE;
}

/** Condition d: the balance covers the slice and the segment's worst loss. */
export function spanAffordable(balance: bigint, rounds: bigint, stakeAtRisk: bigint, rateCap: bigint): boolean {
  return balance >= stakeAtRisk + spanWorstLoss(rounds, stakeAtRisk, rateCap);
}

/**
 * A segment's delta as the contract computes it: for each weighted slot, (S x weight / 10,000) x (cum(y) - cum(x-1))
 * / 1e18, each term rounded toward zero. Per round, the same sum is taken round by round, so the two differ by less
 * than one wei per weighted model per round of the segment.
 */
export function spanDelta(
  stakeAtRisk: bigint,
  weights: readonly (number | bigint)[],
  cumulativeBefore: readonly bigint[],
  cumulativeAfter: readonly bigint[],
): bigint {
  let delta = 0n;
  weights.forEach((w, slot) => {
    if (BigInt(w) === 0n) return;
    const modelStake = (stakeAtRisk * BigInt(w)) / 10_000n;
    delta += (modelStake * ((cumulativeAfter[slot] ?? 0n) - (cumulativeBefore[slot] ?? 0n))) / RATE_SCALE;
  });
  return delta;
}

/** Plans one account's rounds from nextSettleRound to lastRound: segments for settleSpans, the rest per round. */
export function planSpans(input: SpanPlanInput): SpanPlan {
  const minSpan = BigInt(input.minSpanRounds ?? DEFAULT_MIN_SPAN_ROUNDS);
  if (minSpan < 1n) throw new Error(`minSpanRounds must be at least 1, not ${minSpan}`);
  const steps: SpanStep[] = [];
  let balance = input.balance; // a lower bound of the balance when the next step starts
  for (let x = input.nextSettleRound; x <= input.lastRound; ) {
    const segment = longestSegment(input, x, balance, minSpan);
    if (segment) {
      steps.push(segment);
      balance -= segment.worstLoss;
      x = segment.to + 1n;
      continue;
    }
    steps.push({ kind: "round", round: x });
    const info = input.round(x);
    // A round settled alone loses at most its cap of its slice (less when published at zero or unprovable).
    if (info) balance -= spanWorstLoss(1n, input.stakeAt(x) / info.sliceDivisor, info.rateCap);
    x++;
  }
  return {
    steps,
    segments: steps.flatMap((s) => (s.kind === "span" ? [{ from: s.from, to: s.to }] : [])),
    perRound: steps.flatMap((s) => (s.kind === "round" ? [s.round] : [])),
    pieces: piecesOf(steps),
  };
}

/** Groups steps into what is sent together: contiguous segments share their boundaries. */
export function piecesOf(steps: readonly SpanStep[]): SpanPiece[] {
  const pieces: SpanPiece[] = [];
  for (const step of steps) {
    const last = pieces[pieces.length - 1];
    if (step.kind === "round") {
      if (last?.kind === "rounds") last.rounds.push(step.round);
      else pieces.push({ kind: "rounds", rounds: [step.round] });
    } else if (last?.kind === "spans" && last.boundaries[last.boundaries.length - 1] === step.from - 1n) {
      last.boundaries.push(step.to);
    } else pieces.push({ kind: "spans", boundaries: [step.from - 1n, step.to] });
  }
  return pieces;
}

/** The longest segment from `x` that the contract accepts (and that is at least `minSpan` rounds), if any. */
function longestSegment(
  input: SpanPlanInput,
  x: bigint,
  balance: bigint,
  minSpan: bigint,
): Extract<SpanStep, { kind: "span" }> | undefined {
  if (x < 1n || input.lastRound - x + 1n < minSpan) return undefined;
  const before = input.round(x - 1n);
  if (!before?.published || !input.weighted(x)) return undefined;
  const provable = input.provable ?? (() => true);
  if (!provable(x - 1n, x)) return undefined;
  const stake = input.stakeAt(x);
  const { rateCap, sliceDivisor } = before;
  if (sliceDivisor === 0n) return undefined;
  const slice = stake / sliceDivisor;
  const vectorEnd = firstAfter(input.vectorStarts, x); // the next vector's effective round
  const stakeEnd = input.stakeCheckpoints ? firstAfter(input.stakeCheckpoints, x) : undefined;
  let y = x - 1n;
  for (let next = x; next <= input.lastRound; next++) {
    const info = input.round(next);
    // a: published with the same cap and divisor all the way from x - 1 (the contract reads publishedRun(y)).
    if (!info?.published || BigInt(info.publishedRun) < next - x + 2n) break;
    if (info.rateCap !== rateCap || info.sliceDivisor !== sliceDivisor) break; // implied by publishedRun; kept exact
    // b: the stake is the same (no checkpoint in x + 1..next).
    if (input.stakeAt(next) !== stake || (stakeEnd !== undefined && next >= stakeEnd)) break;
    // c: the same vector.
    if (vectorEnd !== undefined && next >= vectorEnd) break;
    // d: the balance at the start covers the slice and the worst loss of every round so far.
    if (!spanAffordable(balance, next - x + 1n, slice, rateCap)) break;
    y = next;
  }
  // Both boundaries must prove the account's weighted models: shorten to the last provable end.
  while (y - x + 1n >= minSpan && !provable(y, x)) y--;
  if (y - x + 1n < minSpan) return undefined;
  return {
    kind: "span",
    from: x,
    to: y,
    stakeAtRisk: slice,
    worstLoss: spanWorstLoss(y - x + 1n, slice, rateCap),
  };
}

/** The smallest key after `round`, if any. */
function firstAfter(keys: readonly bigint[], round: bigint): bigint | undefined {
  let found: bigint | undefined;
  for (const k of keys) if (k > round && (found === undefined || k < found)) found = k;
  return found;
}
