/**
 * The small linear algebra the portfolio methods need, for a few dozen models: a shrunk covariance matrix, the
 * projection onto "weights within [lo, hi] that add up to 1", a quadratic program over that set and the risk-parity
 * solve. Plain arrays of numbers; dense, O(n²) per step, which is nothing at n ≤ 64.
 */
import { isPresent, mean, present, type Maybe } from "../stats";
import { DEFAULT_VOL_FLOOR } from "./core";

export type Matrix = number[][];

/** Smallest variance per round a model is given: (0.01%)², the floor inverse volatility uses (suggestCore). */
export const VARIANCE_FLOOR = DEFAULT_VOL_FLOOR ** 2;

/** A x. */
export function matVec(a: Matrix, x: readonly number[]): number[] {
  return a.map((row) => row.reduce((acc, v, j) => acc + v * x[j]!, 0));
}

/** x' A x. */
export function quadForm(a: Matrix, x: readonly number[]): number {
  return matVec(a, x).reduce((acc, v, i) => acc + v * x[i]!, 0);
}

export function dot(a: readonly number[], b: readonly number[]): number {
  return a.reduce((acc, v, i) => acc + v * b[i]!, 0);
}

export interface ShrunkCovariance {
  cov: Matrix;
  /** Weight of the target (a multiple of the identity) in the mix, from 0 (sample) to 1 (target only). */
  shrinkage: number;
  /** The sample covariance before shrinkage. */
  sample: Matrix;
}

/**
 * Ledoit-Wolf shrinkage of the sample covariance towards a multiple of the identity (Ledoit & Wolf 2004, "A
 * well-conditioned estimator for large-dimensional covariance matrices"): Σ = δ·m·I + (1 − δ)·S, m = tr(S)/n, with the
 * δ that minimises the expected squared error. With 30 models and 60 overlapping rounds S is near singular (models
 * that share most of their variance, or are copies of each other); the mix is always positive definite.
 *
 * `series` is models x rounds; a missing value is replaced by the model's mean (it then adds nothing to any
 * covariance). Rounds overlap, so the rows are not independent and δ is, if anything, too small; it is a lower bound.
 * Every variance is at least VARIANCE_FLOOR.
 */
export function shrunkCovariance(series: readonly (readonly Maybe[])[]): ShrunkCovariance {
  const n = series.length;
  const t = Math.max(0, ...series.map((s) => s.length));
  if (n === 0 || t < 2) throw new Error("a covariance needs at least one model and two rounds");
  const centred = series.map((s) => {
    const m = mean(present(s));
    return Array.from({ length: t }, (_, r) => {
      const v = s[r];
      return isPresent(v) && Number.isFinite(m) ? v - m : 0;
    });
  });
  const sample: Matrix = centred.map((a) => centred.map((b) => dot(a, b) / t));
  const m = sample.reduce((acc, row, i) => acc + row[i]!, 0) / n;
  // Squared Frobenius norms divided by n, as in the paper.
  let d2 = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) d2 += (sample[i]![j]! - (i === j ? m : 0)) ** 2;
  d2 /= n;
  let b2 = 0;
  for (let r = 0; r < t; r++) {
    for (let i = 0; i < n; i++) {
      const xi = centred[i]![r]!;
      for (let j = 0; j < n; j++) b2 += (xi * centred[j]![r]! - sample[i]![j]!) ** 2;
    }
  }
  b2 /= n * t * t;
  const shrinkage = d2 === 0 ? 1 : Math.min(b2, d2) / d2;
  const cov = sample.map((row, i) => row.map((v, j) => (1 - shrinkage) * v + (i === j ? shrinkage * m : 0)));
  // A model whose rate never moves has no variance, and with δ = 0 (or every model constant) the matrix would be
  // singular: every variance is at least VARIANCE_FLOOR, which keeps it positive definite.
  cov.forEach((row, i) => (row[i] = Math.max(row[i]!, VARIANCE_FLOOR)));
  return { cov, shrinkage, sample };
}

/**
 * The closest point (Euclidean) to `v` with lo ≤ w ≤ hi and Σw = total: w_i = clamp(v_i − τ, lo_i, hi_i) for the
 * shift τ that makes the sum right, found by bisection (the sum falls monotonically in τ).
 */
export function projectToBudgetBox(
  v: readonly number[],
  lo: readonly number[],
  hi: readonly number[],
  total = 1,
): number[] {
  const n = v.length;
  let sumLo = 0;
  let sumHi = 0;
  for (let i = 0; i < n; i++) {
    sumLo += lo[i]!;
    sumHi += hi[i]!;
  }
  if (sumLo > total + 1e-12 || sumHi < total - 1e-12)
    throw new Error(`no weights within the bounds add up to ${total} (bounds add up to ${sumLo}..${sumHi})`);
  const sum = (tau: number) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += Math.min(hi[i]!, Math.max(lo[i]!, v[i]! - tau));
    return s;
  };
  // The sum is piecewise linear in τ, with breakpoints v_i − hi_i and v_i − lo_i: find the piece, then solve it.
  const breaks = [...v.map((x, i) => x - hi[i]!), ...v.map((x, i) => x - lo[i]!)].sort((a, b) => a - b);
  let a = 0;
  let b = breaks.length - 1; // sum(breaks[a]) ≥ total ≥ sum(breaks[b])
  while (b - a > 1) {
    const mid = (a + b) >> 1;
    if (sum(breaks[mid]!) >= total) a = mid;
    else b = mid;
  }
  const ta = breaks[a]!;
  const tb = breaks[b]!;
  const sa = sum(ta);
  const sb = sum(tb);
  const tau = sa === sb ? ta : ta + ((sa - total) * (tb - ta)) / (sa - sb);
  return v.map((x, i) => Math.min(hi[i]!, Math.max(lo[i]!, x - tau)));
}

