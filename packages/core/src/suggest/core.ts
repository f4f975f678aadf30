/**
 * The pure part of the weight suggestions (no file system, no chain): statistics per model, the three methods, the
 * min/max clipping to whole basis points and the in-sample window return. scripts/lib/suggest.ts re-exports it with
 * the history readers; the web app imports it directly, so the CLI and the app suggest the same vector.
 */
import { TOTAL_BPS, parseBps } from "../bps";
import { at } from "../checks";
import { hacStandardError, isPresent, mean, normalCdf, present, sd, type Maybe } from "../stats";

export const METHODS = ["equal", "inverse-volatility", "probability"] as const;
export type Method = (typeof METHODS)[number];
/** Lags of the standard error: a round overlaps the next 19 (20-trading-day scoring window). */
export const DEFAULT_LAGS = 19;
/** Floor of a model's per-round volatility for inverse-volatility (0.01% per round): a constant series is finite. */
export const DEFAULT_VOL_FLOOR = 1e-4;

/** A model's rates, one entry per round of the window (null/NaN: no rate that round). */
export type Series = readonly Maybe[];

export interface ModelStats {
  n: number; // rounds with a rate
  mean: number; // mean rate per round (NaN if n = 0)
  sd: number; // sample sd of the rates (NaN if n < 2)
  se: number; // autocorrelation-robust standard error of the mean (NaN if n < 2)
  t: number; // mean / se (±Infinity when se = 0 and mean ≠ 0)
  pPositive: number; // Φ(t): probability that the model's mean rate is positive (0.5 when unknown)
  positiveShare: number; // share of rounds with a positive rate (NaN if n = 0)
}

export interface SuggestOptions {
  method: Method;
  minBps?: number; // per-model minimum, integer basis points (default 0)
  maxBps?: number; // per-model maximum, integer basis points (default 10,000)
  lags?: number; // standard-error lags (default 19)
  volFloor?: number; // default 1e-4
  minObservations?: number; // default 2
}

export interface Suggestion {
  bps: number[];
  stats: ModelStats[];
  scores: number[]; // the method's raw scores before clipping (0: not scorable)
  notes: string[]; // fallbacks taken, in plain words
}

export function isMethod(text: string): text is Method {
  return (METHODS as readonly string[]).includes(text);
}

/** Statistics of one model's rates over the window. */
export function modelStats(series: Series, lags = DEFAULT_LAGS): ModelStats {
  const values = present(series);
  const n = values.length;
  const m = mean(values);
  // A constant series has sd and se exactly 0 (floating-point sums would leave ~1e-18 and a meaningless t).
  const constant = n >= 2 && values.every((x) => x === values[0]);
  const s = constant ? 0 : sd(values);
  const se = constant ? 0 : hacStandardError(series, lags);
  let t: number;
  if (n < 2 || Number.isNaN(se)) t = NaN;
  else if (se === 0) t = m > 0 ? Infinity : m < 0 ? -Infinity : 0;
  else t = m / se;
  return {
    n,
    mean: m,
    sd: s,
    se,
    t,
    pPositive: Number.isNaN(t) ? 0.5 : normalCdf(t),
    positiveShare: n === 0 ? NaN : values.filter((x) => x > 0).length / n,
  };
}

/** A method's non-negative scores (weights before clipping); 0 for a model that cannot be scored. */
export function methodScores(
  method: Method,
  stats: readonly ModelStats[],
  options: Omit<SuggestOptions, "method"> = {},
): number[] {
  const minObs = options.minObservations ?? 2;
  const floor = options.volFloor ?? DEFAULT_VOL_FLOOR;
  return stats.map((s) => {
    if (method === "equal") return 1;
    if (s.n < minObs) return 0;
    const score =
      method === "inverse-volatility" ? 1 / Math.max(Number.isNaN(s.sd) ? Infinity : s.sd, floor) : s.pPositive;
    return Number.isFinite(score) && score > 0 ? score : 0;
  });
}

/** Checks MIN/MAX per-model bounds are integers that allow a vector of `n` models summing to 10,000. */
export function checkBounds(n: number, minBps: number, maxBps: number): void {
  if (!Number.isInteger(n) || n < 1) throw new Error("a vector needs at least one model");
  for (const [name, v] of [
    ["minimum weight", minBps],
    ["maximum weight", maxBps],
  ] as const) {
    if (!Number.isInteger(v) || v < 0 || v > TOTAL_BPS)
      throw new Error(`the ${name} must be an integer from 0 to 10,000 bps, not ${v}`);
  }
  if (minBps > maxBps) throw new Error(`the minimum weight ${minBps} bps is above the maximum ${maxBps} bps`);
  if (n * minBps > TOTAL_BPS)
    throw new Error(`${n} models x minimum ${minBps} bps = ${n * minBps} bps, more than 10,000`);
  if (n * maxBps < TOTAL_BPS)
    throw new Error(`${n} models x maximum ${maxBps} bps = ${n * maxBps} bps, less than 10,000`);
}

/**
 * Weights proportional to `scores`, each kept within [minBps, maxBps], summing to exactly 10,000 integer bps.
 *
 * Clipping: the result is the fixed point of iterative clipping (clip the models over the maximum and under the
 * minimum, share what is left among the others in proportion to their scores, repeat): w_i = clamp(λ·s_i, min, max)
 * with the λ that makes the sum 10,000, found by bisection (a plain "clip once and renormalise" loop can stop at a
 * wrong point when both bounds bind). Then integer rounding by largest remainder within the bounds, so the sum is
 * exact. Scores that are negative or not finite count as 0; all-zero scores give the equal vector.
 */
