/**
 * The operator's round publication: results-file rows (scores or rates) → validated rates → Merkle tree → leaf file
 * written first → publishRound. Nothing is written or sent unless every row is valid, and the leaf file exists
 * before the root is on chain, so anyone can check a root the moment it appears.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { PortfolioStake } from "../../typechain-types";
import { ZERO_ROOT, chainTime, describeFailure, registeredModelsFromEvents } from "./chain";
import {
  checkAgainstRound,
  givenRate,
  parsePayoutConfig,
  payoutRate,
  type OnChainRoundTerms,
  type PayoutConfig,
  type PayoutRate,
} from "./payout";
import { buildRoundTree, normaliseModelId, roundFile, type ModelRate, type RoundFile } from "./results";
import type { ResultRow } from "./resultsFile";

export { readResultsFile, type ResultRow } from "./resultsFile";

/** At most this many problems are listed; a wrong file usually repeats one mistake on every line. */
const MAX_LISTED_PROBLEMS = 25;

/** Numerai model UUIDs (with or without dashes) or bytes16 hex IDs, as the contract's bytes16. */
export function toModelId(text: string): string {
  const hex = text.trim().replace(/-/g, "").replace(/^0x/i, "");
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new Error(`"${text}" is not a model UUID or bytes16 ID`);
  return normaliseModelId("0x" + hex);
}

// ───────────────────────────────────────────── Validation ─────────────────────────────────────────────

/** What to do with a model that is not registered on chain: most likely a typo, which would zero the real one. */
export type UnknownModelPolicy = "error" | "skip" | "include";

export interface RateOptions {
  config: PayoutConfig; // the round's score configuration
  onChain?: OnChainRoundTerms; // the round's cap and slice divisor: the configuration must agree with them
  round?: bigint; // when given, rows that name a round must name this one
  registered?: string[]; // every registered model: missing ones get a zero leaf, others follow `unknownModels`
  unknownModels?: UnknownModelPolicy; // default "include" (programmatic callers); the operator script uses "error"
}

export interface RoundRates {
  rates: ModelRate[]; // one per leaf
  zeroFilled: string[]; // registered models without a row, given rate 0
  unknown: string[]; // unregistered models (included or skipped per policy)
  clipped: string[]; // rows whose rate was clipped to the configuration's clip
  scoresByModel: Map<string, Record<string, string | null>>; // each scored model's inputs, for the leaf file
}

/** Every problem of a results file at once; `problems` lists them, each naming its line. */
export class ResultsFileError extends Error {
  constructor(readonly problems: string[]) {
    const listed = problems.slice(0, MAX_LISTED_PROBLEMS);
    const more = problems.length > listed.length ? `\n  … and ${problems.length - listed.length} more` : "";
    super(
      `The results file has ${problems.length} problem(s); nothing was published:\n  ${listed.join("\n  ")}${more}`,
    );
    this.name = "ResultsFileError";
  }
}

/**
 * Converts rows to rates and validates them all before anything is published. Registered models without a row get
 * a zero-rate leaf: a weighted model without a leaf could never be settled for the round.
 */
export function ratesFromRows(rows: ResultRow[], options: RateOptions): RoundRates {
  const { config } = options;
  if (options.onChain) checkAgainstRound(config, options.onChain);
  const policy = options.unknownModels ?? "include";
  const registered = options.registered ? new Set(options.registered.map(normaliseModelId)) : undefined;
  const problems: string[] = [];
  const firstLine = new Map<string, string>();
  const result: RoundRates = { rates: [], zeroFilled: [], unknown: [], clipped: [], scoresByModel: new Map() };
  // A configured score no row carries is one problem of the file, not one per line.
  const scored = rows.filter((row) => row.scores !== undefined);
  const absent = Object.keys(config.scores).filter(
    (name) => scored.length > 0 && scored.every((row) => row.scores![name] === undefined),
  );
  for (const name of absent)
    problems.push(`the results file has no ${name} column, which the score configuration needs (scores.${name})`);
  if (absent.length) throw new ResultsFileError(problems);

  for (const row of rows) {
    const fail = (message: string) => problems.push(`${row.line}: ${message}`);
    if (row.problem) {
      fail(row.problem);
      continue;
    }
    if (options.round !== undefined && row.round !== undefined && row.round.trim() !== String(options.round)) {
      fail(`names round ${row.round}, but round ${options.round} is being published`);
      continue;
    }
    let id: string;
    try {
      id = toModelId(row.model);
    } catch (e) {
      fail(row.model === "" ? "the model is missing" : (e as Error).message);
      continue;
    }
    const earlier = firstLine.get(id);
    if (earlier !== undefined) {
      fail(`model ${row.model} already appears at ${earlier}`);
      continue;
    }
    firstLine.set(id, row.line);
    if (registered && !registered.has(id)) {
      if (policy === "error") {
        fail(`model ${row.model} is not registered on chain (a typo? UNKNOWN_MODELS=skip leaves such rows out)`);
        continue;
      }
      result.unknown.push(id);
      if (policy === "skip") continue;
    }
    try {
      const { rate, clipped } = rowRate(row, config);
      if (clipped) result.clipped.push(row.line);
      result.rates.push({ modelId: id, rate });
      if (row.scores) result.scoresByModel.set(id, usedScores(row.scores, config));
    } catch (e) {
      fail((e as Error).message);
    }
  }
  if (problems.length) throw new ResultsFileError(problems);
  for (const id of registered ?? []) {
    if (firstLine.has(id)) continue;
    result.zeroFilled.push(id);
    result.rates.push({ modelId: id, rate: 0n });
  }
  return result;
}

