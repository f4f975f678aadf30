/**
 * Batch rebalance: target weight vectors from a file → checked against the chain → before/after tables → as few
 * transactions as the gas budget allows. Nothing is sent unless every account, model and weight is valid and every
 * call passes eth_estimateGas on its own.
 *
 * Safe to re-run, after a crash too: each run re-reads every account's pending vector (the one for the next round)
 * and skips accounts already at target, and a journal (stateFile) of sent hashes makes a run first wait for
 * transactions an earlier run sent but did not see mined. The CLI is scripts/rebalance.ts; the file format is in
 * scripts/lib/rebalanceFile.ts.
 */
import { writeFileSync } from "node:fs";
import type { Provider, Signer, TransactionReceipt } from "ethers";
import type { PortfolioStake } from "../../typechain-types";
import {
  DEFAULT_GAS_BUDGET,
  chunkCalls,
  encodeSetAllocationBySig,
  encodeSetAllocationFor,
  estimateCalls,
  signAllocation,
  transactionData,
  type AllocationCall,
  type Mode,
  type SignedAllocation,
} from "./rebalanceCalls";
import type { RebalanceRequest } from "@portfolio-stake/core/rebalanceFile";
import { Journal, waitForReceipt, type WaitOptions } from "./rebalanceJournal";
import { checkAgainstChain, formatPlanTable, type AccountPlan } from "./rebalancePlan";

export { MODES, DEFAULT_GAS_BUDGET, type Mode, type SignedAllocation } from "./rebalanceCalls";
export { parseRebalanceCsv, parseRebalanceJson, type RebalanceRequest } from "@portfolio-stake/core/rebalanceFile";
export { readRebalanceFile, readNamesFile } from "./rebalanceFileRead";
export { formatPlanTable, type AccountPlan } from "./rebalancePlan";

/** Default lifetime of a signature in signed mode. */
export const DEFAULT_DEADLINE_SECONDS = 3_600;

export interface SentTransaction {
  index: number; // 1-based, of `total` in this run
  total: number;
  hash: string;
  accounts: string[];
}

/** Called around each transaction (tests inject crashes here). */
export interface RebalanceHooks {
  afterSend?: (tx: SentTransaction) => unknown;
  afterMined?: (tx: SentTransaction, receipt: TransactionReceipt) => unknown;
}

export interface RebalanceOptions {
  mode?: Mode; // default multicall
  dryRun?: boolean;
  gasBudget?: bigint; // per transaction (default 10,000,000; never above 90% of the block gas limit)
  stateFile?: string;
  /** Signed mode: who submits the signatures (a relayer); default the signer. */
  sender?: Signer;
  deadlineSeconds?: number;
  /** Signed mode: also write the signed reallocations here (with DRY_RUN, for a relayer to submit). */
  signaturesFile?: string;
  log?: (line: string) => void;
  wait?: WaitOptions;
  hooks?: RebalanceHooks;
}

export interface RebalanceReport {
  plans: AccountPlan[];
  changed: AccountPlan[];
  skipped: AccountPlan[];
  /** Accounts per planned transaction. */
  batches: { accounts: string[]; estimatedGas: bigint }[];
  transactions: { hash: string; accounts: string[]; gasUsed: bigint; block: number }[];
  signatures: SignedAllocation[];
}

