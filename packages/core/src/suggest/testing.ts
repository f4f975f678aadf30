/** Helpers shared by the tests of the portfolio methods (test-only). */
import assert from "node:assert/strict";
import { TOTAL_BPS } from "../bps";
import type { Maybe } from "../stats";
import type { Prng } from "../prng";

/** Whole bps, n of them, within [min, max], summing to exactly 10,000. */
export function assertValidVector(bps: readonly number[], n: number, min = 0, max = TOTAL_BPS, what = "vector") {
  assert.equal(bps.length, n, `${what}: ${bps.length} weights for ${n} models`);
  assert.equal(
    bps.reduce((a, b) => a + b, 0),
    TOTAL_BPS,
    `${what}: [${bps.join(", ")}] must sum to 10,000`,
  );
  for (const w of bps) assert.ok(Number.isInteger(w) && w >= min && w <= max, `${what}: ${w} within [${min}, ${max}]`);
}

/**
 * Random rates like real rounds: a common factor shared by every model (most of the variance), each model's own
 * part, overlapping rounds (20-round moving sums), a random mean per model, and some missing values.
 */
export function randomRates(rng: Prng, models: number, rounds: number, missingShare = 0.05): Maybe[][] {
  const overlapping = () => {
    const e = Array.from({ length: rounds + 19 }, () => rng.normal());
    return Array.from({ length: rounds }, (_, r) => e.slice(r, r + 20).reduce((a, b) => a + b, 0) / Math.sqrt(20));
  };
  const common = overlapping();
  return Array.from({ length: models }, () => {
    const own = overlapping();
    const mu = 0.05 * rng.normal();
    const loading = 0.5 + rng.uniform();
    const sigma = 0.02 + 0.1 * rng.uniform();
    return common.map((c, r) => (rng.uniform() < missingShare ? null : mu + sigma * (loading * c + 0.6 * own[r]!)));
  });
}

/** |actual − expected| ≤ delta. */
export function assertClose(actual: number | undefined, expected: number, delta: number, what = "value") {
  assert.ok(
    actual !== undefined && Math.abs(actual - expected) <= delta,
    `${what}: expected ${String(actual)} to be within ${delta} of ${expected}`,
  );
}
