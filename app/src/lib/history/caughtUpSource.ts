/**
 * The indexer once it has caught up, chain logs until then: every read first compares the indexer's head with the
 * chain's. When the indexer has indexed the chain's head block, the history comes from it (a few HTTP requests);
 * when it lags (still backfilling after `npm start`, or a block or two behind after a transaction), the read waits
 * up to `waitMs` for it to catch up (Ponder polls the node every 200 ms-1 s), then falls back to the logs. An
 * indexer that cannot be reached is a fallback too, never an error: the chain is the source of truth.
 *
 * The result says which source served it (`source`), so the page can say where its figures come from.
 */
import type { Address } from "viem";
import type { AccountHistory, HistorySource } from "@portfolio-stake/core/history";

export interface CaughtUpOptions {
  /** The block the indexer has indexed up to (throws when it cannot be reached). */
  indexedHead: () => Promise<bigint>;
  /** The chain's newest block. */
  chainHead: () => Promise<bigint>;
  /** How long a read waits for a lagging indexer before it reads the logs instead. */
  waitMs?: number;
  /** Between two looks at the indexer's head while waiting. */
  pollMs?: number;
  /** Injectable for tests. */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

export function caughtUpSource(indexer: HistorySource, logs: HistorySource, options: CaughtUpOptions): HistorySource {
  const waitMs = options.waitMs ?? 1000;
  const pollMs = options.pollMs ?? 100;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = options.now ?? Date.now;

  /** True once the indexer has the chain's head block; false when it still lags after waitMs, or is unreachable. */
  async function indexerCaughtUp(): Promise<boolean> {
    const target = await options.chainHead();
    const deadline = now() + waitMs;
    for (;;) {
      let head: bigint;
      try {
        head = await options.indexedHead();
      } catch {
        return false; // not running (yet), or following another chain: the logs it is
      }
      if (head >= target) return true;
      if (now() >= deadline) return false;
      await sleep(pollMs);
    }
  }

  return {
    name: `${indexer.name} (${logs.name} until it has caught up)`,
    async accountHistory(account: Address): Promise<AccountHistory> {
      if (await indexerCaughtUp()) {
        try {
          return { ...(await indexer.accountHistory(account)), source: indexer.name };
        } catch {
          // A failure between the head check and the read (the indexer stopped, a reorg mid-read): the logs.
        }
      }
      return { ...(await logs.accountHistory(account)), source: logs.name };
    },
  };
}
