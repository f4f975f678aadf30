/**
 * Weight suggestions (scripts/lib/suggest.ts): the pure math. Every vector must be whole basis points within the
 * per-model bounds and sum to exactly 10,000, whatever the inputs (one model, constant rates, all losses, gaps).
 *
 * Pure TypeScript, no chain: run with `node --import tsx --test scripts/lib/*.test.ts`.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { TOTAL_BPS } from "@portfolio-stake/core/bps";
import {
  allocateBps,
  historyWindow,
  methodScores,
  modelStats,
  parseWeightSetting,
  ratesFromLeafFiles,
  ratesFromResultsFile,
  suggestWeights,
  windowReturn,
  withAccountVector,
  METHODS,
  type Series,
} from "./suggest";
import { Prng } from "@portfolio-stake/core/prng";
import { hacStandardError, normalCdf, sd } from "@portfolio-stake/core/stats";
import { callbacksDuring } from "./testing/eventLoop";
import { buildRoundTree, roundFile } from "@portfolio-stake/core/results";
import type { PortfolioStake } from "../../typechain-types";

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/** |actual - expected| <= delta (chai's closeTo). */
function assertCloseTo(actual: number | undefined, expected: number, delta: number, message?: string) {
  assert.ok(
    actual !== undefined && Math.abs(actual - expected) <= delta,
    message ?? `expected ${actual} to be within ${delta} of ${expected}`,
  );
}

/** `fn` throws an Error whose message contains `text` (chai's `to.throw(string)`). */
function assertThrowsWith(fn: () => unknown, text: string, message?: string) {
  assert.throws(fn, (e: unknown) => e instanceof Error && e.message.includes(text), message ?? `expected "${text}"`);
}

function expectValidVector(bps: number[], n: number, min = 0, max = TOTAL_BPS) {
  assert.equal(bps.length, n);
  assert.equal(sum(bps), TOTAL_BPS);
  for (const w of bps) {
    assert.equal(Number.isInteger(w), true, `${w} is whole`);
    assert.ok(w >= min && w <= max, `${w} within [${min}, ${max}]`);
  }
}

/** An autocorrelated series (20-round moving average of shocks) with the given mean and sd, like a model's rates. */
function overlapping(rng: Prng, n: number, mu: number, sigma: number): number[] {
  const e = Array.from({ length: n + 19 }, () => rng.normal());
  return Array.from(
    { length: n },
    (_, r) => mu + (sigma * e.slice(r, r + 20).reduce((a, b) => a + b, 0)) / Math.sqrt(20),
  );
}

