/** Display formatting shared by the app (pure; no React). */
import { formatUnits } from "viem";

export function shortAddress(address: string): string {
  return `${address.slice(0, 6)}…${address.slice(-4)}`;
}

/** NMR wei → "12,345.67" (rounded half-up to `decimals`, thousands separators, no float error). */
export function formatNmr(wei: bigint, decimals = 2): string {
  const negative = wei < 0n;
  const abs = negative ? -wei : wei;
  const unit = 10n ** BigInt(18 - decimals);
  const scaled = (abs + unit / 2n) / unit; // round half up
  const whole = scaled / 10n ** BigInt(decimals);
  const fraction = scaled % 10n ** BigInt(decimals);
  const wholeText = whole.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const text = decimals > 0 ? `${wholeText}.${fraction.toString().padStart(decimals, "0")}` : wholeText;
  return negative && scaled !== 0n ? `-${text}` : text;
}

/**
 * Exact decimal string of an NMR amount (for inputs), with the input's decimal separator, so that parsing it back
 * (decimalInput.ts) never reads "100.125" as a hundred thousand where "." groups thousands.
 */
export function nmrToInput(wei: bigint, decimalSeparator: "." | "," = "."): string {
  return formatUnits(wei, 18).replace(".", decimalSeparator);
}

/** Unix seconds → "Tue, Nov 25, 2026, 14:05" in the viewer's time zone. */
export function formatTime(seconds: number | bigint): string {
  return new Date(Number(seconds) * 1000).toLocaleString("en-US", {
    weekday: "short",
    year: "numeric",
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    // h23, not hour12: false: Node's ICU reads that as h24 and writes the midnight hour as "24:02" (Chromium "00:02"),
    // so a date rendered on the server or in a test differed from the browser's.
    hourCycle: "h23",
  });
}

/** "in 3 days" / "2 hours ago", relative to `nowSeconds`. */
export function relativeTime(seconds: number | bigint, nowSeconds: number): string {
  const diff = Number(seconds) - nowSeconds;
  const abs = Math.abs(diff);
  const [value, unit] =
    abs < 90
      ? [Math.round(abs), "second"]
      : abs < 5400
        ? [Math.round(abs / 60), "minute"]
        : abs < 129600
          ? [Math.round(abs / 3600), "hour"]
          : [Math.round(abs / 86400), "day"];
  const text = `${value} ${unit}${value === 1 ? "" : "s"}`;
  return diff >= 0 ? `in ${text}` : `${text} ago`;
}

export function accountHref(address: string, section?: "performance" | "history"): string {
  return `/account/${address}${section ? `/${section}` : ""}`;
}

/** Allowances of 2^255 or more are the "unlimited" approvals wallets and scripts give. */
export function formatAllowance(wei: bigint): string {
  return wei >= 2n ** 255n ? "unlimited" : `${formatNmr(wei)} NMR`;
}
