/** Risk parity. Run: node --import tsx --test packages/core/src/suggest/riskParity.test.ts */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Prng } from "../prng";
import { riskParity } from "./riskParity";
import { randomRates } from "./testing";

describe("risk parity (packages/core/src/suggest/riskParity.ts)", function () {
  it("weights uncorrelated models by 1 / sd: sd 1 and 3 → 75% / 25%", function () {
    // Orthogonal ±1 and ±3 patterns over 400 rounds: the shrinkage is tiny (b̄² ∝ 1/T), the split 3:1 to the bps.
    const a = Array.from({ length: 400 }, (_, r) => (r % 2 ? 1 : -1));
    const b = Array.from({ length: 400 }, (_, r) => (Math.floor(r / 2) % 2 ? 3 : -3));
    const bps = riskParity.choose({ series: [a, b], rounds: [], minBps: 0, maxBps: 10_000 });
    assert.ok(Math.abs(bps[0]! - 7500) <= 15, `${bps[0]} ≈ 7500`);
    assert.equal(bps[0]! + bps[1]!, 10_000);
  });

  it("gives the calmer of two correlated models more weight, and every model some", function () {
    const series = randomRates(new Prng(31), 5, 60, 0);
    series[4] = series[4]!.map((x) => (x ?? 0) * 5); // five times as volatile
    const bps = riskParity.choose({ series, rounds: [], minBps: 0, maxBps: 10_000 });
    assert.ok(bps.every((b) => b > 0));
    assert.equal(bps.indexOf(Math.min(...bps)), 4);
  });
});
