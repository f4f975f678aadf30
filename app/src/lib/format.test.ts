import assert from "node:assert/strict";
import { test } from "node:test";
import { parseNmrAmount } from "./editor/amount";
import { formatAllowance, formatNmr, formatTime, nmrToInput, relativeTime, shortAddress } from "./format";

const E = 10n ** 18n;

test("formatNmr rounds half up to two decimals and groups thousands", () => {
  assert.equal(formatNmr(0n), "0.00");
  assert.equal(formatNmr(1234567n * E + 5n * 10n ** 15n), "1,234,567.01"); // .005 rounds up
  assert.equal(formatNmr(4n * 10n ** 15n), "0.00");
  assert.equal(formatNmr((-25n * E) / 10n), "-2.50");
  assert.equal(formatNmr(-1n), "0.00"); // no "-0.00"
  assert.equal(formatNmr(999_999n * E, 0), "999,999");
});

test("formatAllowance calls max approvals unlimited", () => {
  assert.equal(formatAllowance(2n ** 256n - 1n), "unlimited");
  assert.equal(formatAllowance(100n * E), "100.00 NMR");
});

test("relativeTime and shortAddress", () => {
  assert.equal(relativeTime(1000 + 3 * 86400, 1000), "in 3 days");
  assert.equal(relativeTime(1000 - 2 * 3600, 1000), "2 hours ago");
  assert.equal(relativeTime(1060, 1000), "in 60 seconds");
  assert.equal(shortAddress("0x70997970C51812dc3A010C7d01b50e0d17dc79C8"), "0x7099…79C8");
});

test("nmrToInput writes the input's decimal separator, and parses back to the same wei in either locale", () => {
  const wei = 100n * E + 125n * 10n ** 15n; // 100.125: three decimals, the case a thousands reading would break
  assert.equal(nmrToInput(wei), "100.125");
  assert.equal(nmrToInput(wei, ","), "100,125");
  for (const separator of [".", ","] as const) {
    assert.deepEqual(parseNmrAmount(nmrToInput(wei, separator), { decimalSeparator: separator }), { ok: true, wei });
  }
});

test("formatTime writes the midnight hour as 00, in Node as in the browser (not 24)", () => {
  const midnight = Date.UTC(2026, 11, 3, 0, 2) / 1000;
  const offsetMinutes = new Date(midnight * 1000).getTimezoneOffset();
  const localMidnight = midnight + offsetMinutes * 60; // 00:02 in the viewer's time zone
  const text = formatTime(localMidnight);
  assert.match(text, /, 00:02$/);
  assert.doesNotMatch(text, /24:02/);
});
