/**
 * The app's history source. Without NEXT_PUBLIC_INDEXER_URL: chain logs. With it (npm start sets it to the indexer
 * it starts): the indexer once it has caught up with the chain, chain logs before that (caughtUpSource.ts); both
 * give the same events (conformance.ts, and the indexer test's comparison of the two on a live chain).
 */
import type { AppContracts } from "@/lib/contracts";
import { caughtUpSource } from "./caughtUpSource";
import { httpGraphQL, indexedHead, indexerHistorySource } from "./indexerSource";
import { chainLogRpc, logHistorySource } from "./logSource";
import type { HistorySource } from "@portfolio-stake/core/history";

/** The indexer's base URL (e.g. http://127.0.0.1:42069), inlined at build time; unset = chain logs only. */
const INDEXER_URL = process.env.NEXT_PUBLIC_INDEXER_URL;

export function historySource(contracts: AppContracts): HistorySource {
  const rpc = chainLogRpc();
  const logs = logHistorySource(contracts, rpc);
  if (!INDEXER_URL) return logs;
  const gql = httpGraphQL(INDEXER_URL);
  return caughtUpSource(indexerHistorySource(INDEXER_URL, contracts, gql), logs, {
    indexedHead: () => indexedHead(gql, contracts.chainId),
    chainHead: () => rpc.blockNumber(),
  });
}

export * from "@portfolio-stake/core/history";
