/**
 * Everything the account page shows, read in one go (JSON-RPC batching makes it one or two HTTP requests) at one
 * block, so the figures are consistent with each other.
 */
"use client";

import { useQuery } from "@tanstack/react-query";
import type { Address, Hex } from "viem";
import { TOTAL_BPS } from "@portfolio-stake/core/bps";
import { type ChainClient, getChainClient } from "@/lib/chain";
import { blockHeader, ethCall } from "@/lib/rpc";
import type { AppContracts } from "@/lib/contracts";
import { boundModelCount } from "@/lib/editor/weights";
import {
  type ClaimWindow,
  nextRoundOpening,
  nextRoundOpeningText,
  type RoundSchedule,
  withdrawalClaimWindow,
} from "./dates";
import { type Exposure, isOpenRound, summarizeExposure } from "./exposure";

export interface RoundVector {
  round: number;
  bps: number[]; // registry order (aligned with AccountSnapshot.models)
  stake: bigint; // the account's stake in that round (what it opened with)
  modelStakes: bigint[]; // stake x weight / 10,000 per model
  slice: bigint; // what the round puts at risk: sliceAt = stake / the round's sliceDivisor
  sliceDivisor: number; // the round's R (for a round not opened yet: the current parameter)
  modelSlices: bigint[]; // slice x weight / 10,000 per model (as settlement splits it)
}

/** Rounds read per batch when looking back for open rounds. */
const OPEN_ROUND_BATCH = 16;

export interface AccountSnapshot {
  address: Address;
  blockNumber: bigint;
  chainTime: number; // the chain's current time (seconds): the pending block's timestamp when available
  paused: boolean;
  parameters: {
    withdrawalDelay: number;
    minRoundInterval: number;
    resolutionDelay: number;
    publishWindow: number;
    proofGracePeriod: number;
    rateCap: bigint;
    sliceDivisor: number;
  };
  currentRound: number;
  currentRoundOpenedAt: number | null; // null before the first round
  nextRoundEarliest: number | null; // the earliest time the next round can open
  account: {
    balance: bigint;
    pendingWithdrawal: bigint;
    withdrawalLastRound: number;
    withdrawalReleaseAt: number;
    nextSettleRound: number;
    unpaidRewards: bigint; // owed: gains the rewards pool could not pay
    claimableRewards: bigint; // owed rewards refills paid: claimRewards credits them to the stake
    totalRewarded: bigint;
    totalBurned: bigint;
    manager: Address;
    modelCount: number;
    allocationCount: number;
    lastAllocationRound: number;
  };
  models: Hex[];
  current: RoundVector; // the vector and stake in force in the current round
  next: RoundVector; // as things stand now for the next round
  /** What the next round and the open rounds put at risk (see exposure.ts). */
  exposure: Exposure;
  /** The open rounds' timetables (roundInfo), newest first: when each can settle (see dates.ts). */
  openRoundSchedules: RoundSchedule[];
  /** A vector saved during the current round, taking effect from `next.round`. */
  hasPendingVector: boolean;
  wallet: { nmrBalance: bigint; allowance: bigint };
}

