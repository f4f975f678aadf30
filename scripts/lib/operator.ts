/**
 * The operator's round publication: a results file of per-model scores (or rates) → validated rates → Merkle tree →
 * leaf file written first → publishRound. Nothing is sent unless every line is valid.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { PortfolioStake } from "../../typechain-types";
import {
  NUMERAI_2024_FORMULA,
  buildRoundTree,
  normaliseModelId,
  parseDecimal,
  rateFromScores,
  roundFile,
  type ModelRate,
  type PayoutFormula,
  type RoundFile,
} from "./results";

/** One line of a results file: a model and either its scores or its rate (decimal fraction, e.g. "0.0123"). */
export interface ResultRow {
  line: string; // "line 3" (CSV) or "results[2]" (JSON), for error messages
  model: string;
  corr?: string | null;
  mmc?: string | null;
  rate?: string;
}

/** Numerai model UUIDs (with dashes) or bytes16 hex IDs, as the contract's bytes16. */
export function toModelId(text: string): string {
  const hex = text.trim().replace(/-/g, "").replace(/^0x/i, "");
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new Error(`"${text}" is not a model UUID or bytes16 ID`);
  return normaliseModelId("0x" + hex);
}

/** Reads a results file: CSV with a header (model, corr, mmc | rate) or JSON ({results:[...]} or an array). */
export function readResultsFile(file: string): ResultRow[] {
  if (!existsSync(file)) throw new Error(`Results file ${file} does not exist`);
  const text = readFileSync(file, "utf8");
  if (file.endsWith(".json")) {
    const parsed = JSON.parse(text);
    const rows: unknown[] = Array.isArray(parsed) ? parsed : parsed.results;
    if (!Array.isArray(rows)) throw new Error(`${file}: expected an array or {"results": [...]}`);
    return rows.map((row, i) => {
      const r = row as Record<string, unknown>;
      const str = (v: unknown) => (v === undefined ? undefined : v === null ? null : String(v));
      return { line: `results[${i}]`, model: String(r.model ?? ""), corr: str(r.corr), mmc: str(r.mmc), rate: str(r.rate) ?? undefined };
    });
  }
  const lines = text.split(/\r?\n/);
  const header = lines[0].split(",").map((h) => h.trim().replace(/^"|"$/g, "").toLowerCase());
  const col = (name: string) => header.indexOf(name);
  if (col("model") < 0) throw new Error(`${file}: the header must name a "model" column`);
  const rows: ResultRow[] = [];
  lines.slice(1).forEach((raw, i) => {
    if (raw.trim() === "") return;
    const cells = raw.split(",").map((c) => c.trim().replace(/^"|"$/g, ""));
    const cell = (name: string) => (col(name) < 0 ? undefined : cells[col(name)] === "NA" ? null : cells[col(name)]);
    rows.push({ line: `line ${i + 2}`, model: cells[col("model")] ?? "", corr: cell("corr"), mmc: cell("mmc"), rate: cell("rate") ?? undefined });
  });
  return rows;
}

/**
 * Converts rows to rates, reporting every problem at once. `registered`: every model registered on chain; each
 * without a result gets a zero-rate leaf (a weighted model without a leaf could never be settled).
 */
