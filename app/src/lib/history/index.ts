/**
 * The app's history source: direct log reads by default. An indexer-backed source plugs in here, chosen when
 * NEXT_PUBLIC_INDEXER_URL is set (see issue 6), with the same HistorySource interface.
 */
import type { AppContracts } from "@/lib/contracts";
import { indexerHistorySource } from "./indexerSource";
import { logHistorySource } from "./logSource";
import type { HistorySource } from "@portfolio-stake/core/history";

/** The indexer's base URL (e.g. http://127.0.0.1:42069), inlined at build time; unset = chain logs. */
const INDEXER_URL = process.env.NEXT_PUBLIC_INDEXER_URL;

export function historySource(contracts: AppContracts): HistorySource {
  return INDEXER_URL ? indexerHistorySource(INDEXER_URL, contracts) : logHistorySource(contracts);
}

export * from "@portfolio-stake/core/history";
