/**
 * Every portfolio method, on random inputs like real rounds (a strong common factor, overlapping rounds, gaps, a
 * constant series, near-copies): whole bps within the bounds, summing to exactly 10,000. Run: node --import tsx --test.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Maybe } from "../stats";
import { Prng } from "../prng";
import { suggestWeights, type Method } from "./core";
import { classicMethod } from "./classic";
import { PORTFOLIO_METHODS } from "./methods";
import { assertValidVector, randomRates } from "./testing";

describe("portfolio methods: exact vectors (packages/core/src/suggest/methods.ts)", function () {
  it("lists each method once, with a label", function () {
    const ids = PORTFOLIO_METHODS.map((m) => m.id);
    assert.deepEqual(ids, [
      "equal",
      "inverse-volatility",
      "probability",
      "min-variance",
      "tangency",
      "risk-parity",
      "probability-decorrelated",
    ]);
    for (const m of PORTFOLIO_METHODS) assert.ok(m.label.length > 3, m.id);
  });

  it("gives whole bps within random bounds summing to exactly 10,000 on 60 random inputs", function () {
    const rng = new Prng(2026);
    for (let trial = 0; trial < 60; trial++) {
      const n = 1 + Math.floor(rng.uniform() * 12);
      const rounds = 20 + Math.floor(rng.uniform() * 60);
      const series: Maybe[][] = randomRates(rng, n, rounds, 0.1 * rng.uniform());
      if (trial % 5 === 0) series[0] = series[0]!.map(() => 0.01); // a model that never moves
      if (trial % 7 === 0 && n > 1) series[1] = [...series[0]!]; // a copy of another model
      const minBps = Math.floor((rng.uniform() * 10_000) / n / 2);
      const maxBps = Math.min(10_000, Math.ceil(10_000 / n) + Math.floor(rng.uniform() * 10_000));
      for (const method of PORTFOLIO_METHODS) {
        const bps = method.choose({ series, rounds: series[0]!.map((_, r) => r), minBps, maxBps });
        assertValidVector(bps, n, minBps, maxBps, `${method.id}, trial ${trial}`);
      }
    }
  });

  it("runs the CLI's three suggestions unchanged (suggestCore.suggestWeights)", function () {
    const series = randomRates(new Prng(5), 6, 60);
    for (const method of ["equal", "inverse-volatility", "probability"] as Method[]) {
      const direct = suggestWeights(series, { method, minBps: 500, maxBps: 4000 }).bps;
      assert.deepEqual(classicMethod(method).choose({ series, rounds: [], minBps: 500, maxBps: 4000 }), direct);
    }
  });
});
