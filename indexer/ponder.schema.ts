/**
 * Tables rebuilt from PortfolioStake's events. Amounts are NMR wei (bigint), rates 18-decimal fractions, weights
 * basis points. A vector is stored whole (weights in registry-slot order) and expanded per model, so "every
 * allocation to a model at round r" is one query: per account, the latest vector with effectiveRound ≤ r.
 */
import { index, onchainTable, primaryKey, relations } from "ponder";
import type { IndexedEventKind } from "@portfolio-stake/core/history";

export const account = onchainTable("account", (t) => ({
  address: t.hex().primaryKey(),
  balance: t.bigint().notNull(),
  pendingWithdrawal: t.bigint().notNull(),
  manager: t.hex(),
  nonce: t.bigint().notNull(), // nonces(staker): the last NonceUsed + 1 (setAllocation*, setManager, acceptModelsBySig, invalidateNonces)
  modelCount: t.integer().notNull(), // registry indexes used, freed ones included (AccountView.modelCount)
  totalDeposited: t.bigint().notNull(),
  totalPaid: t.bigint().notNull(), // accountOf.totalRewarded: paid from the pool by settlements, plus owed rewards claimed
  totalBurned: t.bigint().notNull(),
  // Owed rewards (gains the rewards pool could not pay), as accountOf reports them: `unpaidRewards` still owed now,
  // `claimableRewards` paid by refills and not yet credited (claimRewards credits it to the stake). Both follow every
  // refill (RewardsFunded updates the accounts it paid). The three owed* columns are the contract's own record,
  // from which both are computed (see src/owed.ts): owed now = owedStored x rewards.owedFactor / (owedFactor x
  // 1e18^(rewards.owedScale - owedScale)) rounded up while owedEpoch is the current epoch, else 0; claimable =
  // owedStored - owed now.
  unpaidRewards: t.bigint().notNull(),
  claimableRewards: t.bigint().notNull(),
  owedStored: t.bigint().notNull(),
  owedEpoch: t.integer().notNull(),
  owedFactor: t.bigint().notNull(),
  owedScale: t.integer().notNull(),
  totalClaimed: t.bigint().notNull(), // owed rewards credited (RewardsClaimed, by claimRewards or a settlement)
  lastSettledRound: t.integer(),
  currentWeights: t.integer().array(),
  currentEffectiveRound: t.integer(),
  models: t.hex().array().notNull(), // registry order (slot = index), as modelsOf: the zero ID at a freed slot
  // The newest vectors as [effectiveRound, weights]: settlement looks up the one in force from here, through
  // Ponder's cached find(), instead of an SQL query per event (which flushes the cache and was ~30x slower).
  recentVectors: t.json().$type<[number, number[]][]>().notNull(),
}));

/** Models bound now (a model unbound by ModelUnbound leaves this table; its slot may be reused by another). */
export const model = onchainTable("model", (t) => ({
  id: t.hex().primaryKey(),
  account: t.hex().notNull(),
  slot: t.integer().notNull(),
  boundAtBlock: t.bigint().notNull(),
}));

/** Every binding of a model to an account's slot, current or ended (unboundAtBlock set by ModelUnbound). */
export const modelBinding = onchainTable(
  "model_binding",
  (t) => ({
    id: t.text().primaryKey(), // Ponder's event id of its ModelRegistered
    model: t.hex().notNull(),
    account: t.hex().notNull(),
    slot: t.integer().notNull(),
    boundAtBlock: t.bigint().notNull(),
    unboundAtBlock: t.bigint(),
    unboundBy: t.hex(),
  }),
  (table) => ({ byModel: index().on(table.model), byAccount: index().on(table.account, table.slot) }),
);

/** Pending proposals (ModelProposed), as modelProposal(id): removed when accepted, withdrawn, declined or replaced. */
export const modelProposal = onchainTable(
  "model_proposal",
  (t) => ({
    id: t.hex().primaryKey(), // the model
    account: t.hex().notNull(), // the account it is proposed to
    proposedAtBlock: t.bigint().notNull(),
    txHash: t.hex().notNull(),
  }),
  (table) => ({ byAccount: index().on(table.account) }),
);

/** Contract-wide configuration: one row per parameter name (ParameterUpdated), and "burnMode" / "burnSink". */
export const parameter = onchainTable("parameter", (t) => ({
  name: t.text().primaryKey(), // withdrawalDelay, ..., proofGracePeriod, burnMode (0 NumeraireMint, 1 ERC20Burn, 2 Sink)
  value: t.bigint().notNull(),
  address: t.hex(), // burnSink only
  blockNumber: t.bigint().notNull(),
}));

