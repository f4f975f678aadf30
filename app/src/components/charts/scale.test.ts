import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatPercent, percentDigits, scaleFor, seriesColor, xTickIndexes } from "./scale";
import { at } from "@portfolio-stake/core/checks";

describe("chart scales", () => {
  it("covers the values and zero with round ticks, mapping them onto the pixel range", () => {
    const y = scaleFor([0.013, 0.057], 200, 0);
    assert.deepEqual(
      y.ticks.map((t) => +t.toFixed(6)),
      [0, 0.02, 0.04, 0.06],
    );
    assert.equal(y.at(0), 200);
    assert.equal(y.at(0.06), 0);
    assert.equal(y.at(0.03), 100);
    const drawdown = scaleFor([-0.002, -0.0005, 0], 100, 0);
    assert.deepEqual(
      drawdown.ticks.map((t) => +t.toFixed(6)),
      [-0.002, -0.0015, -0.001, -0.0005, 0],
    );
    assert.equal(drawdown.digits, 2); // -0.15% and -0.10% stay distinct
    assert.deepEqual(
      drawdown.ticks.map((t) => formatPercent(t, drawdown.digits)),
      ["-0.20%", "-0.15%", "-0.10%", "-0.05%", "0.00%"],
    );
  });

  it("gives a flat series a visible band around it", () => {
    const y = scaleFor([0, 0], 100, 0);
    const [first] = y.ticks;
    const last = y.ticks.at(-1);
    assert.ok(first !== undefined && last !== undefined && first < 0 && last > 0);
  });

  it("writes percentages with a sign and never -0.00%", () => {
    assert.equal(formatPercent(0.1234), "+12.34%");
    assert.equal(formatPercent(-0.00001), "0.00%");
    assert.equal(formatPercent(0.5, 0), "+50%");
    assert.equal(formatPercent(NaN), "–");
    assert.deepEqual([0.01, 0.005, 0.0025, 0.1].map(percentDigits), [0, 1, 2, 0]);
  });

  it("labels the x axis at both ends and evenly in between, as room allows", () => {
    assert.deepEqual(xTickIndexes(20, 570, 90), [0, 3, 6, 9, 12, 15, 19]); // 30 px per round: every 3rd, then the last
    assert.deepEqual(xTickIndexes(20, 150, 90), [0, 19]);
    assert.deepEqual(xTickIndexes(3, 1000, 90), [0, 1, 2]);
    assert.deepEqual(xTickIndexes(11, 1000, 90), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    for (const [count, width] of [
      [20, 1100],
      [60, 700],
      [7, 300],
    ] as const) {
      const ticks = xTickIndexes(count, width, 90);
      const gaps = ticks.slice(1).map((t, i) => ((t - at(ticks, i)) * width) / (count - 1));
      assert.ok(Math.min(...gaps) >= 90 - 1e-9, `${count} rounds on ${width} px: ${ticks}`);
      assert.deepEqual([ticks[0], ticks.at(-1)], [0, count - 1]);
    }
    assert.deepEqual(xTickIndexes(1, 500), [0]);
  });

  it("gives neighbouring series different hues", () => {
    const hues = Array.from({ length: 17 }, (_, i) => seriesColor(i));
    assert.equal(new Set(hues).size, 17);
  });
});
