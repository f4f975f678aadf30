import assert from "node:assert/strict";
import { test } from "node:test";
import { parseNmrAmount } from "./amount";

const E = 10n ** 18n;

test("decimal NMR text to wei, exactly", () => {
  assert.deepEqual(parseNmrAmount("250"), { ok: true, wei: 250n * E });
  assert.deepEqual(parseNmrAmount("12.5"), { ok: true, wei: (125n * E) / 10n });
  assert.deepEqual(parseNmrAmount("1,234.000000000000000001"), { ok: true, wei: 1234n * E + 1n });
  assert.deepEqual(parseNmrAmount(".1"), { ok: true, wei: E / 10n });
  assert.deepEqual(parseNmrAmount("0.1"), { ok: true, wei: 100_000_000_000_000_000n }); // not 0.1 in binary floating point
});

test("refuses zero, junk, too many decimals and more than the maximum", () => {
  for (const [text, pattern] of [
    ["", /Enter an amount/],
    ["0", /more than zero/],
    ["0.000", /more than zero/],
    ["abc", /not an amount/],
    ["-5", /not an amount/],
    ["1e3", /not an amount/],
    [".", /not an amount/],
    ["1.0000000000000000001", /18 decimals/],
    ["1,2,5", /one decimal separator/],
  ] as const) {
    const r = parseNmrAmount(text);
    assert.equal(r.ok, false, text);
    assert.match(!r.ok ? r.error : "", pattern, text);
  }
  const r = parseNmrAmount("100.000000000000000001", { max: 100n * E, maxLabel: "your stake (100.00 NMR)" });
  assert.deepEqual(r, { ok: false, error: "That is more than your stake (100.00 NMR)" });
  assert.deepEqual(parseNmrAmount("100", { max: 100n * E }), { ok: true, wei: 100n * E });
});

test('"1,5" is 1.5 NMR, not 15 (the comma is the decimal separator there, never dropped)', () => {
  assert.deepEqual(parseNmrAmount("1,5"), { ok: true, wei: (15n * E) / 10n });
  assert.deepEqual(parseNmrAmount("1.000,5"), { ok: true, wei: 1000n * E + E / 2n });
  assert.deepEqual(parseNmrAmount("1,000", { decimalSeparator: "." }), { ok: true, wei: 1000n * E });
  assert.deepEqual(parseNmrAmount("1,000", { decimalSeparator: "," }), { ok: true, wei: E });
  const ambiguous = parseNmrAmount("1,000");
  assert.match(!ambiguous.ok ? ambiguous.error : "", /ambiguous/);
});
