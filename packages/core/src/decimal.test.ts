import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type DecimalSeparator, localeDecimalSeparator, parseDecimalInput } from "./decimal";

const base = { decimals: 2, what: "a number", example: "12.5", tooManyDecimals: "Two decimals at most" };
const parse = (text: string, decimalSeparator?: DecimalSeparator) =>
  parseDecimalInput(text, { ...base, decimalSeparator });
const units = (text: string, decimalSeparator?: DecimalSeparator) => {
  const r = parse(text, decimalSeparator);
  assert.ok(r.ok, `${text}: ${r.ok ? "" : r.error}`);
  return r.units;
};
const refusal = (text: string, decimalSeparator?: DecimalSeparator) => {
  const r = parse(text, decimalSeparator);
  assert.equal(r.ok, false, `${text} should be refused`);
  return r.ok ? "" : r.error;
};

describe("parseDecimalInput", () => {
  test('"1,5" and "1.5" both mean 1.5, whatever the locale (a comma is never dropped)', () => {
    for (const separator of [undefined, ".", ","] as const) {
      assert.equal(units("1,5", separator), 150n);
      assert.equal(units("1.5", separator), 150n);
      assert.equal(units("0,25", separator), 25n);
      assert.equal(units(",5", separator), 50n);
      assert.equal(units("12,", separator), 1200n);
    }
  });

  test("both separators: the last is the decimal point, the other groups thousands", () => {
    assert.equal(units("1,000.5"), 100_050n);
    assert.equal(units("1.000,5"), 100_050n);
    assert.equal(units("1,234,567.89"), 123_456_789n);
    assert.equal(units("1.234.567,89"), 123_456_789n);
  });

  test("the same separator several times groups thousands", () => {
    assert.equal(units("1,000,000"), 100_000_000n);
    assert.equal(units("1.000.000"), 100_000_000n);
  });

  test('"1,000" and "1.000" follow the locale, and are refused without one', () => {
    const three = (text: string, decimalSeparator?: DecimalSeparator) =>
      parseDecimalInput(text, { ...base, decimals: 3, decimalSeparator });
    assert.deepEqual(three("1,000", "."), { ok: true, units: 1_000_000n }); // en-US: a thousand
    assert.deepEqual(three("1,000", ","), { ok: true, units: 1000n }); // de-DE: one, with three decimals
    assert.deepEqual(three("1.000", ","), { ok: true, units: 1_000_000n }); // de-DE: a thousand
    assert.deepEqual(three("1.000", "."), { ok: true, units: 1000n });
    const message = (r: ReturnType<typeof three>) => (r.ok ? "" : r.error);
    assert.equal(
      message(three("1,000")),
      "“1,000” is ambiguous: write 1000 if you mean 1000, or 1,0 if you mean 1 and a fraction",
    );
    assert.match(message(three("12.345")), /write 12345 if you mean 12345, or 12\.3450 if you mean 12 and a fraction/);
    // A leading zero cannot start a thousands group: "0,125" is a fraction in every locale.
    assert.deepEqual(three("0,125"), { ok: true, units: 125n });
    // With two decimals allowed, three digits after the separator can only be a (refused) fraction.
    assert.match(refusal("1,000", "."), /Two decimals at most/);
  });

  test("misplaced or repeated separators are refused with the reason", () => {
    assert.match(refusal("1,00.5"), /misplaced thousands separator \(“,” must be followed by groups of three digits\)/);
    assert.match(refusal("1.0000,5"), /misplaced thousands separator/);
    assert.match(refusal("1,2,3"), /use one decimal separator/);
    assert.match(refusal("1.5,000.2"), /not a number/);
    assert.match(refusal("1,000.5.2"), /not a number/);
  });

  test("junk is refused, never guessed", () => {
    for (const bad of ["", "abc", "-5", "+5", "1e3", ".", ",", "1 000", "1'000", "0x10", "5 NMR", "١٢"]) {
      assert.match(refusal(bad), /is not a number: type a number such as 12\.5/, bad);
    }
  });

  test("exact, never through floating point", () => {
    const wei = parseDecimalInput("0,1", { ...base, decimals: 18 });
    assert.deepEqual(wei, { ok: true, units: 100_000_000_000_000_000n });
    assert.match(refusal("1.234"), /^Two decimals at most$/);
  });

  test("locale decimal separators", () => {
    assert.equal(localeDecimalSeparator("en-US"), ".");
    assert.equal(localeDecimalSeparator("de-DE"), ",");
    assert.equal(localeDecimalSeparator("fr-FR"), ",");
  });
});
