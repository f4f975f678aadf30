/**
 * The keeper: settles every account's settleable rounds in settleBatch transactions, each within an account-round
 * limit and a gas budget. The chain is the only state: every batch is planned from each account's nextSettleRound as
 * read just before, so re-running is a no-op once done, and a crash half-way just continues where the chain is.
 * A batch that would revert is taken apart: accounts that settle alone go on; an account that cannot is settled up
 * to its failing round and reported, and the others are not held back by it.
 *
 * At production size (1,000 accounts, 14,300-leaf trees, a backlog after an outage): a backlog is settled a window
 * of rounds at a time (every account through the window's rounds, then the next window), and the trees of rounds
 * every account has settled past are dropped, so memory holds `roundWindow` trees, not the whole backlog. A connection
 * the node drops is not a revert: reads are retried by the provider (scripts/lib/transport.ts), and an iteration that
 * still gets no answer, or a send whose answer was lost, is planned again from the chain (bounded).
 */
import type { PortfolioStake } from "../../typechain-types";
import type { IPortfolioStake } from "../../typechain-types/contracts/PortfolioStake";
import { chainTime, describeFailure, stakersFromEvents } from "./chain";
import { at } from "@portfolio-stake/core/checks";
import { RoundBook } from "./leafFiles";
import { accountRoundResult, unprovableRoundResult } from "@portfolio-stake/core/results";
import type { IndexedRoundTree } from "./roundTrees";
import { revertData, transportFailureOf } from "./transport";
import { settleBatchCalldata } from "./settleCalldata";
import { SpanRounds, firstPiece, spanEntry, type SpanEntry } from "./keeperSpans";
import { DEFAULT_MIN_SPAN_ROUNDS } from "@portfolio-stake/core/spans";

/** settleBatch's entry for one account; the keeper always plans with the account as a plain address string. */
type AccountResults = IPortfolioStake.AccountResultsStruct & { account: string };

/** The contract's MAX_SETTLEMENTS_PER_CALL. */
export const MAX_ACCOUNT_ROUNDS_PER_TX = 256;
/** Well under a block (30M+), so a batch never competes with a whole block. */
export const DEFAULT_GAS_BUDGET = 12_000_000n;
export const DEFAULT_MAX_PER_TX = 64;
/** Stop after this many transactions in a row fail to be mined successfully: something is wrong beyond one account. */
const MAX_CONSECUTIVE_SEND_FAILURES = 3;
/**
 * Rounds whose trees are held at once while a backlog is settled (~11 MB of RSS per 14,300-leaf tree, measured). Each
 * window costs every account one more settleBatch entry; measured on a 25-round catch-up of 1,000 accounts, 8 rounds
 * cost ~2% more gas per account-round than one window of 32, for 650 MB of peak RSS instead of 840 MB.
 */
export const DEFAULT_ROUND_WINDOW = 8;
/** Stop after this many iterations in a row get no answer from the node (after the provider's own retries). */
const MAX_CONSECUTIVE_TRANSPORT_FAILURES = 5;
const TRANSPORT_BACKOFF_MS = 500;

export interface KeeperOptions {
  roundsDir: string; // leaf files written by the operator job (round-<n>.json)
  fromBlock?: number; // where to look for Deposited events (the contract's deploy block)
  accounts?: string[]; // settle only these accounts (default: every staker, from Deposited events)
  maxPerTx?: number; // account-rounds per settleBatch, at most 256 (default 64)
  gasBudget?: bigint; // estimated gas per settleBatch (default 12,000,000); the gas limit adds 10%
  maxBatches?: number; // stop after this many transactions (a bounded run; tests use it to simulate a crash)
  logBlockRange?: number;
  roundWindow?: number; // rounds settled (and trees held) at once in a backlog (default 8)
  spans?: boolean; // settle runs of unchanged rounds with settleSpans (default true; false: per round only)
  minSpanRounds?: number; // shortest run settled as a span (default 2)
  log?: (line: string) => void;
}

export interface BatchReceipt {
  kind: "settleBatch" | "settleSpans";
  hash: string;
  accounts: number;
  accountRounds: number;
  gasUsed: bigint;
}

/** Accounts that stopped at the same round for the same reason. */
export interface StoppedAt {
  round: bigint;
  reason: string;
  accounts: string[];
}

