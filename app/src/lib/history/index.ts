/**
 * The app's history source: direct log reads by default. An indexer-backed source plugs in here, chosen when
 * NEXT_PUBLIC_INDEXER_URL is set (see issue 6), with the same HistorySource interface.
 */
import type { AppContracts } from "@/lib/contracts";
import { logHistorySource } from "./logSource";
import type { HistorySource } from "./types";

export function historySource(contracts: AppContracts): HistorySource {
  return logHistorySource(contracts);
}

export * from "./types";
