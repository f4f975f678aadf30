/**
 * Walk-forward evaluation of portfolio methods, using only what was public at the time.
 *
 * Time, in rounds (consecutive round numbers; a gap in the history is a round with no rates):
 *  - a vector chosen while round t − 1 is the newest open round applies from round t (a reallocation takes effect
 *    for rounds that open after it; open rounds keep their vector);
 *  - round s's result is public `delay` rounds after it opened: when round s + delay opens. So the vector for round t
 *    may use rounds s ≤ t − 1 − delay, and nothing later. delay = 20 for Numerai's daily rounds under the 2026
 *    settings (resolutionDelay 28 days, rounds opening Tuesday to Saturday: 28 days = 20 rounds);
 *  - the vector then earns, in every round it applies to, Σ_m (bps_m / 10,000) × rate_m,t (a model without a rate
 *    that round earns 0, as a zero leaf does on chain).
 * Every `every` rounds each method chooses again from the last `window` public rounds; a model takes part once it has
 * at least `minRates` public rates in that window (before that it cannot be estimated: weight 0). A method sees only
 * the eligible models' public rates (DecisionInput): it cannot look ahead even by mistake.
 */
import { TOTAL_BPS } from "../bps";
import { checkBounds } from "./core";
import { isPresent, median, mean, sd, type Maybe } from "../stats";
import { estimate, type Estimates } from "./estimates";
import type { DecisionInput, PortfolioMethod } from "./method";
import { keepUnlessBetter } from "./sticky";

/** Rates per model and round: rates[m][r] is models[m]'s rate (fraction of the slice) in rounds[r]. */
export interface RateTable {
  models: string[];
  rounds: number[];
  rates: Maybe[][];
}

export interface WalkForwardOptions {
  delay: number; // rounds from a round's opening to its result being public
  window: number; // public rounds a decision looks at
  minRates: number; // public rates in the window a model needs to take part
  every: number; // rounds between decisions
  minBps: number;
  maxBps: number;
  /** Turnover-aware variants: for each threshold, each method keeps its vector unless it gains that much (sticky.ts). */
  stickyThresholds: number[];
}

export const DEFAULT_WALK_FORWARD: WalkForwardOptions = {
  delay: 20,
  window: 60,
  minRates: 20,
  every: 1,
  minBps: 0,
  maxBps: TOTAL_BPS,
  stickyThresholds: [],
};

export interface MethodPath {
  id: string;
  label: string;
  /** The portfolio's rate in each evaluated round (fraction of the slice), aligned with WalkForward.rounds. */
  returns: number[];
  /** Every decision: the round it applies from, the full vector (bps per model of the table) and its turnover. */
  decisions: { round: number; bps: number[]; turnoverBps: number; changed: boolean }[];
}

export interface WalkForward {
  rounds: number[]; // evaluated rounds (each method is scored on the same ones)
  paths: MethodPath[];
  options: WalkForwardOptions;
}

/** Fills gaps so that index distance is round distance (a missing round is a round with no rates). */
export function consecutive(table: RateTable): RateTable {
  if (table.rounds.length === 0) return table;
  for (let i = 1; i < table.rounds.length; i++)
    if (!(table.rounds[i]! > table.rounds[i - 1]!)) throw new Error("the rounds must be increasing");
  const first = table.rounds[0]!;
  const last = table.rounds.at(-1)!;
  const index = new Map(table.rounds.map((r, i) => [r, i]));
  const rounds = Array.from({ length: last - first + 1 }, (_, i) => first + i);
  return {
    models: table.models,
    rounds,
    rates: table.rates.map((s) => rounds.map((r) => (index.has(r) ? (s[index.get(r)!] ?? null) : null))),
  };
}

function checkOptions(o: WalkForwardOptions) {
  const whole = (name: string, v: number, min: number) => {
    if (!Number.isInteger(v) || v < min) throw new Error(`${name} must be a whole number of at least ${min}, not ${v}`);
  };
  whole("the delay", o.delay, 0);
  whole("the window", o.window, 2);
  whole("the minimum number of rates", o.minRates, 2);
  whole("the rounds between decisions", o.every, 1);
  if (o.minRates > o.window) throw new Error(`a model cannot need ${o.minRates} rates in a ${o.window}-round window`);
}

