import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  checkTotal,
  clearWeights,
  previewChanges,
  putRemainderOn,
  sameWeights,
  setWeight,
  stakeForBps,
  weightsFromEntries,
} from "./weights";

describe("remainder and clear", () => {
  test("puts exactly what is missing on the chosen model", () => {
    const r = putRemainderOn([2000, 3000, 0, 1000], 2);
    assert.deepEqual(r, { ok: true, weights: [2000, 3000, 4000, 1000] });
  });
  test("replaces the chosen model's own weight rather than adding to it", () => {
    assert.deepEqual(putRemainderOn([5000, 6000], 1), { ok: true, weights: [5000, 5000] });
  });
  test("fails without changing anything when the others exceed 100%", () => {
    const input = [6000, 5000, 100];
    const r = putRemainderOn(input, 2);
    assert.equal(r.ok, false);
    assert.match(!r.ok ? r.error : "", /110\.00%/);
    assert.deepEqual(input, [6000, 5000, 100]);
  });
  test("clear gives zeros", () => assert.deepEqual(clearWeights(3), [0, 0, 0]));
  test("setWeight validates bps and index", () => {
    assert.deepEqual(setWeight([1, 2], 1, 5), [1, 5]);
    assert.throws(() => setWeight([1, 2], 2, 5));
    assert.throws(() => setWeight([1, 2], 0, 10_001));
    assert.throws(() => setWeight([1, 2], 0, -1));
  });
});

describe("total check", () => {
  test("exactly 10,000 is savable", () =>
    assert.deepEqual(checkTotal([2500, 2500, 5000]), { ok: true, total: 10_000 }));
  test("short says by how much", () => {
    const r = checkTotal([2500, 2500, 4950]);
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.off, -50);
    assert.equal(!r.ok && r.message, "Total is 99.50%: 0.50% short of 100%");
  });
  test("over says by how much", () => {
    const r = checkTotal([6000, 4001]);
    assert.equal(!r.ok && r.message, "Total is 100.01%: 0.01% over 100%");
  });
  test("no models cannot be saved", () => assert.equal(checkTotal([]).ok, false));
  test("a weight outside 0..10,000 is a programming error", () => assert.throws(() => checkTotal([10_001, -1])));
});

describe("stake per weight and preview", () => {
  test("stakeForBps rounds down like the contract", () => {
    assert.equal(stakeForBps(10n ** 18n, 3333), 333_300_000_000_000_000n);
    assert.equal(stakeForBps(7n, 3333), 2n); // 7 * 3333 / 10000 = 2.33
    assert.equal(stakeForBps(1000n, 10_000), 1000n);
  });
  test("preview lists changed and non-zero models with NMR before and after", () => {
    const rows = previewChanges([5000, 5000, 0, 0], [4000, 5000, 1000, 0], 1000n * 10n ** 18n);
    assert.deepEqual(
      rows.map((r) => [r.index, r.before, r.after, r.change]),
      [
        [0, 5000, 4000, -1000],
        [1, 5000, 5000, 0],
        [2, 0, 1000, 1000],
      ],
    );
    assert.equal(rows[0]?.nmrAfter, 400n * 10n ** 18n);
    assert.equal(rows[2]?.nmrBefore, 0n);
  });
  test("preview of vectors of different lengths is an error", () =>
    assert.throws(() => previewChanges([1], [1, 2], 1n)));
  test("sameWeights", () => {
    assert.ok(sameWeights([1, 2], [1, 2]));
    assert.ok(!sameWeights([1, 2], [2, 1]));
    assert.ok(!sameWeights([1], [1, 0]));
  });
});

describe("loading entries onto the registry order", () => {
  const a = "0x" + "a".repeat(32);
  const b = "0x" + "b".repeat(32);
  const c = "0x" + "c".repeat(32);
  test("places weights by model id, zero for unlisted, reports unknown ids", () => {
    const r = weightsFromEntries(
      [a, b, c.toUpperCase().replace("0X", "0x")],
      [
        { modelId: c, bps: 7000 },
        { modelId: a, bps: 3000 },
        { modelId: "0x" + "d".repeat(32), bps: 1 },
      ],
    );
    assert.deepEqual(r.weights, [3000, 0, 7000]);
    assert.deepEqual(r.unknown, ["0x" + "d".repeat(32)]);
  });
});
