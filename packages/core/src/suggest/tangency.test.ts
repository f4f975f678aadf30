/** Shrunk tangency (max Sharpe). Run: node --import tsx --test packages/core/src/suggest/tangency.test.ts */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Prng } from "../prng";
import { estimate } from "./estimates";
import { dot, quadForm } from "./linalg";
import { maxSharpeWeights, tangency } from "./tangency";
import { assertClose, randomRates } from "./testing";

const sharpe = (mu: number[], cov: number[][], w: number[]) => dot(mu, w) / Math.sqrt(quadForm(cov, w));

describe("max Sharpe (packages/core/src/suggest/tangency.ts)", function () {
  it("finds the closed-form tangency w ∝ Σ⁻¹μ when no bound binds (hand-checked)", function () {
    // Uncorrelated, variances 0.01 and 0.04, means 0.02 and 0.02: Σ⁻¹μ = (2, 0.5) → 80% / 20%.
    const cov = [
      [0.01, 0],
      [0, 0.04],
    ];
    const w = maxSharpeWeights([0.02, 0.02], cov, [0, 0], [1, 1]);
    assertClose(w[0], 0.8, 1e-6);
    assertClose(w[1], 0.2, 1e-6);
    // Equal variances, means 0.03 and 0.01: Σ⁻¹μ ∝ (3, 1) → 75% / 25%.
    const v = maxSharpeWeights(
      [0.03, 0.01],
      [
        [0.01, 0],
        [0, 0.01],
      ],
      [0, 0],
      [1, 1],
    );
    assertClose(v[0], 0.75, 1e-6);
  });

  it("beats every other vector on the frontier it searches, within the bounds", function () {
    const series = randomRates(new Prng(21), 8, 80, 0);
    const { means, cov } = estimate(series);
    const lo = Array(8).fill(0.02);
    const hi = Array(8).fill(0.3);
    const best = maxSharpeWeights(means, cov, lo, hi);
    best.forEach((x) => assert.ok(x >= 0.02 - 1e-9 && x <= 0.3 + 1e-9, `${x} within bounds`));
    const rng = new Prng(22);
    for (let k = 0; k < 200; k++) {
      // Random vectors within the bounds (mixtures of the equal vector and a random one stay inside).
      const raw = Array.from({ length: 8 }, () => rng.uniform());
      const total = raw.reduce((a, b) => a + b, 0);
      const w = raw.map((x) => 0.5 * (1 / 8) + 0.5 * (x / total));
      if (w.some((x) => x < 0.02 || x > 0.3)) continue;
      assert.ok(sharpe(means, cov, w) <= sharpe(means, cov, best) + 1e-3, "no random vector does better");
    }
  });

  it("gives more weight to the model with the better record", function () {
    const series = randomRates(new Prng(23), 4, 80, 0).map((s, m) => s.map((x) => (x ?? 0) + (m === 2 ? 0.05 : 0)));
    const bps = tangency.choose({ series, rounds: [], minBps: 0, maxBps: 10_000 });
    assert.equal(bps.indexOf(Math.max(...bps)), 2);
  });
});
