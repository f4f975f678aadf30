/**
 * The indexer's rows as its GraphQL API returns them, typed from the indexer's own schema (`indexer/ponder.schema.ts`,
 * imported by package name and for types only: nothing of it reaches the bundle). BigInt columns arrive as decimal
 * strings. A query's columns are written once, as a typed list: the query text and the row type are both made from
 * it, so a column renamed or dropped in the schema is a type error here, not an empty field at run time.
 */
import type { accountEvent, allocation, rewardsFunding, settlement } from "indexer/ponder.schema";

/** A value as JSON carries it: Ponder's GraphQL serialises BigInt as a decimal string. */
type OverHttp<T> = T extends bigint ? string : T extends readonly (infer E)[] ? OverHttp<E>[] : T;
/** A table's row over HTTP. */
type Row<Table extends { $inferSelect: object }> = {
  [K in keyof Table["$inferSelect"]]: OverHttp<Table["$inferSelect"][K]>;
};

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

export const EVENT_COLUMNS = columnsOf<Row<typeof accountEvent>>()(
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
export const ALLOCATION_COLUMNS = columnsOf<Row<typeof allocation>>()("id", "by", "effectiveRound", "weights");
export const SETTLEMENT_COLUMNS = columnsOf<Row<typeof settlement>>()(
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
export const FUNDING_COLUMNS = columnsOf<Row<typeof rewardsFunding>>()(
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
