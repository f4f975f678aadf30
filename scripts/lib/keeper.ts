/**
 * The keeper: settles every account with settleable rounds, in batches, from the chain's own state. Idempotent and
 * resumable: each batch re-reads nextSettleRound, so re-running after a crash continues where the chain is and never
 * sends a round twice.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import type { PortfolioStake } from "../../typechain-types";
import type { IPortfolioStake } from "../../typechain-types/contracts/PortfolioStake";
import { accountRoundResult, treeFromFile, type RoundFile, type RoundTree } from "./results";

const ZERO_ROOT = "0x" + "0".repeat(64);

export interface KeeperOptions {
  roundsDir: string; // leaf files written by the operator job (round-<n>.json)
  fromBlock?: number; // where to look for Deposited events (the contract's deploy block)
  maxPerTx?: number; // account-rounds per settleBatch (the contract allows 256)
  maxBatches?: number; // stop after this many transactions (tests use it to simulate a crash)
  log?: (line: string) => void;
}

export interface KeeperReport {
  accounts: number;
  settledAccountRounds: number;
  transactions: { hash: string; accountRounds: number; gasUsed: bigint }[];
  waiting: { account: string; round: bigint; reason: string }[];
}

/** Stakers, from Deposited events (every account that can have rounds to settle deposited once). */
export async function stakers(stake: PortfolioStake, fromBlock = 0): Promise<string[]> {
  const events = await stake.queryFilter(stake.filters.Deposited(), fromBlock);
  return [...new Set(events.map((e) => e.args.staker))];
}

/** Round trees from the leaf files, each checked against the root on chain; a mismatching file is refused. */
export class RoundTrees {
  private readonly cache = new Map<bigint, RoundTree>();
  constructor(
    private readonly stake: PortfolioStake,
    private readonly dir: string,
  ) {}

  async get(round: bigint, onChainRoot: string): Promise<RoundTree> {
    const cached = this.cache.get(round);
    if (cached) return cached;
    const file = path.join(this.dir, `round-${round}.json`);
    if (!existsSync(file)) throw new Error(`round ${round} is published but its leaf file ${file} is missing`);
    const content = JSON.parse(readFileSync(file, "utf8")) as RoundFile;
    const tree = treeFromFile(content);
    if (tree.root !== onChainRoot) throw new Error(`${file} builds root ${tree.root}, the chain has ${onChainRoot}: refusing it`);
    this.cache.set(round, tree);
    return tree;
  }

  /** Rounds with a leaf file in the directory. */
  available(): bigint[] {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir)
      .map((f) => /^round-(\d+)\.json$/.exec(f)?.[1])
      .filter((x): x is string => x !== undefined)
      .map(BigInt);
  }
}

/** The account's settleable rounds from its nextSettleRound on, in order, stopping at the first that is not. */
async function pendingResults(
  stake: PortfolioStake,
  trees: RoundTrees,
  account: string,
  now: bigint,
  current: bigint,
  limit: number,
): Promise<{ arg: IPortfolioStake.AccountResultsStruct | null; waiting?: { round: bigint; reason: string } }> {
  const view = await stake.accountOf(account);
  if (view.nextSettleRound === 0n) return { arg: null };
  const models = [...(await stake.modelsOf(account))];
  const results = [];
  let round = view.nextSettleRound;
  for (; round <= current && results.length < limit; round++) {
    const info = await stake.roundInfo(round);
    if (info.root !== ZERO_ROOT) results.push(accountRoundResult(round, await trees.get(round, info.root), models));
    else if (now > info.deadline) results.push(accountRoundResult(round, null, models));
    else break;
  }
  const waiting = round <= current && results.length < limit ? { round, reason: "not published yet" } : undefined;
  return { arg: results.length ? { account, models, results } : null, waiting };
}

/** Settles everything settleable now. */
export async function runKeeper(stake: PortfolioStake, options: KeeperOptions): Promise<KeeperReport> {
  const log = options.log ?? (() => {});
  const maxPerTx = options.maxPerTx ?? 64;
  const trees = new RoundTrees(stake, options.roundsDir);
  const accounts = await stakers(stake, options.fromBlock);
  const report: KeeperReport = { accounts: accounts.length, settledAccountRounds: 0, transactions: [], waiting: [] };
  log(`keeper: ${accounts.length} staker(s), up to ${maxPerTx} account-rounds per transaction`);

  for (;;) {
    if (options.maxBatches !== undefined && report.transactions.length >= options.maxBatches) break;
    const now = BigInt((await stake.runner!.provider!.getBlock("latest"))!.timestamp);
    const current = await stake.currentRound();
    const batch: IPortfolioStake.AccountResultsStruct[] = [];
    let size = 0;
    report.waiting = [];
    for (const account of accounts) {
      if (size >= maxPerTx) break;
      const { arg, waiting } = await pendingResults(stake, trees, account, now, current, maxPerTx - size);
      if (waiting) report.waiting.push({ account, ...waiting });
      if (!arg) continue;
      batch.push(arg);
      size += arg.results.length;
    }
    if (batch.length === 0) break;
    const tx = await stake.settleBatch(batch);
    const receipt = await tx.wait();
    report.settledAccountRounds += size;
    report.transactions.push({ hash: tx.hash, accountRounds: size, gasUsed: receipt!.gasUsed });
    log(`keeper: settled ${size} account-round(s) of ${batch.length} account(s) in ${tx.hash} (gas ${receipt!.gasUsed}); total ${report.settledAccountRounds}`);
  }
  for (const w of report.waiting) log(`keeper: ${w.account} waits at round ${w.round} (${w.reason})`);
  log(`keeper: done, ${report.settledAccountRounds} account-round(s) in ${report.transactions.length} transaction(s)`);
  return report;
}
