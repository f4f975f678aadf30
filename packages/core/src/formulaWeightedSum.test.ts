/**
 * The "weighted-sum" formula (packages/core/src/formulaWeightedSum.ts) on its own: exact sums at the finest scale of the
 * inputs, NA as 0, and its description. Pure: `node --import tsx --test packages/core/src/formulaWeightedSum.test.ts`.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { weightedSum } from "./formulaWeightedSum";
import { parseExactDecimal, type ExactDecimal } from "./results";

const exact = (entries: Record<string, string | null>) =>
  new Map(
    Object.entries(entries).map(([k, v]): [string, ExactDecimal | null] => [
      k,
      v === null ? null : parseExactDecimal(v),
    ]),
  );
const multipliers = (entries: Record<string, string>) =>
  new Map(Object.entries(entries).map(([k, v]) => [k, parseExactDecimal(v)]));

describe("weighted-sum formula", function () {
  it("sums score x multiplier exactly, whatever the scales", function () {
    // 0.75 x 0.0123456789 + 2.25 x -5.92400944e-18 = 0.009259259175 - 0.0000000000000000133290212400 (28 decimals)
    const sum = weightedSum.combine(
      exact({ CORR20: "0.0123456789", MMC20: "-5.92400944e-18" }),
      multipliers({ CORR20: "0.75", MMC20: "2.25" }),
    );
    assert.deepEqual(sum, { units: 92592591749999866709787600n, scale: 28 });
  });

  it("counts a score without a value (NA) as 0, and refuses one it was not given at all", function () {
    assert.deepEqual(weightedSum.combine(exact({ CORR: "0.02", MMC: null }), multipliers({ CORR: "5", MMC: "1" })), {
      units: 10n,
      scale: 2,
    });
    assert.deepEqual(weightedSum.combine(exact({ CORR: null }), multipliers({ CORR: "5" })), { units: 0n, scale: 0 });
    assert.throws(
      () => weightedSum.combine(exact({ CORR: "0.02" }), multipliers({ CORR: "5", MMC: "1" })),
      /weighted-sum: no value given for MMC/,
    );
  });

  it("describes itself with the multipliers as written", function () {
    assert.equal(weightedSum.describe({ CORR60: "3", MMC60: "15" }), "3 CORR60 + 15 MMC60");
  });
});
