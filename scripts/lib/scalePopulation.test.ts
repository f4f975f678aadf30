/**
 * Accounts drawn like Numerai's (scripts/lib/scalePopulation.ts): the drawn quantiles are the published ones, and a
 * seed gives the same accounts. No chain: `node --import tsx --test scripts/lib/scalePopulation.test.ts`.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { drawAccounts, percentile, quantileAt, seededRandom } from "./scalePopulation";

describe("accounts drawn like Numerai's", function () {
  it("models per account: median 1, p90 2, p99 13, at most 50; stake: median 2.5, p90 300, p99 4,000 NMR (within 10%)", function () {
    const accounts = drawAccounts(20_000, 7);
    const models = accounts.map((a) => a.models);
    const stakes = accounts.map((a) => a.stakeNmr);
    assert.equal(percentile(models, 0.5), 1);
    assert.equal(percentile(models, 0.9), 2);
    assert.ok(Math.abs(percentile(models, 0.99) - 13) <= 1, `p99 ${percentile(models, 0.99)}`);
    assert.ok(Math.max(...models) <= 50 && Math.min(...models) >= 1);
    for (const [p, expected] of [
      [0.5, 2.5],
      [0.9, 300],
      [0.99, 4000],
    ] as const) {
      const drawn = percentile(stakes, p);
      assert.ok(Math.abs(drawn / expected - 1) < 0.1, `stake p${p * 100}: ${drawn}, expected about ${expected}`);
    }
    assert.ok(Math.min(...stakes) >= 0.01);
  });

  it("the same seed draws the same accounts, another seed other ones", function () {
    assert.deepEqual(drawAccounts(100, 3), drawAccounts(100, 3));
    assert.notDeepEqual(drawAccounts(100, 3), drawAccounts(100, 4));
    const random = seededRandom(1);
    const draws = Array.from({ length: 1000 }, random);
    assert.ok(draws.every((u) => u >= 0 && u < 1));
  });

  it("interpolates between the points, linearly or in log space, and clamps outside them", function () {
    const points = [
      [0, 1],
      [0.5, 10],
      [1, 100],
    ] as const;
    assert.equal(quantileAt(points, 0.25), 5.5);
    assert.ok(Math.abs(quantileAt(points, 0.75, true) - Math.sqrt(1000)) < 1e-9);
    assert.equal(quantileAt(points, 1), 100);
    assert.equal(quantileAt(points, 0), 1);
    assert.throws(() => quantileAt([[0, 1]], 0.5), /at least two points/);
    assert.throws(() => percentile([], 0.5), /no values/);
  });
});
