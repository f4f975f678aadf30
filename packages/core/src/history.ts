/**
 * An account's history as the app's history and performance pages read it: its events, decoded and typed, one kind
 * name each. Two sources give it (app/src/lib/history): direct log reads from the RPC and the indexer (indexer/),
 * whose account_event rows carry the same kind names (INDEXED_EVENT_KINDS).
 */
import type { Address, Hash, Hex } from "viem";

/**
 * The kind of an indexer account_event row: the AccountEvent kind it becomes, except "nonce-used", which is every
 * NonceUsed log (the app keeps only those that are not the echo of another event of the same transaction, as
 * "nonces-invalidated"). Details of allocation-set, settled, span-settled and rewards-funded rows are in their own
 * tables.
 */
export const INDEXED_EVENT_KINDS = [
  "model-registered",
  "model-proposed",
  "model-proposal-cancelled",
  "model-unbound",
  "nonce-used",
  "deposited",
  "allocation-set",
  "manager-set",
  "withdrawal-requested",
  "withdrawal-claimed",
  "settled",
  "span-settled",
  "rewards-claimed",
  "rewards-funded",
] as const;
export type IndexedEventKind = (typeof INDEXED_EVENT_KINDS)[number];

export interface EventBase {
  blockNumber: bigint;
  logIndex: number;
  txHash: Hash;
  /** The round open at that block (the latest RoundOpened at or before it); 0 before the first round. */
  openRound: number;
  /** Block time in seconds, when the source knows it (the indexer does; plain logs do not carry it). */
  timestamp?: number;
}

export interface ModelRegisteredEvent extends EventBase {
  kind: "model-registered";
  modelId: Hex; // bytes16, lower-case
  slot: number;
}
/** The operator proposed a model to the account; it binds once the account accepts (acceptModels). */
export interface ModelProposedEvent extends EventBase {
  kind: "model-proposed";
  modelId: Hex; // bytes16, lower-case
}
/** A proposal withdrawn by the operator, declined by the account, or replaced by a proposal to another account. */
export interface ModelProposalCancelledEvent extends EventBase {
  kind: "model-proposal-cancelled";
  modelId: Hex;
}
/** A model left the account; its slot is free (modelsOf shows a zero id there) and may be reused. */
export interface ModelUnboundEvent extends EventBase {
  kind: "model-unbound";
  modelId: Hex;
  slot: number;
  by: Address;
}
/**
 * invalidateNonces: the account cancelled every signature made for nonces below `nonce + 1`. (NonceUsed logs of
 * setAllocation, setManager and acceptModelsBySig are left out: their own event already says what happened.)
 */
export interface NoncesInvalidatedEvent extends EventBase {
  kind: "nonces-invalidated";
  /** The last nonce used; the next signature needs nonce + 1. */
  nonce: bigint;
}
export interface DepositedEvent extends EventBase {
  kind: "deposited";
  amount: bigint;
  balance: bigint;
  effectiveRound: number;
}
export interface AllocationSetEvent extends EventBase {
  kind: "allocation-set";
  effectiveRound: number;
  by: Address;
  weights: number[]; // bps in registry (slot) order
}
export interface ManagerSetEvent extends EventBase {
  kind: "manager-set";
  manager: Address;
}
export interface WithdrawalRequestedEvent extends EventBase {
  kind: "withdrawal-requested";
  amount: bigint;
  pendingWithdrawal: bigint;
  balance: bigint;
  lastAtRiskRound: number;
  releaseAt: number;
}
export interface WithdrawalClaimedEvent extends EventBase {
  kind: "withdrawal-claimed";
  amount: bigint;
}
export interface SettledEvent extends EventBase {
  kind: "settled";
  round: number; // the settled round (not the one open when it was settled: that is openRound)
  /** The round's slice (stake at its opening / its sliceDivisor), limited to what earlier losses left. */
  stakeAtRisk: bigint;
  rates: bigint[]; // 18-decimal fractions (1e18 = 100%), registry order; 0 for unweighted models and expired rounds
  delta: bigint;
  /** Paid from the rewards pool for this round's gain (what the pool could not pay is owed: unpaidRewards). */
  paid: bigint;
  burned: bigint;
  /** Owed to the account after this settlement (all rounds). */
  unpaidRewards: bigint;
  balance: bigint;
  /**
   * Settled as unprovable (the round was published but its result for this account could not be proven before the
   * proof deadline): counts as zero. Absent when the source does not say (older indexer schemas).
   */
  unprovable?: boolean;
}

