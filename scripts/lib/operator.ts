/**
 * The operator's round publication: results-file rows (scores or rates) → validated rates → Merkle tree → leaf file
 * written first → publishRound. Nothing is written or sent unless every row is valid, and the leaf file exists
 * before the root is on chain, so anyone can check a root the moment it appears.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { PortfolioStake } from "../../typechain-types";
import {
  ZERO_ROOT,
  chainTime,
  describeFailure,
  modelPlacesFromEvents,
  registeredModelsFromEvents,
  stakersFromEvents,
} from "./chain";
import { accountGroups, orderByAccount, type LeafOrder } from "@portfolio-stake/core/leafLayout";
import {
  checkAgainstRound,
  describePayoutConfig,
  givenRate,
  parsePayoutConfig,
  payoutRate,
  type OnChainRoundTerms,
  type PayoutConfig,
  type PayoutRate,
} from "@portfolio-stake/core/payout";
import {
  buildRoundTree,
  cumulativesOf,
  normaliseModelId,
  roundFile,
  treeFromFile,
  withCumulatives,
  type PlainRate,
  type RoundFile,
  type RoundTree,
} from "@portfolio-stake/core/results";
import type { ResultRow } from "@portfolio-stake/core/resultsFile";

export { readResultsFile, type ResultRow } from "@portfolio-stake/core/resultsFile";

/** At most this many problems are listed; a wrong file usually repeats one mistake on every line. */
const MAX_LISTED_PROBLEMS = 25;
/** Models or lines named in one summary line before "and N more". */
export const MAX_LISTED_ITEMS = 5;
/**
 * The operator job's default bound on registered models without a row: above it the file is most likely truncated or
 * the wrong one (a header-only file would otherwise publish every model at rate 0, irreversibly).
 */
export const DEFAULT_MAX_MISSING_SHARE = 0.1;

/** "a, b, c, d, e and 7 more": a long list in one readable line. */
export function listFew(items: readonly string[], max = MAX_LISTED_ITEMS): string {
  if (items.length <= max) return items.join(", ");
  return `${items.slice(0, max).join(", ")} and ${items.length - max} more`;
}

/** Numerai model UUIDs (with or without dashes) or bytes16 hex IDs, as the contract's bytes16. */
export function toModelId(text: string): string {
  const hex = text.trim().replace(/-/g, "").replace(/^0x/i, "");
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new Error(`"${text}" is not a model UUID or bytes16 ID`);
  return normaliseModelId("0x" + hex);
}

// ───────────────────────────────────────────── Validation ─────────────────────────────────────────────

/** What to do with a model that is not registered on chain: most likely a typo, which would zero the real one. */
export type UnknownModelPolicy = "error" | "skip" | "include";
/** What to do with a weighted registered model without a row: refuse the file (default) or publish it at rate 0. */
export type MissingModelPolicy = "error" | "zero";

export interface RateOptions {
  config: PayoutConfig; // the round's score configuration
  onChain?: OnChainRoundTerms; // the round's cap and slice divisor: the configuration must agree with them
  round?: bigint; // when given, rows that name a round must name this one
  registered?: string[]; // every registered model: missing ones get a zero leaf, others follow `unknownModels`
  unknownModels?: UnknownModelPolicy; // default "include" (programmatic callers); the operator script uses "error"
  weighted?: string[]; // registered models some account weights in the round: each needs a row (see missingModels)
  missingModels?: MissingModelPolicy; // a weighted model without a row: "error" (default) or "zero" (rate 0)
  maxMissingShare?: number; // refuse when more than this share of registered models has no row (default: no bound)
}

export interface RoundRates {
  rates: PlainRate[]; // one per model (two leaves each once its cumulative is added)
  rows: number; // rows read from the file
  registered: number; // models registered on chain (0 when not given)
  zeroFilled: string[]; // registered models without a row, given rate 0
  zeroFilledWeighted: string[]; // of those, models some account weights in the round (only with missingModels "zero")
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
  const result: RoundRates = {
    rows: rows.length,
    registered: registered?.size ?? 0,
    rates: [],
    zeroFilled: [],
    zeroFilledWeighted: [],
    unknown: [],
    clipped: [],
    scoresByModel: new Map(),
  };
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
  const missing = [...(registered ?? [])].filter((id) => !firstLine.has(id));
  problems.push(...missingRowProblems(missing, result.registered, options));
  if (problems.length) throw new ResultsFileError(problems);
  const weighted = new Set((options.weighted ?? []).map(normaliseModelId));
  for (const id of missing) {
    result.zeroFilled.push(id);
    if (weighted.has(id)) result.zeroFilledWeighted.push(id);
    result.rates.push({ modelId: id, rate: 0n });
  }
  return result;
}

/**
 * Registered models without a row: a weighted one would settle at 0 for its stakers (refused unless missingModels is
 * "zero"), and more than maxMissingShare of all of them means a truncated or wrong file. Publication is irreversible,
 * so both are checked before anything is written or sent.
 */
function missingRowProblems(missing: string[], registered: number, options: RateOptions): string[] {
  const problems: string[] = [];
  const weighted = new Set((options.weighted ?? []).map(normaliseModelId));
  const missingWeighted = missing.filter((id) => weighted.has(id));
  if (missingWeighted.length && (options.missingModels ?? "error") === "error") {
    problems.push(
      `${missingWeighted.length} registered model(s) weighted in this round have no row: ${listFew(missingWeighted)}; ` +
        `published at rate 0 their stakers would get 0 for the round (MISSING_MODELS=zero does that knowingly)`,
    );
  }
  const share = options.maxMissingShare;
  if (share !== undefined && missing.length > share * registered) {
    const percent = (x: number) => `${Number((x * 100).toFixed(2))}%`;
    problems.push(
      `${missing.length} of ${registered} registered models (${percent(missing.length / registered)}) have no row, ` +
        `more than the ${percent(share)} allowed: a truncated or wrong file? (MAX_MISSING_SHARE raises the bound)`,
    );
  }
  return problems;
}

