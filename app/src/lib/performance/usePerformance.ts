"use client";
/** Loads an account's history (from the configured HistorySource) and derives what the performance page shows. */
import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import type { Address, Hex } from "viem";
import { useContracts } from "@/lib/contracts";
import { historySource, type AllocationSetEvent, type ModelRegisteredEvent } from "@/lib/history";
import { roundResults, spanResults } from "@/lib/performance/analytics";

export function useAccountHistory(address: Address) {
  const contracts = useContracts();
  const source = useMemo(() => (contracts.data ? historySource(contracts.data) : null), [contracts.data]);
  const history = useQuery({
    queryKey: ["account-history", contracts.data?.chainId, contracts.data?.stake.address, address],
    queryFn: () => source!.accountHistory(address),
    enabled: !!source,
    refetchInterval: 15_000,
  });
  // The source that served the last read (the indexer, or the chain's logs while it catches up).
  return { contracts, history, sourceName: history.data?.source ?? source?.name ?? "the chain" };
}

export function usePerformance(address: Address) {
  const { contracts, history, sourceName } = useAccountHistory(address);
  const derived = useMemo(() => {
    const events = history.data?.events ?? [];
    const models: Hex[] = [];
    for (const e of events.filter((e): e is ModelRegisteredEvent => e.kind === "model-registered"))
      models[e.slot] = e.modelId;
    const allocations = events.filter((e): e is AllocationSetEvent => e.kind === "allocation-set");
    const latest = allocations.at(-1);
    return {
      models,
      results: roundResults(events, models.length),
      spans: spanResults(events, models.length),
      latestVector: latest ? models.map((_, i) => latest.weights[i] ?? 0) : null,
      latestEffectiveRound: latest?.effectiveRound ?? null,
    };
  }, [history.data]);
  return { contracts, history, sourceName, ...derived };
}
