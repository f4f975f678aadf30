/**
 * Shared helpers of the contract unit suites (test/contracts/*.test.ts): the rounds and bounds the suites name, the
 * parameter setters by name, the exposure rule written down independently (`openRoundsOf`, `exposureOf`), totals()
 * checked with the solvency invariant by token balance (`expectTotals`), `expectRejected` (exact custom error AND an
 * unchanged snapshot of all observable state), settling rounds that expired unpublished (no proofs needed), weight
 * vectors, larger accounts, plain objects of the views and the full observable-state snapshot. EIP-712 signing is in
 * ./eip712.ts.
 *
 * Conventions of the suites that use them:
 * - every rejection is checked with its exact custom error (and its arguments) AND with an unchanged snapshot of all
 *   observable state (`expectRejected`);
 * - rounds that must be settled (to claim a withdrawal, or to let the vector ring turn) are settled as rounds that
 *   expired unpublished: past its publication deadline a round settles with empty results and counts as zero.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { PortfolioStake } from "../../typechain-types";
import type { IPortfolioStake } from "../../typechain-types/contracts/PortfolioStake";
import type { Interface } from "ethers";
import {
  DAY,
  DEFAULT_PARAMS,
  FIRST_ROUND,
  NMR,
  RATE,
  bindModels,
  mintTo,
  modelIds,
  type AnyToken,
  type deployFixture,
} from "./fixtures";

export type Fixture = Awaited<ReturnType<typeof deployFixture>>;

/** The first round the fixture opens, and the round number before any opening. */
export const R0 = FIRST_ROUND;
export const BEFORE = FIRST_ROUND - 1n;
export const FAR_FUTURE = 2n ** 40n;
export const UINT32_MAX = 2n ** 32n - 1n;

/** A parameter name as the contract's bytes32 (ParameterUpdated / ParameterOutOfBounds). */
export const name32 = (name: string): string => ethers.encodeBytes32String(name);

// ─────────────────────────────────────── Parameters ───────────────────────────────────────

/** The hard-coded parameter bounds, written down independently of the contract. */
export const BOUNDS = {
  withdrawalDelay: { min: 0n, max: 60n * DAY },
  minRoundInterval: { min: DAY / 2n, max: 7n * DAY },
  resolutionDelay: { min: DAY, max: 60n * DAY },
  publishWindow: { min: DAY, max: 30n * DAY },
  rateCap: { min: RATE("0.001"), max: RATE("1") },
  proofGracePeriod: { min: DAY, max: 30n * DAY },
  sliceDivisor: { min: 1n, max: 1024n },
};
export type ParamName = keyof typeof BOUNDS;
export const PARAM_NAMES = Object.keys(BOUNDS) as ParamName[];
/** The largest value each parameter's type can carry (uint40 times, uint64 cap, uint16 divisor). */
export const TYPE_MAX: Record<ParamName, bigint> = {
  withdrawalDelay: 2n ** 40n - 1n,
  minRoundInterval: 2n ** 40n - 1n,
  resolutionDelay: 2n ** 40n - 1n,
  publishWindow: 2n ** 40n - 1n,
  rateCap: 2n ** 64n - 1n,
  proofGracePeriod: 2n ** 40n - 1n,
  sliceDivisor: 2n ** 16n - 1n,
};

/** The open exposure rule, written down independently of the contract: at most 100% of a stake (1e18). */
export const MAX_EXPOSURE = 10n ** 18n;

/** Rounds that can be open at once: (resolutionDelay + publishWindow + proofGracePeriod) / minRoundInterval + 1. */
export function openRoundsOf(p: {
  minRoundInterval: bigint;
  resolutionDelay: bigint;
  publishWindow: bigint;
  proofGracePeriod: bigint;
}): bigint {
  return (p.resolutionDelay + p.publishWindow + p.proofGracePeriod) / p.minRoundInterval + 1n;
}

/**
 * What the open rounds may commit together, in 1e18 = 100% of a stake: openRounds x ceil(rateCap / sliceDivisor)
 * (each round's share rounded up, so the rule errs on the safe side). The contract refuses parameters above
 * MAX_EXPOSURE with ExposureTooHigh(openRounds, rateCap, sliceDivisor).
 */
export function exposureOf(p: Parameters<typeof openRoundsOf>[0] & { rateCap: bigint; sliceDivisor: bigint }): bigint {
  return openRoundsOf(p) * ((p.rateCap + p.sliceDivisor - 1n) / p.sliceDivisor);
}

/**
 * DEFAULT_PARAMS with R = 1024: every other parameter can then be set to either of its bounds alone (the riskiest,
 * 241 rounds open at a 100% cap, commits 241 / 1024 = 23.5% of a stake), so the per-parameter bound tests need no
 * other change. sliceDivisor's own lower bound (R = 1) fits the default schedule and cap (18 x 5% = 90%).
 */