export interface KeeperReport {
  accounts: number; // accounts looked at
  upToDate: number; // accounts with nothing left to settle now
  settledAccountRounds: number;
  spanAccountRounds: number; // of which settled by settleSpans
  spanSegments: number; // segments sent to settleSpans
  transactions: BatchReceipt[];
  waiting: StoppedAt[]; // rounds not settleable yet (normal)
  blocked: StoppedAt[]; // published rounds whose leaf file is missing or refused
  failures: StoppedAt[]; // accounts whose next round reverts, or transactions that failed
  cannotProve: Unprovable[]; // account-rounds nobody can prove yet: each settles as zero after its proof deadline
  settledUnprovable: Unprovable[]; // account-rounds settled as zero in this run (unprovable, past the proof deadline)
  complete: boolean; // false when stopped by maxBatches or repeated transaction failures
  transportFailures: number; // iterations or sends that got no answer from the node and were planned again
  treesLoaded: number; // leaf files rebuilt and indexed in this run (each at most once while it is needed)
  mostTreesHeld: number; // the most round trees held in memory at once
}

/** A published round that cannot be proven for one account: no usable leaf file, or no leaf for a weighted model. */
export interface Unprovable {
  account: string;
  round: bigint;
  proofDeadline: bigint; // after it, the round settles as zero for the account (RoundResult.unprovable)
  reason: string;
}

/** One account's settleable rounds from its nextSettleRound on, and why it stops there. */
interface AccountPlan {
  results: AccountResults | null;
  stop?: { round: bigint; kind: "waiting" | "blocked"; reason: string; proofDeadline?: bigint };
  unprovable: Unprovable[]; // planned as unprovable (past their proof deadline)
  cannotProve: Unprovable[]; // planned rounds that cannot be proven yet (their settleBatch will fail)
  nextSettleRound: bigint;
  deferred: boolean; // stopped at the end of the current round window with rounds left: planned in the next window
}

