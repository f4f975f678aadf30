import assert from "node:assert/strict";
import { test } from "node:test";
// The computation itself (slices, caps, open rounds) is tested in packages/core/src/exposure.test.ts.
import { exposureSentence, fractionText, shareOfStake, summarizeExposure } from "./exposure";

const E = 10n ** 18n;

test("one sentence: the next round's slice and what the open rounds risk in all", () => {
  // 6,400 NMR, R = 64: 100 NMR slices; one older round opened with 3,200 NMR (50 NMR) under a lowered 50% cap (the
  // sums themselves are core's, tested there).
  const e = summarizeExposure({ round: 12, slice: 100n * E, sliceDivisor: 64, rateCap: E }, [
    { round: 10, slice: 50n * E, sliceDivisor: 64, rateCap: E / 2n, proofDeadline: 900 },
    { round: 11, slice: 100n * E, sliceDivisor: 64, rateCap: E, proofDeadline: 1000 },
  ]);
  assert.equal(exposureSentence(e), "Round 12 risks 100.00 NMR; the 2 open rounds risk at most 125.00 NMR in all.");
});

test("one open round, and none", () => {
  const one = summarizeExposure({ round: 2, slice: E, sliceDivisor: 1, rateCap: E / 20n }, [
    { round: 1, slice: E, sliceDivisor: 1, rateCap: E / 20n, proofDeadline: 10 },
  ]);
  assert.match(exposureSentence(one), /the 1 open round risks at most 0\.05 NMR in all\.$/);
  const none = summarizeExposure({ round: 1, slice: E, sliceDivisor: 64, rateCap: E }, []);
  assert.equal(exposureSentence(none), "Round 1 risks 1.00 NMR; no round is open.");
  assert.equal(none.openMaxLoss, 0n);
});

test("nothing at risk is said in words, never as at most 0.00 NMR", () => {
  const open = (round: number, slice: bigint) => ({ round, slice, sliceDivisor: 64, rateCap: E, proofDeadline: 10 });
  // A staker who deposited after the open rounds opened: only the next round puts the stake at risk.
  const newcomer = summarizeExposure({ round: 12, slice: 100n * E, sliceDivisor: 64, rateCap: E }, [
    open(11, 0n),
    open(10, 0n),
  ]);
  assert.equal(exposureSentence(newcomer), "Round 12 risks 100.00 NMR; no NMR is at risk in the 2 open rounds.");
  const oneOpen = summarizeExposure({ round: 12, slice: 100n * E, sliceDivisor: 64, rateCap: E }, [open(11, 0n)]);
  assert.equal(exposureSentence(oneOpen), "Round 12 risks 100.00 NMR; no NMR is at risk in the open round.");
  // Everything withdrawn: the open rounds still hold what they opened with; the next round risks nothing.
  const leaving = summarizeExposure({ round: 12, slice: 0n, sliceDivisor: 64, rateCap: E }, [open(11, 64n * E)]);
  assert.equal(exposureSentence(leaving), "Round 12 risks no NMR; the 1 open round risks at most 64.00 NMR in all.");
  // Nothing at all.
  const nothing = summarizeExposure({ round: 12, slice: 0n, sliceDivisor: 64, rateCap: E }, [
    open(11, 0n),
    open(10, 0n),
  ]);
  assert.equal(exposureSentence(nothing), "No NMR is at risk in the 2 open rounds or in round 12.");
  const empty = summarizeExposure({ round: 1, slice: 0n, sliceDivisor: 64, rateCap: E }, []);
  assert.equal(exposureSentence(empty), "No round is open, and round 1 risks no NMR.");
  for (const e of [newcomer, oneOpen, leaving, nothing, empty]) assert.doesNotMatch(exposureSentence(e), /\b0\.00 NMR/);
});

test("shares of the stake", () => {
  assert.equal(fractionText((43n * E) / 64n), "67.18%");
  assert.equal(shareOfStake(125n * E, 6400n * E), "1.95%");
  assert.equal(shareOfStake(1n, 0n), "0%");
});
