/** Indexing functions: one per PortfolioStake event; each keeps the tables of ponder.schema.ts in step. */
import { ponder } from "ponder:registry";
import { account, accountEvent, allocation, allocationWeight, model, modelRound, round, settlement } from "ponder:schema";

const ZERO = "0x0000000000000000000000000000000000000000";
const newAccount = (address: `0x${string}`) => ({
  address,
  balance: 0n,
  pendingWithdrawal: 0n,
  manager: null,
  modelCount: 0,
  totalDeposited: 0n,
  totalPaid: 0n,
  totalBurned: 0n,
  unpaidRewards: 0n,
  lastSettledRound: null,
  currentWeights: null,
  currentEffectiveRound: null,
});

type Meta = { block: { number: bigint; timestamp: bigint }; log: { logIndex: number }; transaction: { hash: `0x${string}` } };
const eventId = (e: Meta) => `${e.block.number}-${e.log.logIndex}`;
const where = (e: Meta) => ({ blockNumber: e.block.number, logIndex: e.log.logIndex, timestamp: e.block.timestamp, txHash: e.transaction.hash });

ponder.on("PortfolioStake:ModelRegistered", async ({ event, context }) => {
  const { account: owner, modelId, slot } = event.args;
  await context.db.insert(model).values({ id: modelId, account: owner, slot });
  await context.db
    .insert(account)
    .values({ ...newAccount(owner), modelCount: slot + 1 })
    .onConflictDoUpdate((row) => ({ modelCount: Math.max(row.modelCount, slot + 1) }));
  await context.db.insert(accountEvent).values({ id: eventId(event), account: owner, kind: "model_registered", detail: `${modelId}:${slot}`, ...where(event) });
});

ponder.on("PortfolioStake:Deposited", async ({ event, context }) => {
  const { staker, amount, balance, effectiveRound } = event.args;
  await context.db
    .insert(account)
    .values({ ...newAccount(staker), balance, totalDeposited: amount })
    .onConflictDoUpdate((row) => ({ balance, totalDeposited: row.totalDeposited + amount }));
  await context.db.insert(accountEvent).values({ id: eventId(event), account: staker, kind: "deposit", amount, balance, round: effectiveRound, ...where(event) });
});

ponder.on("PortfolioStake:AllocationSet", async ({ event, context }) => {
  const { staker, effectiveRound, by, weights } = event.args;
  const id = eventId(event);
  const bps = weights.map(Number);
  await context.db.insert(allocation).values({ id, account: staker, effectiveRound, by, weights: bps, ...where(event) });
  await context.db
    .insert(account)
    .values({ ...newAccount(staker), currentWeights: bps, currentEffectiveRound: effectiveRound })
    .onConflictDoUpdate({ currentWeights: bps, currentEffectiveRound: effectiveRound });
  const models = await context.db.sql.query.model.findMany({ where: (m, { eq }) => eq(m.account, staker) });
  const bySlot = new Map(models.map((m) => [m.slot, m.id]));
  const rows = bps
    .map((w, slot) => ({ slot, w }))
    .filter(({ slot }) => bySlot.has(slot))
    .map(({ slot, w }) => ({ allocationId: id, account: staker, model: bySlot.get(slot)!, effectiveRound, bps: w, blockNumber: event.block.number, logIndex: event.log.logIndex }));
  if (rows.length) await context.db.insert(allocationWeight).values(rows);
  await context.db.insert(accountEvent).values({ id, account: staker, kind: "allocation", round: effectiveRound, detail: `${by}:${bps.join(",")}`, ...where(event) });
});

ponder.on("PortfolioStake:ManagerSet", async ({ event, context }) => {
  const { staker, manager } = event.args;
  const value = manager === ZERO ? null : manager;
  await context.db.insert(account).values({ ...newAccount(staker), manager: value }).onConflictDoUpdate({ manager: value });
  await context.db.insert(accountEvent).values({ id: eventId(event), account: staker, kind: "manager_set", detail: manager, ...where(event) });
});

