/**
 * What the history and performance pages read: an account's events, decoded and typed. Two sources give it: direct
 * log reads from the RPC (logSource.ts, the default, fine for the demo and small accounts) and, later, an indexer.
 */
import type { Address, Hash, Hex } from "viem";

interface EventBase {
  blockNumber: bigint;
  logIndex: number;
  txHash: Hash;
}

export interface ModelRegisteredEvent extends EventBase {
  kind: "model-registered";
  modelId: Hex;
  slot: number;
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
  round: number;
  stakeAtRisk: bigint;
  rates: bigint[]; // 18-decimal fractions, registry order; 0 for models without weight that round
  delta: bigint;
  paid: bigint;
  burned: bigint;
  unpaidRewards: bigint;
  balance: bigint;
}

export type AccountEvent =
  | ModelRegisteredEvent
  | DepositedEvent
  | AllocationSetEvent
  | ManagerSetEvent
  | WithdrawalRequestedEvent
  | WithdrawalClaimedEvent
  | SettledEvent;

export interface AccountHistory {
  account: Address;
  /** Every event of the account, oldest first (block, then log index). */
  events: AccountEvent[];
  /** Block the history was read up to (inclusive). */
  toBlock: bigint;
}

/** A place to read account histories from. */
export interface HistorySource {
  readonly name: string;
  accountHistory(account: Address): Promise<AccountHistory>;
}

export function byChainOrder(a: EventBase, b: EventBase): number {
  return a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : a.blockNumber < b.blockNumber ? -1 : 1;
}
