/**
 * Type-level check (no code runs): the row types the app reads the GraphQL API with, written once in
 * @portfolio-stake/core/indexerRows, equal this schema's rows with bigint columns as decimal strings. A column added,
 * renamed, dropped or retyped in ponder.schema.ts fails `npm run typecheck -w indexer` here until core follows.
 */
import type {
  AccountEventRow,
  AllocationRow,
  RewardsFundingRow,
  SettlementRow,
  SpanSettlementRow,
} from "@portfolio-stake/core/indexerRows";
import type { accountEvent, allocation, rewardsFunding, settlement, spanSettlement } from "./ponder.schema";

/** A value as JSON carries it: Ponder's GraphQL serialises BigInt as a decimal string. */
type OverHttp<T> = T extends bigint ? string : T extends readonly (infer E)[] ? OverHttp<E>[] : T;
/** A table's row over HTTP. */
type Row<Table extends { $inferSelect: object }> = {
  [K in keyof Table["$inferSelect"]]: OverHttp<Table["$inferSelect"][K]>;
};
/** Exact type equality (not mere assignability: an extra or optional column counts as a difference). */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Assert<T extends true> = T;

export type AccountEventRowMatchesSchema = Assert<Equal<Row<typeof accountEvent>, AccountEventRow>>;
export type AllocationRowMatchesSchema = Assert<Equal<Row<typeof allocation>, AllocationRow>>;
export type SettlementRowMatchesSchema = Assert<Equal<Row<typeof settlement>, SettlementRow>>;
export type SpanSettlementRowMatchesSchema = Assert<Equal<Row<typeof spanSettlement>, SpanSettlementRow>>;
export type RewardsFundingRowMatchesSchema = Assert<Equal<Row<typeof rewardsFunding>, RewardsFundingRow>>;
