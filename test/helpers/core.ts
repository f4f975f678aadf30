/**
 * Small helpers for the core unit tests (test/PortfolioStake.core.test.ts): EIP-712 signing of SetAllocation, settling
 * rounds that expired unpublished (no proofs needed), weight vectors, larger accounts and a full observable-state
 * snapshot used to prove that a rejected call changed nothing.
 */
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { PortfolioStake } from "../../typechain-types";
import type { IPortfolioStake } from "../../typechain-types/contracts/PortfolioStake";
import { NMR, bindModels, mintTo, modelIds, type AnyToken } from "./fixtures";

/** A parameter name as the contract's bytes32 (ParameterUpdated / ParameterOutOfBounds). */
export const name32 = (name: string): string => ethers.encodeBytes32String(name);

// ───────────────────────────────────────── EIP-712 ─────────────────────────────────────────

export const SET_ALLOCATION_TYPES = {
  SetAllocation: [
    { name: "account", type: "address" },
    { name: "modelIds", type: "bytes16[]" },
    { name: "bps", type: "uint16[]" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
};

export interface AllocationMessage {
  account: string;
  modelIds: string[];
  bps: number[];
  nonce: bigint;
  deadline: bigint;
}

/** Signs a SetAllocation message for `stake` (the domain may be overridden to forge a wrong one). */
export async function signAllocation(
  stake: PortfolioStake,
  signer: HardhatEthersSigner,
  message: AllocationMessage,
  domainOverrides: { name?: string; version?: string; chainId?: bigint; verifyingContract?: string } = {},
): Promise<string> {
  const { chainId } = await ethers.provider.getNetwork();
  const domain = {
    name: "PortfolioStake",
    version: "1",
    chainId,
    verifyingContract: await stake.getAddress(),
    ...domainOverrides,
  };
  return signer.signTypedData(domain, SET_ALLOCATION_TYPES, message);
}

/** The same ECDSA signature with s replaced by n - s (and v flipped): valid for ecrecover, rejected by OZ ECDSA. */
export function malleate(signature: string): string {
  const sig = ethers.Signature.from(signature);
  const n = BigInt("0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141");
  const highS = n - BigInt(sig.s);
  const v = sig.v === 27 ? 28 : 27;
  return ethers.concat([sig.r, ethers.toBeHex(highS, 32), ethers.toBeHex(v, 1)]);
}

// ─────────────────────────────────────── Settlement ───────────────────────────────────────

/** The result of a round that expired unpublished: no rates, no proof; it counts as zero. */
export function expiredResult(round: bigint | number): IPortfolioStake.RoundResultStruct {
  return { round, slots: [], rates: [], proof: [], proofFlags: [], unprovable: false };
}

/** Moves time past the publication deadline of `round` (no-op if already past). */
export async function passDeadline(stake: PortfolioStake, round: bigint): Promise<void> {
  const { deadline } = await stake.roundInfo(round);
  if (BigInt(await time.latest()) <= deadline) await time.increaseTo(deadline + 1n);
}

/**
 * Settles `account` for rounds `from..to` (inclusive) as expired, unpublished rounds, after moving time past the
 * deadline of `to` (a round's deadline grows with its opening time, so every earlier round has expired too).
 */
export async function settleExpired(
  stake: PortfolioStake,
  keeper: HardhatEthersSigner,
  account: string,
  from: bigint,
  to: bigint,
) {
  await passDeadline(stake, to);
  const results: IPortfolioStake.RoundResultStruct[] = [];
  for (let r = from; r <= to; r++) results.push(expiredResult(r));
  return stake.connect(keeper).settle({ account, models: [], results });
}

// ──────────────────────────────────────── Vectors ─────────────────────────────────────────

/** `n` pairwise distinct weights summing to exactly 10,000 (so a mis-slotted weight is always noticed). */
export function distinctBps(n: number): number[] {
  const triangle = (n * (n - 1)) / 2;
  const base = Math.floor((10_000 - triangle) / n);
  const out = Array.from({ length: n }, (_, i) => base + i);
  out[n - 1] += 10_000 - out.reduce((s, w) => s + w, 0);
  return out;
}

/** Expands a (modelIds, bps) vector to registry order over `registry`: omitted models get zero. */
export function toRegistryOrder(registry: string[], ids: string[], bps: number[]): bigint[] {
  const out = registry.map(() => 0n);
  ids.forEach((id, i) => {
    const slot = registry.indexOf(id);
    if (slot < 0) throw new Error(`model ${id} not in registry`);
    out[slot] = BigInt(bps[i]);
  });
  return out;
}

/** Per-model stakes as modelStakesAt computes them: stake x weight / 10,000, rounded down. */
export function modelStakes(stake: bigint, weights: (bigint | number)[]): bigint[] {
  return weights.map((w) => (stake * BigInt(w)) / 10_000n);
}

// ──────────────────────────────────────── Accounts ────────────────────────────────────────

/**
 * Binds `count` models to `signer` (proposed by the operator, accepted by `signer`), mints it 1,000,000 NMR and
 * approves the staking contract.
 */
export async function registerAccount(
  fx: { stake: PortfolioStake; nmr: AnyToken; operator: HardhatEthersSigner },
  signer: HardhatEthersSigner,
  label: string,
  count: number,
): Promise<string[]> {
  const ids = modelIds(label, count);
  await bindModels(fx.stake, fx.operator, signer, ids);
  await mintTo(fx.nmr, signer.address, NMR(1_000_000));
  await fx.nmr.connect(signer).approve(await fx.stake.getAddress(), ethers.MaxUint256);
  return ids;
}

// ───────────────────────────────────── Plain objects ──────────────────────────────────────

/** The struct outputs of the views as plain objects (for deep equality). */
export function accountObject(v: IPortfolioStake.AccountViewStructOutput) {
  return {
    balance: v.balance,
    pendingWithdrawal: v.pendingWithdrawal,
    withdrawalLastRound: v.withdrawalLastRound,
    withdrawalReleaseAt: v.withdrawalReleaseAt,
    nextSettleRound: v.nextSettleRound,
    unpaidRewards: v.unpaidRewards,
    totalRewarded: v.totalRewarded,
    totalBurned: v.totalBurned,
    manager: v.manager,
    modelCount: v.modelCount,
    allocationCount: v.allocationCount,
    lastAllocationRound: v.lastAllocationRound,
  };
}

export function paramsObject(p: IPortfolioStake.ParametersStructOutput) {
  return {
    withdrawalDelay: p.withdrawalDelay,
    minRoundInterval: p.minRoundInterval,
    resolutionDelay: p.resolutionDelay,
    publishWindow: p.publishWindow,
    rateCap: p.rateCap,
    proofGracePeriod: p.proofGracePeriod,
  };
}

export function roundObject(r: IPortfolioStake.RoundInfoStructOutput) {
  return {
    openedAt: r.openedAt,
    resolvesAt: r.resolvesAt,
    deadline: r.deadline,
    proofDeadline: r.proofDeadline,
    rateCap: r.rateCap,
    root: r.root,
  };
}

// ───────────────────────────────────── State snapshot ─────────────────────────────────────

/**
 * Everything observable about `accounts` and the contract, read through views only: account views, vectors and stakes
 * for the current and next round, nonces, model lists, token balances, totals, parameters, pause and round state.
 * Two snapshots deep-equal exactly when a call had no visible effect.
 */
export async function stateSnapshot(stake: PortfolioStake, nmr: AnyToken, accounts: string[]) {
  const current = await stake.currentRound();
  const perAccount: Record<string, unknown> = {};
  for (const account of accounts) {
    const v = await stake.accountOf(account);
    const [, bpsNow] = await stake.allocationAt(account, current);
    const [, bpsNext] = await stake.allocationAt(account, current + 1n);
    perAccount[account] = {
      view: accountObject(v),
      models: [...(await stake.modelsOf(account))],
      bpsNow: [...bpsNow],
      bpsNext: [...bpsNext],
      stakeNow: await stake.stakeAt(account, current),
      stakeNext: await stake.stakeAt(account, current + 1n),
      nonce: await stake.nonces(account),
      tokens: await nmr.balanceOf(account),
    };
  }
  return {
    current,
    paused: await stake.paused(),
    parameters: paramsObject(await stake.parameters()),
    totals: [...(await stake.totals())],
    roundNow: roundObject(await stake.roundInfo(current)),
    held: await nmr.balanceOf(await stake.getAddress()),
    supply: await nmr.totalSupply(),
    perAccount,
  };
}
