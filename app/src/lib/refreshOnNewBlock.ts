"use client";
/**
 * Every chain-derived query is refreshed when a new block arrives, not only on its timer: a reallocation (or any
 * transaction, from this tab or elsewhere) shows within a poll of the node after its block. On the local chain the
 * node is asked every 250 ms (blocks come only with transactions, so this is one cheap eth_blockNumber); elsewhere
 * every 4 s, about a third of a mainnet block.
 */
import type { QueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { watchBlockNumber } from "viem/actions";
import { IS_LOCAL_CHAIN, getChainClient } from "@/lib/chain";

export const BLOCK_POLL_MS = IS_LOCAL_CHAIN ? 250 : 4_000;

export function useRefreshOnNewBlock(queryClient: QueryClient) {
  useEffect(
    () =>
      watchBlockNumber(getChainClient(), {
        pollingInterval: BLOCK_POLL_MS,
        emitOnBegin: false,
        // Active queries refetch now; inactive ones when next used. Errors (node briefly away) are retried by the poll.
        onBlockNumber: () => void queryClient.invalidateQueries(),
        onError: () => {},
      }),
    [queryClient],
  );
}