export async function readAccountSnapshot(
  client: ChainClient,
  contracts: AppContracts,
  address: Address,
): Promise<AccountSnapshot> {
  // Reads are pinned to the latest block; "now" is the pending block's time (a local node mines only on demand, so
  // its latest block can be hours old while its clock, and the next transaction's timestamp, moved on).
  const [block, pending] = await Promise.all([
    blockHeader(client, "latest"),
    blockHeader(client, "pending").catch(() => null),
  ]);
  const at = { blockNumber: block.number ?? undefined };
  const chainTime = Math.max(Number(block.timestamp), pending ? Number(pending.timestamp) : 0);
  const stake = { address: contracts.stake.address, abi: contracts.stake.abi } as const;
  const nmr = { address: contracts.nmr.address, abi: contracts.nmr.abi } as const;

  const [currentRound, parameters, paused, view, models, nmrBalance, allowance] = await Promise.all([
    ethCall(client, { ...stake, functionName: "currentRound", ...at }),
    ethCall(client, { ...stake, functionName: "parameters", ...at }),
    ethCall(client, { ...stake, functionName: "paused", ...at }),
    ethCall(client, { ...stake, functionName: "accountOf", args: [address], ...at }),
    ethCall(client, { ...stake, functionName: "modelsOf", args: [address], ...at }),
    ethCall(client, { ...nmr, functionName: "balanceOf", args: [address], ...at }),
    ethCall(client, { ...nmr, functionName: "allowance", args: [address, contracts.stake.address], ...at }),
  ]);
  const nextRound = currentRound + 1;

  const vectorAt = async (round: number): Promise<Omit<RoundVector, "sliceDivisor">> => {
    const [[, bps], stakeAt, modelStakes, slice] = await Promise.all([
      ethCall(client, { ...stake, functionName: "allocationAt", args: [address, round], ...at }),
      ethCall(client, { ...stake, functionName: "stakeAt", args: [address, round], ...at }),
      ethCall(client, { ...stake, functionName: "modelStakesAt", args: [address, round], ...at }),
      ethCall(client, { ...stake, functionName: "sliceAt", args: [address, round], ...at }),
    ]);
    const weights = bps.map(Number);
    return {
      round,
      bps: weights,
      stake: stakeAt,
      modelStakes: [...modelStakes],
      slice,
      modelSlices: weights.map((w) => (slice * BigInt(w)) / BigInt(TOTAL_BPS)),
    };
  };
  /**
   * The open rounds (opened, proof deadline not passed) and the account's slice in each, newest first: read back
   * from the current round in batches, up to the first round that is no longer open (rounds close in the order they
   * opened while the delays stay the same).
   */
  const openRounds = async () => {
    const open: Parameters<typeof summarizeExposure>[1][number][] = [];
    const schedules: RoundSchedule[] = [];
    for (let top = currentRound; top >= 1; top -= OPEN_ROUND_BATCH) {
      const rounds = Array.from({ length: Math.min(OPEN_ROUND_BATCH, top) }, (_, i) => top - i);
      const read = await Promise.all(
        rounds.map((round) =>
          Promise.all([
            ethCall(client, { ...stake, functionName: "roundInfo", args: [round], ...at }),
            ethCall(client, { ...stake, functionName: "sliceAt", args: [address, round], ...at }),
          ]),
        ),
      );
      for (const [i, [info, slice]] of read.entries()) {
        const openedAt = Number(info.openedAt);
        const proofDeadline = Number(info.proofDeadline);
        if (!isOpenRound({ openedAt, proofDeadline }, chainTime)) return { open, schedules };
        schedules.push({
          round: rounds[i]!,
          resolvesAt: Number(info.resolvesAt),
          deadline: Number(info.deadline),
          proofDeadline,
          published: BigInt(info.root) !== 0n,
        });
        open.push({
          round: rounds[i]!,
          slice,
          sliceDivisor: info.sliceDivisor,
          rateCap: info.rateCap,
          proofDeadline,
        });
      }
    }
    return { open, schedules };
  };
  const roundInfo =
    currentRound > 0
      ? ethCall(client, { ...stake, functionName: "roundInfo", args: [currentRound], ...at }).catch(() => null)
      : Promise.resolve(null);
  const [current, next, info, open] = await Promise.all([
    vectorAt(currentRound),
    vectorAt(nextRound),
    roundInfo,
    openRounds(),
  ]);
  const openedAt = info && info.openedAt > 0 ? Number(info.openedAt) : null;

  return {
    address,
    blockNumber: block.number ?? 0n,
    chainTime,
    paused,
    parameters: {
      withdrawalDelay: Number(parameters.withdrawalDelay),
      minRoundInterval: Number(parameters.minRoundInterval),
      resolutionDelay: Number(parameters.resolutionDelay),
      publishWindow: Number(parameters.publishWindow),
      proofGracePeriod: Number(parameters.proofGracePeriod),
      rateCap: parameters.rateCap,
      sliceDivisor: parameters.sliceDivisor,
    },
    currentRound,
    currentRoundOpenedAt: openedAt,
    nextRoundEarliest: openedAt === null ? null : openedAt + Number(parameters.minRoundInterval),
    account: {
      balance: view.balance,
      pendingWithdrawal: view.pendingWithdrawal,
      withdrawalLastRound: view.withdrawalLastRound,
      withdrawalReleaseAt: Number(view.withdrawalReleaseAt),
      nextSettleRound: view.nextSettleRound,
      unpaidRewards: view.unpaidRewards,
      claimableRewards: view.claimableRewards,
      totalRewarded: view.totalRewarded,
      totalBurned: view.totalBurned,
      manager: view.manager,
      modelCount: view.modelCount,
      allocationCount: view.allocationCount,
      lastAllocationRound: view.lastAllocationRound,
    },
    models: [...models],
    current: { ...current, sliceDivisor: info && info.openedAt > 0 ? info.sliceDivisor : parameters.sliceDivisor },
    next: { ...next, sliceDivisor: parameters.sliceDivisor },
    exposure: summarizeExposure(
      { round: nextRound, slice: next.slice, sliceDivisor: parameters.sliceDivisor, rateCap: parameters.rateCap },
      open.open,
    ),
    openRoundSchedules: open.schedules,
    hasPendingVector: view.lastAllocationRound === nextRound,
    wallet: { nmrBalance, allowance },
  };
}