export function ratesFromRows(
  rows: ResultRow[],
  options: { formula?: PayoutFormula; onChainCap: bigint; registered?: string[] },
): { rates: ModelRate[]; zeroFilled: string[] } {
  const formula = options.formula ?? NUMERAI_2024_FORMULA;
  const errors: string[] = [];
  const seen = new Map<string, string>();
  const rates: ModelRate[] = [];
  for (const row of rows) {
    let id: string;
    try {
      id = toModelId(row.model);
    } catch (e) {
      errors.push(`${row.line}: ${(e as Error).message}`);
      continue;
    }
    if (seen.has(id)) {
      errors.push(`${row.line}: model ${row.model} already appears at ${seen.get(id)}`);
      continue;
    }
    seen.set(id, row.line);
    try {
      let rate: bigint;
      if (row.rate !== undefined) {
        rate = parseDecimal(row.rate);
        const cap = parseDecimal(formula.cap);
        rate = rate > cap ? cap : rate < -cap ? -cap : rate;
      } else {
        if (row.corr === undefined && row.mmc === undefined) throw new Error("needs corr and mmc, or rate");
        rate = rateFromScores(row.corr ?? null, row.mmc ?? null, formula);
      }
      if (rate > options.onChainCap || rate < -options.onChainCap) {
        throw new Error(`rate ${rate} is beyond the round's on-chain cap ${options.onChainCap}; lower the formula's cap`);
      }
      rates.push({ modelId: id, rate });
    } catch (e) {
      errors.push(`${row.line}: ${(e as Error).message}`);
    }
  }
  if (errors.length) throw new Error(`The results file has ${errors.length} problem(s), nothing was published:\n  ${errors.join("\n  ")}`);
  const zeroFilled = (options.registered ?? []).map(normaliseModelId).filter((id) => !seen.has(id));
  for (const id of zeroFilled) rates.push({ modelId: id, rate: 0n });
  return { rates, zeroFilled };
}

/** Every model ever registered, from ModelRegistered events. */
export async function registeredModels(stake: PortfolioStake, fromBlock = 0): Promise<string[]> {
  const events = await stake.queryFilter(stake.filters.ModelRegistered(), fromBlock);
  return events.map((e) => normaliseModelId(e.args.modelId));
}

export interface PublishResult {
  status: "published" | "already-published";
  file: string;
  root: string;
  txHash?: string;
  gasUsed?: bigint;
  zeroFilled: string[];
}

/**
 * Publishes one round. Writes `<outDir>/round-<n>.json` before sending, so the leaves are public the moment the root
 * is. Idempotent: the same root already on chain is success; a different one is an error.
 */
export async function publishRoundResults(
  stake: PortfolioStake,
  round: bigint,
  rows: ResultRow[],
  options: { outDir: string; formula?: PayoutFormula; uriBase?: string; fromBlock?: number },
): Promise<PublishResult> {
  const info = await stake.roundInfo(round);
  if (info.openedAt === 0n) throw new Error(`Round ${round} has not been opened on chain`);
  const { rates, zeroFilled } = ratesFromRows(rows, {
    formula: options.formula,
    onChainCap: info.rateCap,
    registered: await registeredModels(stake, options.fromBlock),
  });
  const tree = buildRoundTree(round, rates);
  const file = path.join(options.outDir, `round-${round}.json`);
  if (info.root !== "0x" + "0".repeat(64)) {
    if (info.root !== tree.root) {
      throw new Error(`Round ${round} is already published with root ${info.root}; these results give ${tree.root}`);
    }
    if (!existsSync(file)) writeRoundFile(file, roundFile(round, tree, options.formula ?? NUMERAI_2024_FORMULA));
    return { status: "already-published", file, root: tree.root, zeroFilled };
  }
  const now = BigInt((await stake.runner!.provider!.getBlock("latest"))!.timestamp);
  if (now < info.resolvesAt) throw new Error(`Round ${round} resolves at ${new Date(Number(info.resolvesAt) * 1000).toISOString()}; publish after that`);
  if (now > info.deadline) throw new Error(`Round ${round}'s publication deadline passed; it counts as zero for everyone`);
  writeRoundFile(file, roundFile(round, tree, options.formula ?? NUMERAI_2024_FORMULA));
  const uri = (options.uriBase ?? "file://" + path.resolve(options.outDir)) + `/round-${round}.json`;
  const tx = await stake.publishRound(round, tree.root, uri);
  const receipt = await tx.wait();
  return { status: "published", file, root: tree.root, txHash: tx.hash, gasUsed: receipt!.gasUsed, zeroFilled };
}

function writeRoundFile(file: string, content: RoundFile) {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(content, null, 2) + "\n");
}
