/**
 * From a parsed rebalance file to per-account plans checked against the chain: whose account it is, whether every
 * model is registered to it, whether the contract would accept the vector now, and whether the account is already at
 * its target. Also the before/after table an operator reads before anything is sent.
 */
import { formatUnits } from "ethers";
import type { PortfolioStake } from "../../typechain-types";
import { at } from "@portfolio-stake/core/checks";
import { TOTAL_BPS, formatBps } from "@portfolio-stake/core/bps";
import type { AccountTarget, RebalanceRequest } from "@portfolio-stake/core/rebalanceFile";

export interface AccountPlan {
  account: string;
  where: string;
  /** How the signer may change the vector: as the account itself or as its manager. */
  role: "account" | "manager";
  /** The account's models in registry order: what is sent (the contract's cheapest path). */
  modelIds: string[];
  /** The vector in force from `effectiveRound` as things stand (pending changes included), registry order. */
  currentBps: number[];
  /** The vector of the round open now (differs from currentBps when a change is already pending). */
  inForceBps: number[];
  targetBps: number[];
  /** Stake put at risk in rounds that open from now on. */
  balance: bigint;
  effectiveRound: bigint;
  nonce: bigint;
  atTarget: boolean;
}

export interface ChainCheck {
  plans: AccountPlan[];
  problems: string[];
  effectiveRound: bigint;
}

/**
 * Reads every account's state and checks every rule the contract would enforce, so that a valid plan cannot revert.
 * Returns plans only for accounts without problems; `problems` lists the others in plain words.
 */
export async function checkAgainstChain(
  stake: PortfolioStake,
  signer: string,
  request: RebalanceRequest,
): Promise<ChainCheck> {
  const [current, maxModels, vectorHistory] = await Promise.all([
    stake.currentRound(),
    stake.MAX_MODELS(),
    stake.VECTOR_HISTORY(),
  ]);
  const effectiveRound = current + 1n;
  const problems: string[] = [];
  const checks = await Promise.all(
    request.accounts.map((target) => checkAccount(stake, signer, target, { effectiveRound, maxModels, vectorHistory })),
  );
  const plans: AccountPlan[] = [];
  for (const check of checks) {
    problems.push(...check.problems);
    if (check.plan && !check.problems.length) plans.push(check.plan);
  }
  return { plans, problems, effectiveRound };
}

interface Limits {
  effectiveRound: bigint;
  maxModels: bigint;
  vectorHistory: bigint;
}

async function checkAccount(
  stake: PortfolioStake,
  signer: string,
  target: AccountTarget,
  limits: Limits,
): Promise<{ plan?: AccountPlan; problems: string[] }> {
  const { account } = target;
  const label = `${account} (${target.where})`;
  const problems: string[] = [];
  const [registry, view, pending, inForce, nonce] = await Promise.all([
    stake.modelsOf(account),
    stake.accountOf(account),
    stake.allocationAt(account, limits.effectiveRound),
    stake.allocationAt(account, limits.effectiveRound - 1n),
    stake.nonces(account),
  ]);
  const modelIds = registry.map((id) => id.toLowerCase());

  const isAccount = signer.toLowerCase() === account.toLowerCase();
  const isManager = view.manager.toLowerCase() === signer.toLowerCase();
  if (!isAccount && !isManager) {
    const manager =
      view.manager === "0x0000000000000000000000000000000000000000"
        ? "it has no manager"
        : `its manager is ${view.manager}`;
    problems.push(
      `${label}: not your account: the signer ${signer} is neither this account nor its manager (${manager})`,
    );
  }
  if (modelIds.length === 0) problems.push(`${label}: the account has no registered models`);
  const listed = new Set(target.listedModels.map((m) => m.modelId)).size;
  if (BigInt(listed) > limits.maxModels) {
    problems.push(`${label}: ${listed} models listed; the contract allows at most ${limits.maxModels} per account`);
  }
  const seen = new Set<string>();
  for (const w of target.listedModels) {
    if (modelIds.includes(w.modelId) || seen.has(w.modelId)) continue;
    seen.add(w.modelId); // a duplicate is reported by the file check; one chain problem per model is enough
    const [owner] = await stake.modelOwner(w.modelId);
    if (owner === "0x0000000000000000000000000000000000000000") {
      problems.push(`${w.where}: unknown model ${w.modelId}: no account has it registered`);
    } else {
      problems.push(`${w.where}: model ${w.modelId} belongs to ${owner}, not to ${account}`);
    }
  }
  const behind = settlementBehind(view, limits);
  if (behind !== undefined) {
    problems.push(
      `${label}: settle the account first: a new vector would overwrite one still needed for round ${behind}, the next unsettled round (run the keeper)`,
    );
  }

  const targetBps = modelIds.map((id) => target.weights.find((w) => w.modelId === id)?.bps ?? 0);
  const currentBps = pending[1].map(Number);
  const plan: AccountPlan = {
    account,
    where: target.where,
    role: isAccount ? "account" : "manager",
    modelIds,
    currentBps,
    inForceBps: inForce[1].map(Number),
    targetBps,
    balance: view.balance,
    effectiveRound: limits.effectiveRound,
    nonce,
    atTarget: targetBps.every((bps, i) => bps === currentBps[i]),
  };
  return { plan, problems };
}