export function allocateBps(scores: readonly number[], minBps = 0, maxBps = TOTAL_BPS): number[] {
  const n = scores.length;
  checkBounds(n, minBps, maxBps);
  let s = scores.map((x) => (Number.isFinite(x) && x > 0 ? x : 0));
  if (s.every((x) => x === 0)) s = s.map(() => 1);
  const max = Math.max(...s);
  // Scale-free (the largest score is 1); relative scores below 1e-12 (1e-8 bps) are raised to it so λ stays finite.
  s = s.map((x) => (x > 0 ? Math.max(x / max, 1e-12) : 0));

  const clamp = (v: number) => Math.min(maxBps, Math.max(minBps, v));
  const total = (lambda: number) => s.reduce((acc, x) => acc + clamp(lambda * x), 0);
  let real: number[];
  // With every scored model at the maximum, the sum may still be short: the unscored ones then share the rest.
  const scored = s.filter((x) => x > 0).length;
  const atCeiling = scored * maxBps + (n - scored) * minBps;
  if (atCeiling <= TOTAL_BPS) {
    const rest = (TOTAL_BPS - scored * maxBps) / (n - scored || 1);
    real = s.map((x) => (x > 0 ? maxBps : rest));
  } else {
    let lo = 0;
    let hi = maxBps; // λ·1 = maxBps: the top model is at the maximum, and every model is at least where it ends
    while (total(hi) < TOTAL_BPS) hi *= 2;
    for (let i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
      const mid = (lo + hi) / 2;
      if (total(mid) < TOTAL_BPS) lo = mid;
      else hi = mid;
    }
    real = s.map((x) => clamp(hi * x));
  }
  return roundToTotal(real, s, minBps, maxBps);
}

/** Integer bps within [min, max] summing to exactly 10,000, as close as possible to `real` (largest remainder). */
function roundToTotal(real: readonly number[], scores: readonly number[], minBps: number, maxBps: number): number[] {
  const out = real.map((w) => Math.min(maxBps, Math.max(minBps, Math.floor(w + 1e-9))));
  let gap = TOTAL_BPS - out.reduce((a, b) => a + b, 0);
  // Order: largest fractional remainder first, then higher score, then lower index (deterministic).
  const order = real
    .map((w, i) => ({ i, rem: w - at(out, i), score: at(scores, i, "scores") }))
    .sort((a, b) => b.rem - a.rem || b.score - a.score || a.i - b.i);
  while (gap !== 0) {
    let moved = false;
    const sequence = gap > 0 ? order : [...order].reverse();
    for (const { i } of sequence) {
      const bps = at(out, i);
      if (gap > 0 && bps < maxBps) {
        out[i] = bps + 1;
        gap--;
        moved = true;
      } else if (gap < 0 && bps > minBps) {
        out[i] = bps - 1;
        gap++;
        moved = true;
      }
      if (gap === 0) break;
    }
    if (!moved) throw new Error("no vector within the bounds sums to 10,000"); // unreachable after checkBounds
  }
  return out;
}

/** A weight bound from the command line: "250" is 250 bps, "2.5%" is 250 bps; empty gives `fallback`. */
export function parseWeightSetting(text: string | undefined, fallback: number, name: string): number {
  const parsed = parseBps(text ?? "", { unit: "bps", empty: fallback });
  if (!parsed.ok)
    throw new Error(`${name}="${text ?? ""}": ${parsed.error} (give whole basis points, or a percent such as 2.5%)`);
  return parsed.bps;
}

/** One suggestion: statistics per model, the method's scores, the clipped integer vector. */
export function suggestWeights(series: readonly Series[], options: SuggestOptions): Suggestion {
  const minBps = options.minBps ?? 0;
  const maxBps = options.maxBps ?? TOTAL_BPS;
  checkBounds(series.length, minBps, maxBps);
  const stats = series.map((x) => modelStats(x, options.lags ?? DEFAULT_LAGS));
  const scores = methodScores(options.method, stats, options);
  const notes: string[] = [];
  const minObs = options.minObservations ?? 2;
  const unscored = stats.filter((s) => s.n < minObs).length;
  if (options.method !== "equal" && unscored > 0 && unscored < stats.length) {
    notes.push(`${unscored} model(s) with fewer than ${minObs} rates in the window get the minimum weight`);
  }
  if (scores.every((x) => x === 0)) notes.push(`no model could be scored by ${options.method}: equal weights`);
  return { bps: allocateBps(scores, minBps, maxBps), stats, scores, notes };
}

/**
 * What a vector would have earned over the window: Σ_rounds Σ_models (bps / 10,000) x rate, a fraction of the stake
 * (missing rates count as 0), and per round.
 */
export function windowReturn(bps: readonly number[], series: readonly Series[]): { total: number; perRound: number[] } {
  const rounds = Math.max(0, ...series.map((x) => x.length));
  const perRound = Array.from({ length: rounds }, (_, r) =>
    series.reduce((acc, x, m) => acc + ((bps[m] ?? 0) / TOTAL_BPS) * (isPresent(x[r]) ? x[r] : 0), 0),
  );
  return { total: perRound.reduce((a, b) => a + b, 0), perRound };
}
