/**
 * Explicit checks for values the code expects to be there but the type system cannot prove (array reads under
 * `noUncheckedIndexedAccess`, destructured signers, parallel arrays): a clear error at the read, instead of a later
 * "Cannot read properties of undefined" or a NaN that travels on.
 */

/** `value`, or an error saying what was missing. */
export function defined<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} is missing`);
  return value;
}

/** `xs[i]` after a bounds check (a RangeError naming the index and the length otherwise). */
export function at<T>(xs: readonly T[], i: number, what = "array"): T {
  if (!Number.isInteger(i) || i < 0 || i >= xs.length)
    throw new RangeError(`${what}[${i}] is out of range (length ${xs.length})`);
  // The bounds check above is what noUncheckedIndexedAccess cannot see.
  return xs[i] as T;
}
