/**
 * Small numeric helpers shared by the weight suggestions (suggest/core.ts) and the demo data generator (the seeded
 * PRNG is prng.ts): the statistics both need (means, correlations, autocorrelation, the normal CDF and a
 * standard error of the mean that accounts for overlapping rounds). Plain numbers; missing values are null or NaN.
 */
import { at } from "./checks";

/** A value that may be missing (null, undefined or NaN). */
export type Maybe = number | null | undefined;

export function isPresent(x: Maybe): x is number {
  return typeof x === "number" && Number.isFinite(x);
}

/** The present values of a series. */
export function present(xs: readonly Maybe[]): number[] {
  return xs.filter(isPresent);
}

export function mean(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/** Sample standard deviation (n - 1); NaN with fewer than two values. */
export function sd(xs: readonly number[]): number {
  if (xs.length < 2) return NaN;
  const m = mean(xs);
  let s = 0;
  for (const x of xs) s += (x - m) ** 2;
  return Math.sqrt(s / (xs.length - 1));
}

/** Pearson correlation over the positions where both series are present; NaN if undefined. */
export function pearson(a: readonly Maybe[], b: readonly Maybe[]): number {
  const pairs: [number, number][] = [];
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (isPresent(x) && isPresent(y)) pairs.push([x, y]);
  }
  if (pairs.length < 3) return NaN;
  const mx = mean(pairs.map(([x]) => x));
  const my = mean(pairs.map(([, y]) => y));
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (const [x, y] of pairs) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
    syy += (y - my) ** 2;
  }
  return sxx === 0 || syy === 0 ? NaN : sxy / Math.sqrt(sxx * syy);
}

/**
 * Sample autocovariances γ0..γL of a series with gaps: γk = (1/n) Σ d_t d_{t+k} over the pairs where both rounds
 * are present, d = x - mean, n = number of present values (the usual biased estimator, which keeps the Bartlett
 * long-run variance non-negative).
 */
export function autocovariances(xs: readonly Maybe[], maxLag: number): number[] {
  const values = present(xs);
  const n = values.length;
  if (n === 0) return [];
  const m = mean(values);
  const d = xs.map((x) => (isPresent(x) ? x - m : NaN));
  const out: number[] = [];
  for (let k = 0; k <= maxLag; k++) {
    let s = 0;
    for (let t = 0; t + k < d.length; t++) {
      const x = d[t];
      const y = d[t + k];
      if (isPresent(x) && isPresent(y)) s += x * y;
    }
    out.push(s / n);
  }
  return out;
}

/** Lag-k autocorrelation (γk / γ0); NaN when undefined. */
export function autocorrelation(xs: readonly Maybe[], lag: number): number {
  const g = autocovariances(xs, lag);
  const g0 = g[0];
  const gLag = g[lag];
  return g0 !== undefined && gLag !== undefined && g0 > 0 ? gLag / g0 : NaN;
}

/**
 * Standard error of the mean robust to autocorrelation (Newey-West, Bartlett kernel, `lags` lags, capped at n - 1).
 * Numerai rounds overlap (each scores ~20 trading days, so consecutive rounds share most of their data): the plain
 * sd/√n would overstate the evidence about ~4x. Zero when the series is constant, NaN with fewer than two values.
 */
export function hacStandardError(xs: readonly Maybe[], lags: number): number {
  const n = present(xs).length;
  if (n < 2) return NaN;
  const L = Math.max(0, Math.min(Math.floor(lags), n - 1));
  const g = autocovariances(xs, L);
  // γ0 + 2 Σ_{k=1..L} (1 - k/(L+1)) γk
  let longRun = 0;
  for (const [k, gk] of g.entries()) longRun += k === 0 ? gk : 2 * (1 - k / (L + 1)) * gk;
  return Math.sqrt(Math.max(longRun, 0) / n);
}

/**
 * Standard normal CDF Φ(x), double precision (Hart 1968 as given by West 2005, "Better approximations to cumulative
 * normal functions"): absolute error below 1e-14, and correct far tails (no 1 - small cancellation).
 */
export function normalCdf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const z = Math.abs(x);
  let tail: number;
  if (z > 37) tail = 0;
  else {
    const e = Math.exp((-z * z) / 2);
    if (z < 7.07106781186547) {
      let n = 3.52624965998911e-2 * z + 0.700383064443688;
      n = n * z + 6.37396220353165;
      n = n * z + 33.912866078383;
      n = n * z + 112.079291497871;
      n = n * z + 221.213596169931;
      n = n * z + 220.206867912376;
      let d = 8.83883476483184e-2 * z + 1.75566716318264;
      d = d * z + 16.064177579207;
      d = d * z + 86.7807322029461;
      d = d * z + 296.564248779674;
      d = d * z + 637.333633378831;
      d = d * z + 793.826512519948;
      d = d * z + 440.413735824752;
      tail = (e * n) / d;
    } else {
      let f = z + 0.65;
      f = z + 4 / f;
      f = z + 3 / f;
      f = z + 2 / f;
      f = z + 1 / f;
      tail = e / f / 2.506628274631;
    }
  }
  return x <= 0 ? tail : 1 - tail;
}

/** Median of the present values (NaN if none). */
export function median(xs: readonly Maybe[]): number {
  const v = present(xs).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = Math.floor(v.length / 2);
  const upper = at(v, mid, "sorted values");
  return v.length % 2 ? upper : (at(v, mid - 1, "sorted values") + upper) / 2;
}
