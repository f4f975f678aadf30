/**
 * Rounds and settlements: opened, results published, each account settled. Tables: chainState, round, settlement,
 * modelRound, account (balances), rewards (pool and owed), accountEvent.
 */
import { ponder } from "ponder:registry";
import type { Context } from "ponder:registry";
import { account, chainState, modelRound, round, settlement, spanSettlement } from "ponder:schema";
import { ZERO_MODEL, currentRewards, saveRewards, recordAccountEvent } from "./shared";

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
  await applySettlement(context, staker, { paid, burned, unpaidRewards, balance, lastSettledRound: r });
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
  await recordAccountEvent(event, context, {
    account: staker,
    kind: "settled",
    amount: delta,
    balance,
    round: r,
  });
});

/**
 * Rounds fromRound..toRound settled together (settleSpans): the account's money exactly as for Settled (the span's
 * net paid, burned and owed), a span_settlement row with its per-model rate sums, each round's count of settled
 * accounts and their slices (every round of a span put exactly stakeAtRisk at risk), and one history row. Per-round
 * per-model rates are not on chain for a span: no settlement or model_round rows.
 */
ponder.on("PortfolioStake:SpanSettled", async ({ event, context }) => {
  const { staker, fromRound, toRound, stakeAtRisk, rateSums, delta, paid, burned, unpaidRewards, balance } = event.args;
  await context.db.insert(spanSettlement).values({
    account: staker,
    fromRound,
    toRound,
    stakeAtRisk,
    rateSums: [...rateSums],
    delta,
    paid,
    burned,
    unpaidRewards,
    balance,
    txHash: event.transaction.hash,
  });
  await applySettlement(context, staker, { paid, burned, unpaidRewards, balance, lastSettledRound: toRound });
  for (let r = fromRound; r <= toRound; r++)
    await context.db.update(round, { round: r }).set((x) => ({
      settledAccounts: x.settledAccounts + 1,
      stakeAtRisk: x.stakeAtRisk + stakeAtRisk,
    }));
  await recordAccountEvent(event, context, {
    account: staker,
    kind: "span-settled",
    amount: delta,
    balance,
    round: fromRound,
    detail: String(toRound),
  });
});

/**
 * What a settlement (Settled, or SpanSettled for a span) does to the account and the rewards row: the pool paid
 * `paid`; gains it could not pay are owed from now on, stored against the current factor (OwedRewards.add). A
 * settlement first credits what refills paid (RewardsClaimed, indexed just before), so what the account was owed
 * before is its unpaidRewards now; the rest of `unpaidRewards` is new.
 */
async function applySettlement(
  context: Context,
  staker: `0x${string}`,
  s: { paid: bigint; burned: bigint; unpaidRewards: bigint; balance: bigint; lastSettledRound: number },
) {
  const { paid, burned, unpaidRewards, balance } = s;
  const before = await context.db.find(account, { address: staker });
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
    lastSettledRound: s.lastSettledRound,
  }));
}
