/** Probability with a correlation penalty. Run: node --import tsx --test packages/core/src/suggest/correlationPenalty.test.ts */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Prng } from "../prng";
import { methodScores, modelStats } from "./core";
import { averageCorrelations, correlationPenalized, correlationPenaltyScores } from "./correlationPenalty";
import { assertClose, randomRates } from "./testing";

describe("probability with a correlation penalty (packages/core/src/suggest/correlationPenalty.ts)", function () {
  it("averages each model's correlation with the others (hand-checked)", function () {
    const a = [1, -1, 1, -1];
    const rho = averageCorrelations([a, [...a], a.map((x) => -x)]); // a copy (+1) and a mirror (−1)
    assertClose(rho[0], 0, 1e-12, "a: (+1 − 1) / 2");
    assertClose(rho[1], 0, 1e-12, "the copy: (+1 − 1) / 2");
    assertClose(rho[2], -1, 1e-12, "the mirror: (−1 − 1) / 2");
    assert.deepEqual(averageCorrelations([a]), [0]);
  });

  it("multiplies P(mean > 0) by (1 − penalty × ρ̄⁺), and is the probability method at penalty 0", function () {
    const series = randomRates(new Prng(41), 5, 60, 0);
    const p = series.map((s) => modelStats(s).pPositive);
    const rho = averageCorrelations(series);
    const scores = correlationPenaltyScores(series, 0.5);
    scores.forEach((s, i) => assertClose(s, p[i]! * (1 - 0.5 * Math.max(0, rho[i]!)), 1e-12, `score ${i}`));
    assert.deepEqual(
      correlationPenaltyScores(series, 0),
      methodScores(
        "probability",
        series.map((s) => modelStats(s)),
      ),
    );
    assert.throws(() => correlationPenaltyScores(series, 1.5), /from 0 to 1/);
  });

  it("moves weight from two near-copies to an independent model with the same record", function () {
    const rng = new Prng(42);
    const shared = randomRates(rng, 1, 80, 0)[0]!.map((x) => 0.02 + (x ?? 0));
    const copyA = shared.map((x) => x + 0.001 * rng.normal());
    const copyB = shared.map((x) => x + 0.001 * rng.normal());
    // The independent model: the same values in another order (same mean and spread, unrelated to the copies).
    const independent = [...shared.slice(40), ...shared.slice(0, 40)];
    const input = { series: [copyA, copyB, independent], rounds: [], minBps: 0, maxBps: 10_000 };
    const plain = correlationPenalized(0).choose(input);
    const penalised = correlationPenalized(1).choose(input);
    assert.ok(penalised[2]! > plain[2]!, `${penalised[2]} > ${plain[2]}`);
    assert.ok(penalised[2]! > penalised[0]! && penalised[2]! > penalised[1]!);
  });
});
