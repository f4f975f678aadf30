/** Shrunk minimum variance. Run: node --import tsx --test packages/core/src/suggest/minVariance.test.ts */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Prng } from "../prng";
import { quadForm, shrunkCovariance } from "./linalg";
import { minVariance } from "./minVariance";
import { randomRates } from "./testing";

describe("minimum variance (packages/core/src/suggest/minVariance.ts)", function () {
  it("weights two uncorrelated models by 1 / their shrunk variance (hand-checked)", function () {
    // A ±1 pattern and an orthogonal ±2 pattern over 40 rounds: S = diag(1, 4), m = 2.5, d² = (1.5² + 1.5²)/2 = 2.25.
    // Every round's outer product has off-diagonal ±2 against S's 0: b̄² = 40 x (2 x 2²) / (2 x 40²) = 0.1, so
    // δ = 0.1 / 2.25 = 2/45 and the variances become 1 + 1.5δ = 16/15 and 4 − 1.5δ = 59/15. Minimum variance is
    // ∝ 1 / variance: 59/75 = 78.67% and 16/75 = 21.33%, i.e. 7867 and 2133 bps (the sample alone would give 8000).
    const a = Array.from({ length: 40 }, (_, r) => (r % 2 ? 1 : -1));
    const b = Array.from({ length: 40 }, (_, r) => (Math.floor(r / 2) % 2 ? 2 : -2));
    assert.equal(shrunkCovariance([a, b]).shrinkage.toFixed(12), (2 / 45).toFixed(12));
    const bps = minVariance.choose({ series: [a, b], rounds: [], minBps: 0, maxBps: 10_000 });
    assert.deepEqual(bps, [7867, 2133]);
  });

  it("has a lower estimated variance than the equal vector and respects a 30% cap", function () {
    const series = randomRates(new Prng(12), 10, 60, 0);
    const { cov } = shrunkCovariance(series);
    const bps = minVariance.choose({ series, rounds: [], minBps: 0, maxBps: 3000 });
    const variance = (v: number[]) =>
      quadForm(
        cov,
        v.map((x) => x / 10_000),
      );
    assert.ok(variance(bps) < variance(Array.from({ length: 10 }, () => 1000)), "below the equal vector's variance");
    assert.ok(Math.max(...bps) <= 3000);
    assert.equal(
      bps.reduce((x, y) => x + y, 0),
      10_000,
    );
  });

  it("splits evenly between two exact copies (the shrunk covariance is not singular)", function () {
    const a = randomRates(new Prng(13), 1, 60, 0)[0]!;
    const bps = minVariance.choose({ series: [a, [...a]], rounds: [], minBps: 0, maxBps: 10_000 });
    assert.deepEqual(bps, [5000, 5000]);
  });
});
