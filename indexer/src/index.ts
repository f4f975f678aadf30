/** Indexing functions: one per PortfolioStake event; each keeps the tables of ponder.schema.ts in step. */
import { and, eq, gt, isNull } from "ponder";
import { ponder, type Context } from "ponder:registry";
import { hexToString } from "viem";
import {
  account,
  accountEvent,
  allocation,
  allocationWeight,
  chainState,
  model,
  modelBinding,
  modelProposal,
  modelRound,
  parameter,
  rewards,
  rewardsFunding,
  round,
  settlement,
} from "ponder:schema";
import { OWED_FACTOR_ONE, owedNow } from "./owed";

const ZERO = "0x0000000000000000000000000000000000000000";
/** The ID modelsOf shows at a freed slot. */
const ZERO_MODEL = "0x00000000000000000000000000000000";
const REWARDS_ID = "global";
const newRewards = {
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
type Rewards = typeof newRewards;
/**
 * The rewards row (before any RewardsFunded: empty pool, nothing owed, epoch 0), as a copy: Ponder's store hands out
 * its cached row, which a later upsert of the same row updates in place.
 */
async function currentRewards(context: Context): Promise<Rewards> {
  return { ...((await context.db.find(rewards, { id: REWARDS_ID })) ?? newRewards) };
}
async function saveRewards(context: Context, row: Partial<Omit<Rewards, "id">>) {
  await context.db
    .insert(rewards)
    .values({ ...newRewards, ...row })
    .onConflictDoUpdate(row);
}
const newAccount = (address: `0x${string}`) => ({
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
type Vector = [effectiveRound: number, weights: number[]];
/**
 * The vectors a settlement may still need, after `added`: one per effective round (a later change in the same round
 * replaces the earlier, as in the contract), and none superseded before the next round to settle. Keeping the last
 * N by count would be wrong: a burst of reallocations in one round would push out the vector still in force for
 * unsettled rounds. The contract bounds what is left (SettlementBehind), so this list stays short.
 */
function recentVectors(kept: readonly Vector[], added: Vector, lastSettledRound: number | null): Vector[] {
  const all = [...kept.filter(([from]) => from < added[0]), added];
  const nextToSettle = (lastSettledRound ?? 0) + 1;
  return all.filter((_, i) => i === all.length - 1 || all[i + 1]![0] > nextToSettle);
}

type Meta = {
  block: { number: bigint; timestamp: bigint };
  log: { logIndex: number };
  transaction: { hash: `0x${string}` };
};
const eventId = (e: Meta) => `${e.block.number}-${e.log.logIndex}`;
const where = (e: Meta) => ({
  blockNumber: e.block.number,
  logIndex: e.log.logIndex,
  timestamp: e.block.timestamp,
  txHash: e.transaction.hash,
});
/** An account event's position and the round open there: events are indexed in chain order, so the latest RoundOpened. */
const dated = async (e: Meta, context: Context) => ({
  ...where(e),
  openRound: (await context.db.find(chainState, { id: "head" }))?.openRound ?? 0,
});

/** Registry: an operator proposes, the account accepts (ModelRegistered), either side may unbind. */
ponder.on("PortfolioStake:ModelProposed", async ({ event, context }) => {
  const { account: to, modelId } = event.args;
  const row = { account: to, proposedAtBlock: event.block.number, txHash: event.transaction.hash };
  await context.db
    .insert(modelProposal)
    .values({ id: modelId, ...row })
    .onConflictDoUpdate(row);
  await context.db.insert(accountEvent).values({
    id: eventId(event),
    account: to,
    kind: "model-proposed",
    detail: modelId,
    ...(await dated(event, context)),
  });
});

ponder.on("PortfolioStake:ModelProposalCancelled", async ({ event, context }) => {
  const { account: to, modelId } = event.args;
  const pending = await context.db.find(modelProposal, { id: modelId });
  if (pending?.account === to) await context.db.delete(modelProposal, { id: modelId });
  await context.db.insert(accountEvent).values({
    id: eventId(event),
    account: to,
    kind: "model-proposal-cancelled",
    detail: modelId,
    ...(await dated(event, context)),
  });
});

ponder.on("PortfolioStake:ModelRegistered", async ({ event, context }) => {
  const { account: owner, modelId, slot } = event.args;
  // Accepting a proposal binds the model: the proposal is used up (the contract clears it without another event).
  if (await context.db.find(modelProposal, { id: modelId })) await context.db.delete(modelProposal, { id: modelId });
  const bound = { account: owner, slot, boundAtBlock: event.block.number };
  await context.db
    .insert(model)
    .values({ id: modelId, ...bound })
    .onConflictDoUpdate(bound);
  await context.db.insert(modelBinding).values({ id: eventId(event), model: modelId, ...bound });
  const models = (row: { models: `0x${string}`[] }) => {
    const list = [...row.models];
    while (list.length < slot) list.push(ZERO_MODEL);
    list[slot] = modelId; // a freed slot is reused first
    return list;
  };
  await context.db
    .insert(account)
    .values({ ...newAccount(owner), modelCount: slot + 1, models: models({ models: [] }) })
    .onConflictDoUpdate((row) => ({ modelCount: Math.max(row.modelCount, slot + 1), models: models(row) }));
  await context.db.insert(accountEvent).values({
    id: eventId(event),
    account: owner,
    kind: "model-registered",
    detail: `${modelId}:${slot}`,
    ...(await dated(event, context)),
  });
});

ponder.on("PortfolioStake:ModelUnbound", async ({ event, context }) => {
  const { account: owner, modelId, slot, by } = event.args;
  await context.db.delete(model, { id: modelId });
  const bindings = await context.db.sql
    .select()
    .from(modelBinding)
    .where(and(eq(modelBinding.model, modelId), eq(modelBinding.account, owner), isNull(modelBinding.unboundAtBlock)));
  for (const b of bindings)
    await context.db.update(modelBinding, { id: b.id }).set({ unboundAtBlock: event.block.number, unboundBy: by });
  await context.db.update(account, { address: owner }).set((row) => {
    const models = [...row.models];
    models[slot] = ZERO_MODEL; // modelCount stays: it counts freed indexes too
    return { models };
  });
  await context.db.insert(accountEvent).values({
    id: eventId(event),
    account: owner,
    kind: "model-unbound",
    detail: `${modelId}:${slot}:${by}`,
    ...(await dated(event, context)),
  });
});

/** nonces(staker) is the used nonce + 1 (every use is in order; invalidateNonces jumps ahead). */
ponder.on("PortfolioStake:NonceUsed", async ({ event, context }) => {
  const { staker, nonce } = event.args;
  await context.db
    .insert(account)
    .values({ ...newAccount(staker), nonce: nonce + 1n })
    .onConflictDoUpdate({ nonce: nonce + 1n });
  // Kept as an account event: alone in its transaction it is invalidateNonces (readers drop the others, whose own
  // event in the same transaction says what happened).
  await context.db.insert(accountEvent).values({
    id: eventId(event),
    account: staker,
    kind: "nonce-used",
    detail: String(nonce),
    ...(await dated(event, context)),
  });
});

ponder.on("PortfolioStake:ParameterUpdated", async ({ event, context }) => {
  const name = hexToString(event.args.name, { size: 32 });
  const row = { value: event.args.newValue, address: null, blockNumber: event.block.number };
  await context.db
    .insert(parameter)
    .values({ name, ...row })
    .onConflictDoUpdate(row);
});

ponder.on("PortfolioStake:BurnConfigured", async ({ event, context }) => {
  const { mode, sink } = event.args;
  const rows = [
    { name: "burnMode", value: BigInt(mode), address: null },
    { name: "burnSink", value: 0n, address: sink },
  ];
  for (const { name, ...row } of rows)
    await context.db
      .insert(parameter)
      .values({ name, ...row, blockNumber: event.block.number })
      .onConflictDoUpdate({ ...row, blockNumber: event.block.number });
});

ponder.on("PortfolioStake:Deposited", async ({ event, context }) => {
  const { staker, amount, balance, effectiveRound } = event.args;
  await context.db
    .insert(account)
    .values({ ...newAccount(staker), balance, totalDeposited: amount })
    .onConflictDoUpdate((row) => ({ balance, totalDeposited: row.totalDeposited + amount }));
  await context.db.insert(accountEvent).values({
    id: eventId(event),
    account: staker,
    kind: "deposited",
    amount,
    balance,
    round: effectiveRound,
    ...(await dated(event, context)),
  });
});

ponder.on("PortfolioStake:AllocationSet", async ({ event, context }) => {
  const { staker, effectiveRound, by, weights } = event.args;
  const id = eventId(event);
  const bps = weights.map(Number);
  await context.db
    .insert(allocation)
    .values({ id, account: staker, effectiveRound, by, weights: bps, ...where(event) });
  const row = await context.db
    .insert(account)
    .values({
      ...newAccount(staker),
      currentWeights: bps,
      currentEffectiveRound: effectiveRound,
      recentVectors: [[effectiveRound, bps]],
    })
    .onConflictDoUpdate((a) => ({
      currentWeights: bps,
      currentEffectiveRound: effectiveRound,
      recentVectors: recentVectors(a.recentVectors, [effectiveRound, bps], a.lastSettledRound),
    }));
  const rows = bps
    .map((w, slot) => ({ slot, w }))
    .filter(({ slot }) => row.models[slot] !== undefined && row.models[slot] !== ZERO_MODEL)
    .map(({ slot, w }) => ({
      allocationId: id,
      account: staker,
      model: row.models[slot]!,
      effectiveRound,
      bps: w,
      blockNumber: event.block.number,
      logIndex: event.log.logIndex,
    }));
  if (rows.length) await context.db.insert(allocationWeight).values(rows);
  await context.db.insert(accountEvent).values({
    id,
    account: staker,
    kind: "allocation-set",
    round: effectiveRound,
    detail: `${by}:${bps.join(",")}`,
    ...(await dated(event, context)),
  });
});

ponder.on("PortfolioStake:ManagerSet", async ({ event, context }) => {
  const { staker, manager } = event.args;
  const value = manager === ZERO ? null : manager;
  await context.db
    .insert(account)
    .values({ ...newAccount(staker), manager: value })
    .onConflictDoUpdate({ manager: value });
  await context.db.insert(accountEvent).values({
    id: eventId(event),
    account: staker,
    kind: "manager-set",
    detail: manager,
    ...(await dated(event, context)),
  });
});

ponder.on("PortfolioStake:WithdrawalRequested", async ({ event, context }) => {
  const { staker, amount, pendingWithdrawal, balance, lastAtRiskRound, releaseAt } = event.args;
  await context.db.update(account, { address: staker }).set({ balance, pendingWithdrawal });
  await context.db.insert(accountEvent).values({
    id: eventId(event),
    account: staker,
    kind: "withdrawal-requested",
    amount,
    balance,
    round: lastAtRiskRound,
    releaseAt: BigInt(releaseAt),
    pendingWithdrawal,
    ...(await dated(event, context)),
  });
});

ponder.on("PortfolioStake:WithdrawalClaimed", async ({ event, context }) => {
  const { staker, amount } = event.args;
  const row = await context.db
    .update(account, { address: staker })
    .set((r) => ({ pendingWithdrawal: r.pendingWithdrawal - amount }));
  await context.db.insert(accountEvent).values({
    id: eventId(event),
    account: staker,
    kind: "withdrawal-claimed",
    amount,
    balance: row.balance,
    ...(await dated(event, context)),
  });
});

ponder.on("PortfolioStake:RoundOpened", async ({ event, context }) => {
  const { round: r, openedAt, resolvesAt, deadline, proofDeadline, rateCap, sliceDivisor } = event.args;
  await context.db.insert(chainState).values({ id: "head", openRound: r }).onConflictDoUpdate({ openRound: r });
  await context.db.insert(round).values({
    round: r,
    openedAt: BigInt(openedAt),
    resolvesAt: BigInt(resolvesAt),
    deadline: BigInt(deadline),
    proofDeadline: BigInt(proofDeadline),
    rateCap: BigInt(rateCap),
    sliceDivisor,
    root: null,
    leavesURI: null,
    settledAccounts: 0,
    stakeAtRisk: 0n,
    delta: 0n,
    paid: 0n,
    burned: 0n,
    unprovableAccounts: 0,
  });
});

ponder.on("PortfolioStake:RoundPublished", async ({ event, context }) => {
  await context.db
    .update(round, { round: event.args.round })
    .set({ root: event.args.root, leavesURI: event.args.leavesURI });
});

ponder.on("PortfolioStake:Settled", async ({ event, context }) => {
  const { staker, round: r, stakeAtRisk, rates, delta, paid, burned, unpaidRewards, balance, unprovable } = event.args;
  await context.db.insert(settlement).values({
    account: staker,
    round: r,
    stakeAtRisk,
    rates: [...rates],
    delta,
    paid,
    burned,
    unpaidRewards,
    balance,
    unprovable,
    txHash: event.transaction.hash,
  });
  const before = await context.db.find(account, { address: staker });
  // Gains the pool could not pay are owed from now on: stored against the current factor (OwedRewards.add). A
  // settlement first credits what refills paid (RewardsClaimed, indexed just before), so what the account was owed
  // before this round is its unpaidRewards now; the rest of Settled.unpaidRewards is new.
  const rewardsNow = await currentRewards(context);
  const newlyOwed = unpaidRewards - (before?.unpaidRewards ?? 0n);
  const owed =
    newlyOwed > 0n
      ? {
          owedStored: unpaidRewards,
          owedEpoch: rewardsNow.owedEpoch,
          owedFactor: rewardsNow.owedFactor,
          owedScale: rewardsNow.owedScale,
        }
      : {};
  await saveRewards(context, {
    rewardsPool: rewardsNow.rewardsPool - paid,
    owedTotal: rewardsNow.owedTotal + (newlyOwed > 0n ? newlyOwed : 0n),
  });
  // A loss beyond the stake is taken from the pending withdrawal (when it was at risk): the rest of `burned`.
  const fromStake = before ? before.balance + paid - balance : 0n;
  const fromPending = burned > fromStake && fromStake >= 0n ? burned - fromStake : 0n;
  await context.db.update(account, { address: staker }).set((a) => ({
    balance,
    pendingWithdrawal: a.pendingWithdrawal - fromPending,
    totalPaid: a.totalPaid + paid,
    totalBurned: a.totalBurned + burned,
    unpaidRewards,
    ...owed,
    lastSettledRound: r,
  }));
  await context.db.update(round, { round: r }).set((x) => ({
    settledAccounts: x.settledAccounts + 1,
    stakeAtRisk: x.stakeAtRisk + stakeAtRisk,
    delta: x.delta + delta,
    paid: x.paid + paid,
    burned: x.burned + burned,
    unprovableAccounts: x.unprovableAccounts + (unprovable ? 1 : 0),
  }));
  // Per-model rates: the vector in force that round tells which models carried weight (others report 0).
  const after = await context.db.find(account, { address: staker });
  let vector: number[] = [];
  for (const [from, weights] of after?.recentVectors ?? []) if (from <= r) vector = weights; // oldest first: last match wins
  for (const [slot, id] of (after?.models ?? []).entries()) {
    const weight = vector[slot] ?? 0;
    if (weight === 0 || slot >= rates.length || id === ZERO_MODEL) continue;
    await context.db
      .insert(modelRound)
      .values({
        model: id,
        round: r,
        rate: rates[slot]!,
        account: staker,
        weight,
        stakeAtRisk: (stakeAtRisk * BigInt(weight)) / 10_000n,
      })
      .onConflictDoNothing();
  }
  await context.db.insert(accountEvent).values({
    id: eventId(event),
    account: staker,
    kind: "settled",
    amount: delta,
    balance,
    round: r,
    ...(await dated(event, context)),
  });
});

/**
 * A refill pays owed rewards first, every account the same fraction (pro rata), then the pool. The accounts it paid
 * (owed something in the epoch the refill started in) have their owed and claimable amounts brought up to date, so
 * the account table always says what accountOf says. Refills are rare; the accounts owed something are few.
 */
ponder.on("PortfolioStake:RewardsFunded", async ({ event, context }) => {
  const { from, amount, toOwed, pool, owedTotal, owedFactor, owedEpoch, owedScale } = event.args;
  const before = await currentRewards(context);
  await saveRewards(context, {
    rewardsPool: pool,
    owedTotal,
    owedReserve: before.owedReserve + toOwed,
    owedFactor,
    owedEpoch,
    owedScale,
    totalFunded: before.totalFunded + amount,
    totalToOwed: before.totalToOwed + toOwed,
  });
  if (toOwed > 0n) {
    const paid = await context.db.sql
      .select()
      .from(account)
      .where(and(gt(account.owedStored, 0n), eq(account.owedEpoch, before.owedEpoch)));
    for (const a of paid)
      await context.db.update(account, { address: a.address }).set(owedNow(a, { owedFactor, owedEpoch, owedScale }));
  }
  const id = eventId(event);
  await context.db.insert(rewardsFunding).values({
    id,
    from,
    amount,
    toOwed,
    pool,
    owedTotal,
    owedFactor,
    owedEpoch,
    owedScale,
    ...where(event),
  });
  await context.db.insert(accountEvent).values({
    id,
    account: from,
    kind: "rewards-funded",
    amount,
    ...(await dated(event, context)),
  });
});

/**
 * Owed rewards that refills paid, credited to the stake: by claimRewards, or first thing in a settlement (then
 * emitted before its Settled events). The account's record is synced to the current factor, as OwedRewards.sync.
 */
ponder.on("PortfolioStake:RewardsClaimed", async ({ event, context }) => {
  const { staker, amount, unpaidRewards, balance } = event.args;
  const current = await currentRewards(context);
  await saveRewards(context, {
    owedReserve: current.owedReserve - amount,
    totalClaimed: current.totalClaimed + amount,
  });
  await context.db.update(account, { address: staker }).set((a) => ({
    balance,
    totalPaid: a.totalPaid + amount,
    totalClaimed: a.totalClaimed + amount,
    unpaidRewards,
    claimableRewards: 0n,
    owedStored: unpaidRewards,
    owedEpoch: current.owedEpoch,
    owedFactor: current.owedFactor,
    owedScale: current.owedScale,
  }));
  await context.db.insert(accountEvent).values({
    id: eventId(event),
    account: staker,
    kind: "rewards-claimed",
    amount,
    balance,
    unpaidRewards,
    ...(await dated(event, context)),
  });
});