/** The public part of the history for a vector that applies from round index t: rounds 0..t − 1 − delay. */
export function publicUntil(t: number, delay: number): number {
  return t - 1 - delay; // last public round index (negative: nothing public yet)
}

/** One-way turnover between two vectors, in bps: what moved from some models to others (half the L1 distance). */
export function turnoverBps(before: readonly number[], after: readonly number[]): number {
  return after.reduce((acc, b, i) => acc + Math.abs(b - (before[i] ?? 0)), 0) / 2;
}

export function walkForward(
  table: RateTable,
  methods: readonly PortfolioMethod[],
  options: Partial<WalkForwardOptions> = {},
): WalkForward {
  const o = { ...DEFAULT_WALK_FORWARD, ...options };
  checkOptions(o);
  for (const t of o.stickyThresholds) if (!(t >= 0)) throw new Error(`a threshold must be 0 or more, not ${t}`);
  const { rounds, rates } = consecutive(table);
  const models = rates.length;
  // The first evaluated round: the first whose decision has `minRates` public rounds to look at.
  const start = o.delay + o.minRates;
  const evaluated = rounds.slice(start);
  if (evaluated.length === 0)
    throw new Error(
      `${rounds.length} rounds are not enough: the first vector needs ${o.minRates} public rounds, and a round is ` +
        `public ${o.delay} rounds after it opens (${start + 1} rounds at least)`,
    );
  // Each method as chosen, then each turnover-aware variant (not for equal, which never changes on its own).
  const variants = methods.flatMap((method, k) => [
    { k, threshold: null as number | null, id: method.id, label: method.label },
    ...(method.id === "equal" ? [] : o.stickyThresholds).map((threshold) => ({
      k,
      threshold,
      id: `${method.id}@${threshold}`,
      label: `${method.label}, changed only for +${threshold} Sharpe`,
    })),
  ]);
  const paths: MethodPath[] = variants.map((v) => ({ id: v.id, label: v.label, returns: [], decisions: [] }));
  const vectors: (number[] | null)[] = variants.map(() => null); // bps per model of the table
  let eligibleBefore: boolean[] | null = null;
  for (let t = start; t < rounds.length; t++) {
    if ((t - start) % o.every === 0) {
      const last = publicUntil(t, o.delay);
      const from = Math.max(0, last - o.window + 1);
      const window = rates.map((s) => s.slice(from, last + 1));
      const eligible = window.map((s) => s.filter(isPresent).length >= o.minRates);
      const ids = eligible.flatMap((e, m) => (e ? [m] : []));
      const sameModels = eligibleBefore !== null && eligible.every((e, m) => e === eligibleBefore![m]);
      eligibleBefore = eligible;
      const input: DecisionInput = {
        series: ids.map((m) => window[m]!),
        rounds: rounds.slice(from, last + 1),
        minBps: o.minBps,
        maxBps: o.maxBps,
      };
      if (ids.length > 0) checkBounds(ids.length, o.minBps, o.maxBps);
      const chosen = methods.map((method) => {
        if (ids.length === 0) return [];
        const bps = method.choose(input);
        checkVector(method.id, bps, ids.length, o.minBps, o.maxBps, rounds[t]!);
        return bps;
      });
      let estimates: Estimates | null = null; // shared by the variants, computed once if any needs it
      variants.forEach((v, i) => {
        const vector = vectors[i] ?? null;
        let next = chosen[v.k]!;
        if (v.threshold !== null && sameModels && vector !== null && ids.length > 0) {
          estimates ??= estimate(input.series);
          next = keepUnlessBetter(
            next,
            ids.map((m) => vector[m]!),
            estimates,
            v.threshold,
          );
        }
        const bps = Array.from({ length: models }, () => 0);
        ids.forEach((m, j) => (bps[m] = next[j]!));
        const turnover = vector === null ? 0 : turnoverBps(vector, bps);
        paths[i]!.decisions.push({ round: rounds[t]!, bps, turnoverBps: turnover, changed: turnover > 0 });
        vectors[i] = bps;
      });
    }
    variants.forEach((_, i) => {
      const v = vectors[i]!;
      paths[i]!.returns.push(
        rates.reduce((acc, s, m) => {
          const rate = s[t];
          return acc + (v[m]! / TOTAL_BPS) * (isPresent(rate) ? rate : 0);
        }, 0),
      );
    });
  }
  return { rounds: evaluated, paths, options: o };
}