ponder.on("PortfolioStake:WithdrawalRequested", async ({ event, context }) => {
  const { staker, amount, pendingWithdrawal, balance, lastAtRiskRound, releaseAt } = event.args;
  await context.db.update(account, { address: staker }).set({ balance, pendingWithdrawal });
  await context.db
    .insert(accountEvent)
    .values({ id: eventId(event), account: staker, kind: "withdrawal_requested", amount, balance, round: lastAtRiskRound, releaseAt: BigInt(releaseAt), ...where(event) });
});

ponder.on("PortfolioStake:WithdrawalClaimed", async ({ event, context }) => {
  const { staker, amount } = event.args;
  const row = await context.db.update(account, { address: staker }).set((r) => ({ pendingWithdrawal: r.pendingWithdrawal - amount }));
  await context.db.insert(accountEvent).values({ id: eventId(event), account: staker, kind: "withdrawal_claimed", amount, balance: row.balance, ...where(event) });
});

ponder.on("PortfolioStake:RoundOpened", async ({ event, context }) => {
  const { round: r, openedAt, resolvesAt, deadline, rateCap } = event.args;
  await context.db.insert(round).values({
    round: r,
    openedAt: BigInt(openedAt),
    resolvesAt: BigInt(resolvesAt),
    deadline: BigInt(deadline),
    rateCap: BigInt(rateCap),
    root: null,
    leavesURI: null,
    settledAccounts: 0,
    stakeAtRisk: 0n,
    delta: 0n,
    paid: 0n,
    burned: 0n,
  });
});

ponder.on("PortfolioStake:RoundPublished", async ({ event, context }) => {
  await context.db.update(round, { round: event.args.round }).set({ root: event.args.root, leavesURI: event.args.leavesURI });
});

ponder.on("PortfolioStake:Settled", async ({ event, context }) => {
  const { staker, round: r, stakeAtRisk, rates, delta, paid, burned, unpaidRewards, balance } = event.args;
  await context.db.insert(settlement).values({ account: staker, round: r, stakeAtRisk, rates: [...rates], delta, paid, burned, unpaidRewards, balance, txHash: event.transaction.hash });
  const before = await context.db.find(account, { address: staker });
  // A loss beyond the stake is taken from the pending withdrawal (when it was at risk): the rest of `burned`.
  const fromStake = before ? before.balance + paid - balance : 0n;
  const fromPending = burned > fromStake && fromStake >= 0n ? burned - fromStake : 0n;
  await context.db.update(account, { address: staker }).set((a) => ({
    balance,
    pendingWithdrawal: a.pendingWithdrawal - fromPending,
    totalPaid: a.totalPaid + paid,
    totalBurned: a.totalBurned + burned,
    unpaidRewards,
    lastSettledRound: r,
  }));
  await context.db.update(round, { round: r }).set((x) => ({
    settledAccounts: x.settledAccounts + 1,
    stakeAtRisk: x.stakeAtRisk + stakeAtRisk,
    delta: x.delta + delta,
    paid: x.paid + paid,
    burned: x.burned + burned,
  }));
  // Per-model rates: the vector in force that round tells which models carried weight (others report 0).
  const vector = await context.db.sql.query.allocation.findFirst({
    where: (a, { and, eq, lte }) => and(eq(a.account, staker), lte(a.effectiveRound, r)),
    orderBy: (a, { desc }) => [desc(a.effectiveRound), desc(a.blockNumber), desc(a.logIndex)],
  });
  const models = await context.db.sql.query.model.findMany({ where: (m, { eq }) => eq(m.account, staker) });
  for (const m of models) {
    const weight = vector?.weights[m.slot] ?? 0;
    if (weight === 0 || m.slot >= rates.length) continue;
    await context.db
      .insert(modelRound)
      .values({ model: m.id, round: r, rate: rates[m.slot]!, account: staker, weight, stakeAtRisk: (stakeAtRisk * BigInt(weight)) / 10_000n })
      .onConflictDoNothing();
  }
  await context.db.insert(accountEvent).values({ id: eventId(event), account: staker, kind: "settlement", amount: delta, balance, round: r, ...where(event) });
});
