/** Shrunk means. Run: node --import tsx --test packages/core/src/suggest/estimates.test.ts */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Prng } from "../prng";
import { estimate, shrunkMeans } from "./estimates";
import { assertClose, randomRates } from "./testing";

describe("estimates (packages/core/src/suggest/estimates.ts)", function () {
  it("leaves fewer than four models' means alone", function () {
    const m = shrunkMeans([
      [0.1, 0.3],
      [0.0, 0.2],
      [0.5, 0.5],
    ]);
    assert.equal(m.shrinkage, 0);
    m.means.forEach((x, i) => assertClose(x, [0.2, 0.1, 0.5][i]!, 1e-15));
  });

  it("pulls noisy means towards their average, keeping the average and the order", function () {
    const series = randomRates(new Prng(51), 10, 60, 0);
    const { means, raw, shrinkage } = shrunkMeans(series);
    assert.ok(shrinkage > 0 && shrinkage <= 1, `shrinkage ${shrinkage}`);
    const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    assertClose(avg(means), avg(raw), 1e-12);
    means.forEach((m, i) => assertClose(m - avg(raw), (1 - shrinkage) * (raw[i]! - avg(raw)), 1e-12));
    // Equal means need no pulling, and clearly separated ones (tiny noise) are barely pulled.
    assert.equal(shrunkMeans(Array.from({ length: 5 }, () => [0.1, 0.1, 0.1])).shrinkage, 1);
    const separated = Array.from({ length: 5 }, (_, m) => [1, 2, 3, 4].map((r) => m + 1e-6 * r));
    assert.ok(shrunkMeans(separated).shrinkage < 1e-6);
    assert.equal(estimate(series).cov.length, 10);
  });
});
