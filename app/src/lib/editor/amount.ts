/** NMR amount text → wei, exactly (decimal string, at most 18 decimals), with plain-language errors. */
export type AmountParse = { ok: true; wei: bigint } | { ok: false; error: string };

const WEI = 10n ** 18n;

export function parseNmrAmount(text: string, options: { max?: bigint; maxLabel?: string } = {}): AmountParse {
  const cleaned = text.trim().replace(/,/g, "");
  if (cleaned === "") return { ok: false, error: "Enter an amount of NMR" };
  const match = /^(\d*)(?:\.(\d*))?$/.exec(cleaned);
  if (!match || (match[1] === "" && (match[2] ?? "") === ""))
    return { ok: false, error: `“${text.trim()}” is not an amount: type a number such as 250 or 12.5` };
  const decimals = match[2] ?? "";
  if (decimals.length > 18) return { ok: false, error: "NMR has 18 decimals: use at most 18 digits after the point" };
  const wei = BigInt(match[1] || "0") * WEI + BigInt(decimals.padEnd(18, "0") || "0");
  if (wei === 0n) return { ok: false, error: "The amount must be more than zero" };
  if (options.max !== undefined && wei > options.max) {
    return { ok: false, error: `That is more than ${options.maxLabel ?? "available"}` };
  }
  return { ok: true, wei };
}
