/**
 * An account's stake and vector: deposits, allocations, its manager, withdrawals. Tables: account, allocation,
 * allocationWeight, accountEvent.
 */
import { ponder } from "ponder:registry";
import { account, allocation, allocationWeight } from "ponder:schema";
import { ZERO, ZERO_MODEL, newAccount, recentVectors, recordAccountEvent, where } from "./shared";

ponder.on("PortfolioStake:Deposited", async ({ event, context }) => {
  const { staker, amount, balance, effectiveRound } = event.args;
  await context.db
    .insert(account)
    .values({ ...newAccount(staker), balance, totalDeposited: amount })
    .onConflictDoUpdate((row) => ({ balance, totalDeposited: row.totalDeposited + amount }));
  await recordAccountEvent(event, context, {
    account: staker,
    kind: "deposited",
    amount,
    balance,
    round: effectiveRound,
  });
});

ponder.on("PortfolioStake:AllocationSet", async ({ event, context }) => {
  const { staker, effectiveRound, by, weights } = event.args;
  const id = event.id;
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
  await recordAccountEvent(event, context, {
    account: staker,
    kind: "allocation-set",
    round: effectiveRound,
    detail: `${by}:${bps.join(",")}`,
  });
});

ponder.on("PortfolioStake:ManagerSet", async ({ event, context }) => {
  const { staker, manager } = event.args;
  const value = manager === ZERO ? null : manager;
  await context.db
    .insert(account)
    .values({ ...newAccount(staker), manager: value })
    .onConflictDoUpdate({ manager: value });
  await recordAccountEvent(event, context, {
    account: staker,
    kind: "manager-set",
    detail: manager,
  });
});

ponder.on("PortfolioStake:WithdrawalRequested", async ({ event, context }) => {
  const { staker, amount, pendingWithdrawal, balance, lastAtRiskRound, releaseAt } = event.args;
  await context.db.update(account, { address: staker }).set({ balance, pendingWithdrawal });
  await recordAccountEvent(event, context, {
    account: staker,
    kind: "withdrawal-requested",
    amount,
    balance,
    round: lastAtRiskRound,
    releaseAt: BigInt(releaseAt),
    pendingWithdrawal,
  });
});

ponder.on("PortfolioStake:WithdrawalClaimed", async ({ event, context }) => {
  const { staker, amount } = event.args;
  const row = await context.db
    .update(account, { address: staker })
    .set((r) => ({ pendingWithdrawal: r.pendingWithdrawal - amount }));
  await recordAccountEvent(event, context, {
    account: staker,
    kind: "withdrawal-claimed",
    amount,
    balance: row.balance,
  });
});
