/**
 * Weight suggestions (scripts/lib/suggest.ts): the pure math. Every vector must be whole basis points within the
 * per-model bounds and sum to exactly 10,000, whatever the inputs (one model, constant rates, all losses, gaps).
 */
import { expect } from "chai";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  TOTAL_BPS,
  allocateBps,
  historyWindow,
  methodScores,
  modelStats,
  parseBps,
  ratesFromResultsFile,
  suggestWeights,
  windowReturn,
  withAccountVector,
  METHODS,
  type Series,
} from "../scripts/lib/suggest";
import { Rng, hacStandardError, normalCdf, sd } from "../scripts/lib/stats";

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

function expectValidVector(bps: number[], n: number, min = 0, max = TOTAL_BPS) {
  expect(bps).to.have.length(n);
  expect(sum(bps)).to.equal(TOTAL_BPS);
  for (const w of bps) {
    expect(Number.isInteger(w), `${w} is whole`).to.equal(true);
    expect(w).to.be.within(min, max);
  }
}

/** An autocorrelated series (20-round moving average of shocks) with the given mean and sd, like a model's rates. */
function overlapping(rng: Rng, n: number, mu: number, sigma: number): number[] {
  const e = Array.from({ length: n + 19 }, () => rng.normal());
  return Array.from(
    { length: n },
    (_, r) => mu + (sigma * e.slice(r, r + 20).reduce((a, b) => a + b, 0)) / Math.sqrt(20),
  );
}