function checkVector(id: string, bps: readonly number[], n: number, minBps: number, maxBps: number, round: number) {
  const sum = bps.reduce((a, b) => a + b, 0);
  if (bps.length !== n || sum !== TOTAL_BPS || bps.some((b) => !Number.isInteger(b) || b < minBps || b > maxBps))
    throw new Error(`method ${id} gave an invalid vector for round ${round}: [${bps.join(", ")}] (sum ${sum})`);
}

/**
 * The benchmark nobody could have had: all on the single model with the highest total rate over the evaluated
 * rounds, chosen with hindsight (no bounds).
 */
export function bestSingleInHindsight(table: RateTable, evaluatedRounds: readonly number[]): MethodPath {
  const { rounds, rates, models } = consecutive(table);
  const cols = evaluatedRounds.map((r) => rounds.indexOf(r));
  const totals = rates.map((s) => cols.reduce((acc, c) => acc + (isPresent(s[c]) ? s[c] : 0), 0));
  const best = totals.indexOf(Math.max(...totals));
  const bps = rates.map((_, m) => (m === best ? TOTAL_BPS : 0));
  return {
    id: "best-single-hindsight",
    label: `Best single model in hindsight (${models[best] ?? "none"})`,
    returns: cols.map((c) => {
      const v = rates[best]![c];
      return isPresent(v) ? v : 0;
    }),
    decisions: [{ round: evaluatedRounds[0]!, bps, turnoverBps: 0, changed: false }],
  };
}

export interface PathSummary {
  id: string;
  label: string;
  rounds: number;
  meanReturn: number; // per round, fraction of the slice
  medianReturn: number;
  volatility: number; // sd per round
  sharpe: number; // mean / sd per round (not annualised: consecutive rounds overlap)
  totalOnStake: number; // Σ returns / R: what the stake gained, as a fraction of it
  maxDrawdownOnStake: number; // largest fall of Σ returns / R from a running peak (≥ 0)
  negativeShare: number; // share of rounds with a negative return
  meanTurnoverBps: number; // one-way bps moved per decision after the first
  changeShare: number; // share of decisions after the first that changed the vector
  decisions: number;
}

/** The table's figures for one method; `sliceDivisor` is R (each round puts stake / R at risk). */
export function summarize(path: MethodPath, sliceDivisor: number): PathSummary {
  const r = path.returns;
  let cumulative = 0;
  let peak = 0;
  let maxDrawdown = 0;
  for (const x of r) {
    cumulative += x / sliceDivisor;
    peak = Math.max(peak, cumulative);
    maxDrawdown = Math.max(maxDrawdown, peak - cumulative);
  }
  const later = path.decisions.slice(1);
  const m = mean(r);
  const s = sd(r);
  return {
    id: path.id,
    label: path.label,
    rounds: r.length,
    meanReturn: m,
    medianReturn: median(r),
    volatility: s,
    sharpe: s > 0 ? m / s : NaN,
    totalOnStake: cumulative,
    maxDrawdownOnStake: maxDrawdown,
    negativeShare: r.length ? r.filter((x) => x < 0).length / r.length : NaN,
    meanTurnoverBps: later.length ? mean(later.map((d) => d.turnoverBps)) : 0,
    changeShare: later.length ? later.filter((d) => d.changed).length / later.length : 0,
    decisions: path.decisions.length,
  };
}

/** Cumulative return on the stake after each evaluated round (Σ returns / R), for the charts. */
export function cumulativeOnStake(path: MethodPath, sliceDivisor: number): number[] {
  let c = 0;
  return path.returns.map((x) => (c += x / sliceDivisor));
}
