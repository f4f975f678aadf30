/**
 * What the indexing functions share: the default rows, the rewards row, the vectors a settlement may still need, and
 * the account-event record every account's event writes. The handlers are split by table family: registry.ts,
 * accounts.ts, rounds.ts, rewards.ts, parameters.ts (Ponder runs every file under src/ but src/api).
 */
import type { Context } from "ponder:registry";
import { accountEvent, chainState, rewards } from "ponder:schema";
import { OWED_FACTOR_ONE } from "./owed";

export const ZERO = "0x0000000000000000000000000000000000000000";
/** The ID modelsOf shows at a freed slot. */
export const ZERO_MODEL = "0x00000000000000000000000000000000";
export const REWARDS_ID = "global";
export const newRewards = {
  id: REWARDS_ID,
  rewardsPool: 0n,
  owedTotal: 0n,
  owedReserve: 0n,
  owedFactor: OWED_FACTOR_ONE,
  owedEpoch: 0,
  owedScale: 0,
  totalFunded: 0n,
  totalToOwed: 0n,
  totalClaimed: 0n,
};
export type Rewards = typeof newRewards;
/**
 * The rewards row (before any RewardsFunded: empty pool, nothing owed, epoch 0), as a copy: Ponder's store hands out
 * its cached row, which a later upsert of the same row updates in place.
 */
export async function currentRewards(context: Context): Promise<Rewards> {
  return { ...((await context.db.find(rewards, { id: REWARDS_ID })) ?? newRewards) };
}
export async function saveRewards(context: Context, row: Partial<Omit<Rewards, "id">>) {
  await context.db
    .insert(rewards)
    .values({ ...newRewards, ...row })
    .onConflictDoUpdate(row);
}
export const newAccount = (address: `0x${string}`) => ({
  address,
  balance: 0n,
  pendingWithdrawal: 0n,
  manager: null,
  nonce: 0n,
  modelCount: 0,
  totalDeposited: 0n,
  totalPaid: 0n,
  totalBurned: 0n,
  unpaidRewards: 0n,
  claimableRewards: 0n,
  owedStored: 0n,
  owedEpoch: 0,
  owedFactor: OWED_FACTOR_ONE,
  owedScale: 0,
  totalClaimed: 0n,
  lastSettledRound: null,
  currentWeights: null,
  currentEffectiveRound: null,
  models: [] as `0x${string}`[],
  recentVectors: [] as Vector[],
});
export type Vector = [effectiveRound: number, weights: number[]];
/**
 * The vectors a settlement may still need, after `added`: one per effective round (a later change in the same round
 * replaces the earlier, as in the contract), and none superseded before the next round to settle. Keeping the last
 * N by count would be wrong: a burst of reallocations in one round would push out the vector still in force for
 * unsettled rounds. The contract bounds what is left (SettlementBehind), so this list stays short.
 */
export function recentVectors(kept: readonly Vector[], added: Vector, lastSettledRound: number | null): Vector[] {
  const all = [...kept.filter(([from]) => from < added[0]), added];
  const nextToSettle = (lastSettledRound ?? 0) + 1;
  return all.filter((_, i) => i === all.length - 1 || all[i + 1]![0] > nextToSettle);
}

export type Meta = {
  /** Ponder's event id: unique, and in chain order when compared as strings (its checkpoint). */
  id: string;
  block: { number: bigint; timestamp: bigint };
  log: { logIndex: number };
  transaction: { hash: `0x${string}` };
};
export const where = (e: Meta) => ({
  blockNumber: e.block.number,
  logIndex: e.log.logIndex,
  timestamp: e.block.timestamp,
  txHash: e.transaction.hash,
});
/** An account event's position and the round open there: events are indexed in chain order, so the latest RoundOpened. */
export const dated = async (e: Meta, context: Context) => ({
  ...where(e),
  openRound: (await context.db.find(chainState, { id: "head" }))?.openRound ?? 0,
});

/**
 * An account's event (accountEvent, the account's history), under Ponder's event id: the rows of the same event in
 * other tables (allocation, rewardsFunding) carry the same id.
 */
export async function recordAccountEvent(
  e: Meta,
  context: Context,
  row: Omit<typeof accountEvent.$inferInsert, "id" | "blockNumber" | "logIndex" | "timestamp" | "txHash" | "openRound">,
) {
  await context.db.insert(accountEvent).values({ id: e.id, ...row, ...(await dated(e, context)) });
}
