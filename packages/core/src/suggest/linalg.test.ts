/** The linear algebra under the optimising methods: hand-checked small cases. Run: node --import tsx --test <file>. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Prng } from "../prng";
import {
  dot,
  largestEigenvalue,
  matVec,
  projectToBudgetBox,
  quadForm,
  riskParityWeights,
  shrunkCovariance,
  solveBudgetBoxQP,
  VARIANCE_FLOOR,
} from "./linalg";
import { assertClose, randomRates } from "./testing";

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

describe("linalg (packages/core/src/suggest/linalg.ts)", function () {
  it("multiplies: A x, x'Ax, x·y", function () {
    assert.deepEqual(
      matVec(
        [
          [1, 2],
          [3, 4],
        ],
        [1, -1],
      ),
      [-1, -1],
    );
    assert.equal(
      quadForm(
        [
          [2, 1],
          [1, 3],
        ],
        [1, 2],
      ),
      2 + 2 * 2 + 3 * 4,
    );
    assert.equal(dot([1, 2, 3], [4, 5, 6]), 32);
  });

  it("projects onto the box-and-budget set exactly (hand-checked)", function () {
    // No bound binds: shift every coordinate by the same amount. (0.5, 0.3, 0.6) - 0.1333 = sums to 1.
    const w = projectToBudgetBox([0.5, 0.3, 0.6], [0, 0, 0], [1, 1, 1]);
    assertClose(w[0], 0.5 - 0.4 / 3, 1e-15);
    assertClose(w[1], 0.3 - 0.4 / 3, 1e-15);
    assertClose(sum(w), 1, 1e-15);
    // A maximum binds: (2, 0, 0) with max 0.5 → 0.5, and the others share the rest equally: 0.25 each.
    const capped = projectToBudgetBox([2, 0, 0], [0, 0, 0], [0.5, 0.5, 0.5]);
    capped.forEach((v, i) => assertClose(v, [0.5, 0.25, 0.25][i]!, 1e-15, `capped[${i}]`));
    // A minimum binds: (-5, 1, 1) with min 0.1 → 0.1, 0.45, 0.45.
    const floored = projectToBudgetBox([-5, 1, 1], [0.1, 0.1, 0.1], [1, 1, 1]);
    floored.forEach((v, i) => assertClose(v, [0.1, 0.45, 0.45][i]!, 1e-15, `floored[${i}]`));
    // A point already in the set is its own projection.
    const inside = projectToBudgetBox([0.2, 0.3, 0.5], [0, 0, 0], [1, 1, 1]);
    inside.forEach((v, i) => assertClose(v, [0.2, 0.3, 0.5][i]!, 1e-15, `inside[${i}]`));
  });

  it("refuses bounds that cannot add up to the budget", function () {
    assert.throws(() => projectToBudgetBox([1, 1], [0, 0], [0.4, 0.4]), /no weights within the bounds add up to 1/);
    assert.throws(() => projectToBudgetBox([1, 1], [0.6, 0.6], [1, 1]), /no weights within the bounds/);
  });

  it("finds the largest eigenvalue", function () {
    assertClose(
      largestEigenvalue([
        [2, 1],
        [1, 2],
      ]),
      3,
      1e-8,
    );
    assertClose(
      largestEigenvalue([
        [5, 0, 0],
        [0, 1, 0],
        [0, 0, 2],
      ]),
      5,
      1e-8,
    );
  });

  it("solves minimum variance on a diagonal covariance: w ∝ 1 / variance", function () {
    // Variances 1, 2, 4 → weights 4/7, 2/7, 1/7.
    const cov = [
      [1, 0, 0],
      [0, 2, 0],
      [0, 0, 4],
    ];
    const w = solveBudgetBoxQP(cov, [0, 0, 0], [0, 0, 0], [1, 1, 1]);
    [4 / 7, 2 / 7, 1 / 7].forEach((x, i) => assertClose(w[i], x, 1e-7, `w[${i}]`));
    // With a 50% cap the first is held at 0.5 and the others share the rest as 2:1.
    const capped = solveBudgetBoxQP(cov, [0, 0, 0], [0, 0, 0], [0.5, 0.5, 0.5]);
    [0.5, 1 / 3, 1 / 6].forEach((x, i) => assertClose(capped[i], x, 1e-7, `capped[${i}]`));
  });

  it("solves mean-variance: max μ'w − ½ w'Σw has w = Σ⁻¹(μ − λ1) when no bound binds", function () {
    // Σ = I, μ = (0.3, 0.1): w_i = μ_i − λ with Σw = 1 → λ = −0.3, w = (0.6, 0.4).
    const w = solveBudgetBoxQP(
      [
        [1, 0],
        [0, 1],
      ],
      [0.3, 0.1],
      [0, 0],
      [1, 1],
    );
    assertClose(w[0], 0.6, 1e-8);
    assertClose(w[1], 0.4, 1e-8);
  });

  it("shrinks the covariance: δ within [0, 1], the mix positive definite, and exact on a hand-checked case", function () {
    // Two models, two rounds: (1, -1) and (1, -1): S = [[1, 1], [1, 1]], m = 1, ‖S − I‖²/n = 1. Each round's
    // outer product equals S, so b̄² = 0: no shrinkage.
    const exact = shrunkCovariance([
      [1, -1],
      [1, -1],
    ]);
    assert.deepEqual(exact.sample, [
      [1, 1],
      [1, 1],
    ]);
    assert.equal(exact.shrinkage, 0);
    const rng = new Prng(7);
    const few = shrunkCovariance(randomRates(rng, 30, 25)); // more models than rounds: S is singular
    assert.ok(few.shrinkage > 0 && few.shrinkage <= 1, `shrinkage ${few.shrinkage}`);
    // Positive definite: a Cholesky factorisation succeeds.
    const a = few.cov;
    const l: number[][] = a.map(() => a.map(() => 0));
    for (let i = 0; i < a.length; i++)
      for (let j = 0; j <= i; j++) {
        let s = a[i]![j]!;
        for (let k = 0; k < j; k++) s -= l[i]![k]! * l[j]![k]!;
        if (i === j) {
          assert.ok(s > 0, `pivot ${i} is ${s}: not positive definite`);
          l[i]![i] = Math.sqrt(s);
        } else l[i]![j] = s / l[j]![j]!;
      }
    // More rounds, less shrinkage (the sample says more).
    const many = shrunkCovariance(randomRates(new Prng(7), 30, 2000));
    assert.ok(many.shrinkage < few.shrinkage, `${many.shrinkage} < ${few.shrinkage}`);
    assert.throws(() => shrunkCovariance([[0.1]]), /two rounds/);
  });

  it("gives a model that never moves the floor variance, so the matrix stays invertible (regression)", function () {
    // Two constant models and one whose outer products all equal the sample covariance: δ = 0, and without the floor
    // two variances would be 0 (risk parity then failed: "needs a positive variance").
    const alternating = Array.from({ length: 20 }, (_, r) => (r % 2 ? 0.02 : -0.02));
    const { cov, shrinkage } = shrunkCovariance([Array(20).fill(0.01), Array(20).fill(-0.01), alternating]);
    assertClose(shrinkage, 0, 1e-20);
    assert.equal(cov[0]![0], VARIANCE_FLOOR);
    assert.equal(cov[1]![1], VARIANCE_FLOOR);
    assertClose(cov[2]![2], 0.0004, 1e-15);
    const w = riskParityWeights(cov);
    assertClose(w[0], w[1]!, 1e-12, "the two constant models alike");
    assert.ok(w[0]! > w[2]!, "the calm models carry more weight than the moving one");
  });

  it("risk parity: w ∝ 1/σ when uncorrelated, equal risk contributions when correlated", function () {
    const diagonal = riskParityWeights([
      [1, 0],
      [0, 4],
    ]);
    assertClose(diagonal[0], 2 / 3, 1e-9);
    assertClose(diagonal[1], 1 / 3, 1e-9);
    const cov = shrunkCovariance(randomRates(new Prng(3), 8, 120, 0)).cov;
    const w = riskParityWeights(cov);
    assertClose(sum(w), 1, 1e-12);
    const contributions = matVec(cov, w).map((x, i) => x * w[i]!);
    const total = sum(contributions);
    for (const c of contributions) assertClose(c / total, 1 / 8, 1e-9, "risk share");
    assert.throws(
      () =>
        riskParityWeights([
          [0, 0],
          [0, 1],
        ]),
      /positive variance/,
    );
  });
});