export const ROOMY_PARAMS = { ...DEFAULT_PARAMS, sliceDivisor: 1024n };

/** Calls the setter of parameter `name`. */
export function setParam(stake: PortfolioStake, name: ParamName, value: bigint) {
  switch (name) {
    case "withdrawalDelay":
      return stake.setWithdrawalDelay(value);
    case "minRoundInterval":
      return stake.setMinRoundInterval(value);
    case "resolutionDelay":
      return stake.setResolutionDelay(value);
    case "publishWindow":
      return stake.setPublishWindow(value);
    case "rateCap":
      return stake.setRateCap(value);
    case "proofGracePeriod":
      return stake.setProofGracePeriod(value);
    case "sliceDivisor":
      return stake.setSliceDivisor(value);
  }
}

// ─────────────────────────────────────── Rejections ───────────────────────────────────────

/** totals() as a plain object (for deep equality with named fields). */
export async function totalsObject(stake: PortfolioStake) {
  const [staked, pendingWithdrawals, rewardsPool, owedRewards, owedReserve] = await stake.totals();
  return { staked, pendingWithdrawals, rewardsPool, owedRewards, owedReserve };
}

/** No NMR staked, pending, in the pool or owed: totals() of a fresh deployment, as totalsObject gives it. */
export const ZERO_TOTALS = { staked: 0n, pendingWithdrawals: 0n, rewardsPool: 0n, owedRewards: 0n, owedReserve: 0n };

/**
 * Asserts totals() field by field and the solvency invariant by effect: the contract's token balance equals
 * staked + pendingWithdrawals + rewardsPool + owedReserve.
 */
export async function expectTotals(
  stake: PortfolioStake,
  nmr: AnyToken,
  expected: Partial<typeof ZERO_TOTALS>,
): Promise<void> {
  const t = await totalsObject(stake);
  expect(t).to.deep.equal({ ...ZERO_TOTALS, ...expected });
  expect(await nmr.balanceOf(await stake.getAddress())).to.equal(
    t.staked + t.pendingWithdrawals + t.rewardsPool + t.owedReserve,
    "NMR held = staked + pending + pool + owed reserve",
  );
}

/** Every account of the fixture, for state snapshots. */
export function everyone(fx: Fixture, extra: string[] = []): string[] {
  return [fx.alice, fx.bob, fx.carol, fx.manager, fx.keeper, fx.outsider, fx.operator, fx.admin]
    .map((s) => s.address)
    .concat(extra);
}

/**
 * Asserts that `call` reverts with `error` (and `args`, when given) from `contract` (the staking contract by default)
 * and that no observable state changed.
 */
export async function expectRejected(
  fx: Fixture,
  call: () => Promise<unknown>,
  error: string,
  args?: unknown[],
  options: { contract?: { interface: Interface }; accounts?: string[] } = {},
) {
  const accounts = everyone(fx, options.accounts);
  const before = await stateSnapshot(fx.stake, fx.nmr, accounts);
  const assertion = expect(call(), error).to.be.revertedWithCustomError(options.contract ?? fx.stake, error);
  if (args) await assertion.withArgs(...args);
  else await assertion;
  expect(await stateSnapshot(fx.stake, fx.nmr, accounts)).to.deep.equal(before);
}

// ───────────────────────────────────────── Time ──────────────────────────────────────────

/** Fixes the next block's timestamp (a few seconds ahead) and returns it. */
export async function nextTimestamp(ahead = 10n): Promise<bigint> {
  const t = BigInt(await time.latest()) + ahead;
  await time.setNextBlockTimestamp(t);
  return t;
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
  out[n - 1]! += 10_000 - out.reduce((s, w) => s + w, 0);
  return out;
}

/** Expands a (modelIds, bps) vector to registry order over `registry`: omitted models get zero. */
export function toRegistryOrder(registry: string[], ids: string[], bps: number[]): bigint[] {
  const out = registry.map(() => 0n);
  ids.forEach((id, i) => {
    const slot = registry.indexOf(id);
    if (slot < 0) throw new Error(`model ${id} not in registry`);
    out[slot] = BigInt(bps[i]!);
  });
  return out;
}

/** The weights in force at `round` (allocationAt), registry order. */
export async function weightsAt(stake: PortfolioStake, account: string, round: bigint): Promise<bigint[]> {
  const [, bps] = await stake.allocationAt(account, round);
  return [...bps];
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
    claimableRewards: v.claimableRewards,
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
    sliceDivisor: p.sliceDivisor,
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
    sliceDivisor: r.sliceDivisor,
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
