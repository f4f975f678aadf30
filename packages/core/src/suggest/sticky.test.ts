/** Turnover awareness. Run: node --import tsx --test packages/core/src/suggest/sticky.test.ts */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { estimatedSharpe, keepUnlessBetter } from "./sticky";
import { assertClose } from "./testing";

// Two uncorrelated models, sd 0.1 each, means 0.02 and 0.01.
const estimates = {
  means: [0.02, 0.01],
  cov: [
    [0.01, 0],
    [0, 0.01],
  ],
};

describe("turnover awareness (packages/core/src/suggest/sticky.ts)", function () {
  it("estimates a vector's Sharpe per round (hand-checked)", function () {
    // 50/50: mean 0.015, sd √(0.25 × 0.01 × 2) = 0.0707: 0.2121.
    assertClose(estimatedSharpe([5000, 5000], estimates.means, estimates.cov), 0.015 / Math.sqrt(0.005), 1e-12);
    // All on the first: 0.02 / 0.1 = 0.2.
    assertClose(estimatedSharpe([10_000, 0], estimates.means, estimates.cov), 0.2, 1e-12);
  });

  it("keeps the current vector unless the new one gains more than the threshold", function () {
    // 2:1 gains 0.2236 − 0.2121 = 0.0115 over 50/50.
    const next = [6667, 3333];
    assert.deepEqual(keepUnlessBetter(next, [5000, 5000], estimates, 0.02), [5000, 5000]);
    assert.deepEqual(keepUnlessBetter(next, [5000, 5000], estimates, 0.01), next);
    assert.deepEqual(keepUnlessBetter(next, [5000, 5000], estimates, 0), next);
    // A worse vector is never taken, even at threshold 0.
    assert.deepEqual(keepUnlessBetter([0, 10_000], [5000, 5000], estimates, 0), [5000, 5000]);
  });

  it("never keeps a vector that no longer fits the models", function () {
    assert.deepEqual(keepUnlessBetter([6000, 4000], [10_000], estimates, 1), [6000, 4000]);
    assert.deepEqual(keepUnlessBetter([6000, 4000], [5000, 4000], estimates, 1), [6000, 4000]);
  });
});