/** Everything wrong with a rebalance, found before anything was sent. */
export class RebalanceValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`${problems.length} problem(s) found; nothing was sent:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "RebalanceValidationError";
  }
}

export async function runRebalance(
  stake: PortfolioStake,
  signer: Signer,
  request: RebalanceRequest,
  options: RebalanceOptions = {},
): Promise<RebalanceReport> {
  const log = options.log ?? console.log;
  const mode = options.mode ?? "multicall";
  const sender = options.sender ?? signer;
  const provider = requireProvider(signer);
  const [signerAddress, senderAddress, network] = await Promise.all([
    signer.getAddress(),
    sender.getAddress(),
    provider.getNetwork(),
  ]);
  const journal = options.stateFile
    ? Journal.open(options.stateFile, network.chainId, await stake.getAddress())
    : undefined;
  if (journal) await finishEarlierTransactions(journal, provider, log, options.wait);
  await checkNoPendingTransactions(provider, senderAddress, options.dryRun ?? false, log);

  // Validate everything first: the file's problems and the chain's, reported together.
  const check = await checkAgainstChain(stake, signerAddress, request);
  const problems = [...request.problems, ...check.problems];
  if (problems.length) throw new RebalanceValidationError(problems);

  for (const plan of check.plans) for (const line of formatPlanTable(plan, request.modelNames)) log(line);
  const changed = check.plans.filter((p) => !p.atTarget);
  const skipped = check.plans.filter((p) => p.atTarget);
  const report: RebalanceReport = {
    plans: check.plans,
    changed,
    skipped,
    batches: [],
    transactions: [],
    signatures: [],
  };
  if (!changed.length) {
    log(`Nothing to send: ${skipped.length} account(s) already at target for round ${check.effectiveRound}.`);
    return report;
  }

  const unsigned = await buildCalls(
    stake,
    signer,
    provider,
    mode,
    changed,
    options.deadlineSeconds ?? DEFAULT_DEADLINE_SECONDS,
  );
  report.signatures = unsigned.flatMap((c) => (c.signed ? [c.signed] : []));
  const estimated = await estimateCalls(stake, provider, senderAddress, unsigned);
  if (estimated.problems.length) throw new RebalanceValidationError(estimated.problems);
  const budget = await effectiveBudget(provider, options.gasBudget ?? DEFAULT_GAS_BUDGET);
  const chunks = await chunkCalls(stake, provider, senderAddress, estimated.calls, budget);
  report.batches = chunks.map((c) => ({ accounts: c.calls.map((x) => x.account), estimatedGas: c.gas }));

  log(
    `Plan: ${changed.length} account(s) to change (${skipped.length} already at target), in ${chunks.length} ` +
      `transaction(s) (${mode} mode, gas budget ${budget} per transaction), effective from round ${check.effectiveRound}.`,
  );
  chunks.forEach((c, i) => log(`  tx ${i + 1}: ${c.calls.length} account(s), about ${c.gas} gas`));
  if (options.signaturesFile && mode === "signed") {
    writeSignatures(
      options.signaturesFile,
      stake,
      report.signatures,
      chunks.map((c) => c.calls),
    );
    log(`Wrote ${report.signatures.length} signed reallocation(s) to ${options.signaturesFile}.`);
  }
  if (options.dryRun) {
    log("Dry run: nothing sent.");
    return report;
  }

  const to = await stake.getAddress();
  for (const [i, chunk] of chunks.entries()) {
    const accounts = chunk.calls.map((c) => c.account);
    const response = await sender.sendTransaction({ to, data: transactionData(stake, chunk.calls) });
    const sent: SentTransaction = { index: i + 1, total: chunks.length, hash: response.hash, accounts };
    journal?.recordSent(response.hash, accounts);
    log(
      `[${sent.index}/${sent.total}] sent ${response.hash} (${accounts.length} account(s)); waiting for it to be mined…`,
    );
    await options.hooks?.afterSend?.(sent);
    const receipt = await waitForReceipt(provider, response.hash, options.wait);
    journal?.recordOutcome(response.hash, receipt);
    if (!receipt || receipt.status !== 1) {
      const outcome = receipt ? "reverted" : "was dropped";
      throw new Error(`${response.hash} ${outcome}; run again to finish (accounts already at target are skipped)`);
    }
    report.transactions.push({ hash: receipt.hash, accounts, gasUsed: receipt.gasUsed, block: receipt.blockNumber });
    log(`[${sent.index}/${sent.total}] mined in block ${receipt.blockNumber}, ${receipt.gasUsed} gas`);
    await options.hooks?.afterMined?.(sent, receipt);
  }
  log(
    `Done: ${changed.length} account(s) changed in ${report.transactions.length} transaction(s), effective from round ${check.effectiveRound}.`,
  );
  return report;
}

function requireProvider(signer: Signer): Provider {
  if (!signer.provider) throw new Error("the signer has no provider: connect it to the network");
  return signer.provider;
}

async function buildCalls(
  stake: PortfolioStake,
  signer: Signer,
  provider: Provider,
  mode: Mode,
  plans: AccountPlan[],
  deadlineSeconds: number,
): Promise<{ account: string; data: string; signed?: SignedAllocation }[]> {
  if (mode === "multicall")
    return plans.map((plan) => ({ account: plan.account, data: encodeSetAllocationFor(stake, plan) }));
  // The chain's clock, not this machine's: the contract compares the deadline with block.timestamp.
  const latest = await provider.getBlock("latest");
  const deadline = BigInt(latest!.timestamp) + BigInt(deadlineSeconds);
  const calls = [];
  for (const plan of plans) {
    const signed = await signAllocation(stake, signer, plan, deadline);
    calls.push({ account: plan.account, data: encodeSetAllocationBySig(stake, signed), signed });
  }
  return calls;
}

/** Waits for the transactions an earlier run sent but did not see mined, before the chain is read again. */
async function finishEarlierTransactions(
  journal: Journal,
  provider: Provider,
  log: (line: string) => void,
  wait?: WaitOptions,
) {
  for (const entry of journal.pending) {
    log(`Waiting for ${entry.hash} from an earlier run (${entry.accounts.length} account(s))…`);
    const receipt = await waitForReceipt(provider, entry.hash, wait);
    journal.recordOutcome(entry.hash, receipt);
    const outcome = !receipt
      ? "was dropped"
      : receipt.status === 1
        ? `was mined in block ${receipt.blockNumber}`
        : "reverted";
    log(`  ${entry.hash} ${outcome}`);
  }
}

/**
 * A transaction still in the mempool may carry the very changes this run would plan: refuse to send (the journal
 * resolves this by waiting for its hashes first).
 */
async function checkNoPendingTransactions(
  provider: Provider,
  sender: string,
  dryRun: boolean,
  log: (line: string) => void,
) {
  const [pending, mined] = await Promise.all([
    provider.getTransactionCount(sender, "pending"),
    provider.getTransactionCount(sender, "latest"),
  ]);
  if (pending <= mined) return;
  const message =
    `${pending - mined} transaction(s) from ${sender} are still pending and may already carry some of these changes; ` +
    "wait until they are mined (or re-run with the STATE_FILE of the run that sent them)";
  if (dryRun) log(`Warning: ${message}.`);
  else throw new Error(`${message}. Nothing was sent.`);
}

async function effectiveBudget(provider: Provider, budget: bigint): Promise<bigint> {
  const block = await provider.getBlock("latest");
  const ceiling = block ? (block.gasLimit * 9n) / 10n : budget;
  return budget < ceiling ? budget : ceiling;
}

function writeSignatures(
  file: string,
  stake: PortfolioStake,
  signatures: SignedAllocation[],
  chunks: AllocationCall[][],
) {
  const content = {
    contract: stake.target,
    signatures,
    // Ready-to-send calldata, one entry per transaction (to: the contract).
    transactions: chunks.map((calls) => transactionData(stake, calls)),
  };
  writeFileSync(file, JSON.stringify(content, null, 2) + "\n");
}