export const accountQueryKey = (address: Address) => ["account-snapshot", address] as const;

export function useAccountSnapshot(contracts: AppContracts | undefined, address: Address) {
  return useQuery({
    queryKey: [...accountQueryKey(address), contracts?.stake.address],
    queryFn: () => readAccountSnapshot(getChainClient(), contracts!, address),
    enabled: Boolean(contracts),
  });
}

/** A pending withdrawal can be claimed once released and once every round it was at risk in is settled. */
export function withdrawalStatus(
  s: AccountSnapshot,
):
  | { state: "none" }
  | { state: "claimable"; amount: bigint }
  | { state: "waiting-time"; amount: bigint; releaseAt: number; settledThrough: number; lastRound: number }
  | { state: "waiting-settlement"; amount: bigint; releaseAt: number; settledThrough: number; lastRound: number } {
  const a = s.account;
  if (a.pendingWithdrawal === 0n) return { state: "none" };
  const settledThrough = a.nextSettleRound - 1;
  const common = {
    amount: a.pendingWithdrawal,
    releaseAt: a.withdrawalReleaseAt,
    settledThrough,
    lastRound: a.withdrawalLastRound,
  };
  if (s.chainTime < a.withdrawalReleaseAt) return { state: "waiting-time", ...common };
  if (a.nextSettleRound <= a.withdrawalLastRound) return { state: "waiting-settlement", ...common };
  return { state: "claimable", amount: a.pendingWithdrawal };
}

/** When the account's pending withdrawal can really be claimed (see dates.ts). */
export function pendingWithdrawalWindow(s: AccountSnapshot): ClaimWindow {
  return withdrawalClaimWindow({
    releaseAt: s.account.withdrawalReleaseAt,
    lastRound: s.account.withdrawalLastRound,
    nextSettleRound: s.account.nextSettleRound,
    rounds: s.openRoundSchedules,
    now: s.chainTime,
  });
}

/** When a withdrawal requested now could be claimed: at risk through the current round, the delay from now. */
export function newWithdrawalWindow(s: AccountSnapshot): ClaimWindow {
  return withdrawalClaimWindow({
    releaseAt: s.chainTime + s.parameters.withdrawalDelay,
    lastRound: s.currentRound,
    nextSettleRound: s.account.nextSettleRound,
    rounds: s.openRoundSchedules,
    now: s.chainTime,
  });
}

/** When the next round (and a vector or deposit made now) takes effect, in words: see dates.ts. */
export function nextRoundText(s: AccountSnapshot): string {
  return nextRoundOpeningText(
    s.next.round,
    nextRoundOpening(s.currentRoundOpenedAt, s.parameters.minRoundInterval, s.chainTime),
    s.chainTime,
  );
}

/** Whether the staker still has a first-run step to do: get models registered, deposit, save a full vector. */
export function needsSetup(s: AccountSnapshot): boolean {
  const staked = s.account.balance > 0n || s.account.pendingWithdrawal > 0n;
  const allocated = s.next.bps.reduce((a, b) => a + b, 0) === 10_000;
  return boundModelCount(s.models) === 0 || !staked || !allocated;
}
