/**
 * The walk-forward evaluation: time (nothing before it was public, a vector applies from the next round), the
 * arithmetic of every figure on hand-checked cases. Run: node --import tsx --test packages/core/src/suggest/walkForward.test.ts
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Prng } from "../prng";
import { classicMethod } from "./classic";
import type { PortfolioMethod } from "./method";
import { PORTFOLIO_METHODS } from "./methods";
import { assertClose, assertValidVector, randomRates } from "./testing";
import {
  bestSingleInHindsight,
  consecutive,
  cumulativeOnStake,
  summarize,
  turnoverBps,
  walkForward,
  type MethodPath,
  type RateTable,
} from "./walkForward";

/** All on the model that did best in the newest public round (ties: the first). */
const followLastWinner: PortfolioMethod = {
  id: "follow",
  label: "Follow the last winner",
  choose: ({ series }) => {
    const last = series.map((s) => s.at(-1) ?? -Infinity);
    const best = last.indexOf(Math.max(...last));
    return series.map((_, m) => (m === best ? 10_000 : 0));
  },
};

const alternating = (rounds: number): RateTable => ({
  models: ["A", "B"],
  rounds: Array.from({ length: rounds }, (_, r) => 100 + r),
  // A wins the even rounds, B the odd ones.
  rates: [
    Array.from({ length: rounds }, (_, r) => (r % 2 === 0 ? 0.01 : 0)),
    Array.from({ length: rounds }, (_, r) => (r % 2 === 1 ? 0.01 : 0)),
  ],
});

