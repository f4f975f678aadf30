/**
 * Weight suggestions: from each model's past per-round rates to a basis-point vector that sums to exactly 10,000.
 *
 * Methods (every one followed by the same min/max clipping):
 *  - equal               every model the same weight;
 *  - inverse-volatility  weight ∝ 1 / sd of the model's rates over the window;
 *  - probability         weight ∝ P(the model's mean rate > 0) = Φ(mean / se), se the standard error of the mean
 *                        robust to autocorrelation (consecutive rounds overlap, see stats.hacStandardError), the
 *                        normal approximation of a t-statistic. It is how Numerai participants describe choosing
 *                        models: by their probability of a positive payout.
 *
 * Missing data: a round without a rate for a model (null/NaN) is left out of that model's statistics. A model with
 * fewer than `minObservations` rates cannot be scored and gets the minimum weight; when no model can be scored (or
 * every score is 0), the suggestion is the equal vector. Rates are fractions of the stake (0.01 = +1%).
 *
 * The pure functions come first (unit-tested in test/suggest.test.ts); the history readers at the end take rates
 * from the chain (Settled events, leaf files of published rounds) or from a results file.
 */
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { PortfolioStake } from "../../typechain-types";
import { toModelId } from "./operator";
import { normaliseModelId, parseDecimal, rateFromScores, treeFromFile, type RoundFile } from "./results";
import { hacStandardError, isPresent, mean, normalCdf, present, sd, type Maybe } from "./stats";

