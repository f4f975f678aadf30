import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  piecesOf,
  planSpans,
  spanAffordable,
  spanDelta,
  spanWorstLoss,
  type SpanPlanInput,
  type SpanRoundInfo,
} from "./spans";

const E18 = 10n ** 18n;
const CAP = E18; // 100% of the slice
const R = 64n;

/** Rounds 1..last published with one cap and divisor unless told otherwise; publishedRun as the contract sets it. */
function rounds(last: number, overrides: Record<number, Partial<SpanRoundInfo>> = {}) {
  const infos = new Map<bigint, SpanRoundInfo>();
  let run = 0;
  let previous: SpanRoundInfo | undefined;
  for (let r = 1; r <= last; r++) {
    const base = { published: true, rateCap: CAP, sliceDivisor: R, ...overrides[r] };
    const same =
      previous?.published && previous.rateCap === base.rateCap && previous.sliceDivisor === base.sliceDivisor;
    run = base.published ? (same ? run + 1 : 1) : 0;
    const info = { ...base, publishedRun: run };
    infos.set(BigInt(r), info);
    previous = info;
  }
  return (round: bigint) => infos.get(round);
}

function input(overrides: Partial<SpanPlanInput> = {}): SpanPlanInput {
  return {
    nextSettleRound: 2n,
    lastRound: 21n,
    round: rounds(30),
    stakeAt: () => 6_400n * E18,
    vectorStarts: [1n],
    weighted: () => true,
    balance: 6_400n * E18,
    ...overrides,
  };
}

const segments = (plan: ReturnType<typeof planSpans>) => plan.segments.map((s) => [Number(s.from), Number(s.to)]);
const perRound = (plan: ReturnType<typeof planSpans>) => plan.perRound.map(Number);

