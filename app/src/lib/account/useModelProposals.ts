"use client";
/** Models the operator proposed to an account that still wait for its consent: from its events, checked on chain. */
import { useQuery } from "@tanstack/react-query";
import type { Address, Hex } from "viem";
import { getChainClient } from "@/lib/chain";
import type { AppContracts } from "@/lib/contracts";
import { useAccountHistory } from "@/lib/performance/usePerformance";
import { ethCall } from "@/lib/rpc";
import { openProposals } from "./proposals";

export function useModelProposals(contracts: AppContracts, address: Address) {
  const { history } = useAccountHistory(address);
  const candidates = history.data ? openProposals(history.data.events) : null;
  return useQuery({
    queryKey: ["model-proposals", contracts.stake.address, address, candidates?.join(",")],
    enabled: candidates !== null,
    // The events say what was proposed; modelProposal says whether it is still proposed to this account now.
    queryFn: async (): Promise<Hex[]> => {
      const owners = await Promise.all(
        (candidates ?? []).map((id) =>
          ethCall(getChainClient(), {
            address: contracts.stake.address,
            abi: contracts.stake.abi,
            functionName: "modelProposal",
            args: [id],
          }),
        ),
      );
      return (candidates ?? []).filter((_, i) => owners[i]?.toLowerCase() === address.toLowerCase());
    },
  });
}