/** The contract's SettlementBehind rule (PortfolioStake._storeVector): the round blocking a new vector, if any. */
function settlementBehind(
  view: Awaited<ReturnType<PortfolioStake["accountOf"]>>,
  { effectiveRound, vectorHistory }: Limits,
): bigint | undefined {
  const replacesPending = view.lastAllocationRound === effectiveRound;
  const next = view.nextSettleRound;
  if (replacesPending || view.allocationCount < vectorHistory || next === 0n) return undefined;
  return effectiveRound - (vectorHistory - 1n) > next ? next : undefined;
}

// ──────────────────────────────────────────── Table ────────────────────────────────────────────

/** NMR (18 decimals) with 2 decimals, rounded down, thousands separated. */
export function formatNmr(wei: bigint): string {
  const negative = wei < 0n;
  const cents = (negative ? -wei : wei) / 10n ** 16n;
  const whole = formatUnits(cents / 100n, 0).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${negative ? "-" : ""}${whole}.${(cents % 100n).toString().padStart(2, "0")}`;
}

function row(cells: string[], widths: number[]): string {
  const padded = cells.map((c, i) => {
    const width = at(widths, i, "column widths");
    return i === 0 ? c.padEnd(width) : c.padStart(width);
  });
  return ("  " + padded.join("  ")).trimEnd();
}

/** The before/after table of one account: each model's current and target weight and the NMR each implies. */
export function formatPlanTable(plan: AccountPlan, modelNames: Map<string, string> = new Map()): string[] {
  const status = plan.atTarget ? "already at target: nothing to send" : "to change";
  const lines = [
    `${plan.account} (${plan.where}), as ${plan.role === "account" ? "the account" : "its manager"}: ` +
      `${formatNmr(plan.balance)} NMR staked from round ${plan.effectiveRound} (each round risks a slice of it); ${status}`,
  ];
  const share = (bps: number) => (plan.balance * BigInt(bps)) / BigInt(TOTAL_BPS);
  const header = ["model", "current", "target", "change", "NMR current", "NMR target"];
  const body = plan.modelIds.map((id, i) => {
    const current = at(plan.currentBps, i, "current bps");
    const target = at(plan.targetBps, i, "target bps");
    const change = target - current;
    const name = modelNames.get(id);
    return [
      name !== undefined ? `${name} (${id})` : id,
      formatBps(current),
      formatBps(target),
      change === 0 ? "-" : formatBps(change, true),
      formatNmr(share(current)),
      formatNmr(share(target)),
    ];
  });
  const sum = (v: number[]) => v.reduce((s, x) => s + x, 0);
  const total = ["total", formatBps(sum(plan.currentBps)), formatBps(sum(plan.targetBps)), "", "", ""];
  const all = [header, ...body, total];
  const widths = header.map((_, c) => Math.max(...all.map((r) => at(r, c, "table row").length)));
  lines.push(...all.map((cells) => row(cells, widths)));
  if (sum(plan.currentBps) === 0) lines.push("  (no vector yet: no model has stake at risk until one is set)");
  else if (plan.inForceBps.some((bps, i) => bps !== plan.currentBps[i])) {
    const open = plan.effectiveRound - 1n;
    lines.push(
      `  (current includes a change already made during round ${open}; round ${open} itself runs with ` +
        `${plan.inForceBps.map((bps) => formatBps(bps)).join(" / ")})`,
    );
  }
  return lines;
}