export const allocation = onchainTable(
  "allocation",
  (t) => ({
    id: t.text().primaryKey(), // Ponder's event id (chain order as a string)
    account: t.hex().notNull(),
    effectiveRound: t.integer().notNull(),
    by: t.hex().notNull(),
    weights: t.integer().array().notNull(),
    blockNumber: t.bigint().notNull(),
    logIndex: t.integer().notNull(),
    txHash: t.hex().notNull(),
  }),
  (table) => ({ byAccount: index().on(table.account, table.effectiveRound) }),
);

export const allocationWeight = onchainTable(
  "allocation_weight",
  (t) => ({
    allocationId: t.text().notNull(),
    account: t.hex().notNull(),
    model: t.hex().notNull(),
    effectiveRound: t.integer().notNull(),
    bps: t.integer().notNull(),
    blockNumber: t.bigint().notNull(),
    logIndex: t.integer().notNull(),
  }),
  (table) => ({
    pk: primaryKey({ columns: [table.allocationId, table.model] }),
    byModel: index().on(table.model, table.effectiveRound),
  }),
);

export const accountEvent = onchainTable(
  "account_event",
  (t) => ({
    id: t.text().primaryKey(), // Ponder's event id (chain order as a string)
    account: t.hex().notNull(),
    // one of @portfolio-stake/core/history INDEXED_EVENT_KINDS (rewards-funded: the account funded the pool; its fields
    // are in rewards_funding, same id)
    kind: t.text().$type<IndexedEventKind>().notNull(),
    amount: t.bigint(),
    balance: t.bigint(),
    round: t.integer(),
    releaseAt: t.bigint(),
    pendingWithdrawal: t.bigint(), // withdrawal-requested: the pending total after the request
    unpaidRewards: t.bigint(), // rewards-claimed: still owed after the claim
    openRound: t.integer().notNull(), // the round open at this event's position (0 before round 1)
    detail: t.text(),
    blockNumber: t.bigint().notNull(),
    logIndex: t.integer().notNull(),
    timestamp: t.bigint().notNull(),
    txHash: t.hex().notNull(),
  }),
  (table) => ({ byAccount: index().on(table.account, table.blockNumber) }),
);

/**
 * One row (id "global"): the rewards pool and owed rewards, as totals() reports them (rewardsPool, owedRewards =
 * owedTotal, owedReserve), and the pro-rata index of the last refill (owedFactor, owedEpoch, owedScale: see
 * RewardsFunded).
 */
export const rewards = onchainTable("rewards", (t) => ({
  id: t.text().primaryKey(),
  rewardsPool: t.bigint().notNull(),
  owedTotal: t.bigint().notNull(), // still owed, all accounts
  owedReserve: t.bigint().notNull(), // paid by refills, not yet credited to the accounts' stakes
  owedFactor: t.bigint().notNull(), // 1e36 at the start of an epoch, kept in [1e18, 1e36]
  owedEpoch: t.integer().notNull(),
  owedScale: t.integer().notNull(), // times the factor was multiplied by 1e18
  totalFunded: t.bigint().notNull(),
  totalToOwed: t.bigint().notNull(), // of totalFunded, what went to owed rewards
  totalClaimed: t.bigint().notNull(),
}));

/** Every refill (RewardsFunded), with how it was split between owed rewards and the pool. */
export const rewardsFunding = onchainTable(
  "rewards_funding",
  (t) => ({
    id: t.text().primaryKey(), // Ponder's event id (also the funder's account_event id)
    from: t.hex().notNull(),
    amount: t.bigint().notNull(),
    toOwed: t.bigint().notNull(), // paid owed rewards, pro rata
    pool: t.bigint().notNull(), // the pool after it
    owedTotal: t.bigint().notNull(), // still owed after it
    owedFactor: t.bigint().notNull(),
    owedEpoch: t.integer().notNull(),
    owedScale: t.integer().notNull(),
    blockNumber: t.bigint().notNull(),
    logIndex: t.integer().notNull(),
    timestamp: t.bigint().notNull(),
    txHash: t.hex().notNull(),
  }),
  (table) => ({ byFrom: index().on(table.from) }),
);

/** One row (id "head"): the newest opened round, which dates every account event (accountEvent.openRound). */
export const chainState = onchainTable("chain_state", (t) => ({
  id: t.text().primaryKey(),
  openRound: t.integer().notNull(),
}));

