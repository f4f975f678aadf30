import { localeDecimalSeparator, type DecimalSeparator } from "@portfolio-stake/core/decimal";

/** The browser's decimal separator, or undefined on the server (ambiguous text is then refused, never guessed). */
export function inputDecimalSeparator(): DecimalSeparator | undefined {
  return typeof navigator === "undefined" ? undefined : localeDecimalSeparator(navigator.language);
}
