import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { AccountEvent } from "@portfolio-stake/core/history";
import {
  recentModelSummary,
  correlationMatrix,
  cumulative,
  drawdown,
  modelSeries,
  rateToNumber,
  roundResults,
  spanResults,
  summarize,
  vectorAt,
} from "./analytics";
import { at } from "@portfolio-stake/core/checks";

const E18 = 10n ** 18n;
const base = (blockNumber: number, logIndex = 0) => ({
  blockNumber: BigInt(blockNumber),
  logIndex,
  txHash: "0x01" as const,
  openRound: 0,
});
const alloc = (block: number, effectiveRound: number, weights: number[]): AccountEvent => ({
  ...base(block),
  kind: "allocation-set",
  effectiveRound,
  by: "0x0000000000000000000000000000000000000001",
  weights,
});
const settled = (block: number, round: number, stake: bigint, rates: bigint[], delta: bigint): AccountEvent => ({
  ...base(block),
  kind: "settled",
  round,
  stakeAtRisk: stake,
  rates,
  delta,
  paid: delta > 0n ? delta : 0n,
  burned: delta < 0n ? -delta : 0n,
  unpaidRewards: 0n,
  balance: stake + delta,
});

describe("performance analytics", () => {
  it("converts 18-decimal rates exactly enough, signs included", () => {
    assert.equal(rateToNumber(E18 / 100n), 0.01);
    assert.equal(rateToNumber(-(E18 / 40n)), -0.025);
    assert.equal(rateToNumber(3n * E18 + E18 / 2n), 3.5);
  });

  it("finds the vector in force: last effectiveRound ≤ round, a later same-round set wins", () => {
    const a = [alloc(1, 5, [10_000, 0]), alloc(2, 8, [5_000, 5_000]), alloc(3, 8, [2_000, 8_000])].map(
      (e) => e as never,
    );
    assert.equal(vectorAt(a, 4), null);
    assert.deepEqual(vectorAt(a, 5), [10_000, 0]);
    assert.deepEqual(vectorAt(a, 7), [10_000, 0]);
    assert.deepEqual(vectorAt(a, 8), [2_000, 8_000]);
    assert.deepEqual(vectorAt(a, 99), [2_000, 8_000]);
  });

  it("builds round results: portfolio rate = delta / stake; unweighted models are no data, not 0%", () => {
    const stake = 1_000n * E18;
    const events = [
      alloc(1, 1, [10_000, 0]),
      settled(5, 1, stake, [E18 / 50n, 0n], stake / 50n), // model 0 +2%, model 1 unweighted
      alloc(6, 3, [5_000, 5_000]),
      settled(7, 2, stake + stake / 50n, [-(E18 / 100n), 0n], -(stake + stake / 50n) / 100n),
      settled(8, 3, 1_000n * E18, [E18 / 100n, -(E18 / 50n)], -5n * E18),
    ];
    const results = roundResults(events, 2);
    assert.deepEqual(
      results.map((r) => r.round),
      [1, 2, 3],
    );
    assert.deepEqual(
      results.map((r) => r.portfolioRate),
      [0.02, -0.01, -0.005],
    );
    assert.deepEqual(modelSeries(results, 0), [0.02, -0.01, 0.01]);
    assert.deepEqual(modelSeries(results, 1), [null, null, -0.02]);
    assert.deepEqual(results[2]?.weights, [5_000, 5_000]);
  });

  it("leaves out rounds with nothing at risk; an expired round is a 0% portfolio round without model results", () => {
    const stake = 500n * E18;
    const events = [
      alloc(1, 1, [6_000, 4_000]),
      settled(2, 1, 0n, [0n, 0n], 0n), // nothing at risk yet
      settled(3, 2, stake, [0n, 0n], 0n), // expired unpublished: every rate 0
      settled(4, 3, stake, [E18 / 20n, -(E18 / 10n)], 15n * E18 - 20n * E18), // 300 NMR at +5%, 200 NMR at −10%: −5 of 500
    ];
    const results = roundResults(events, 2);
    assert.deepEqual(
      results.map((r) => r.round),
      [2, 3],
    );
    assert.deepEqual(
      results.map((r) => r.portfolioRate),
      [0, -0.01],
    );
    assert.deepEqual(modelSeries(results, 0), [null, 0.05]);
    assert.deepEqual(modelSeries(results, 1), [null, -0.1]);
  });

  it("keeps rounds settled together (spans) out of the per-round results and lists them with their sums", () => {
    const span: AccountEvent = {
      ...base(5),
      kind: "span-settled",
      fromRound: 4,
      toRound: 23,
      stakeAtRisk: 100n * E18,
      rateSums: [E18 / 5n, -(E18 / 10n), 0n],
      delta: (125n * E18) / 10n,
      paid: (125n * E18) / 10n,
      burned: 0n,
      unpaidRewards: 0n,
      balance: 6_412n * E18,
    };
    const events = [alloc(1, 3, [7_500, 2_500, 0]), settled(2, 3, 100n * E18, [E18 / 100n, 0n, 0n], E18 / 2n), span];
    assert.deepEqual(
      roundResults(events, 3).map((r) => r.round),
      [3],
    );
    assert.deepEqual(spanResults(events, 3), [
      {
        fromRound: 4,
        toRound: 23,
        rounds: 20,
        stakeAtRisk: 100n * E18,
        delta: (125n * E18) / 10n,
        portfolioReturn: 0.125,
        modelSums: [0.2, -0.1, null],
      },
    ]);
  });

  it("compounds cumulative returns, skipping missing rounds, and measures drawdown from the running peak", () => {
    const cum = cumulative([0.1, null, -0.5, 0.2]);
    assert.deepEqual(
      cum.map((x) => +x.toFixed(10)),
      [0.1, 0.1, -0.45, -0.34],
    );
    const dd = drawdown(cum);
    assert.deepEqual(
      dd.map((x) => +x.toFixed(10)),
      [0, 0, -0.5, -0.4],
    );
    const s = summarize([0.1, null, -0.5, 0.2]);
    assert.equal(s.rounds, 3);
    assert.equal(+s.total.toFixed(10), -0.34);
    assert.equal(+s.maxDrawdown.toFixed(10), -0.5);
    assert.equal(s.hitRate, 2 / 3);
  });

  it("correlation matrix: 1 on the diagonal, ±1 for (anti)proportional series, NaN without 3 common rounds", () => {
    const a = [0.01, 0.02, -0.01, 0.03];
    const b = a.map((x) => 2 * x + 0.001);
    const c = a.map((x) => -x);
    const d = [null, null, 0.01, 0.02];
    const m = correlationMatrix([a, b, c, d]);
    const cell = (i: number, j: number) => at(at(m, i), j);
    assert.equal(cell(0, 0), 1);
    assert.ok(Math.abs(cell(0, 1) - 1) < 1e-12);
    assert.ok(Math.abs(cell(0, 2) + 1) < 1e-12);
    assert.ok(Number.isNaN(cell(0, 3)));
    assert.ok(Number.isNaN(cell(3, 3)));
    assert.equal(cell(1, 2), cell(2, 1));
  });
});