export const TOTAL_BPS = 10_000;
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
    .map((w, i) => ({ i, rem: w - out[i], score: scores[i] }))
    .sort((a, b) => b.rem - a.rem || b.score - a.score || a.i - b.i);
  while (gap !== 0) {
    let moved = false;
    const sequence = gap > 0 ? order : [...order].reverse();
    for (const { i } of sequence) {
      if (gap > 0 && out[i] < maxBps) {
        out[i]++;
        gap--;
        moved = true;
      } else if (gap < 0 && out[i] > minBps) {
        out[i]--;
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
export function parseBps(text: string | undefined, fallback: number, name: string): number {
  if (text === undefined || text.trim() === "") return fallback;
  const t = text.trim();
  const value = t.endsWith("%") ? Math.round(Number(t.slice(0, -1)) * 1e6) / 1e4 : Number(t);
  if (!/^\d+(\.\d+)?%?$/.test(t) || !Number.isInteger(value) || value > TOTAL_BPS) {
    throw new Error(`${name}="${text}": give whole basis points from 0 to 10000, or a percent such as 2.5%`);
  }
  return value;
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
    series.reduce((acc, x, m) => acc + ((bps[m] ?? 0) / TOTAL_BPS) * (isPresent(x[r]) ? (x[r] as number) : 0), 0),
  );
  return { total: perRound.reduce((a, b) => a + b, 0), perRound };
}

// ───────────────────────────────────────────── Histories ─────────────────────────────────────────────

/** Per-model rates by round: `rates[m][r]` is model `models[m]`'s rate in `rounds[r]` (null: none). */
export interface RateHistory {
  models: string[];
  rounds: number[];
  rates: (number | null)[][];
  sources: string[];
}

type RoundRates = Map<number, Map<string, number>>; // round -> model -> rate

const RATE_SCALE = 1e18;
const toFraction = (rate: bigint) => Number(rate) / RATE_SCALE;

/** Keeps the last `window` rounds that have a rate for at least one of `models`. */
export function historyWindow(
  byRound: RoundRates,
  models: readonly string[],
  window: number,
  sources: string[],
): RateHistory {
  const ids = models.map(normaliseModelId);
  const rounds = [...byRound.keys()]
    .filter((r) => ids.some((id) => byRound.get(r)!.has(id)))
    .sort((a, b) => a - b)
    .slice(-Math.max(0, window));
  return {
    models: ids,
    rounds,
    rates: ids.map((id) => rounds.map((r) => byRound.get(r)!.get(id) ?? null)),
    sources,
  };
}

/**
 * An account's rates from its Settled events (rates are in registry order). Rounds settled with no stake at risk or
 * as zero (expired, or no vector) carry no information and are skipped; an exact zero rate is a model without a
 * score (published as a zero leaf) or left out of the proof, so it counts as missing too.
 */
export async function ratesFromSettled(
  stake: PortfolioStake,
  account: string,
  models: readonly string[],
  fromBlock = 0,
): Promise<RoundRates> {
  const out: RoundRates = new Map();
  const events = await stake.queryFilter(stake.filters.Settled(account), fromBlock);
  for (const e of events) {
    const { round, stakeAtRisk, rates } = e.args;
    if (stakeAtRisk === 0n || rates.every((r) => r === 0n)) continue;
    const byModel = new Map<string, number>();
    rates.forEach((rate, slot) => {
      if (rate !== 0n && models[slot]) byModel.set(normaliseModelId(models[slot]), toFraction(rate));
    });
    out.set(Number(round), byModel);
  }
  return out;
}

/**
 * Rates of every published round from its leaf file (every registered model, weighted or not, settled or not).
 * The file is `dir/round-<n>.json` or the `file://` URI of the RoundPublished event; each must rebuild the root on
 * chain. Rounds whose file is missing are skipped (listed in `missing`).
 */
export async function ratesFromLeafFiles(
  stake: PortfolioStake,
  dir: string | undefined,
  fromBlock = 0,
): Promise<{ rates: RoundRates; missing: number[] }> {
  const rates: RoundRates = new Map();
  const missing: number[] = [];
  const events = await stake.queryFilter(stake.filters.RoundPublished(), fromBlock);
  for (const e of events) {
    const round = Number(e.args.round);
    const candidates = [
      dir ? path.join(dir, `round-${round}.json`) : undefined,
      e.args.leavesURI.startsWith("file://") ? fileURLToPath(e.args.leavesURI) : undefined,
    ];
    const file = candidates.find((f): f is string => f !== undefined && existsSync(f));
    if (!file) {
      missing.push(round);
      continue;
    }
    const content = JSON.parse(readFileSync(file, "utf8")) as RoundFile;
    const tree = treeFromFile(content);
    if (tree.root !== e.args.root)
      throw new Error(`${file} builds root ${tree.root}, round ${round} on chain has ${e.args.root}`);
    rates.set(round, leafRates(content));
  }
  return { rates, missing };
}

function leafRates(content: RoundFile): Map<string, number> {
  const byModel = new Map<string, number>();
  for (const leaf of content.leaves) {
    const rate = BigInt(leaf.rate);
    if (rate !== 0n) byModel.set(normaliseModelId(leaf.modelId), toFraction(rate));
  }
  return byModel;
}

/**
 * Rates from a results history file (no chain needed):
 *  - a directory of leaf files (round-<n>.json, as the operator job writes them);
 *  - JSON: {"rounds": [{"round": 12, "rates": {"<model>": "0.0123", ...}}]} (rates as decimal fractions);
 *  - CSV, long: header round,model,rate (or round,model,corr,mmc: rate by Numerai's 2024 formula);
 *  - CSV, wide: header round,<model>,<model>,... one row per round.
 * Models are bytes16 IDs or Numerai UUIDs; "NA" or an empty cell is missing; a rate of exactly 0 is missing.
 */
export function ratesFromResultsFile(file: string): RoundRates {
  if (!existsSync(file)) throw new Error(`Results file ${file} does not exist`);
  const out: RoundRates = new Map();
  const put = (round: number, model: string, rate: bigint) => {
    if (!Number.isInteger(round)) throw new Error(`${file}: round "${round}" is not an integer`);
    if (!out.has(round)) out.set(round, new Map());
    if (rate !== 0n) out.get(round)!.set(toModelId(model), toFraction(rate));
  };
  if (statSync(file).isDirectory()) {
    for (const name of readdirSync(file)) {
      if (!/^round-\d+\.json$/.test(name)) continue;
      const content = JSON.parse(readFileSync(path.join(file, name), "utf8")) as RoundFile;
      treeFromFile(content);
      out.set(content.round, leafRates(content));
    }
    return out;
  }
  const text = readFileSync(file, "utf8");
  if (file.endsWith(".json")) {
    const parsed = JSON.parse(text) as { rounds?: { round: number; rates: Record<string, string | number | null> }[] };
    if (!Array.isArray(parsed.rounds))
      throw new Error(`${file}: expected {"rounds": [{"round": n, "rates": {model: rate}}]}`);
    for (const { round, rates } of parsed.rounds) {
      out.set(Number(round), out.get(Number(round)) ?? new Map());
      for (const [model, rate] of Object.entries(rates ?? {}))
        if (rate !== null && rate !== "NA") put(Number(round), model, parseDecimal(String(rate)));
    }
    return out;
  }
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "");
  const cells = (line: string) => line.split(",").map((c) => c.trim().replace(/^"(.*)"$/, "$1"));
  const header = cells(lines[0] ?? "").map((h) => h.toLowerCase());
  if (header[0] !== "round" && header[0] !== "roundnumber")
    throw new Error(`${file}: the first column must be "round"`);
  const missing = (v: string | undefined) => v === undefined || v === "" || v === "NA";
  if (header.includes("model")) {
    const col = (name: string) => header.indexOf(name);
    lines.slice(1).forEach((line) => {
      const row = cells(line);
      const round = Number(row[0]);
      const model = row[col("model")];
      if (col("rate") >= 0) {
        if (!missing(row[col("rate")])) put(round, model, parseDecimal(row[col("rate")]));
      } else {
        const corr = missing(row[col("corr")]) ? null : row[col("corr")];
        const mmc = missing(row[col("mmc")]) ? null : row[col("mmc")];
        if (corr !== null || mmc !== null) put(round, model, rateFromScores(corr, mmc));
      }
    });
  } else {
    const models = cells(lines[0]).slice(1);
    for (const line of lines.slice(1)) {
      const row = cells(line);
      models.forEach((model, i) => {
        if (!missing(row[i + 1])) put(Number(row[0]), model, parseDecimal(row[i + 1]));
      });
    }
  }
  return out;
}

/** Merges round maps; later maps win for a (round, model) present in several. */
export function mergeRates(...maps: RoundRates[]): RoundRates {
  const out: RoundRates = new Map();
  for (const map of maps) {
    for (const [round, models] of map) {
      const target = out.get(round) ?? new Map<string, number>();
      for (const [id, rate] of models) target.set(id, rate);
      out.set(round, target);
    }
  }
  return out;
}

// ──────────────────────────────────────────── Output file ────────────────────────────────────────────

/** The batch file scripts/rebalance.ts reads: whole vectors, one entry per account. */
export interface RebalanceFile {
  accounts: { account: string; weights: { model: string; bps: number }[] }[];
}

/** Adds or replaces `account`'s entry in an existing batch file's content (other accounts are kept). */
export function withAccountVector(
  existing: RebalanceFile | null,
  account: string,
  models: readonly string[],
  bps: readonly number[],
): RebalanceFile {
  const entry = { account, weights: models.map((model, i) => ({ model: normaliseModelId(model), bps: bps[i] })) };
  const others = (existing?.accounts ?? []).filter((a) => a.account.toLowerCase() !== account.toLowerCase());
  return { accounts: [...others, entry] };
}