/**
 * Rounds fromRound..toRound settled together (settleSpans): the account's stake and vector did not change over them,
 * so their result is one net amount. Per-round, per-model rates are not in the event; `rateSums` holds each model's
 * sum of the rounds' rates (the cumulative at toRound minus the one at fromRound - 1), so a model's return over the
 * span is known, not how it was spread over its rounds.
 */
export interface SpanSettledEvent extends EventBase {
  kind: "span-settled";
  fromRound: number;
  toRound: number;
  /** What each round of the span put at risk: the stake / the rounds' sliceDivisor. */
  stakeAtRisk: bigint;
  rateSums: bigint[]; // 18-decimal sums of the rounds' rates, registry order; 0 for unweighted models
  /** Net result of the span: its rounds' gains and losses net (within n wei per weighted model of per round). */
  delta: bigint;
  paid: bigint;
  burned: bigint;
  unpaidRewards: bigint;
  balance: bigint;
}

/**
 * Owed rewards that refills paid, credited to the stake: by claimRewards (anyone may call it for the account), or
 * first thing in a settlement of the account.
 */
export interface RewardsClaimedEvent extends EventBase {
  kind: "rewards-claimed";
  amount: bigint;
  /** Still owed after it. */
  unpaidRewards: bigint;
  balance: bigint;
}
/**
 * The account added NMR for rewards (fundRewards): `toOwed` of it paid owed rewards first (every owed account the
 * same fraction), the rest went to the pool, now `pool`; `owedTotal` is still owed in all. An account owed x when
 * the factor was f0 and the scale k0 (same epoch) is owed x * owedFactor / (f0 * 1e18^(owedScale - k0)) now; a refill
 * that pays everything starts a new epoch.
 */
export interface RewardsFundedEvent extends EventBase {
  kind: "rewards-funded";
  amount: bigint;
  toOwed: bigint;
  pool: bigint;
  owedTotal: bigint;
  owedFactor: bigint;
  owedEpoch: number;
  owedScale: number;
}

export type AccountEvent =
  | ModelRegisteredEvent
  | ModelProposedEvent
  | ModelProposalCancelledEvent
  | ModelUnboundEvent
  | NoncesInvalidatedEvent
  | DepositedEvent
  | AllocationSetEvent
  | ManagerSetEvent
  | WithdrawalRequestedEvent
  | WithdrawalClaimedEvent
  | SettledEvent
  | SpanSettledEvent
  | RewardsClaimedEvent
  | RewardsFundedEvent;

export interface AccountHistory {
  account: Address;
  /** Every event of the account, oldest first (block, then log index). */
  events: AccountEvent[];
  /** Block the history was read up to (inclusive). */
  toBlock: bigint;
  /** The source that served this read, when a source picks between several (caughtUpSource.ts). */
  source?: string;
}

/**
 * A place to read account histories from. Implementations (app/src/lib/history): logHistorySource (chain logs, the
 * default) and, when NEXT_PUBLIC_INDEXER_URL is set, the indexer once it has caught up (caughtUpSource.ts, chosen in
 * index.ts). Any output must pass conformance.checkHistory.
 */
export interface HistorySource {
  readonly name: string;
  accountHistory(account: Address): Promise<AccountHistory>;
}

export function byChainOrder(
  a: Pick<EventBase, "blockNumber" | "logIndex">,
  b: Pick<EventBase, "blockNumber" | "logIndex">,
): number {
  return a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : a.blockNumber < b.blockNumber ? -1 : 1;
}