describe("walk-forward evaluation (packages/core/src/suggest/walkForward.ts)", function () {
  it("shows a method only rounds public before its vector applies: the last is round t − 1 − delay", function () {
    for (const delay of [0, 1, 5, 20]) {
      const seen: { first: number; last: number }[] = [];
      const spy: PortfolioMethod = {
        id: "spy",
        label: "spy",
        choose: (input) => {
          seen.push({ first: input.rounds[0]!, last: input.rounds.at(-1)! });
          assert.ok(input.series.every((s) => s.length === input.rounds.length));
          return input.series.map((_, m) => (m === 0 ? 10_000 : 0));
        },
      };
      const table = { models: ["A"], rounds: [...Array(60).keys()].map((r) => 500 + r), rates: [Array(60).fill(0.01)] };
      const result = walkForward(table, [spy], { delay, window: 10, minRates: 4 });
      const decisions = result.paths[0]!.decisions;
      assert.equal(seen.length, decisions.length);
      decisions.forEach((d, i) => {
        // Exactly: one round later would be a look-ahead, one round earlier a wasted round.
        assert.equal(seen[i]!.last, d.round - 1 - delay, `delay ${delay}: vector for round ${d.round}`);
        assert.equal(seen[i]!.first, Math.max(500, d.round - delay - 10), "a 10-round window");
      });
      assert.equal(result.rounds[0], 500 + delay + 4, "the first round with 4 public rounds before its decision");
    }
  });

  it("would catch a one-round look-ahead: following the last winner earns every round only at the true delay", function () {
    // Delay 1: the vector for round t sees round t − 2, which has t's parity: the winner then is the winner now.
    const table = alternating(12);
    const honest = walkForward(table, [followLastWinner], { delay: 1, window: 2, minRates: 2 });
    assert.deepEqual(honest.paths[0]!.returns, Array(12 - 3).fill(0.01));
    // Scored as if results were public one round earlier (delay 0: round t − 1 seen), it earns nothing: a leak of
    // one round changes every figure, so the test above would fail with one.
    const leaky = walkForward(table, [followLastWinner], { delay: 0, window: 2, minRates: 2 });
    assert.deepEqual(leaky.paths[0]!.returns, Array(12 - 2).fill(0));
  });

  it("scores each vector on the rounds it applied to, with every figure hand-checked", function () {
    // Rounds 10-15, delay 1, window 2, minRates 2: the first decision applies to round 13 (index 3) and sees 10-11.
    const table: RateTable = {
      models: ["A", "B"],
      rounds: [10, 11, 12, 13, 14, 15],
      rates: [
        [0.1, 0.2, 0.3, 0.2, -0.4, 0.6],
        [0.3, 0.0, null, 0.0, 0.0, 0.2], // no rate in round 12: earns 0 and does not count
      ],
    };
    const result = walkForward(table, [classicMethod("equal")], { delay: 1, window: 2, minRates: 2 });
    assert.deepEqual(result.rounds, [13, 14, 15]);
    const path = result.paths[0]!;
    // Round 13: both eligible (10, 11 public) → 50/50: 0.5 × 0.2 + 0.5 × 0 = 0.1.
    // Round 14: public 11-12, B has one rate → only A: 100% → −0.4.
    // Round 15: public 12-13, B one rate again → A: 0.6.
    path.returns.forEach((r, i) => assertClose(r, [0.1, -0.4, 0.6][i]!, 1e-15, `round ${13 + i}`));
    assert.deepEqual(
      path.decisions.map((d) => [d.round, d.bps, d.turnoverBps, d.changed]),
      [
        [13, [5000, 5000], 0, false],
        [14, [10_000, 0], 5000, true],
        [15, [10_000, 0], 0, false],
      ],
    );
    const s = summarize(path, 2);
    assertClose(s.meanReturn, 0.1, 1e-15);
    assertClose(s.medianReturn, 0.1, 1e-15);
    assertClose(s.volatility, 0.5, 1e-15); // deviations 0, −0.5, 0.5: √(0.5 / 2)
    assertClose(s.sharpe, 0.2, 1e-14);
    // On the stake (R = 2): 0.05, −0.15, 0.15; from the 0.05 peak down to −0.15 is 0.2.
    assert.deepEqual(
      cumulativeOnStake(path, 2).map((x) => +x.toFixed(12)),
      [0.05, -0.15, 0.15],
    );
    assertClose(s.totalOnStake, 0.15, 1e-15);
    assertClose(s.maxDrawdownOnStake, 0.2, 1e-15);
    assertClose(s.negativeShare, 1 / 3, 1e-15);
    assert.equal(s.meanTurnoverBps, 2500); // 5000 then 0, over the two decisions after the first
    assert.equal(s.changeShare, 0.5);
    assert.equal(s.decisions, 3);
  });

  it("decides every `every` rounds and keeps the vector in between", function () {
    const result = walkForward(alternating(20), [followLastWinner], { delay: 1, window: 2, minRates: 2, every: 3 });
    const rounds = result.paths[0]!.decisions.map((d) => d.round);
    assert.deepEqual(rounds, [103, 106, 109, 112, 115, 118]);
    assert.equal(result.paths[0]!.returns.length, 17);
  });

  it("adds turnover-aware variants that change less, and leaves equal without one", function () {
    const table = {
      models: ["a", "b", "c", "d", "e"],
      rounds: [...Array(140).keys()],
      rates: randomRates(new Prng(61), 5, 140, 0),
    };
    const result = walkForward(table, PORTFOLIO_METHODS.slice(0, 3), { stickyThresholds: [0.05] });
    assert.deepEqual(
      result.paths.map((p) => p.id),
      ["equal", "inverse-volatility", "inverse-volatility@0.05", "probability", "probability@0.05"],
    );
    const byId = (id: string) => summarize(result.paths.find((p) => p.id === id)!, 64);
    assert.ok(byId("probability@0.05").meanTurnoverBps < byId("probability").meanTurnoverBps);
    assert.ok(byId("inverse-volatility@0.05").changeShare < byId("inverse-volatility").changeShare);
    for (const p of result.paths) for (const d of p.decisions) assertValidVector(d.bps, 5, 0, 10_000, p.id);
  });

  it("fills missing rounds, refuses bad options and too short a history in words", function () {
    const gappy = consecutive({ models: ["A"], rounds: [3, 5], rates: [[0.1, 0.2]] });
    assert.deepEqual(gappy.rounds, [3, 4, 5]);
    assert.deepEqual(gappy.rates, [[0.1, null, 0.2]]);
    assert.throws(() => consecutive({ models: ["A"], rounds: [5, 3], rates: [[1, 2]] }), /increasing/);
    const table = alternating(10);
    assert.throws(() => walkForward(table, [followLastWinner], { delay: 20 }), /10 rounds are not enough/);
    assert.throws(() => walkForward(table, [followLastWinner], { delay: -1 }), /the delay must be a whole number/);
    assert.throws(() => walkForward(table, [followLastWinner], { window: 3, minRates: 5 }), /cannot need 5 rates/);
    assert.throws(
      () => walkForward(table, [followLastWinner], { delay: 1, window: 2, minRates: 2, maxBps: 4000 }),
      /less than 10,000/,
    );
    const broken: PortfolioMethod = { id: "broken", label: "broken", choose: ({ series }) => series.map(() => 1) };
    assert.throws(
      () => walkForward(table, [broken], { delay: 1, window: 2, minRates: 2 }),
      /method broken gave an invalid vector/,
    );
  });

  it("measures turnover one way and finds the best single model in hindsight", function () {
    assert.equal(turnoverBps([10_000, 0], [0, 10_000]), 10_000);
    assert.equal(turnoverBps([5000, 5000], [6000, 4000]), 1000);
    const table: RateTable = {
      models: ["A", "B"],
      rounds: [1, 2, 3],
      rates: [
        [0.5, -0.1, 0.1],
        [0, 0.2, null],
      ],
    };
    const best: MethodPath = bestSingleInHindsight(table, [2, 3]);
    assert.match(best.label, /\(B\)/); // B: 0.2 + 0 beats A: −0.1 + 0.1 over rounds 2-3
    assert.deepEqual(best.returns, [0.2, 0]);
  });
});
