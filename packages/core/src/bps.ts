/**
 * Basis points: a weight is a whole number of bps (1 bps = 0.01%) and a vector sums to exactly TOTAL_BPS over the
 * account's models (the contract's rule). The one parser of weights people write (the app's editor and suggestion
 * bounds, rebalance files, the suggestion job's MIN_WEIGHT/MAX_WEIGHT) and the one formatter, all exact: percent text
 * goes through decimal.ts as a decimal string, never through floating point, so "33.33" is 3333 bps.
 */
import { parseDecimalInput, type DecimalSeparator } from "./decimal";

export const TOTAL_BPS = 10_000;

/** What a number without a "%" sign means. */
export type WeightUnit = "bps" | "percent";

export type BpsParse = { ok: true; bps: number } | { ok: false; error: string };

export interface BpsParseOptions {
  /** The unit of a number written without "%" (default percent); a "%" sign always means percent. */
  unit?: WeightUnit;
  /** The input's locale separator, for "1,5"-like text (decimal.ts); undefined refuses ambiguous text. */
  decimalSeparator?: DecimalSeparator | undefined;
  /** The weight of an empty text (the app's empty field is 0); undefined: empty is an error. */
  empty?: number;
}

/**
 * Weight text → whole bps from 0 to TOTAL_BPS, or a plain-language error that starts with the text as read (with its
 * unit), e.g. "33.333% has more than two decimals of a percent: …; use 33.33% or 33.34%".
 */
export function parseBps(text: string, options: BpsParseOptions = {}): BpsParse {
  const trimmed = text.trim();
  if (trimmed === "") {
    return options.empty === undefined
      ? { ok: false, error: "the weight is missing" }
      : { ok: true, bps: options.empty };
  }
  const match = /^([+-]?)\s*(.*?)\s*(%?)$/.exec(trimmed);
  const [, sign = "", number = "", percentSign = ""] = match ?? [];
  const percent = percentSign === "%" || (options.unit ?? "percent") === "percent";
  const shown = percent ? `${sign}${number}%` : `${sign}${number} bps`;
  const parsed = parseDecimalInput(number, {
    decimals: percent ? 2 : 0,
    decimalSeparator: options.decimalSeparator,
    what: percent ? "a percentage" : "a whole number of basis points",
    example: percent ? "12.5 (from 0 to 100)" : "1250 (from 0 to 10000)",
    tooManyDecimals: percent ? tooManyDecimals(number, shown) : `${shown} is not a whole number of basis points`,
  });
  if (!parsed.ok) return parsed;
  if (sign === "-" && parsed.units > 0n) return { ok: false, error: `${shown} is negative` };
  if (parsed.units > BigInt(TOTAL_BPS)) return { ok: false, error: `${shown} is more than 100%` };
  return { ok: true, bps: Number(parsed.units) };
}

/** The message for a percent finer than a basis point, with the two nearest weights the contract can store. */
function tooManyDecimals(number: string, shown: string): string {
  const base = `${shown} has more than two decimals of a percent: the contract stores whole basis points (0.01%)`;
  // Only read when the decimals were too many, so the last separator is the decimal one.
  const decimalSeparator = number.lastIndexOf(",") > number.lastIndexOf(".") ? "," : ".";
  const exact = parseDecimalInput(number, {
    decimals: 18,
    decimalSeparator,
    what: "",
    example: "",
    tooManyDecimals: "",
  });
  if (!exact.ok) return base;
  const down = exact.units / 10n ** 16n;
  return `${base}; use ${bpsToPercentText(down)}% or ${bpsToPercentText(down + 1n)}%`;
}

/** 1234 → "12.34", 2500 → "25", 1230 → "12.3": the shortest exact form, for inputs and sentences. */
export function bpsToPercentText(bps: number | bigint): string {
  const value = BigInt(bps);
  const abs = value < 0n ? -value : value;
  const frac = String(abs % 100n)
    .padStart(2, "0")
    .replace(/0+$/, "");
  return `${value < 0n ? "-" : ""}${abs / 100n}${frac ? `.${frac}` : ""}`;
}

/** 1234 → "12.34%", 2500 → "25.00%" (two decimals, for display); negatives keep "-", `signed` adds "+". */
export function formatBps(bps: number | bigint, signed = false): string {
  if (typeof bps === "number" && !Number.isInteger(bps)) throw new Error(`not a whole number of basis points: ${bps}`);
  const value = BigInt(bps);
  const abs = value < 0n ? -value : value;
  const sign = value < 0n ? "-" : signed && value > 0n ? "+" : "";
  return `${sign}${abs / 100n}.${String(abs % 100n).padStart(2, "0")}%`;
}

/** n weights summing to TOTAL_BPS as evenly as integers allow; the few leftover bps go to the first models. */
export function evenSplit(n: number): number[] {
  if (!Number.isInteger(n) || n < 1) throw new Error(`cannot split over ${n} models`);
  const base = Math.floor(TOTAL_BPS / n);
  const extra = TOTAL_BPS - base * n;
  return Array.from({ length: n }, (_, i) => base + (i < extra ? 1 : 0));
}
