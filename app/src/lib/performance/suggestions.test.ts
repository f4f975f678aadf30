import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { earnedBy, lastRounds, suggestAll } from "./suggestions";

describe("weight suggestions in the app", () => {
  const good = [0.02, 0.01, 0.015, 0.02, 0.01, 0.03];
  const bad = [-0.02, -0.01, -0.015, -0.02, 0.005, -0.01];
  const noisy = [0.05, -0.05, 0.04, -0.045, 0.05, -0.04];

  it("gives every method a whole-bps vector summing to 10,000, within the bounds", () => {
    const rows = suggestAll({ series: [good, bad, noisy], window: 6, minBps: 500, maxBps: 7000 });
    assert.deepEqual(rows.map((r) => r.method), ["equal", "inverse-volatility", "probability"]);
    for (const r of rows) {
      assert.equal(r.bps.reduce((a, b) => a + b, 0), 10_000);
      for (const w of r.bps) assert.ok(Number.isInteger(w) && w >= 500 && w <= 7000, `${r.method}: ${w}`);
    }
    const probability = rows[2].bps;
    assert.ok(probability[0] > probability[2] && probability[2] > probability[1], `prefers the steady winner: ${probability}`);
    assert.deepEqual(rows[0].bps, [3334, 3333, 3333]);
  });

  it("uses only the last N rounds, and says what a vector would have earned over them", () => {
    assert.deepEqual(lastRounds([[1, 2, 3, 4]], 2), [[3, 4]]);
    assert.deepEqual(lastRounds([[1, 2]], 5), [[1, 2]]);
    const earned = earnedBy([10_000, 0, 0], [good, bad, noisy], 2);
    assert.ok(Math.abs(earned - 0.04) < 1e-12);
    const rows = suggestAll({ series: [good, bad, noisy], window: 2, minBps: 0, maxBps: 10_000 });
    const equal = rows[0];
    assert.ok(Math.abs(equal.earned - earnedBy(equal.bps, [good, bad, noisy], 2)) < 1e-12);
  });

  it("refuses bounds no vector can meet, in words", () => {
    assert.throws(() => suggestAll({ series: [good, bad], window: 6, minBps: 6000, maxBps: 10_000 }), /6000|minimum|bound/i);
  });
});
