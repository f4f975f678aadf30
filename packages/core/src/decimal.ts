/**
 * The one parser for numbers people type (the app's NMR amounts, every weight percentage: see bps.ts): text → an exact integer of
 * `decimals` fractional digits (wei, basis points), never through floating point.
 *
 * Both "." and "," are accepted as the decimal separator, and a comma is never dropped silently:
 *   "1.5", "1,5"                  → 1.5 (one separator not followed by exactly three digits: the decimal point)
 *   "1,000.5", "1.000,5"          → 1000.5 (both kinds: the last one is the decimal point, the other groups thousands)
 *   "1,000,000", "1.000.000"      → 1000000 (the same separator twice can only group thousands)
 *   "1,000", "12.500"             → ambiguous (a thousands group or three decimals?): settled by the input's locale
 *                                   (`decimalSeparator`), refused with a message saying how to write it otherwise
 * Spaces (including the narrow no-break space some locales group with) and apostrophes are not accepted: refused
 * with a message rather than guessed.
 */
export type DecimalSeparator = "." | ",";

export type DecimalParse = { ok: true; units: bigint } | { ok: false; error: string };

export interface DecimalInputOptions {
  /** Fractional digits of the result (18 for NMR wei, 2 for basis points of a percent). */
  decimals: number;
  /** The decimal separator of the input's locale, used only for "1,000"-like text; undefined: refuse it. */
  decimalSeparator?: DecimalSeparator | undefined;
  /** What the number is, for messages: "an amount" / "a percentage". */
  what: string;
  /** An example for messages: "250 or 12.5". */
  example: string;
  /** The message when there are more than `decimals` digits after the separator. */
  tooManyDecimals: string;
}

const GROUPED = /^\d{1,3}(?:[.,]\d{3})+$/; // "1,000" / "1.000.000" (groups of three after a 1-3 digit head)

export function parseDecimalInput(text: string, options: DecimalInputOptions): DecimalParse {
  const trimmed = text.trim();
  const notANumber: DecimalParse = {
    ok: false,
    error: `“${trimmed}” is not ${options.what}: type a number such as ${options.example}`,
  };
  if (!/^[\d.,]+$/.test(trimmed) || !/\d/.test(trimmed)) return notANumber;

  const commas = (trimmed.match(/,/g) ?? []).length;
  const points = (trimmed.match(/\./g) ?? []).length;
  let whole: string;
  let fraction: string;
  if (commas > 0 && points > 0) {
    // Both kinds: the last one is the decimal separator, and it may appear once only.
    const decimalSeparator = trimmed.lastIndexOf(",") > trimmed.lastIndexOf(".") ? "," : ".";
    const groupSeparator = decimalSeparator === "," ? "." : ",";
    const [head = "", tail = ""] = splitOnce(trimmed, trimmed.lastIndexOf(decimalSeparator));
    if ((decimalSeparator === "," ? commas : points) > 1 || tail.includes(groupSeparator)) return notANumber;
    if (!GROUPED.test(head)) {
      return {
        ok: false,
        error: `“${trimmed}” has a misplaced thousands separator (“${groupSeparator}” must be followed by groups of three digits)`,
      };
    }
    whole = head.split(groupSeparator).join("");
    fraction = tail;
  } else if (commas + points === 0) {
    whole = trimmed;
    fraction = "";
  } else if (commas + points > 1) {
    // The same separator several times can only group thousands.
    if (!GROUPED.test(trimmed)) {
      return {
        ok: false,
        error: `“${trimmed}” is not ${options.what}: use one decimal separator, and thousands separators only between groups of three digits`,
      };
    }
    whole = trimmed.replace(/[.,]/g, "");
    fraction = "";
  } else {
    const separator: DecimalSeparator = commas === 1 ? "," : ".";
    const [head = "", tail = ""] = splitOnce(trimmed, trimmed.indexOf(separator));
    // "1,000" reads as a thousand or as one with three decimals; only the second fits when fewer decimals are allowed.
    const couldGroupThousands = GROUPED.test(trimmed) && !head.startsWith("0") && options.decimals >= tail.length;
    if (couldGroupThousands && separator !== options.decimalSeparator) {
      if (options.decimalSeparator === undefined) {
        const asDecimals = tail.replace(/0+$/, "") || "0";
        const decimalForm = asDecimals.length < tail.length ? asDecimals : `${tail}0`;
        return {
          ok: false,
          error: `“${trimmed}” is ambiguous: write ${head}${tail} if you mean ${head}${tail}, or ${head}${separator}${decimalForm} if you mean ${head} and a fraction`,
        };
      }
      whole = head + tail; // the locale groups thousands with this separator
      fraction = "";
    } else {
      whole = head;
      fraction = tail;
    }
  }
  if (whole === "" && fraction === "") return notANumber;
  if (fraction.length > options.decimals) {
    return { ok: false, error: options.tooManyDecimals };
  }
  const scale = 10n ** BigInt(options.decimals);
  return { ok: true, units: BigInt(whole || "0") * scale + BigInt(fraction.padEnd(options.decimals, "0") || "0") };
}

function splitOnce(text: string, index: number): [string, string] {
  return [text.slice(0, index), text.slice(index + 1)];
}

/** The decimal separator of `locale` (the browser's by default), e.g. "," for de-DE, "." for en-US. */
export function localeDecimalSeparator(locale?: string): DecimalSeparator {
  const part = new Intl.NumberFormat(locale).formatToParts(1.5).find((p) => p.type === "decimal");
  return part?.value === "," ? "," : ".";
}
