/** NMR amount text → wei, exactly (at most 18 decimals), with plain-language errors. Parsing: ../decimalInput.ts. */
import { type DecimalSeparator, parseDecimalInput } from "@portfolio-stake/core/decimal";

export type AmountParse = { ok: true; wei: bigint } | { ok: false; error: string };

export function parseNmrAmount(
  text: string,
  options: { max?: bigint; maxLabel?: string; decimalSeparator?: DecimalSeparator } = {},
): AmountParse {
  if (text.trim() === "") return { ok: false, error: "Enter an amount of NMR" };
  const parsed = parseDecimalInput(text, {
    decimals: 18,
    decimalSeparator: options.decimalSeparator,
    what: "an amount",
    example: "250 or 12.5",
    tooManyDecimals: "NMR has 18 decimals: use at most 18 digits after the decimal separator",
  });
  if (!parsed.ok) return parsed;
  const wei = parsed.units;
  if (wei === 0n) return { ok: false, error: "The amount must be more than zero" };
  if (options.max !== undefined && wei > options.max) {
    return { ok: false, error: `That is more than ${options.maxLabel ?? "available"}` };
  }
  return { ok: true, wei };
}