describe("weight suggestions (scripts/lib/suggest.ts)", function () {
  describe("allocateBps: proportional, clipped, exactly 10,000", function () {
    it("splits in proportion to the scores when no bound binds, rounding by largest remainder", function () {
      expect(allocateBps([1, 1, 1])).to.deep.equal([3334, 3333, 3333]);
      expect(allocateBps([3, 1])).to.deep.equal([7500, 2500]);
      expect(allocateBps([1, 2, 3, 4, 5, 6, 7])).to.satisfy((b: number[]) => sum(b) === TOTAL_BPS);
      expect(allocateBps([2, 1, 1], 0, 10_000)).to.deep.equal([5000, 2500, 2500]);
    });

    it("clips at the maximum and gives the excess to the others in proportion", function () {
      expect(allocateBps([10, 1, 1, 1], 0, 4000)).to.deep.equal([4000, 2000, 2000, 2000]);
      expect(allocateBps([10, 2, 1, 1], 0, 4000)).to.deep.equal([4000, 3000, 1500, 1500]);
    });

    it("raises models to the minimum and takes it from the others in proportion", function () {
      expect(allocateBps([1, 0, 0, 0], 500)).to.deep.equal([8500, 500, 500, 500]);
      expect(allocateBps([6, 3, 1], 2000)).to.deep.equal([5333, 2667, 2000]); // 5333.3, 2666.7: the larger remainder rounds up
    });

    it("finds the right point when both bounds bind (the fixed point of iterative clipping)", function () {
      // clamp(λ·s, 1000, 5000) with λ = 300: 5000 + 3000 + 1000 + 1000.
      expect(allocateBps([100, 10, 1, 0.1], 1000, 5000)).to.deep.equal([5000, 3000, 1000, 1000]);
    });

    it("gives the unscored models the rest when every scored model is at the maximum", function () {
      expect(allocateBps([1, 1, 0, 0], 0, 3000)).to.deep.equal([3000, 3000, 2000, 2000]);
    });

    it("holds for thousands of random scores and bounds: whole bps, within bounds, sum 10,000, proportional inside", function () {
      const rng = new Rng(20260101);
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
        const inside = s.map((x, i) => ({ x, w: bps[i] })).filter(({ x, w }) => x > 0 && w > min + 1 && w < max - 1);
        const top = inside.reduce((a, b) => (b.x > a.x ? b : a), inside[0] ?? { x: 1, w: 0 });
        for (const { x, w } of inside)
          if (Math.abs(w - (top.w * x) / top.x) > 2) problems.push(`not proportional: ${w} for ${x}`);
        for (let i = 0; i < n; i++)
          for (let j = 0; j < n; j++) if (s[i] > s[j] && bps[i] < bps[j]) problems.push(`not monotone: ${i} ${j}`);
        expect(problems, `trial ${trial}: scores ${scores} min ${min} max ${max} -> ${bps}`).to.deep.equal([]);
      }
    });

    it("refuses bounds no vector can meet, in plain words", function () {
      expect(() => allocateBps([1, 1, 1], 0, 3000)).to.throw(
        "3 models x maximum 3000 bps = 9000 bps, less than 10,000",
      );
      expect(() => allocateBps([1, 1, 1, 1, 1, 1], 2000)).to.throw(
        "6 models x minimum 2000 bps = 12000 bps, more than 10,000",
      );
      expect(() => allocateBps([1, 1], 6000, 5000)).to.throw("above the maximum");
      expect(() => allocateBps([1, 1], 10.5)).to.throw("integer");
      expect(() => allocateBps([])).to.throw("at least one model");
    });

    it("one model gets 10,000 whatever its score", function () {
      for (const s of [0, 1, NaN, -3, Infinity]) expect(allocateBps([s])).to.deep.equal([10_000]);
    });
  });

  describe("statistics and methods", function () {
    it("Φ is accurate in the centre and in the tails", function () {
      expect(normalCdf(0)).to.equal(0.5);
      expect(normalCdf(1.959963984540054)).to.be.closeTo(0.975, 1e-12);
      expect(normalCdf(-1)).to.be.closeTo(0.15865525393145707, 1e-14);
      expect(normalCdf(-10) / 7.619853024160527e-24).to.be.closeTo(1, 1e-8); // relative, far in the tail
      expect(normalCdf(40)).to.equal(1);
      expect(normalCdf(-40)).to.equal(0);
    });

    it("the standard error accounts for overlapping rounds (HAC), and equals the plain one without lags", function () {
      const rng = new Rng(5);
      const x = overlapping(rng, 400, 0.01, 0.02);
      const plain = sd(x) / Math.sqrt(x.length);
      expect(hacStandardError(x, 0)).to.be.closeTo(plain * Math.sqrt((x.length - 1) / x.length), 1e-12);
      expect(hacStandardError(x, 19)).to.be.greaterThan(2.5 * plain);
      const iid = Array.from({ length: 400 }, () => rng.normal());
      expect(hacStandardError(iid, 19) / (sd(iid) / Math.sqrt(400))).to.be.within(0.75, 1.25);
    });

    it("P(mean > 0): more evidence for a better model; 0.5 when unknown", function () {
      const rng = new Rng(9);
      const good = modelStats(overlapping(rng, 120, 0.02, 0.02));
      const weak = modelStats(overlapping(rng, 120, 0.0, 0.02));
      const bad = modelStats(overlapping(rng, 120, -0.02, 0.02));
      expect(good.pPositive).to.be.greaterThan(0.9);
      expect(good.pPositive).to.be.greaterThan(weak.pPositive);
      expect(weak.pPositive).to.be.greaterThan(bad.pPositive);
      expect(bad.pPositive).to.be.lessThan(0.1);
      expect(modelStats([]).pPositive).to.equal(0.5);
      expect(modelStats([0.01]).pPositive).to.equal(0.5);
    });

    it("inverse volatility: a calmer model gets more", function () {
      const rng = new Rng(3);
      const { bps } = suggestWeights([overlapping(rng, 60, 0.01, 0.01), overlapping(rng, 60, 0.01, 0.03)], {
        method: "inverse-volatility",
      });
      expect(bps[0]).to.be.greaterThan(2 * bps[1]);
      expectValidVector(bps, 2);
    });
  });

  describe("degenerate inputs", function () {
    const methods = METHODS;

    it("one model: 10,000 bps for every method, even with no data", function () {
      for (const method of methods) {
        expect(suggestWeights([[0.01, 0.02, -0.01]], { method }).bps).to.deep.equal([10_000]);
        expect(suggestWeights([[]], { method }).bps).to.deep.equal([10_000]);
      }
    });

    it("zero variance: finite weights (volatility floor, P = 1 or 0 or 1/2)", function () {
      const flatUp: Series = Array(20).fill(0.01);
      const flatZero: Series = Array(20).fill(0);
      const rng = new Rng(1);
      const noisy = overlapping(rng, 20, 0.01, 0.02);
      const up = modelStats(flatUp);
      expect([up.sd, up.se, up.t, up.pPositive]).to.deep.equal([0, 0, Infinity, 1]);
      expect(modelStats(flatZero).pPositive).to.equal(0.5);
      expect(modelStats(Array(20).fill(-0.01)).pPositive).to.equal(0);
      for (const method of methods) {
        const { bps } = suggestWeights([flatUp, flatZero, noisy], { method, maxBps: 6000 });
        expectValidVector(bps, 3, 0, 6000);
      }
      const inv = suggestWeights([flatUp, noisy], { method: "inverse-volatility", maxBps: 9000 });
      expect(inv.bps).to.deep.equal([9000, 1000]); // the constant model is capped, not infinite
    });

    it("all models losing: still a valid vector, the least bad gets the most", function () {
      const rng = new Rng(4);
      const series = [
        overlapping(rng, 60, -0.01, 0.01),
        overlapping(rng, 60, -0.03, 0.01),
        overlapping(rng, 60, -0.02, 0.01),
      ];
      const { bps, stats } = suggestWeights(series, { method: "probability" });
      expectValidVector(bps, 3);
      const best = stats.map((s) => s.mean).indexOf(Math.max(...stats.map((s) => s.mean)));
      expect(bps[best]).to.equal(Math.max(...bps));
      // Losses so certain that every P underflows to 0: equal weights, said plainly.
      const certain = suggestWeights([Array(30).fill(-0.05), Array(30).fill(-0.04)], {
        method: "probability",
        minBps: 1000,
      });
      expect(certain.bps).to.deep.equal([5000, 5000]);
      expect(certain.notes.join()).to.match(/equal weights/);
    });

    it("NaN, null and missing rounds are left out; a model without enough data gets the minimum", function () {
      const rng = new Rng(8);
      const full = overlapping(rng, 40, 0.015, 0.02);
      const gappy: Series = full.map((x, i) => (i % 3 === 0 ? null : i % 3 === 1 ? NaN : x + 0.005));
      const short: Series = [undefined, 0.02, null, NaN];
      expect(modelStats(gappy).n).to.equal(13);
      expect(modelStats(short).n).to.equal(1);
      for (const method of methods) {
        const s = suggestWeights([full, gappy, short], { method, minBps: 300, maxBps: 8000 });
        expectValidVector(s.bps, 3, 300, 8000);
        if (method !== "equal") {
          expect(s.bps[2]).to.equal(300);
          expect(s.notes.join()).to.match(/fewer than 2 rates/);
        }
      }
      const nothing = suggestWeights([[null, NaN], [], [undefined]], { method: "probability" });
      expect(nothing.bps).to.deep.equal([3334, 3333, 3333]);
      expect(methodScores("inverse-volatility", nothing.stats)).to.deep.equal([0, 0, 0]);
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
      expect(perRound.map((x) => Number(x.toFixed(12)))).to.deep.equal([0.01, 0.01, 0.005]);
      expect(total).to.be.closeTo(0.025, 1e-15);
    });

    it("parseBps takes bps or percent", function () {
      expect(parseBps("250", 0, "MIN_WEIGHT")).to.equal(250);
      expect(parseBps("2.5%", 0, "MIN_WEIGHT")).to.equal(250);
      expect(parseBps("15%", 0, "MAX_WEIGHT")).to.equal(1500);
      expect(parseBps(undefined, 10_000, "MAX_WEIGHT")).to.equal(10_000);
      for (const bad of ["abc", "-5", "10001", "0.001%", "2.5"])
        expect(() => parseBps(bad, 0, "MIN_WEIGHT"), bad).to.throw("MIN_WEIGHT");
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
      expect(history.rounds).to.deep.equal([1, 2, 3]);
      expect(history.rates).to.deep.equal([
        [0.01, -0.02, null],
        [null, 0.03, 0.01],
      ]);
      expect(historyWindow(wide, [a, bid], 2, []).rounds).to.deep.equal([2, 3]);
      const long = ratesFromResultsFile(path.join(dir, "long.csv"));
      expect(long.get(1)!.get(a)).to.be.closeTo(0.012, 1e-15); // 0.5 x 0.02 + 2 x 0.001
      expect(long.get(2)!.get(bid)).to.be.closeTo(0.02, 1e-15);
      const json = ratesFromResultsFile(path.join(dir, "h.json"));
      expect([...json.get(7)!.entries()]).to.deep.equal([[a, 0.015]]);
      expect(() => ratesFromResultsFile(path.join(dir, "missing.csv"))).to.throw("does not exist");
    });

    it("the batch file keeps other accounts and replaces this one's vector", function () {
      const m = ["0x" + "1".repeat(32), "0x" + "2".repeat(32)];
      const first = withAccountVector(null, "0xAbC0000000000000000000000000000000000001", m, [6000, 4000]);
      const other = withAccountVector(first, "0x0000000000000000000000000000000000000002", m.slice(0, 1), [10_000]);
      const updated = withAccountVector(other, "0xabc0000000000000000000000000000000000001", m, [5000, 5000]);
      expect(updated.accounts.map((a) => a.account)).to.deep.equal([
        "0x0000000000000000000000000000000000000002",
        "0xabc0000000000000000000000000000000000001",
      ]);
      expect(updated.accounts[1].weights).to.deep.equal([
        { model: m[0], bps: 5000 },
        { model: m[1], bps: 5000 },
      ]);
    });
  });
});