/** One row's rate: its `rate` clipped to the configuration's clip, or the configuration applied to its scores. */
function rowRate(row: ResultRow, config: PayoutConfig): PayoutRate {
  if (row.rate !== undefined) {
    if (row.rate === null) throw new Error("the rate is empty");
    return givenRate(row.rate, config);
  }
  return payoutRate(row.scores ?? {}, config);
}

/** The configured scores of a row (what the leaf file records), in the configuration's order. */
function usedScores(scores: Record<string, string | null>, config: PayoutConfig): Record<string, string | null> {
  return Object.fromEntries(Object.keys(config.scores).map((name) => [name, scores[name] ?? null]));
}

// ───────────────────────────────────────────── Publication ─────────────────────────────────────────────

export interface PublishOptions {
  outDir: string; // where round-<n>.json is written
  config: PayoutConfig; // the round's score configuration, recorded in the leaf file
  uriBase?: string; // public base URI of outDir, recorded on chain (default: the file:// URL)
  fromBlock?: number; // the contract's deploy block, to read ModelRegistered events from
  unknownModels?: UnknownModelPolicy;
  logBlockRange?: number;
}

export interface PublishResult extends RoundRates {
  status: "published" | "already-published";
  file: string;
  uri?: string;
  root: string;
  leaves: number;
  txHash?: string;
  gasUsed?: bigint;
  fileRestored?: boolean; // already published, and the leaf file was missing or different: rewritten
}

/**
 * Publishes one round. Idempotent: the same root already on chain is success (and the leaf file is rewritten if it
 * was lost); a different root on chain is an error, since a published root can never change.
 */
export async function publishRoundResults(
  stake: PortfolioStake,
  round: bigint,
  rows: ResultRow[],
  options: PublishOptions,
): Promise<PublishResult> {
  const config = parsePayoutConfig(options.config); // programmatic callers get the same checks as SCORE_CONFIG
  const info = await stake.roundInfo(round);
  if (info.openedAt === 0n) {
    throw new Error(`Round ${round} has not been opened on chain (the current round is ${await stake.currentRound()})`);
  }
  const registered = (await registeredModelsFromEvents(stake, options.fromBlock, options.logBlockRange)).map(
    normaliseModelId,
  );
  const rates = ratesFromRows(rows, {
    config,
    onChain: { round, rateCap: info.rateCap, sliceDivisor: info.sliceDivisor },
    round,
    registered,
    unknownModels: options.unknownModels,
  });
  const tree = buildRoundTree(round, rates.rates);
  const content = roundFile(round, tree, config, rates.scoresByModel);
  const file = path.join(options.outDir, `round-${round}.json`);
  const base = { ...rates, file, root: tree.root, leaves: content.leaves.length };

  if (info.root !== ZERO_ROOT) {
    if (info.root !== tree.root) {
      throw new Error(
        `Round ${round} is already published with root ${info.root}; these results build ${tree.root}. ` +
          `A published root cannot change: check that this is the right file and score configuration.`,
      );
    }
    const fileRestored = writeRoundFileIfDifferent(file, content); // a lost or damaged leaf file is rewritten
    return { status: "already-published", ...base, fileRestored };
  }
  const now = await chainTime(stake);
  if (now < info.resolvesAt)
    throw new Error(`Round ${round} resolves at ${isoTime(info.resolvesAt)}; publish it after that`);
  if (now > info.deadline) {
    throw new Error(
      `Round ${round}'s publication deadline ${isoTime(info.deadline)} has passed; it counts as zero for everyone`,
    );
  }
  await requireOperator(stake);

  writeRoundFile(file, content);
  const uri = options.uriBase
    ? `${options.uriBase.replace(/\/+$/, "")}/round-${round}.json`
    : pathToFileURL(path.resolve(file)).href;
  try {
    const tx = await stake.publishRound(round, tree.root, uri);
    const receipt = await tx.wait();
    return { status: "published", ...base, uri, txHash: tx.hash, gasUsed: receipt?.gasUsed };
  } catch (e) {
    throw new Error(`publishRound(${round}) failed: ${describeFailure(e, stake)}`, { cause: e });
  }
}

/** A clear error before sending, rather than an AccessControl revert. */
async function requireOperator(stake: PortfolioStake) {
  const runner = stake.runner as { getAddress?: () => Promise<string> } | null;
  if (!runner?.getAddress) throw new Error("Connect the contract to the operator's signer to publish");
  const sender = await runner.getAddress();
  if (!(await stake.hasRole(await stake.OPERATOR_ROLE(), sender)))
    throw new Error(`${sender} does not hold OPERATOR_ROLE`);
}

function writeRoundFileIfDifferent(file: string, content: RoundFile): boolean {
  if (existsSync(file) && readFileSync(file, "utf8") === serialise(content)) return false;
  writeRoundFile(file, content);
  return true;
}

const serialise = (content: RoundFile) => JSON.stringify(content, null, 2) + "\n";

/** Written to a temporary name first, so a crash never leaves a half-written leaf file. */
function writeRoundFile(file: string, content: RoundFile) {
  mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, serialise(content));
  renameSync(temporary, file);
}

const isoTime = (seconds: bigint) => new Date(Number(seconds) * 1000).toISOString();