/** Settles everything settleable now and reports what it did and what is left. */
export async function runKeeper(stake: PortfolioStake, options: KeeperOptions): Promise<KeeperReport> {
  const log = options.log ?? (() => {});
  const maxPerTx = options.maxPerTx ?? DEFAULT_MAX_PER_TX;
  const gasBudget = options.gasBudget ?? DEFAULT_GAS_BUDGET;
  const roundWindow = options.roundWindow ?? DEFAULT_ROUND_WINDOW;
  if (!Number.isInteger(maxPerTx) || maxPerTx < 1 || maxPerTx > MAX_ACCOUNT_ROUNDS_PER_TX) {
    throw new Error(`maxPerTx must be an integer from 1 to ${MAX_ACCOUNT_ROUNDS_PER_TX}, not ${maxPerTx}`);
  }
  if (gasBudget <= 0n) throw new Error(`the gas budget must be positive, not ${gasBudget}`);
  if (!Number.isInteger(roundWindow) || roundWindow < 1)
    throw new Error(`the round window must be a positive integer, not ${roundWindow}`);

  const accounts = options.accounts ?? (await stakersFromEvents(stake, options.fromBlock, options.logBlockRange));
  const book = new RoundBook(stake, options.roundsDir);
  const report: KeeperReport = {
    accounts: accounts.length,
    upToDate: 0,
    settledAccountRounds: 0,
    spanAccountRounds: 0,
    spanSegments: 0,
    transactions: [],
    waiting: [],
    blocked: [],
    failures: [],
    cannotProve: [],
    settledUnprovable: [],
    complete: true,
    transportFailures: 0,
    treesLoaded: 0,
    mostTreesHeld: 0,
  };
  const stuckAt = new Map<string, bigint>(); // account → a round that reverts for it: settle only up to it
  let remaining = new Set(accounts); // accounts that may still have rounds to settle in this window
  let deferred = new Set<string>(); // accounts with rounds after this window
  let nextWindowStart: bigint | undefined; // the lowest nextSettleRound among the deferred accounts
  const plannedUnprovable = new Map<string, Unprovable>(); // `${account}:${round}` → why it settles as zero
  let sendFailures = 0;
  let transportFailuresInARow = 0;
  let planLimit = maxPerTx; // learned from gas estimates, so most batches fit the budget at the first estimate
  // Learned from the node: a batch size whose estimate it refused (e.g. Hardhat's, which tries a gas limit over its
  // EIP-7825 cap for batches well under it) is not planned again, so each batch costs one estimate, not two or more.
  let nodeLimit = maxPerTx;
  // The window starts at the lowest round any account has left: trees are loaded for at most roundWindow rounds.
  let windowEnd = (await lowestUnsettledRound(stake, accounts)) + BigInt(roundWindow);
  const useSpans = options.spans ?? true;
  const minSpanRounds = options.minSpanRounds ?? DEFAULT_MIN_SPAN_ROUNDS;
  if (!Number.isInteger(minSpanRounds) || minSpanRounds < 1)
    throw new Error(`minSpanRounds must be a positive integer, not ${minSpanRounds}`);
  const spanRounds = new SpanRounds(stake);
  const noSpans = new Map<string, bigint>(); // account → its nextSettleRound when a span of it reverted: per round from there
  let spanLimit = maxPerTx; // span entries per settleSpans, learned from gas estimates like planLimit
  log(
    `keeper: ${accounts.length} account(s); up to ${maxPerTx} account-rounds and ${gasBudget} gas per transaction; ` +
      `${roundWindow} round(s) at a time`,
  );

  for (;;) {
    if (options.maxBatches !== undefined && report.transactions.length >= options.maxBatches) {
      report.complete = remaining.size === 0 && deferred.size === 0;
      if (!report.complete)
        log(`keeper: stopping after ${options.maxBatches} transaction(s) as asked; run again to go on`);
      break;
    }
    try {
      book.forgetWaiting();
      const now = await chainTime(stake);
      const current = await stake.currentRound();

      // Plan: the next accounts with work in this window, up to planLimit account-rounds; accounts whose backlog
      // starts with a span go into a settleSpans batch instead (sent first).
      const batch: AccountResults[] = [];
      const spanBatch: SpanEntry[] = [];
      let size = 0;
      let spanBoundaries = 0;
      for (const account of [...remaining]) {
        if (size >= planLimit || spanBatch.length >= spanLimit || spanBoundaries >= MAX_ACCOUNT_ROUNDS_PER_TX) break;
        let stopBefore = minRound(stuckAt.get(account), windowEnd);
        if (useSpans) {
          const view = await stake.accountOf(account);
          const skip = noSpans.get(account);
          if (skip === undefined || skip !== view.nextSettleRound) {
            noSpans.delete(account);
            const models = [...(await stake.modelsOf(account))];
            const ctx = { stake, book, rounds: spanRounds, now, current, minSpanRounds };
            const { piece, weights } = await firstPiece(ctx, account, view, models);
            if (piece.kind === "spans" && weights) {
              const room = MAX_ACCOUNT_ROUNDS_PER_TX - spanBoundaries;
              const boundaries = piece.boundaries.slice(0, Math.max(2, room));
              if (boundaries.length <= room) {
                spanBatch.push(await spanEntry({ book, now }, account, models, boundaries, weights));
                spanBoundaries += boundaries.length;
              }
              continue;
            }
            if (piece.kind === "rounds" && piece.spanFrom !== undefined)
              stopBefore = minRound(stopBefore, piece.spanFrom);
          }
          // A settleSpans batch goes first and everything is planned again after it: no per-round planning now.
          if (spanBatch.length > 0) continue;
        }
        const plan = await planAccount(stake, book, account, now, current, planLimit - size, stopBefore, windowEnd);
        for (const u of plan.unprovable) plannedUnprovable.set(`${u.account}:${u.round}`, u);
        const cannot = [...plan.cannotProve];
        if (plan.stop?.proofDeadline !== undefined) {
          const { round, reason, proofDeadline } = plan.stop;
          cannot.push({ account, round, proofDeadline, reason });
        }
        for (const u of cannot)
          if (!report.cannotProve.some((k) => k.account === u.account && k.round === u.round))
            report.cannotProve.push(u);
        if (plan.results) {
          batch.push(plan.results);
          size += plan.results.results.length;
          continue;
        }
        remaining.delete(account); // nothing settleable in this window
        if (plan.deferred) {
          deferred.add(account);
          nextWindowStart = minRound(nextWindowStart, plan.nextSettleRound);
        } else if (plan.stop?.kind === "waiting") addStop(report.waiting, account, plan.stop);
        else if (plan.stop?.kind === "blocked") addStop(report.blocked, account, plan.stop);
        else if (!stuckAt.has(account)) report.upToDate++;
      }
      report.mostTreesHeld = Math.max(report.mostTreesHeld, book.heldTrees().length);
      if (spanBatch.length > 0) {
        const outcome = await sendSpans(stake, spanBatch, gasBudget, noSpans, report, log);
        if (outcome.kind === "sent") {
          sendFailures = 0;
          spanLimit = Math.max(1, Math.min(maxPerTx, outcome.nextLimit));
        } else if (outcome.kind === "failed") {
          sendFailures++;
          if (sendFailures >= MAX_CONSECUTIVE_SEND_FAILURES) {
            report.failures.push({
              round: BigInt(spanBatch[0]!.boundaries[0]!.round) + 1n,
              reason: `settleSpans failed ${sendFailures} times in a row: ${outcome.reason}`,
              accounts: spanBatch.map((a) => a.account),
            });
            report.complete = false;
            break;
          }
        }
        transportFailuresInARow = 0;
        continue;
      }
      if (batch.length === 0) {
        if (deferred.size === 0 || nextWindowStart === undefined) break;
        // Every account still at work has settled past the rounds before the next window: their trees can go.
        book.evictBefore(nextWindowStart);
        windowEnd = nextWindowStart + BigInt(roundWindow);
        log(`keeper: rounds before ${nextWindowStart} done; next window: rounds ${nextWindowStart}-${windowEnd - 1n}`);
        [remaining, deferred, nextWindowStart] = [deferred, new Set(), undefined];
        continue;
      }

      const fitted = await fitGasBudget(stake, batch, gasBudget);
      if (fitted.kind === "reverts") {
        // Find the accounts that cannot settle alone; the next plan settles them only up to their failing round.
        const found = await isolateFailures(stake, book, batch, now, current, stuckAt, windowEnd);
        for (const f of found) {
          stuckAt.set(f.account, f.round);
          addStop(report.failures, f.account, f);
        }
        if (found.length === 0) {
          const { round } = firstOf(batch);
          const reason = `settleBatch reverts, yet every account settles alone: ${fitted.reason}`;
          report.failures.push({ round, reason, accounts: batch.map((a) => a.account) });
          report.complete = false;
          break;
        }
        continue;
      }
      if (fitted.kind === "too-big") {
        const { account, round } = firstOf(batch);
        stuckAt.set(account, round);
        addStop(report.failures, account, {
          round,
          reason: `one round alone needs ${fitted.gas} gas, over the gas budget`,
        });
        continue;
      }

      const sent = fitted.batch;
      const rounds = countRounds(sent);
      if (fitted.refusedLarger) nodeLimit = Math.min(nodeLimit, rounds);
      planLimit = Math.max(1, Math.min(nodeLimit, Number((BigInt(rounds) * gasBudget) / fitted.gas)));
      try {
        const tx = await sendSettleBatch(stake, sent, fitted.gas + fitted.gas / 10n);
        const receipt = await tx.wait();
        if (!receipt || receipt.status !== 1) throw new Error(`transaction ${tx.hash} was not mined successfully`);
        sendFailures = 0;
        report.settledAccountRounds += rounds;
        for (const a of sent)
          for (const r of a.results) {
            const u = r.unprovable ? plannedUnprovable.get(`${a.account}:${BigInt(r.round)}`) : undefined;
            if (u) report.settledUnprovable.push(u);
          }
        report.transactions.push({
          kind: "settleBatch",
          hash: tx.hash,
          accounts: sent.length,
          accountRounds: rounds,
          gasUsed: receipt.gasUsed,
        });
        log(
          `keeper: batch ${report.transactions.length}: ${rounds} account-round(s) of ${sent.length} account(s) in ${tx.hash}, ` +
            `gas ${receipt.gasUsed} (${receipt.gasUsed / BigInt(rounds)} per account-round, estimated ${fitted.gas}); ` +
            `${report.settledAccountRounds} settled so far`,
        );
      } catch (e) {
        if (transportFailureOf(e) !== undefined) throw e; // no answer: not a failed transaction (handled below)
        // State is re-read before the next batch, so a failed send is simply planned again (up to a limit).
        const reason = describeFailure(e, stake);
        sendFailures++;
        log(`keeper: a settleBatch transaction failed (${reason}); re-reading the chain and trying again`);
        if (sendFailures >= MAX_CONSECUTIVE_SEND_FAILURES) {
          const accountsInBatch = sent.map((a) => a.account);
          report.failures.push({
            round: firstOf(sent).round,
            reason: `settleBatch failed ${sendFailures} times in a row: ${reason}`,
            accounts: accountsInBatch,
          });
          report.complete = false;
          break;
        }
      }
      transportFailuresInARow = 0;
    } catch (e) {
      // No answer from the node (the provider's retries exhausted, or a send's answer lost). Nothing is assumed: the
      // next iteration re-reads every account, so a transaction that did get mined is not sent again.
      const failure = transportFailureOf(e);
      if (failure === undefined) throw e;
      report.transportFailures++;
      transportFailuresInARow++;
      if (transportFailuresInARow >= MAX_CONSECUTIVE_TRANSPORT_FAILURES) {
        report.failures.push({
          round: 0n,
          reason: `no answer from the node ${transportFailuresInARow} times in a row (${failure}); run again later`,
          accounts: [...remaining, ...deferred],
        });
        report.complete = false;
        break;
      }
      const delay = TRANSPORT_BACKOFF_MS * 2 ** (transportFailuresInARow - 1);
      log(
        `keeper: no answer from the node (${failure}), ${transportFailuresInARow}/${MAX_CONSECUTIVE_TRANSPORT_FAILURES}; ` +
          `re-reading the chain and planning again in ${delay} ms`,
      );
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
  report.treesLoaded = book.treesLoaded;
  book.evictBefore(2n ** 32n);
  logSummary(report, log);
  return report;
}

const minRound = (a: bigint | undefined, b: bigint | undefined) =>
  a === undefined ? b : b === undefined ? a : a < b ? a : b;

/** The lowest nextSettleRound among accounts that ever deposited (0 when none has). */
async function lowestUnsettledRound(stake: PortfolioStake, accounts: string[]): Promise<bigint> {
  let lowest: bigint | undefined;
  for (const account of accounts) {
    const { nextSettleRound } = await stake.accountOf(account);
    if (nextSettleRound !== 0n) lowest = minRound(lowest, nextSettleRound);
  }
  return lowest ?? 0n;
}

/**
 * The account's settleable rounds from its nextSettleRound, in order, up to `limit` and before `stopBefore`;
 * `deferred` when it stopped at `windowEnd` with rounds left.
 */
async function planAccount(
  stake: PortfolioStake,
  book: RoundBook,
  account: string,
  now: bigint,
  current: bigint,
  limit: number,
  stopBefore: bigint | undefined,
  windowEnd: bigint,
): Promise<AccountPlan> {
  const view = await stake.accountOf(account);
  const nextSettleRound = view.nextSettleRound;
  const none = { results: null, unprovable: [], cannotProve: [], nextSettleRound, deferred: false };
  if (nextSettleRound === 0n) return none; // never deposited
  const models = [...(await stake.modelsOf(account))];
  const results = [];
  const unprovable: Unprovable[] = [];
  const cannotProve: Unprovable[] = [];
  let stop: AccountPlan["stop"];
  let deferred = false;
  for (let round = nextSettleRound; round <= current && results.length < limit; round++) {
    if (stopBefore !== undefined && round >= stopBefore) {
      deferred = round >= windowEnd;
      break;
    }
    const status = await book.status(round, now);
    if (status.kind === "published") {
      // A round whose tree lacks one of the account's weighted models cannot be proven for it (the root is final):
      // it is reported (the settleBatch still fails, MissingModelResult, as a failure) until its proof deadline, then
      // counts as zero.
      const missing = await missingWeightedLeaf(stake, account, round, models, status.tree);
      if (missing === undefined) {
        results.push(accountRoundResult(round, status.tree, models));
        continue;
      }
      const reason = `round ${round}'s published tree has no leaf for model ${missing}, which the account weights`;
      if (now > status.proofDeadline) {
        results.push(unprovableRoundResult(round));
        unprovable.push({ account, round, proofDeadline: status.proofDeadline, reason });
        continue;
      }
      cannotProve.push({ account, round, proofDeadline: status.proofDeadline, reason });
      results.push(accountRoundResult(round, status.tree, models));
    } else if (status.kind === "expired") results.push(accountRoundResult(round, null, models));
    else if (status.kind === "unprovable") {
      results.push(unprovableRoundResult(round));
      const info = await stake.roundInfo(round);
      unprovable.push({ account, round, proofDeadline: info.proofDeadline, reason: status.reason });
    } else {
      stop =
        status.kind === "blocked"
          ? { round, kind: status.kind, reason: status.reason, proofDeadline: status.proofDeadline }
          : { round, kind: status.kind, reason: status.reason };
      break;
    }
  }
  return {
    results: results.length ? { account, models, results } : null,
    stop,
    unprovable,
    cannotProve,
    nextSettleRound,
    deferred,
  };
}

/** A model the account weights in `round` that the published tree of the round has no leaf for, if any. */
async function missingWeightedLeaf(
  stake: PortfolioStake,
  account: string,
  round: bigint,
  models: string[],
  tree: IndexedRoundTree,
): Promise<string | undefined> {
  // Usually every model of the account has a leaf: then nothing can be missing, and no weights need reading (one
  // eth_call per account-round saved, a third of a batch's reads).
  if (models.every((id) => id === ZERO_MODEL || tree.leafIndexByModel.has(id.toLowerCase()))) return undefined;
  const [, weights] = await stake.allocationAt(account, round);
  return models.find(
    (id, slot) => weights[slot] !== 0n && id !== ZERO_MODEL && !tree.leafIndexByModel.has(id.toLowerCase()),
  );
}

const ZERO_MODEL = "0x" + "00".repeat(16);

/**
 * settleBatch estimated and sent by the contract's signer with calldata encoded in chunks (settleCalldata.ts): the
 * contract object's own encoding of a 64 account-round batch is one synchronous block of up to a second.
 */
function signerOf(stake: PortfolioStake) {
  const runner = stake.runner;
  if (!runner?.estimateGas || !runner.sendTransaction)
    throw new Error("the keeper needs the PortfolioStake contract connected to a signer");
  return { estimateGas: runner.estimateGas.bind(runner), sendTransaction: runner.sendTransaction.bind(runner) };
}

async function estimateSettleBatch(stake: PortfolioStake, batch: AccountResults[]): Promise<bigint> {
  const data = await settleBatchCalldata(stake.interface, batch);
  return signerOf(stake).estimateGas({ to: await stake.getAddress(), data });
}

async function sendSettleBatch(stake: PortfolioStake, batch: AccountResults[], gasLimit: bigint) {
  const data = await settleBatchCalldata(stake.interface, batch);
  return signerOf(stake).sendTransaction({ to: await stake.getAddress(), data, gasLimit });
}

type Fitted =
  | { kind: "fits"; batch: AccountResults[]; gas: bigint; refusedLarger: boolean } // refusedLarger: see fitGasBudget
  | { kind: "reverts"; reason: string }
  | { kind: "too-big"; gas: bigint };

/** Shrinks the batch (from its end) until its gas estimate is within the budget; estimates scale with its size. */
async function fitGasBudget(stake: PortfolioStake, batch: AccountResults[], budget: bigint): Promise<Fitted> {
  let candidate = batch;
  let refusedLarger = false; // the node refused the estimate of a larger batch (its gas cap)
  for (;;) {
    let gas: bigint;
    try {
      gas = await estimateSettleBatch(stake, candidate);
    } catch (e) {
      if (transportFailureOf(e) !== undefined) throw e; // no answer is not a revert: the keeper plans again
      // Without revert data the node refused the estimate itself, e.g. "transaction gas limit (20881491) is greater
      // than the cap (16777216)" (EIP-7825): too big, not a revert. Halve it; one account-round alone is reported.
      const size = countRounds(candidate);
      if (revertData(e) !== undefined || size === 1) return { kind: "reverts", reason: describeFailure(e, stake) };
      candidate = firstAccountRounds(candidate, Math.floor(size / 2));
      refusedLarger = true;
      continue;
    }
    if (gas <= budget) return { kind: "fits", batch: candidate, gas, refusedLarger };
    const size = countRounds(candidate);
    if (size === 1) return { kind: "too-big", gas };
    const target = Number((BigInt(size) * budget * 95n) / (gas * 100n)); // 5% under, for the fixed overhead
    candidate = firstAccountRounds(candidate, Math.max(1, Math.min(size - 1, target)));
  }
}

/**
 * For each account of a reverting batch, re-planned from fresh state: if it does not settle alone, the longest
 * prefix of its rounds that does (binary search: a prefix that reverts stays reverting when extended). Returns the
 * accounts that fail, each at its first failing round, for the caller to record in `stuckAt` with the failure (so an
 * isolation cut short by a dropped connection records nothing, and is done again from fresh state).
 */
async function isolateFailures(
  stake: PortfolioStake,
  book: RoundBook,
  batch: AccountResults[],
  now: bigint,
  current: bigint,
  stuckAt: ReadonlyMap<string, bigint>,
  windowEnd: bigint,
): Promise<{ account: string; round: bigint; reason: string }[]> {
  const failures = [];
  for (const planned of batch) {
    const { account } = planned;
    const stopBefore = minRound(stuckAt.get(account), windowEnd);
    const fresh = await planAccount(stake, book, account, now, current, planned.results.length, stopBefore, windowEnd);
    if (!fresh.results) continue; // settled by someone else meanwhile
    const plan = fresh.results;
    const attempt = async (n: number) => {
      try {
        await estimateSettleBatch(stake, [{ ...plan, results: plan.results.slice(0, n) }]);
        return null;
      } catch (e) {
        if (transportFailureOf(e) !== undefined) throw e; // no answer is not a revert: the keeper plans again
        return describeFailure(e, stake);
      }
    };
    const whole = await attempt(plan.results.length);
    if (whole === null) continue;
    let good = 0; // the longest prefix known to settle
    let bad = plan.results.length; // the shortest prefix known to revert
    let reason = whole;
    while (bad - good > 1) {
      const mid = Math.floor((good + bad) / 2);
      const failure = await attempt(mid);
      if (failure === null) good = mid;
      else [bad, reason] = [mid, failure];
    }
    const round = BigInt(at(plan.results, good, `planned rounds of ${account}`).round);
    failures.push({ account, round, reason: explain(reason) });
  }
  return failures;
}

/** What the contract's settlement errors mean for whoever runs the keeper. */
const HINTS: Record<string, string> = {
  MissingModelResult:
    "the round's published tree has no leaf for one of the account's weighted models (the operator's tree is incomplete); after the round's proof deadline the keeper settles it as zero",
  InvalidProof: "the proof does not verify against the root on chain",
  ModelListMismatch: "the account's model list changed while planning; run again",
  RoundOutOfOrder: "the results skip a round (rounds already settled are skipped, never a gap); run again",
  ProofGracePeriodActive: "the round cannot be proven for this account and its proof grace period is not over yet",
};

function explain(reason: string): string {
  const name = /^(\w+)\(/.exec(reason)?.[1];
  return name && HINTS[name] ? `${reason}: ${HINTS[name]}` : reason;
}

/** The first account of a batch and its first round (a planned account always has at least one round). */
function firstOf(batch: AccountResults[]): { account: string; round: bigint } {
  const first = at(batch, 0, "batch");
  const { account } = first;
  return { account, round: BigInt(at(first.results, 0, `planned rounds of ${account}`).round) };
}

function countRounds(batch: AccountResults[]): number {
  return batch.reduce((n, a) => n + a.results.length, 0);
}

/** The batch's first `n` account-rounds; an account cut short keeps its earliest rounds (they settle in order). */
function firstAccountRounds(batch: AccountResults[], n: number): AccountResults[] {
  const out: AccountResults[] = [];
  for (const a of batch) {
    if (n <= 0) break;
    const results = a.results.slice(0, n);
    out.push({ ...a, results });
    n -= results.length;
  }
  return out;
}

function addStop(list: StoppedAt[], account: string, stop: { round: bigint; reason: string }) {
  const same = list.find((s) => s.round === stop.round && s.reason === stop.reason);
  if (same) same.accounts.push(account);
  else list.push({ round: stop.round, reason: stop.reason, accounts: [account] });
}

const isoDate = (seconds: bigint) => new Date(Number(seconds) * 1000).toISOString();

function logSummary(report: KeeperReport, log: (line: string) => void) {
  for (const u of report.cannotProve)
    log(
      `keeper: cannot prove round ${u.round} for ${u.account}: ${u.reason}; it settles as zero after ${isoDate(u.proofDeadline)} (its proof deadline) unless proven before`,
    );
  for (const u of report.settledUnprovable)
    log(
      `keeper: settled round ${u.round} for ${u.account} as unprovable (zero): past its proof deadline ${isoDate(u.proofDeadline)}; ${u.reason}`,
    );
  for (const w of report.waiting) log(`keeper: ${w.accounts.length} account(s) wait at round ${w.round}: ${w.reason}`);
  for (const b of report.blocked)
    log(`keeper: ${b.accounts.length} account(s) blocked at round ${b.round}: ${b.reason}`);
  for (const f of report.failures) log(`keeper: FAILED for ${f.accounts.join(", ")} at round ${f.round}: ${f.reason}`);
  const count = (list: StoppedAt[]) => list.reduce((n, s) => n + s.accounts.length, 0);
  log(
    `keeper: ${report.complete ? "done" : "stopped early"}: ${report.settledAccountRounds} account-round(s) in ` +
      `${report.transactions.length} transaction(s)` +
      (report.spanAccountRounds > 0
        ? ` (${report.spanAccountRounds} of them in ${report.spanSegments} span segment(s) by settleSpans)`
        : "") +
      `; of ${report.accounts} account(s): ${report.upToDate} up to date, ` +
      `${count(report.waiting)} waiting for a round, ${count(report.blocked) + count(report.failures)} blocked or failed`,
  );
}

type SpanOutcome = { kind: "sent"; nextLimit: number } | { kind: "failed"; reason: string } | { kind: "replan" };

/**
 * Fits a settleSpans batch to the gas budget (dropping entries from the end, or the last segments of a lone entry)
 * and sends it. An entry the contract refuses (a stake checkpoint or a vector the plan could not see, a balance that
 * fell meanwhile) is not retried as a span: its account settles round by round from where it is (`noSpans`).
 */
async function sendSpans(
  stake: PortfolioStake,
  planned: SpanEntry[],
  budget: bigint,
  noSpans: Map<string, bigint>,
  report: KeeperReport,
  log: (line: string) => void,
): Promise<SpanOutcome> {
  let candidate = planned;
  let gas: bigint;
  for (;;) {
    try {
      gas = await stake.settleSpans.estimateGas(candidate);
    } catch (e) {
      if (transportFailureOf(e) !== undefined) throw e; // no answer is not a revert: the keeper plans again
      const size = candidate.length;
      if (revertData(e) === undefined && (size > 1 || at(candidate, 0).boundaries.length > 2)) {
        candidate = shrinkSpans(candidate); // the node's own gas cap, not a revert
        continue;
      }
      // Which entries revert alone: they go per round; the others are planned again (and sent) next time.
      let culprits = 0;
      for (const entry of candidate) {
        try {
          await stake.settleSpans.estimateGas([entry]);
        } catch (err) {
          if (transportFailureOf(err) !== undefined) throw err;
          culprits++;
          const { nextSettleRound } = await stake.accountOf(entry.account);
          noSpans.set(entry.account, nextSettleRound);
          log(
            `keeper: settleSpans refused for ${entry.account} (${describeFailure(err, stake)}); settling it round by round`,
          );
        }
      }
      if (culprits === 0)
        for (const entry of candidate)
          noSpans.set(entry.account, (await stake.accountOf(entry.account)).nextSettleRound);
      return { kind: "replan" };
    }
    if (gas <= budget) break;
    if (candidate.length === 1 && at(candidate, 0).boundaries.length <= 2) {
      noSpans.set(at(candidate, 0).account, (await stake.accountOf(at(candidate, 0).account)).nextSettleRound);
      log(
        `keeper: one span of ${at(candidate, 0).account} needs ${gas} gas, over the budget; settling it round by round`,
      );
      return { kind: "replan" };
    }
    candidate = shrinkSpans(candidate, Number((BigInt(candidate.length) * budget * 95n) / (gas * 100n)));
  }
  try {
    const tx = await stake.settleSpans(candidate, { gasLimit: gas + gas / 10n });
    const receipt = await tx.wait();
    if (!receipt || receipt.status !== 1) throw new Error(`transaction ${tx.hash} was not mined successfully`);
    // What was settled is read from the receipt: an entry overtaken meanwhile (front-run) was skipped as a no-op.
    let rounds = 0;
    let segments = 0;
    const address = (await stake.getAddress()).toLowerCase();
    for (const entry of receipt.logs) {
      if (entry.address.toLowerCase() !== address) continue;
      const parsed = stake.interface.parseLog(entry);
      if (parsed?.name !== "SpanSettled") continue;
      segments++;
      rounds += Number(BigInt(parsed.args.toRound as bigint) - BigInt(parsed.args.fromRound as bigint)) + 1;
    }
    report.settledAccountRounds += rounds;
    report.spanAccountRounds += rounds;
    report.spanSegments += segments;
    report.transactions.push({
      kind: "settleSpans",
      hash: tx.hash,
      accounts: candidate.length,
      accountRounds: rounds,
      gasUsed: receipt.gasUsed,
    });
    log(
      `keeper: batch ${report.transactions.length}: settleSpans, ${rounds} account-round(s) in ${segments} segment(s) ` +
        `of ${candidate.length} account(s) in ${tx.hash}, gas ${receipt.gasUsed} ` +
        `(${receipt.gasUsed / BigInt(Math.max(1, rounds))} per account-round, estimated ${gas}); ` +
        `${report.settledAccountRounds} settled so far`,
    );
    return { kind: "sent", nextLimit: Number((BigInt(candidate.length) * budget) / gas) };
  } catch (e) {
    if (transportFailureOf(e) !== undefined) throw e; // no answer: planned again from the chain
    const reason = describeFailure(e, stake);
    log(`keeper: a settleSpans transaction failed (${reason}); re-reading the chain and trying again`);
    return { kind: "failed", reason };
  }
}

/** A smaller span batch: the first `entries` entries (default half), or a lone entry's first half of segments. */
function shrinkSpans(batch: SpanEntry[], entries = Math.floor(batch.length / 2)): SpanEntry[] {
  if (batch.length > 1) return batch.slice(0, Math.max(1, Math.min(batch.length - 1, entries)));
  const only = at(batch, 0);
  const keep = Math.max(2, Math.ceil(only.boundaries.length / 2));
  return [{ ...only, boundaries: only.boundaries.slice(0, keep) }];
}