describe("recentModelSummary: a model's recent return and drawdown beside its weight", () => {
  const events: AccountEvent[] = [alloc(1, 1, [10_000, 0])];
  // Model 0: +10%, -20%, +5% over rounds 1-3, then -50% in an old round 0 left out by the window below.
  const rates = [E18 / 10n, -(E18 / 5n), E18 / 20n];
  rates.forEach((r, i) => events.push(settled(10 + i, i + 1, 1000n * E18, [r, 0n], r / 1000n)));
  it("compounds the model's rates over the last rounds and finds the worst fall from a peak", () => {
    const results = roundResults(events, 2);
    const recent = recentModelSummary(results, 0, 3);
    assert.ok(recent);
    assert.equal(recent.rounds, 3);
    assert.ok(Math.abs(recent.total - (1.1 * 0.8 * 1.05 - 1)) < 1e-12);
    assert.ok(Math.abs(recent.maxDrawdown - -0.2) < 1e-12);
    const lastTwo = recentModelSummary(results, 0, 2);
    assert.ok(lastTwo && Math.abs(lastTwo.total - (0.8 * 1.05 - 1)) < 1e-12);
  });
  it("no weight in the window: no figure (not 0%)", () => {
    assert.equal(recentModelSummary(roundResults(events, 2), 1), null);
  });
});
