import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { rescaleUnlocked, stepWeight, totalBps } from "./weights";
import { type EditorRow, visibleRows } from "./rows";

const models = (n: number) => Array.from({ length: n }, (_, i) => `0x${String(i + 1).padStart(32, "0")}`);
const FREE = `0x${"0".repeat(32)}`;

describe("rescaleUnlocked: keep the locked weights, scale the rest to exactly 100%", () => {
  test("in proportion, exact integers, locked weights untouched", () => {
    const r = rescaleUnlocked([5000, 1000, 2000, 1000], [true, false, false, false], models(4));
    assert.deepEqual(r, { ok: true, weights: [5000, 1250, 2500, 1250] });
  });
  test("leftover basis points go to the largest remainders (ties: first model)", () => {
    const r = rescaleUnlocked([0, 1, 1, 1], [true, false, false, false], models(4));
    assert.ok(r.ok);
    assert.deepEqual(r.weights, [0, 3334, 3333, 3333]);
    assert.equal(totalBps(r.weights), 10_000);
  });
  test("50 small weights summing to 99.99% rescale to exactly 100% with the locked one kept", () => {
    const weights = Array.from({ length: 50 }, (_, i) => (i === 0 ? 1_000 : Math.floor(8_999 / 49)));
    const locked = weights.map((_, i) => i === 0);
    const r = rescaleUnlocked(weights, locked, models(50));
    assert.ok(r.ok);
    assert.equal(r.weights[0], 1_000);
    assert.equal(totalBps(r.weights), 10_000);
    assert.ok(r.weights.slice(1).every((w) => w === 183 || w === 184));
  });
  test("all unlocked weights at 0: the room is split evenly", () => {
    assert.deepEqual(rescaleUnlocked([2500, 0, 0, 0], [true, false, false, false], models(4)), {
      ok: true,
      weights: [2500, 2500, 2500, 2500],
    });
  });
  test("a freed slot is never given weight", () => {
    const ids = [...models(2), FREE];
    assert.deepEqual(rescaleUnlocked([0, 0, 0], [false, false, false], ids), { ok: true, weights: [5000, 5000, 0] });
  });
  test("locked weights over 100%, or nothing unlocked: refused in words, nothing changed", () => {
    assert.deepEqual(rescaleUnlocked([6000, 6000, 0], [true, true, false], models(3)), {
      ok: false,
      error: "The locked weights already add up to 120.00%: lower or unlock some",
    });
    assert.deepEqual(rescaleUnlocked([5000, 5000], [true, true], models(2)), {
      ok: false,
      error: "Every model is locked: unlock the ones to rescale",
    });
  });
});

describe("stepWeight", () => {
  test("moves by the step and stays within 0..100%", () => {
    assert.deepEqual(stepWeight([100, 9_950], 0, 10), [110, 9_950]);
    assert.deepEqual(stepWeight([5, 9_950], 0, -10), [0, 9_950]);
    assert.deepEqual(stepWeight([5, 9_950], 1, 100), [5, 10_000]);
  });
});

describe("visibleRows: search and sort without touching the vector's order", () => {
  const rows: EditorRow[] = [
    { index: 0, id: "0xaa", name: "carol_02", weight: 300, recentReturn: 0.01, maxDrawdown: -0.05 },
    { index: 1, id: "0xbb", name: "carol_10", weight: 900, recentReturn: null, maxDrawdown: null },
    { index: 2, id: "0xcc", name: "bob_01", weight: 300, recentReturn: 0.04, maxDrawdown: -0.01 },
  ];
  const order = (q: string, s: Parameters<typeof visibleRows>[2]) => visibleRows(rows, q, s).map((r) => r.index);
  test("search by name words or id", () => {
    assert.deepEqual(order("carol", "registry"), [0, 1]);
    assert.deepEqual(order("CAROL 10", "registry"), [1]);
    assert.deepEqual(order("0xcc", "registry"), [2]);
    assert.deepEqual(order("nobody", "registry"), []);
  });
  test("sorts; rows without data last; ties in registry order", () => {
    assert.deepEqual(order("", "name"), [2, 0, 1]);
    assert.deepEqual(order("", "weight"), [1, 0, 2]);
    assert.deepEqual(order("", "return"), [2, 0, 1]);
    assert.deepEqual(order("", "drawdown"), [0, 2, 1]);
  });
});