describe("planSpans", () => {
  it("settles a clean backlog as one segment, boundaries at next - 1 and the last round", () => {
    const plan = planSpans(input());
    assert.deepEqual(segments(plan), [[2, 21]]);
    assert.deepEqual(plan.perRound, []);
    assert.deepEqual(plan.pieces, [{ kind: "spans", boundaries: [1n, 21n] }]);
    const [step] = plan.steps;
    assert.equal(step?.kind, "span");
    if (step?.kind === "span") {
      assert.equal(step.stakeAtRisk, 100n * E18);
      assert.equal(step.worstLoss, 2_000n * E18); // 20 rounds x 100 NMR x 100%
    }
  });

  it("a: needs round x - 1 published with the same cap and divisor; an unpublished round goes per round", () => {
    // Round 1 unpublished: round 2 cannot start a span (its boundary x - 1 is unpublished) and goes alone.
    assert.deepEqual(perRound(planSpans(input({ round: rounds(30, { 1: { published: false } }) }))), [2]);
    // Round 10 expired unpublished: per round, and the span after it starts at 11 only if 10 is published: it is not,
    // so 11 goes alone too, then 12..21.
    const gap = planSpans(input({ round: rounds(30, { 10: { published: false } }) }));
    assert.deepEqual(segments(gap), [
      [2, 9],
      [12, 21],
    ]);
    assert.deepEqual(perRound(gap), [10, 11]);
    // A cap change at round 8: 2..7 one span; round 8's x - 1 = 7 has another cap, so 8 alone, then 9..21.
    const capped = planSpans(
      input({
        round: rounds(
          30,
          Object.fromEntries(
            [8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22].map((r) => [r, { rateCap: E18 / 2n }]),
          ),
        ),
      }),
    );
    assert.deepEqual(segments(capped), [
      [2, 7],
      [9, 21],
    ]);
    assert.deepEqual(perRound(capped), [8]);
    // A divisor change likewise.
    const divided = planSpans(input({ round: rounds(30, { 12: { sliceDivisor: 32n } }) }));
    assert.deepEqual(segments(divided), [
      [2, 11],
      [14, 21],
    ]);
    assert.deepEqual(perRound(divided), [12, 13]);
  });

  it("b: a stake change splits the backlog; a checkpoint that changed nothing does too when its key is known", () => {
    const stakeAt = (r: bigint) => (r < 12n ? 6_400n * E18 : 3_200n * E18);
    const split = planSpans(input({ stakeAt }));
    assert.deepEqual(segments(split), [
      [2, 11],
      [12, 21],
    ]);
    // Contiguous segments are one settleSpans entry with three boundaries.
    assert.deepEqual(split.pieces, [{ kind: "spans", boundaries: [1n, 11n, 21n] }]);
    const steps = split.steps.filter((s) => s.kind === "span");
    assert.deepEqual(
      steps.map((s) => s.stakeAtRisk),
      [100n * E18, 50n * E18],
    );
    // Same values, but a checkpoint at 15: the contract refuses 2..21 (its key > x), so the plan breaks there.
    assert.deepEqual(segments(planSpans(input({ stakeCheckpoints: [1n, 15n] }))), [
      [2, 14],
      [15, 21],
    ]);
    // Checkpoints at or before x, or after the last round, change nothing.
    assert.deepEqual(segments(planSpans(input({ stakeCheckpoints: [1n, 2n, 22n] }))), [[2, 21]]);
  });

  it("c: a new vector splits the backlog; rounds without a vector go per round", () => {
    assert.deepEqual(segments(planSpans(input({ vectorStarts: [1n, 9n] }))), [
      [2, 8],
      [9, 21],
    ]);
    // No vector before round 6: those rounds settle alone (nothing at risk), then 6..21.
    const late = planSpans(input({ vectorStarts: [6n], weighted: (r) => r >= 6n }));
    assert.deepEqual(perRound(late), [2, 3, 4, 5]);
    assert.deepEqual(segments(late), [[6, 21]]);
    assert.deepEqual(late.pieces, [
      { kind: "rounds", rounds: [2n, 3n, 4n, 5n] },
      { kind: "spans", boundaries: [5n, 21n] },
    ]);
  });

  it("d: the balance must cover the slice and the segment's worst loss; later segments assume earlier ones lost", () => {
    // 6,400 NMR, slice 100, cap 100%: 2..21 needs 100 + 2,000. A balance of 1,000 allows 9 rounds (100 + 900).
    const short = planSpans(input({ balance: 1_000n * E18 }));
    // 2..10 (worst 900: 100 left, too little for another span of 2 rounds: 100 + 200), then per round.
    assert.deepEqual(segments(short), [[2, 10]]);
    assert.deepEqual(perRound(short), [11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21]);
    // A half cap doubles the reach.
    const half = planSpans(
      input({
        balance: 1_000n * E18,
        round: rounds(30, Object.fromEntries(Array.from({ length: 30 }, (_, i) => [i + 1, { rateCap: E18 / 2n }]))),
      }),
    );
    assert.deepEqual(segments(half)[0], [2, 19]); // 100 + 18 x 50 = 1,000
    // Exactly enough is enough; one wei less is not.
    assert.equal(spanAffordable(2_100n * E18, 20n, 100n * E18, CAP), true);
    assert.equal(spanAffordable(2_100n * E18 - 1n, 20n, 100n * E18, CAP), false);
    assert.equal(spanWorstLoss(3n, 1n, E18 / 3n), 1n); // rounded up
  });

  it("boundaries must prove the account's models: the segment ends at the last provable boundary", () => {
    // Round 21's tree lacks the account's cumulative leaves: the segment ends at 20; 21 goes alone.
    const plan = planSpans(input({ provable: (b) => b !== 21n }));
    assert.deepEqual(segments(plan), [[2, 20]]);
    assert.deepEqual(perRound(plan), [21]);
    // x - 1 unprovable: round 2 alone, then 3..21.
    assert.deepEqual(segments(planSpans(input({ provable: (b) => b !== 1n }))), [[3, 21]]);
  });

  it("never plans a segment shorter than minSpanRounds", () => {
    // A vector change every other round: no segment of 2 can start at an odd round... every segment is 2 rounds.
    const every2 = planSpans(input({ vectorStarts: [1n, 4n, 6n, 8n], lastRound: 9n }));
    assert.deepEqual(segments(every2), [
      [2, 3],
      [4, 5],
      [6, 7],
      [8, 9],
    ]);
    const min3 = planSpans(input({ vectorStarts: [1n, 4n, 6n, 8n], lastRound: 9n, minSpanRounds: 3 }));
    assert.deepEqual(segments(min3), []);
    assert.deepEqual(perRound(min3), [2, 3, 4, 5, 6, 7, 8, 9]);
    // One round left: per round.
    assert.deepEqual(perRound(planSpans(input({ nextSettleRound: 21n }))), [21]);
    assert.deepEqual(planSpans(input({ nextSettleRound: 22n })).steps, []);
    assert.throws(() => planSpans(input({ minSpanRounds: 0 })), /minSpanRounds/);
  });

  it("groups steps into pieces sent together", () => {
    assert.deepEqual(
      piecesOf([
        { kind: "round", round: 2n },
        { kind: "span", from: 3n, to: 5n, stakeAtRisk: 1n, worstLoss: 1n },
        { kind: "span", from: 6n, to: 9n, stakeAtRisk: 1n, worstLoss: 1n },
        { kind: "round", round: 10n },
        { kind: "round", round: 11n },
        { kind: "span", from: 12n, to: 13n, stakeAtRisk: 1n, worstLoss: 1n },
      ]),
      [
        { kind: "rounds", rounds: [2n] },
        { kind: "spans", boundaries: [2n, 5n, 9n] },
        { kind: "rounds", rounds: [10n, 11n] },
        { kind: "spans", boundaries: [11n, 13n] },
      ],
    );
  });

  it("spanDelta: the contract's formula; per round it differs by less than a wei per weighted model per round", () => {
    const S = 100n * E18 + 7n;
    const weights = [2_500, 0, 7_500];
    const rates = [
      [E18 / 3n, -E18 / 7n, E18 / 11n],
      [-E18 / 5n, E18 / 9n, E18 / 13n],
      [E18 / 17n, E18 / 19n, -E18 / 23n],
    ];
    const cumulative = [0n, 0n, 0n];
    let perRoundSum = 0n;
    for (const round of rates) {
      weights.forEach((w, slot) => {
        const modelStake = (S * BigInt(w)) / 10_000n;
        perRoundSum += (modelStake * round[slot]!) / E18;
        cumulative[slot]! += round[slot]!;
      });
    }
    const delta = spanDelta(S, weights, [0n, 0n, 0n], cumulative);
    const diff = delta > perRoundSum ? delta - perRoundSum : perRoundSum - delta;
    assert.ok(diff <= 2n * 3n, `span ${delta} vs per round ${perRoundSum}`);
    // Unweighted slots do not count, whatever their cumulatives.
    assert.equal(spanDelta(S, [0, 10_000], [0n, 0n], [E18, 0n]), 0n);
  });
});
