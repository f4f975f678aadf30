/**
 * The rewards pool and owed rewards: refills and claims. Tables: rewards, rewardsFunding, account (owed and
 * claimable), accountEvent.
 */
import { and, eq, gt } from "ponder";
import { ponder } from "ponder:registry";
import { account, rewardsFunding } from "ponder:schema";
import { owedNow } from "./owed";
import { currentRewards, recordAccountEvent, saveRewards, where } from "./shared";

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
  const id = event.id;
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
  await recordAccountEvent(event, context, {
    account: from,
    kind: "rewards-funded",
    amount,
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
  await recordAccountEvent(event, context, {
    account: staker,
    kind: "rewards-claimed",
    amount,
    balance,
    unpaidRewards,
  });
});