describe("weight suggestions (scripts/lib/suggest.ts)", function () {
  describe("allocateBps: proportional, clipped, exactly 10,000", function () {
    it("splits in proportion to the scores when no bound binds, rounding by largest remainder", function () {
      assert.deepEqual(allocateBps([1, 1, 1]), [3334, 3333, 3333]);
      assert.deepEqual(allocateBps([3, 1]), [7500, 2500]);
      assert.ok(sum(allocateBps([1, 2, 3, 4, 5, 6, 7])) === TOTAL_BPS);
      assert.deepEqual(allocateBps([2, 1, 1], 0, 10_000), [5000, 2500, 2500]);
    });

    it("clips at the maximum and gives the excess to the others in proportion", function () {
      assert.deepEqual(allocateBps([10, 1, 1, 1], 0, 4000), [4000, 2000, 2000, 2000]);
      assert.deepEqual(allocateBps([10, 2, 1, 1], 0, 4000), [4000, 3000, 1500, 1500]);
    });

    it("raises models to the minimum and takes it from the others in proportion", function () {
      assert.deepEqual(allocateBps([1, 0, 0, 0], 500), [8500, 500, 500, 500]);
      assert.deepEqual(allocateBps([6, 3, 1], 2000), [5333, 2667, 2000]); // 5333.3, 2666.7: the larger remainder rounds up
    });

    it("finds the right point when both bounds bind (the fixed point of iterative clipping)", function () {
      // clamp(λ·s, 1000, 5000) with λ = 300: 5000 + 3000 + 1000 + 1000.
      assert.deepEqual(allocateBps([100, 10, 1, 0.1], 1000, 5000), [5000, 3000, 1000, 1000]);
    });

    it("gives the unscored models the rest when every scored model is at the maximum", function () {
      assert.deepEqual(allocateBps([1, 1, 0, 0], 0, 3000), [3000, 3000, 2000, 2000]);
    });

    it("holds for thousands of random scores and bounds: whole bps, within bounds, sum 10,000, proportional inside", function () {
      const rng = new Prng(20260101);
      for (let trial = 0; trial < 3000; trial++) {
        const n = 1 + (rng.u32() % 32);
        const min = rng.uniform() < 0.5 ? 0 : rng.u32() % (Math.floor(TOTAL_BPS / n) + 1);
        const maxFloor = Math.ceil(TOTAL_BPS / n);
        const max =
          rng.uniform() < 0.3 ? TOTAL_BPS : Math.max(min, maxFloor + (rng.u32() % (TOTAL_BPS - maxFloor + 1)));
        const scores = Array.from({ length: n }, () => {
          const u = rng.uniform();
          return u < 0.1 ? 0 : u < 0.15 ? NaN : u < 0.2 ? -1 : Math.exp(4 * rng.normal());
        });
        const bps = allocateBps(scores, min, max);
        const problems: string[] = [];
        if (bps.length !== n || sum(bps) !== TOTAL_BPS) problems.push(`sum ${sum(bps)}`);
        for (const w of bps) if (!Number.isInteger(w) || w < min || w > max) problems.push(`out of bounds: ${w}`);
        // Models strictly inside the bounds all get λ x score (up to 1 bps of rounding); a higher score never gets
        // fewer bps. Plain comparisons (thousands of trials), one assertion per trial.
        const s = scores.map((x) => (Number.isFinite(x) && x > 0 ? x : 0));
        const inside = s.map((x, i) => ({ x, w: bps[i]! })).filter(({ x, w }) => x > 0 && w > min + 1 && w < max - 1);
        const top = inside.reduce((a, b) => (b.x > a.x ? b : a), inside[0] ?? { x: 1, w: 0 });
        for (const { x, w } of inside)
          if (Math.abs(w - (top.w * x) / top.x) > 2) problems.push(`not proportional: ${w} for ${x}`);
        for (let i = 0; i < n; i++)
          for (let j = 0; j < n; j++) if (s[i]! > s[j]! && bps[i]! < bps[j]!) problems.push(`not monotone: ${i} ${j}`);
        assert.deepEqual(problems, [], `trial ${trial}: scores ${scores} min ${min} max ${max} -> ${bps}`);
      }
    });

    it("refuses bounds no vector can meet, in plain words", function () {
      assertThrowsWith(
        () => allocateBps([1, 1, 1], 0, 3000),
        "3 models x maximum 3000 bps = 9000 bps, less than 10,000",
      );
      assertThrowsWith(
        () => allocateBps([1, 1, 1, 1, 1, 1], 2000),
        "6 models x minimum 2000 bps = 12000 bps, more than 10,000",
      );
      assertThrowsWith(() => allocateBps([1, 1], 6000, 5000), "above the maximum");
      assertThrowsWith(() => allocateBps([1, 1], 10.5), "integer");
      assertThrowsWith(() => allocateBps([]), "at least one model");
    });

    it("one model gets 10,000 whatever its score", function () {
      for (const s of [0, 1, NaN, -3, Infinity]) assert.deepEqual(allocateBps([s]), [10_000]);
    });
  });

  describe("statistics and methods", function () {
    it("Φ is accurate in the centre and in the tails", function () {
      assert.equal(normalCdf(0), 0.5);
      assertCloseTo(normalCdf(1.959963984540054), 0.975, 1e-12);
      assertCloseTo(normalCdf(-1), 0.15865525393145707, 1e-14);
      assertCloseTo(normalCdf(-10) / 7.619853024160527e-24, 1, 1e-8); // relative, far in the tail
      assert.equal(normalCdf(40), 1);
      assert.equal(normalCdf(-40), 0);
    });

    it("the standard error accounts for overlapping rounds (HAC), and equals the plain one without lags", function () {
      const rng = new Prng(5);
      const x = overlapping(rng, 400, 0.01, 0.02);
      const plain = sd(x) / Math.sqrt(x.length);
      assertCloseTo(hacStandardError(x, 0), plain * Math.sqrt((x.length - 1) / x.length), 1e-12);
      assert.ok(hacStandardError(x, 19) > 2.5 * plain);
      const iid = Array.from({ length: 400 }, () => rng.normal());
      const ratio = hacStandardError(iid, 19) / (sd(iid) / Math.sqrt(400));
      assert.ok(ratio >= 0.75 && ratio <= 1.25, `${ratio} within [0.75, 1.25]`);
    });

    it("P(mean > 0): more evidence for a better model; 0.5 when unknown", function () {
      const rng = new Prng(9);
      const good = modelStats(overlapping(rng, 120, 0.02, 0.02));
      const weak = modelStats(overlapping(rng, 120, 0.0, 0.02));
      const bad = modelStats(overlapping(rng, 120, -0.02, 0.02));
      assert.ok(good.pPositive > 0.9);
      assert.ok(good.pPositive > weak.pPositive);
      assert.ok(weak.pPositive > bad.pPositive);
      assert.ok(bad.pPositive < 0.1);
      assert.equal(modelStats([]).pPositive, 0.5);
      assert.equal(modelStats([0.01]).pPositive, 0.5);
    });

    it("inverse volatility: a calmer model gets more", function () {
      const rng = new Prng(3);
      const { bps } = suggestWeights([overlapping(rng, 60, 0.01, 0.01), overlapping(rng, 60, 0.01, 0.03)], {
        method: "inverse-volatility",
      });
      assert.ok(bps[0]! > 2 * bps[1]!);
      expectValidVector(bps, 2);
    });
  });

  describe("degenerate inputs", function () {
    const methods = METHODS;

    it("one model: 10,000 bps for every method, even with no data", function () {
      for (const method of methods) {
        assert.deepEqual(suggestWeights([[0.01, 0.02, -0.01]], { method }).bps, [10_000]);
        assert.deepEqual(suggestWeights([[]], { method }).bps, [10_000]);
      }
    });

    it("zero variance: finite weights (volatility floor, P = 1 or 0 or 1/2)", function () {
      const flatUp: Series = Array(20).fill(0.01);
      const flatZero: Series = Array(20).fill(0);
      const rng = new Prng(1);
      const noisy = overlapping(rng, 20, 0.01, 0.02);
      const up = modelStats(flatUp);
      assert.deepEqual([up.sd, up.se, up.t, up.pPositive], [0, 0, Infinity, 1]);
      assert.equal(modelStats(flatZero).pPositive, 0.5);
      assert.equal(modelStats(Array(20).fill(-0.01)).pPositive, 0);
      for (const method of methods) {
        const { bps } = suggestWeights([flatUp, flatZero, noisy], { method, maxBps: 6000 });
        expectValidVector(bps, 3, 0, 6000);
      }
      const inv = suggestWeights([flatUp, noisy], { method: "inverse-volatility", maxBps: 9000 });
      assert.deepEqual(inv.bps, [9000, 1000]); // the constant model is capped, not infinite
    });

    it("all models losing: still a valid vector, the least bad gets the most", function () {
      const rng = new Prng(4);
      const series = [
        overlapping(rng, 60, -0.01, 0.01),
        overlapping(rng, 60, -0.03, 0.01),
        overlapping(rng, 60, -0.02, 0.01),
      ];
      const { bps, stats } = suggestWeights(series, { method: "probability" });
      expectValidVector(bps, 3);
      const best = stats.map((s) => s.mean).indexOf(Math.max(...stats.map((s) => s.mean)));
      assert.equal(bps[best], Math.max(...bps));
      // Losses so certain that every P underflows to 0: equal weights, said plainly.
      const certain = suggestWeights([Array(30).fill(-0.05), Array(30).fill(-0.04)], {
        method: "probability",
        minBps: 1000,
      });
      assert.deepEqual(certain.bps, [5000, 5000]);
      assert.match(certain.notes.join(), /equal weights/);
    });

    it("NaN, null and missing rounds are left out; a model without enough data gets the minimum", function () {
      const rng = new Prng(8);
      const full = overlapping(rng, 40, 0.015, 0.02);
      const gappy: Series = full.map((x, i) => (i % 3 === 0 ? null : i % 3 === 1 ? NaN : x + 0.005));
      const short: Series = [undefined, 0.02, null, NaN];
      assert.equal(modelStats(gappy).n, 13);
      assert.equal(modelStats(short).n, 1);
      for (const method of methods) {
        const s = suggestWeights([full, gappy, short], { method, minBps: 300, maxBps: 8000 });
        expectValidVector(s.bps, 3, 300, 8000);
        if (method !== "equal") {
          assert.equal(s.bps[2], 300);
          assert.match(s.notes.join(), /fewer than 2 rates/);
        }
      }
      const nothing = suggestWeights([[null, NaN], [], [undefined]], { method: "probability" });
      assert.deepEqual(nothing.bps, [3334, 3333, 3333]);
      assert.deepEqual(methodScores("inverse-volatility", nothing.stats), [0, 0, 0]);
    });
  });

  describe("window returns, bounds parsing, history files, batch file", function () {
    it("windowReturn sums the weighted rates; missing rates count as 0", function () {
      const { total, perRound } = windowReturn(
        [5000, 5000],
        [
          [0.02, -0.01, null],
          [0.0, 0.03, 0.01],
        ],
      );
      assert.deepEqual(
        perRound.map((x) => Number(x.toFixed(12))),
        [0.01, 0.01, 0.005],
      );
      assertCloseTo(total, 0.025, 1e-15);
    });

    it("parseWeightSetting takes bps or percent", function () {
      assert.equal(parseWeightSetting("250", 0, "MIN_WEIGHT"), 250);
      assert.equal(parseWeightSetting("2.5%", 0, "MIN_WEIGHT"), 250);
      assert.equal(parseWeightSetting("15%", 0, "MAX_WEIGHT"), 1500);
      assert.equal(parseWeightSetting(undefined, 10_000, "MAX_WEIGHT"), 10_000);
      for (const bad of ["abc", "-5", "10001", "0.001%", "2.5"])
        assertThrowsWith(() => parseWeightSetting(bad, 0, "MIN_WEIGHT"), "MIN_WEIGHT", bad);
    });

    it("reads rate histories from CSV (wide and long) and JSON; NA and exact zeros are missing", function () {
      const dir = mkdtempSync(path.join(tmpdir(), "suggest-"));
      const a = "0x" + "a".repeat(32);
      const b = "bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb";
      const bid = "0x" + "b".repeat(32);
      writeFileSync(path.join(dir, "wide.csv"), `round,${a},${b}\n1,0.01,NA\n2,-0.02,0.03\n3,0,0.01\n`);
      writeFileSync(path.join(dir, "long.csv"), `round,model,corr,mmc\n1,${a},0.02,0.001\n2,${b},0.04,NA\n`);
      writeFileSync(
        path.join(dir, "h.json"),
        JSON.stringify({ rounds: [{ round: 7, rates: { [a]: "0.015", [b]: null } }] }),
      );
      const wide = ratesFromResultsFile(path.join(dir, "wide.csv"));
      const history = historyWindow(wide, [a, bid], 10, []);
      assert.deepEqual(history.rounds, [1, 2, 3]);
      assert.deepEqual(history.rates, [
        [0.01, -0.02, null],
        [null, 0.03, 0.01],
      ]);
      assert.deepEqual(historyWindow(wide, [a, bid], 2, []).rounds, [2, 3]);
      const long = ratesFromResultsFile(path.join(dir, "long.csv"));
      assertCloseTo(long.get(1)!.get(a), 0.012, 1e-15); // 0.5 x 0.02 + 2 x 0.001
      assertCloseTo(long.get(2)!.get(bid), 0.02, 1e-15);
      const json = ratesFromResultsFile(path.join(dir, "h.json"));
      assert.deepEqual([...json.get(7)!.entries()], [[a, 0.015]]);
      assertThrowsWith(() => ratesFromResultsFile(path.join(dir, "missing.csv")), "does not exist");
    });

    it("the batch file keeps other accounts and replaces this one's vector", function () {
      const m = ["0x" + "1".repeat(32), "0x" + "2".repeat(32)];
      const first = withAccountVector(null, "0xAbC0000000000000000000000000000000000001", m, [6000, 4000]);
      const other = withAccountVector(first, "0x0000000000000000000000000000000000000002", m.slice(0, 1), [10_000]);
      const updated = withAccountVector(other, "0xabc0000000000000000000000000000000000001", m, [5000, 5000]);
      assert.deepEqual(
        updated.accounts.map((a) => a.account),
        ["0x0000000000000000000000000000000000000002", "0xabc0000000000000000000000000000000000001"],
      );
      assert.deepEqual(updated.accounts[1]!.weights, [
        { model: m[0], bps: 5000 },
        { model: m[1], bps: 5000 },
      ]);
    });
  });

  describe("ratesFromLeafFiles at tournament size", function () {
    it("rebuilds a 14,300-leaf file's tree without holding the event loop, and refuses a file whose root differs", async function () {
      const dir = mkdtempSync(path.join(tmpdir(), "suggest-leaves-"));
      const id = (i: number) => "0x" + i.toString(16).padStart(32, "0");
      const tree = buildRoundTree(
        7n,
        Array.from({ length: 14_300 }, (_, i) => ({ modelId: id(i + 1), rate: BigInt(i), cumulative: BigInt(2 * i) })),
      );
      writeFileSync(path.join(dir, "round-7.json"), JSON.stringify(roundFile(7n, tree)));
      // Only what ratesFromLeafFiles reads of the contract: the RoundPublished events.
      const publishedWith = (root: string) =>
        ({
          filters: { RoundPublished: () => ({}) },
          queryFilter: async () => [{ args: { round: 7n, root, leavesURI: "" } }],
        }) as unknown as PortfolioStake;
      const {
        result: { rates, missing },
        callbacks,
      } = await callbacksDuring(() => ratesFromLeafFiles(publishedWith(tree.root), dir));
      assert.deepEqual(missing, []);
      assert.equal(rates.get(7)?.size, 14_299); // every non-zero rate
      // A synchronous rebuild (what crashed the job at this size) lets no other callback run.
      assert.ok(callbacks > 50, `other callbacks ran ${callbacks} time(s) while the tree was rebuilt`);
      await assert.rejects(ratesFromLeafFiles(publishedWith("0x" + "11".repeat(32)), dir), /builds root/);
    });
  });
});
