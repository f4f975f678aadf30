/** The evaluation as the CLI and the app run it. Run: node --import tsx --test packages/core/src/suggest/evaluate.test.ts */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Prng } from "../prng";
import { classicMethod } from "./classic";
import { evaluate, rateTableFromRounds } from "./evaluate";
import { randomRates } from "./testing";

describe("evaluation (packages/core/src/suggest/evaluate.ts)", function () {
  it("walks every method forward with a turnover-aware variant, the hindsight benchmark last", function () {
    const table = { models: ["a", "b", "c"], rounds: [...Array(70).keys()], rates: randomRates(new Prng(71), 3, 70) };
    const { result, summaries, hindsight } = evaluate(table, 64, { delay: 5, window: 30, minRates: 10 });
    assert.equal(summaries.length, result.paths.length + 1);
    assert.equal(summaries.at(-1)!.id, "best-single-hindsight");
    assert.equal(result.paths.length, 7 + 6); // 7 methods, 6 turnover-aware variants (not equal)
    // The benchmark earns exactly what the best model earned over the evaluated rounds.
    const totals = table.rates.map((s) => result.rounds.reduce((acc, r) => acc + (s[r] ?? 0), 0));
    assert.ok(Math.abs(hindsight.returns.reduce((a, b) => a + b, 0) - Math.max(...totals)) < 1e-12);
    assert.throws(() => evaluate(table, 0, {}, [classicMethod("equal")]), /slice divisor R/);
  });

  it("builds a rate table from rates by round", function () {
    const byRound = new Map([
      [7, new Map([["x", 0.1]])],
      [
        5,
        new Map([
          ["y", -0.2],
          ["x", 0.3],
        ]),
      ],
    ]);
    assert.deepEqual(rateTableFromRounds(byRound), {
      models: ["y", "x"], // in the order first seen
      rounds: [5, 7],
      rates: [
        [-0.2, null],
        [0.3, 0.1],
      ],
    });
    assert.deepEqual(rateTableFromRounds(byRound, ["y"]).rates, [[-0.2, null]]);
  });
});
