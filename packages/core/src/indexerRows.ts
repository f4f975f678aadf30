/**
 * The indexer's rows as its GraphQL API returns them, for the tables the app reads: written once here so that the app
 * imports no indexer code. BigInt columns arrive as decimal strings (Ponder's GraphQL serialises them so); nullable
 * columns are `| null`. indexer/schemaRows.ts asserts, at type level, that each equals the Ponder schema's row
 * (indexer/ponder.schema.ts) with bigints as strings: a column added, renamed, dropped or retyped there fails
 * `npm run typecheck` until this file follows.
 */
import type { Hex } from "viem";
import type { IndexedEventKind } from "./history";

/** A bigint column over HTTP: its decimal digits. */
type BigIntText = string;

/** account_event: one row per event that changed an account (its history). */
export interface AccountEventRow {
  id: string;
  account: Hex;
  kind: IndexedEventKind;
  amount: BigIntText | null;
  balance: BigIntText | null;
  round: number | null;
  releaseAt: BigIntText | null;
  pendingWithdrawal: BigIntText | null;
  unpaidRewards: BigIntText | null;
  openRound: number;
  detail: string | null;
  blockNumber: BigIntText;
  logIndex: number;
  timestamp: BigIntText;
  txHash: Hex;
}

/** allocation: one row per AllocationSet (the weights in the account's model-slot order). */
export interface AllocationRow {
  id: string;
  account: Hex;
  effectiveRound: number;
  by: Hex;
  weights: number[];
  blockNumber: BigIntText;
  logIndex: number;
  txHash: Hex;
}

/** settlement: one row per (account, round) settled. */
export interface SettlementRow {
  account: Hex;
  round: number;
  stakeAtRisk: BigIntText;
  rates: BigIntText[];
  delta: BigIntText;
  paid: BigIntText;
  burned: BigIntText;
  unpaidRewards: BigIntText;
  balance: BigIntText;
  unprovable: boolean;
  txHash: Hex;
}

/** span_settlement: one row per (account, segment) settled together by settleSpans. */
export interface SpanSettlementRow {
  account: Hex;
  fromRound: number;
  toRound: number;
  stakeAtRisk: BigIntText;
  rateSums: BigIntText[];
  delta: BigIntText;
  paid: BigIntText;
  burned: BigIntText;
  unpaidRewards: BigIntText;
  balance: BigIntText;
  txHash: Hex;
}

/** rewards_funding: one row per RewardsFunded. */
export interface RewardsFundingRow {
  id: string;
  from: Hex;
  amount: BigIntText;
  toOwed: BigIntText;
  pool: BigIntText;
  owedTotal: BigIntText;
  owedFactor: BigIntText;
  owedEpoch: number;
  owedScale: number;
  blockNumber: BigIntText;
  logIndex: number;
  timestamp: BigIntText;
  txHash: Hex;
}
