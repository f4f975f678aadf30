import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { suggestWeights } from "@portfolio-stake/core/suggest/core";
import { earnedBy, lastRounds, parseBounds, suggestAll } from "./suggestions";
import { at } from "@portfolio-stake/core/checks";

const E18 = 10n ** 18n;

describe("weight suggestions in the app", () => {
  const good = [0.02, 0.01, 0.015, 0.02, 0.01, 0.03];
  const bad = [-0.02, -0.01, -0.015, -0.02, 0.005, -0.01];
  const noisy = [0.05, -0.05, 0.04, -0.045, 0.05, -0.04];
  const stakes = good.map(() => 1_000n * E18);

  it("gives every method a whole-bps vector summing to 10,000, within the bounds, the CLI's own vectors", () => {
    const rows = suggestAll({ series: [good, bad, noisy], stakes, window: 6, minBps: 500, maxBps: 7000 });
    assert.deepEqual(
      rows.map((r) => r.method),
      ["equal", "inverse-volatility", "probability"],
    );
    for (const r of rows) {
      assert.equal(
        r.bps.reduce((a, b) => a + b, 0),
        10_000,
      );
      for (const w of r.bps) assert.ok(Number.isInteger(w) && w >= 500 && w <= 7000, `${r.method}: ${w}`);
      assert.deepEqual(r.bps, suggestWeights([good, bad, noisy], { method: r.method, minBps: 500, maxBps: 7000 }).bps);
    }
    const probability = at(rows, 2).bps;
    const weight = (m: number) => at(probability, m);
    assert.ok(weight(0) > weight(2) && weight(2) > weight(1), `prefers the steady winner: ${probability.join(",")}`);
    assert.deepEqual(rows[0]?.bps, [3334, 3333, 3333]);
  });

  it("uses only the last N rounds, and says what a vector would have earned over them, in NMR on the stakes then", () => {
    assert.deepEqual(lastRounds([[1, 2, 3, 4]], 2), [[3, 4]]);
    assert.deepEqual(lastRounds([[1, 2]], 5), [[1, 2]]);
    // All in `good` for its last 2 rounds: +1% on 1,000 then +3% on 2,000 NMR = 10 + 60 NMR, 4% added up.
    const earned = earnedBy([10_000, 0, 0], [good, bad, noisy], [...stakes.slice(0, 4), 1_000n * E18, 2_000n * E18], 2);
    assert.ok(Math.abs(earned.fraction - 0.04) < 1e-12);
    assert.equal(earned.nmr, 70n * E18);
    // Half good, half bad over the last round: ½·3% + ½·(−1%) = +1% of 1,000 NMR.
    const mixed = earnedBy([5_000, 5_000, 0], [good, bad, noisy], stakes, 1);
    assert.equal(mixed.nmr, 10n * E18);
    // A missing rate counts 0 (the model had no weight that round).
    assert.equal(
      earnedBy(
        [5_000, 5_000],
        [
          [0.02, null],
          [0.02, 0.04],
        ],
        [E18, E18],
        2,
      ).nmr,
      (4n * E18) / 100n,
    ); // 1% + 1% of 1 NMR, then 0 + 2% of 1 NMR
    const rows = suggestAll({ series: [good, bad, noisy], stakes, window: 2, minBps: 0, maxBps: 10_000 });
    const equal = at(rows, 0);
    assert.deepEqual(equal.earned, earnedBy(equal.bps, [good, bad, noisy], stakes, 2));
  });

  it("refuses bounds no vector can meet, in words", () => {
    assert.throws(
      () => suggestAll({ series: [good, bad], stakes, window: 6, minBps: 6000, maxBps: 10_000 }),
      /6000|minimum|bound/i,
    );
  });

  it("reads the bounds as typed in percent, and says in percent what is wrong with them", () => {
    assert.deepEqual(parseBounds("0", "100", 3), { minBps: 0, maxBps: 10_000 });
    assert.deepEqual(parseBounds(" 12.5", "33.34 ", 3), { minBps: 1250, maxBps: 3334 });
    assert.deepEqual(parseBounds("40", "60", 3), {
      error: "3 models at a minimum of 40% each come to 120%, more than 100%: lower the minimum.",
    });
    assert.deepEqual(parseBounds("0", "30", 3), {
      error: "3 models at a maximum of 30% each come to only 90%, less than 100%: raise the maximum.",
    });
    assert.deepEqual(parseBounds("50", "20", 3), { error: "The minimum (50%) is above the maximum (20%)." });
    for (const bad of ["", "-1", "101", "1.234", "abc", "1e2"]) assert.ok("error" in parseBounds(bad, "100", 3), bad);
    assert.ok("error" in parseBounds("0", "", 3));
  });
});