export const round = onchainTable("round", (t) => ({
  round: t.integer().primaryKey(),
  openedAt: t.bigint().notNull(),
  resolvesAt: t.bigint().notNull(),
  deadline: t.bigint().notNull(),
  proofDeadline: t.bigint().notNull(), // after it, a published round nobody can prove settles as zero (unprovable)
  rateCap: t.bigint().notNull(), // max |rate|, a fraction of the slice: the parameter, or lower when older open rounds left less room
  sliceDivisor: t.integer().notNull(), // R: the round puts stake-at-opening / R at risk
  root: t.hex(),
  leavesURI: t.text(),
  settledAccounts: t.integer().notNull(),
  stakeAtRisk: t.bigint().notNull(), // sum of the settled accounts' Settled.stakeAtRisk (their slices)
  delta: t.bigint().notNull(),
  paid: t.bigint().notNull(),
  burned: t.bigint().notNull(),
  unprovableAccounts: t.integer().notNull(), // settlements of this round flagged unprovable
}));

export const settlement = onchainTable(
  "settlement",
  (t) => ({
    account: t.hex().notNull(),
    round: t.integer().notNull(),
    stakeAtRisk: t.bigint().notNull(), // the round's slice (stake / R), limited to what earlier losses left
    rates: t.bigint().array().notNull(),
    delta: t.bigint().notNull(),
    paid: t.bigint().notNull(),
    burned: t.bigint().notNull(),
    unpaidRewards: t.bigint().notNull(), // owed to the account after this settlement
    balance: t.bigint().notNull(),
    unprovable: t.boolean().notNull(), // published, but settled as zero for the account: no proof by its proofDeadline
    txHash: t.hex().notNull(),
  }),
  (table) => ({ pk: primaryKey({ columns: [table.account, table.round] }) }),
);

/**
 * Rounds fromRound..toRound settled together for an account (SpanSettled, settleSpans): one row per segment. Its
 * rounds' per-model rates are not on chain, only each model's sum over them (rateSums); so these rounds have no
 * settlement or model_round rows, and the round table counts the account and its slice in each of them but not a
 * per-round share of the span's net delta, paid or burned (those are here).
 */
export const spanSettlement = onchainTable(
  "span_settlement",
  (t) => ({
    account: t.hex().notNull(),
    fromRound: t.integer().notNull(),
    toRound: t.integer().notNull(),
    stakeAtRisk: t.bigint().notNull(), // what each round of the span put at risk: the stake / R
    rateSums: t.bigint().array().notNull(), // per model (registry order): the sum of the rounds' rates; 0 if unweighted
    delta: t.bigint().notNull(), // the span's net result
    paid: t.bigint().notNull(),
    burned: t.bigint().notNull(),
    unpaidRewards: t.bigint().notNull(), // owed to the account after this span
    balance: t.bigint().notNull(),
    txHash: t.hex().notNull(),
  }),
  (table) => ({ pk: primaryKey({ columns: [table.account, table.fromRound] }) }),
);

/** A model's rate in a round, from settlements of accounts that weighted it (unweighted models report 0: skipped). */
export const modelRound = onchainTable(
  "model_round",
  (t) => ({
    model: t.hex().notNull(),
    round: t.integer().notNull(),
    rate: t.bigint().notNull(),
    account: t.hex().notNull(),
    weight: t.integer().notNull(),
    stakeAtRisk: t.bigint().notNull(), // the account's stake × weight on this model
  }),
  (table) => ({ pk: primaryKey({ columns: [table.model, table.round] }) }),
);

export const accountRelations = relations(account, ({ many }) => ({
  boundModels: many(model), // (the column `models` is the slot list, as modelsOf)
  bindings: many(modelBinding),
  proposals: many(modelProposal),
  allocations: many(allocation),
  events: many(accountEvent),
  settlements: many(settlement),
  spanSettlements: many(spanSettlement),
}));
export const modelRelations = relations(model, ({ one, many }) => ({
  owner: one(account, { fields: [model.account], references: [account.address] }),
  rounds: many(modelRound),
}));
export const allocationRelations = relations(allocation, ({ one }) => ({
  owner: one(account, { fields: [allocation.account], references: [account.address] }),
}));
export const eventRelations = relations(accountEvent, ({ one }) => ({
  owner: one(account, { fields: [accountEvent.account], references: [account.address] }),
}));
export const settlementRelations = relations(settlement, ({ one }) => ({
  owner: one(account, { fields: [settlement.account], references: [account.address] }),
}));
export const spanSettlementRelations = relations(spanSettlement, ({ one }) => ({
  owner: one(account, { fields: [spanSettlement.account], references: [account.address] }),
}));
export const modelRoundRelations = relations(modelRound, ({ one }) => ({
  model: one(model, { fields: [modelRound.model], references: [model.id] }),
}));
export const modelBindingRelations = relations(modelBinding, ({ one }) => ({
  owner: one(account, { fields: [modelBinding.account], references: [account.address] }),
}));
export const modelProposalRelations = relations(modelProposal, ({ one }) => ({
  proposedTo: one(account, { fields: [modelProposal.account], references: [account.address] }),
}));