/** Largest eigenvalue of a symmetric positive semi-definite matrix (power iteration; an upper bound is fine). */
export function largestEigenvalue(a: Matrix): number {
  const n = a.length;
  let x = Array.from({ length: n }, (_, i) => 1 + i / n);
  let lambda = 0;
  for (let k = 0; k < 100; k++) {
    const y = matVec(a, x);
    const norm = Math.sqrt(dot(y, y));
    if (norm === 0) return 0;
    const next = norm / Math.sqrt(dot(x, x));
    x = y.map((v) => v / norm);
    if (Math.abs(next - lambda) <= 1e-10 * next) return next;
    lambda = next;
  }
  return lambda;
}

/**
 * Minimises ½ w'Qw − c'w over lo ≤ w ≤ hi, Σw = 1 (Q positive semi-definite): accelerated projected gradient (FISTA)
 * with step 1/λmax(Q), from `start` (default: the projection of the equal split). Convex, so it converges to the
 * optimum; `tolerance` is on the largest change of a weight per step.
 */
/** Iterations the last solveBudgetBoxQP took (diagnostics and tests). */
export let iterationsUsed = 0;

export function solveBudgetBoxQP(
  q: Matrix,
  c: readonly number[],
  lo: readonly number[],
  hi: readonly number[],
  options: { start?: readonly number[]; iterations?: number; tolerance?: number } = {},
): number[] {
  const n = q.length;
  const lipschitz = largestEigenvalue(q);
  const project = (v: readonly number[]) => projectToBudgetBox(v, lo, hi);
  let w = project(options.start ?? Array.from({ length: n }, () => 1 / n));
  if (lipschitz === 0 && c.every((x) => x === 0)) return w;
  const step = 1 / Math.max(lipschitz, 1e-300);
  let y = w;
  let momentum = 1;
  const iterations = options.iterations ?? 5000;
  const tolerance = options.tolerance ?? 1e-9;
  const grad = new Array<number>(n).fill(0);
  const stepped = new Array<number>(n).fill(0);
  for (let k = 0; k < iterations; k++) {
    for (let i = 0; i < n; i++) {
      const row = q[i]!;
      let g = -c[i]!;
      for (let j = 0; j < n; j++) g += row[j]! * y[j]!;
      grad[i] = g;
      stepped[i] = y[i]! - step * g;
    }
    const next = project(stepped);
    // Adaptive restart (O'Donoghue & Candès 2015): when the momentum points uphill, drop it.
    let slope = 0;
    let change = 0;
    for (let i = 0; i < n; i++) {
      slope += grad[i]! * (next[i]! - w[i]!);
      change = Math.max(change, Math.abs(next[i]! - w[i]!));
    }
    const uphill = slope > 0;
    const nextMomentum = uphill ? 1 : (1 + Math.sqrt(1 + 4 * momentum * momentum)) / 2;
    const push = uphill ? 0 : (momentum - 1) / nextMomentum;
    y = next.map((v, i) => v + push * (v - w[i]!));
    w = next;
    momentum = nextMomentum;
    if (change < tolerance) {
      iterationsUsed = k + 1;
      return w;
    }
  }
  iterationsUsed = iterations;
  return w;
}

/**
 * Equal risk contributions: the w > 0, Σw = 1, with w_i (Σw)_i the same for every model (each model adds the same
 * share of the portfolio's variance). Cyclical coordinate descent on ½ x'Σx − (1/n) Σ log x_i (Griveau-Billion,
 * Richard & Roncalli 2013), whose minimum is the risk-parity portfolio up to scale. Σ must be positive definite.
 */
export function riskParityWeights(cov: Matrix, iterations = 10_000, tolerance = 1e-12): number[] {
  const n = cov.length;
  const b = 1 / n;
  const x = cov.map((row, i) => 1 / Math.sqrt(row[i]!));
  for (let k = 0; k < iterations; k++) {
    let change = 0;
    for (let i = 0; i < n; i++) {
      const row = cov[i]!;
      const sii = row[i]!;
      if (!(sii > 0)) throw new Error("risk parity needs a positive variance for every model");
      let others = 0;
      for (let j = 0; j < n; j++) if (j !== i) others += row[j]! * x[j]!;
      const xi = (-others + Math.sqrt(others * others + 4 * sii * b)) / (2 * sii);
      change = Math.max(change, Math.abs(xi - x[i]!) / xi);
      x[i] = xi;
    }
    if (change < tolerance) break;
  }
  const total = x.reduce((a, v) => a + v, 0);
  return x.map((v) => v / total);
}
