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
 * The pure functions are in @portfolio-stake/core/suggest/core (unit-tested in scripts/lib/suggest.test.ts); the history readers here take rates
 * from the chain (Settled events, leaf files of published rounds) or from a results file.
 */
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { PortfolioStake } from "../../typechain-types";
import { at } from "@portfolio-stake/core/checks";
import { toModelId } from "./operator";
import { PRESETS, payoutRate } from "@portfolio-stake/core/payout";
import {
  fileRates,
  fileTreeOptions,
  normaliseModelId,
  parseDecimal,
  treeFromFile,
  type RoundFile,
} from "@portfolio-stake/core/results";
import { buildRoundTreeInChunks } from "./roundTrees";

export * from "@portfolio-stake/core/suggest/core";

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
    // Rebuilt in chunks that yield to the event loop: a 14,300-leaf tree built at once blocks it for seconds, long
    // enough for the node to close the job's idle connections.
    const tree = await buildRoundTreeInChunks(BigInt(content.round), fileRates(content), fileTreeOptions(content));
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
 *  - CSV, long: header round,model,rate (or round,model,corr,mmc: rate by the numerai-2024 preset of payout.ts);
 *  - CSV, wide: header round,<model>,<model>,... one row per round.
 * Models are bytes16 IDs or Numerai UUIDs; "NA" or an empty cell is missing; a rate of exactly 0 is missing.
 */
/** Scores in a history file become rates by the 2024 rule, as they did before score configurations existed. */
const SCORES_TO_RATES = PRESETS["numerai-2024"]!;

export function ratesFromResultsFile(file: string): RoundRates {
  if (!existsSync(file)) throw new Error(`Results file ${file} does not exist`);
  const out: RoundRates = new Map();
  const put = (round: number, model: string, rate: bigint) => {
    if (!Number.isInteger(round)) throw new Error(`${file}: round "${round}" is not an integer`);
    const rates = out.get(round) ?? new Map<string, number>();
    out.set(round, rates);
    if (rate !== 0n) rates.set(toModelId(model), toFraction(rate));
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
      out.set(Number(round), out.get(Number(round)) ?? new Map<string, number>());
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
  const given = (v: string | undefined): v is string => v !== undefined && v !== "" && v !== "NA";
  if (header.includes("model")) {
    const cell = (row: readonly string[], name: string) => {
      const col = header.indexOf(name);
      return col >= 0 ? row[col] : undefined;
    };
    lines.slice(1).forEach((line) => {
      const row = cells(line);
      const round = Number(row[0]);
      const model = cell(row, "model") ?? ""; // toModelId rejects an empty model with the row's value in the message
      if (header.includes("rate")) {
        const rate = cell(row, "rate");
        if (given(rate)) put(round, model, parseDecimal(rate));
      } else {
        const corr = cell(row, "corr");
        const mmc = cell(row, "mmc");
        if (given(corr) || given(mmc))
          put(
            round,
            model,
            payoutRate({ CORR: given(corr) ? corr : null, MMC: given(mmc) ? mmc : null }, SCORES_TO_RATES).rate,
          );
      }
    });
  } else {
    const models = cells(lines[0] ?? "").slice(1);
    for (const line of lines.slice(1)) {
      const row = cells(line);
      models.forEach((model, i) => {
        const rate = row[i + 1];
        if (given(rate)) put(Number(row[0]), model, parseDecimal(rate));
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
  if (models.length !== bps.length) throw new Error(`${models.length} models but ${bps.length} weights for ${account}`);
  const entry = {
    account,
    weights: models.map((model, i) => ({ model: normaliseModelId(model), bps: at(bps, i, "weights") })),
  };
  const others = (existing?.accounts ?? []).filter((a) => a.account.toLowerCase() !== account.toLowerCase());
  return { accounts: [...others, entry] };
}
