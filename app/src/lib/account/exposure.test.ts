import assert from "node:assert/strict";
import { test } from "node:test";
// The computation itself (slices, caps, open rounds) is tested in packages/core/src/exposure.test.ts.
import { exposureSentence, fractionText, shareOfStake, summarizeExposure } from "./exposure";

const E = 10n ** 18n;

test("the summary adds up every open round's slice x cap, newest first, and says it in one sentence", () => {
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
  assert.equal(exposureSentence(e), "Round 12 risks 100.00 NMR; the 2 open rounds risk at most 125.00 NMR in all.");
});

test("one open round, and none", () => {
  const one = summarizeExposure({ round: 2, slice: E, sliceDivisor: 1, rateCap: E / 20n }, [
    { round: 1, slice: E, sliceDivisor: 1, rateCap: E / 20n, proofDeadline: 10 },
  ]);
  assert.match(exposureSentence(one), /the 1 open round risks at most 0\.05 NMR in all\.$/);
  const none = summarizeExposure({ round: 1, slice: 0n, sliceDivisor: 64, rateCap: E }, []);
  assert.equal(exposureSentence(none), "Round 1 risks 0.00 NMR; no round is open.");
  assert.equal(none.openMaxLoss, 0n);
});

test("shares of the stake", () => {
  assert.equal(fractionText((43n * E) / 64n), "67.18%");
  assert.equal(shareOfStake(125n * E, 6400n * E), "1.95%");
  assert.equal(shareOfStake(1n, 0n), "0%");
});
