/**
 * Typed selections of the indexer's GraphQL rows (@portfolio-stake/core/indexerRows, which the indexer checks against
 * its schema). A query's columns are written once, as a typed list: the query text and the row type are both made
 * from it, so a column renamed or dropped in the schema is a type error here, not an empty field at run time.
 */
import type {
  AccountEventRow,
  AllocationRow as AllocationTableRow,
  RewardsFundingRow,
  SettlementRow as SettlementTableRow,
  SpanSettlementRow as SpanSettlementTableRow,
} from "@portfolio-stake/core/indexerRows";

export interface Columns<R, K extends keyof R> {
  /** The GraphQL selection: the column names, space-separated. */
  readonly selection: string;
  /** Phantom: the row type the selection returns. */
  readonly row?: Pick<R, K>;
}
export type RowOf<C> = C extends Columns<infer R, infer K> ? Pick<R, K> : never;

/** `columnsOf<Row>()("a", "b")`: a typed selection of some of a table's columns. */
const columnsOf =
  <R>() =>
  <const K extends keyof R & string>(...names: K[]): Columns<R, K> => ({ selection: names.join(" ") });

export const EVENT_COLUMNS = columnsOf<AccountEventRow>()(
  "id",
  "kind",
  "amount",
  "balance",
  "pendingWithdrawal",
  "unpaidRewards",
  "round",
  "openRound",
  "releaseAt",
  "detail",
  "blockNumber",
  "logIndex",
  "timestamp",
  "txHash",
);
export const ALLOCATION_COLUMNS = columnsOf<AllocationTableRow>()("id", "by", "effectiveRound", "weights");
export const SETTLEMENT_COLUMNS = columnsOf<SettlementTableRow>()(
  "round",
  "stakeAtRisk",
  "rates",
  "delta",
  "paid",
  "burned",
  "unpaidRewards",
  "balance",
  "unprovable",
);
export const SPAN_SETTLEMENT_COLUMNS = columnsOf<SpanSettlementTableRow>()(
  "fromRound",
  "toRound",
  "stakeAtRisk",
  "rateSums",
  "delta",
  "paid",
  "burned",
  "unpaidRewards",
  "balance",
);
export const FUNDING_COLUMNS = columnsOf<RewardsFundingRow>()(
  "id",
  "amount",
  "toOwed",
  "pool",
  "owedTotal",
  "owedFactor",
  "owedEpoch",
  "owedScale",
);

export type EventRow = RowOf<typeof EVENT_COLUMNS>;
export type AllocationRow = RowOf<typeof ALLOCATION_COLUMNS>;
export type SettlementRow = RowOf<typeof SETTLEMENT_COLUMNS>;
export type FundingRow = RowOf<typeof FUNDING_COLUMNS>;
export type SpanSettlementRow = RowOf<typeof SPAN_SETTLEMENT_COLUMNS>;
