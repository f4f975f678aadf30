import assert from "node:assert/strict";
import { test } from "node:test";
import { isOpenRound, maxLossOf, sliceOf, stakeAtRound, summarizeExposure } from "./exposure";

const E = 10n ** 18n;

test("a round's slice is the stake it opened with / its R, rounded down as sliceAt", () => {
  assert.equal(sliceOf(6_400n * E, 64), 100n * E);
  assert.equal(sliceOf(127n, 64), 1n);
});

test("a round takes at most its slice x its cap (a fraction of the slice)", () => {
  assert.equal(maxLossOf(100n * E, E), 100n * E); // cap 100%: the whole slice
  assert.equal(maxLossOf(100n * E, E / 20n), 5n * E); // cap 5%
  assert.equal(maxLossOf(3n, E / 2n), 1n); // rounded down, as the contract's terms
});

test("open means opened and not past the proof deadline (the deadline itself still counts)", () => {
  assert.equal(isOpenRound({ openedAt: 100, proofDeadline: 500 }, 500), true);
  assert.equal(isOpenRound({ openedAt: 100, proofDeadline: 500 }, 501), false);
  assert.equal(isOpenRound({ openedAt: 0, proofDeadline: 0 }, 0), false); // never opened
});

test("the summary adds up every open round's slice x cap, newest first", () => {
  // 6,400 NMR, R = 64: 100 NMR slices; one older round opened with 3,200 NMR (50 NMR) under a lowered 50% cap.
  const e = summarizeExposure({ round: 12, slice: 100n * E, sliceDivisor: 64, rateCap: E }, [
    { round: 10, slice: 50n * E, sliceDivisor: 64, rateCap: E / 2n, proofDeadline: 900 },
    { round: 11, slice: 100n * E, sliceDivisor: 64, rateCap: E, proofDeadline: 1000 },
  ]);
  assert.deepEqual(
    e.open.map((r) => [r.round, r.maxLoss]),
    [
      [11, 100n * E],
      [10, 25n * E],
    ],
  );
  assert.equal(e.openMaxLoss, 125n * E);
  assert.equal(e.next.maxLoss, 100n * E);
});

test("a round opens with the balance after the last change made while an earlier round was current", () => {
  const changes = [
    { openRound: 0, balance: 100n }, // deposit before round 1: from round 1
    { openRound: 3, balance: 150n }, // during round 3: from round 4
    { openRound: 3, balance: 140n }, // same round, later: replaces it
    { openRound: 7, balance: 0n }, // withdrawal requested in round 7: from round 8
  ];
  assert.deepEqual(
    [0, 1, 3, 4, 7, 8, 9].map((r) => stakeAtRound(changes, r)),
    [0n, 100n, 100n, 140n, 140n, 0n, 0n],
  );
  assert.equal(stakeAtRound([], 5), 0n);
});
