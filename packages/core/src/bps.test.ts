import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { TOTAL_BPS, bpsToPercentText, evenSplit, formatBps, parseBps } from "./bps";
import { at } from "./checks";

/** The app's editor field: the browser's separator (",": 7,5), an empty field is 0. */
const app = { decimalSeparator: ",", empty: 0 } as const;

describe("parseBps: percent text to basis points, exactly", () => {
  const cases: [string, number][] = [
    ["0", 0],
    ["100", 10_000],
    ["12.34", 1234],
    ["12.3", 1230],
    ["12.", 1200],
    [".5", 50],
    ["0.01", 1],
    ["33.33", 3333],
    ["  7,5 ", 750],
    ["25%", 2500],
    ["", 0],
    ["100.00", 10_000],
    ["0.07", 7], // 0.07 * 100 is 7.000000000000001 in floating point
    ["57.99", 5799], // 57.99 * 100 is 5798.999999999999
  ];
  for (const [text, bps] of cases) {
    test(`"${text}" → ${bps} bps`, () => assert.deepEqual(parseBps(text, app), { ok: true, bps }));
  }

  test("every two-decimal percentage round-trips through bps", () => {
    for (let bps = 0; bps <= 10_000; bps++) {
      const text = bpsToPercentText(bps);
      assert.deepEqual(parseBps(text, app), { ok: true, bps }, text);
      assert.deepEqual(parseBps(formatBps(bps), app), { ok: true, bps }, formatBps(bps));
    }
  });

  test("more than two decimals is refused, with the reason", () => {
    const r = parseBps("12.345", app);
    assert.equal(r.ok, false);
    assert.match(!r.ok ? r.error : "", /two decimals.*0\.01%/);
  });
  test("over 100% is refused", () => {
    const r = parseBps("100.01", app);
    assert.equal(r.ok, false);
    assert.match(!r.ok ? r.error : "", /more than 100%/);
  });
  for (const bad of ["-1", "abc", "1e2", ".", "1.2.3", "0x10", "1 000", "+-5", "5%%"]) {
    test(`"${bad}" is not a percentage`, () => assert.equal(parseBps(bad, app).ok, false));
  }
});

describe("formatting", () => {
  test("bpsToPercentText gives the shortest exact text", () => {
    assert.equal(bpsToPercentText(0), "0");
    assert.equal(bpsToPercentText(2500), "25");
    assert.equal(bpsToPercentText(1230), "12.3");
    assert.equal(bpsToPercentText(1), "0.01");
    assert.equal(bpsToPercentText(10_000), "100");
    assert.throws(() => bpsToPercentText(1.5));
  });
  test("formatBps always shows two decimals and keeps the sign", () => {
    assert.equal(formatBps(2500), "25.00%");
    assert.equal(formatBps(5), "0.05%");
    assert.equal(formatBps(-50), "-0.50%");
    assert.equal(formatBps(10_250), "102.50%");
  });
});

describe("even split", () => {
  for (let n = 1; n <= 64; n++) {
    test(`${n} models sum to exactly 10,000 and differ by at most 1 bps`, () => {
      const w = evenSplit(n);
      assert.equal(w.length, n);
      assert.equal(
        w.reduce((a, b) => a + b, 0),
        10_000,
      );
      assert.ok(Math.max(...w) - Math.min(...w) <= 1);
      assert.ok(
        w.every((x, i) => i === 0 || x <= at(w, i - 1)),
        "leftover bps go to the first models",
      );
    });
  }
  test("3 models: 3334, 3333, 3333", () => assert.deepEqual(evenSplit(3), [3334, 3333, 3333]));
  test("zero models is an error", () => assert.throws(() => evenSplit(0)));
});

describe("parseBps: the one weight parser's other readers", () => {
  const error = (text: string, options: Parameters<typeof parseBps>[1] = {}) => {
    const r = parseBps(text, options);
    return r.ok ? `ok ${r.bps}` : r.error;
  };
  test("a plain number is basis points when the unit says so; a % sign always means percent", () => {
    assert.deepEqual(parseBps("250", { unit: "bps" }), { ok: true, bps: 250 });
    assert.deepEqual(parseBps("2.5%", { unit: "bps" }), { ok: true, bps: 250 });
    assert.deepEqual(parseBps("+15 %", { unit: "bps" }), { ok: true, bps: 1500 });
    assert.deepEqual(parseBps("10000", { unit: "bps" }), { ok: true, bps: TOTAL_BPS });
  });
  test("each refusal says what was read and why, in words", () => {
    assert.equal(
      error("33.333%"),
      "33.333% has more than two decimals of a percent: the contract stores whole basis points (0.01%); use 33.33% or 33.34%",
    );
    assert.equal(error("-10", { unit: "bps" }), "-10 bps is negative");
    assert.equal(error("10.5", { unit: "bps" }), "10.5 bps is not a whole number of basis points");
    assert.equal(error("10001", { unit: "bps" }), "10001 bps is more than 100%");
    assert.equal(error("101%"), "101% is more than 100%");
    assert.equal(error(" "), "the weight is missing");
    assert.match(error("abc"), /“abc” is not a percentage/);
  });
  test("formatBps takes bigints and can sign gains", () => {
    assert.equal(formatBps(1250n, true), "+12.50%");
    assert.equal(formatBps(-1250, true), "-12.50%");
    assert.equal(formatBps(0, true), "0.00%");
    assert.throws(() => formatBps(0.5), /whole number/);
  });
  test("bpsToPercentText keeps the sign and goes past 100% (sentences about totals)", () => {
    assert.equal(bpsToPercentText(12_000), "120");
    assert.equal(bpsToPercentText(-5), "-0.05");
  });
});