/** The operator's report of a validated file, a few short lines (never every line number). */
export function summariseRates(rates: RoundRates): string[] {
  const lines = [
    `rows ${rates.rows}, registered ${rates.registered}, missing ${rates.zeroFilled.length} (rate 0), ` +
      `clipped ${rates.clipped.length}, unregistered ${rates.unknown.length}; ${rates.rates.length} leaves`,
  ];
  if (rates.zeroFilledWeighted.length)
    lines.push(`  weighted models without a row, at rate 0 as asked: ${listFew(rates.zeroFilledWeighted)}`);
  if (rates.zeroFilled.length) lines.push(`  missing: ${listFew(rates.zeroFilled)}`);
  if (rates.clipped.length) lines.push(`  clipped to the configuration's clip: ${listFew(rates.clipped)}`);
  if (rates.unknown.length) lines.push(`  unregistered: ${listFew(rates.unknown)}`);
  return lines;
}

/**
 * What scripts/publish-round.ts prints about the rates before it reports the publication: the configuration, the
 * summary (summariseRates) and what happened to unregistered models. The README's example is this function's output.
 */
export function publicationSummary(
  round: bigint,
  config: PayoutConfig,
  rates: RoundRates,
  unknownModels: UnknownModelPolicy,
): string[] {
  const lines = [`Round ${round}: ${describePayoutConfig(config)}`, ...summariseRates(rates).map((l) => `  ${l}`)];
  if (rates.unknown.length)
    lines.push(
      `  the ${rates.unknown.length} unregistered model(s) were ${unknownModels === "skip" ? "left out" : "included"}`,
    );
  return lines;
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
  missingModels?: MissingModelPolicy; // default "error": a weighted model without a row refuses the file
  maxMissingShare?: number; // default DEFAULT_MAX_MISSING_SHARE (10%) of registered models without a row
  leafOrder?: LeafOrder; // default "by-account": each account's leaves adjacent, its proofs small (leafLayout.ts)
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
 * The cumulative rates of the latest published round before `round` (undefined when none was published: every model
 * starts at 0), read from its leaf file in `outDir`, which must rebuild the root on chain. Refuses when that round is
 * published but its leaf file is missing: this round's cumulatives continue it, so they cannot be computed without it.
 */
export async function previousCumulatives(
  stake: PortfolioStake,
  round: bigint,
  outDir: string,
): Promise<Map<string, bigint> | undefined> {
  for (let r = round - 1n; r >= 1n; r--) {
    const info = await stake.roundInfo(r);
    if (info.openedAt === 0n) return undefined; // before the first round
    if (info.root === ZERO_ROOT) continue; // never published: it adds nothing
    const file = path.join(outDir, `round-${r}.json`);
    if (!existsSync(file)) {
      throw new Error(
        `Round ${r} is published but its leaf file ${file} is missing: round ${round}'s cumulative rates continue ` +
          `round ${r}'s, so restore that file (or republish it with the same results) first`,
      );
    }
    const tree = treeFromFile(JSON.parse(readFileSync(file, "utf8")) as RoundFile);
    if (tree.root !== info.root)
      throw new Error(`${file} builds root ${tree.root}, but round ${r} on chain has ${info.root}`);
    return cumulativesOf(tree);
  }
  return undefined;
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
  const maxMissingShare = options.maxMissingShare ?? DEFAULT_MAX_MISSING_SHARE;
  if (!(maxMissingShare >= 0 && maxMissingShare <= 1))
    throw new Error(`the share of registered models allowed without a row must be from 0 to 1, not ${maxMissingShare}`);
  const rates = ratesFromRows(rows, {
    config,
    onChain: { round, rateCap: info.rateCap, sliceDivisor: info.sliceDivisor },
    round,
    registered,
    unknownModels: options.unknownModels,
    weighted: await weightedModelsInRound(stake, round, options),
    missingModels: options.missingModels,
    maxMissingShare,
  });
  const modelRates = withCumulatives(
    rates.rates,
    await previousCumulatives(stake, round, options.outDir),
    info.rateCap,
  );
  const byAccount = (options.leafOrder ?? "by-account") === "by-account";
  let tree: RoundTree;
  if (byAccount) {
    const places = await modelPlacesFromEvents(stake, options.fromBlock, options.logBlockRange);
    const leaves = orderByAccount(modelRates, places);
    tree = buildRoundTree(round, leaves, { sortLeaves: false, groups: accountGroups(leaves, places) });
  } else tree = buildRoundTree(round, modelRates);
  // A round published with its leaves sorted by hash: the same rates rebuild it that way.
  if (info.root !== ZERO_ROOT && info.root !== tree.root && byAccount) {
    const sorted = buildRoundTree(round, modelRates);
    if (sorted.root === info.root) tree = sorted;
  }
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

/** Every model some staker weights in `round` (the vectors rounds open with), from its stakers' allocationAt. */
export async function weightedModelsInRound(
  stake: PortfolioStake,
  round: bigint,
  options: { fromBlock?: number; logBlockRange?: number } = {},
): Promise<string[]> {
  const weighted = new Set<string>();
  for (const staker of await stakersFromEvents(stake, options.fromBlock, options.logBlockRange)) {
    const [ids, bps] = await stake.allocationAt(staker, round);
    ids.forEach((id, slot) => {
      if (bps[slot] !== 0n) weighted.add(normaliseModelId(id));
    });
  }
  return [...weighted];
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
