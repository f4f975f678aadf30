/**
 * How any part of the app gets the contracts: ABIs compiled in (src/generated), addresses and deploy block from
 * GET /api/deployments at run time (see deploymentsFile.ts).
 *
 *   const contracts = useContracts();            // React: react-query result; contracts.data?.stake.address
 *   const c = await getContracts();              // anywhere in the browser (memoised per chain)
 *   readContract(getChainClient(), { address: c.stake.address, abi: c.stake.abi, functionName: "currentRound" })
 */
"use client";

import { useQuery } from "@tanstack/react-query";
import type { Address } from "viem";
import { nmrAbi } from "@portfolio-stake/core/abi/nmrAbi";
import { portfolioStakeAbi } from "@portfolio-stake/core/abi/portfolioStakeAbi";
import { CHAIN_ID } from "@/lib/chain";
import type { DeploymentInfo } from "./deploymentsFile";

export interface AppContracts {
  chainId: number;
  stake: { address: Address; abi: typeof portfolioStakeAbi; deployBlock: bigint };
  nmr: { address: Address; abi: typeof nmrAbi; deployBlock: bigint };
  /** Demo labels: lower-case model id → name, checksummed address → name (empty off the demo chain). */
  modelNames: Record<string, string>;
  accountNames: Record<string, string>;
}

/** Thrown when the chain has no deployment; `message` says what to run. */
export class MissingDeploymentError extends Error {
  override name = "MissingDeploymentError";
}

const cache = new Map<number, Promise<AppContracts>>();

async function fetchContracts(chainId: number): Promise<AppContracts> {
  let response: Response;
  try {
    response = await fetch(`/api/deployments?chainId=${chainId}`, { cache: "no-store" });
  } catch (error) {
    throw new Error(`Could not reach the app's server for the contract addresses (${String(error)})`, {
      cause: error,
    });
  }
  const body = (await response.json()) as DeploymentInfo | { error: string };
  if ("error" in body) throw new MissingDeploymentError(body.error);
  return {
    chainId: body.chainId,
    stake: { address: body.stake.address, abi: portfolioStakeAbi, deployBlock: BigInt(body.stake.deployBlock) },
    nmr: { address: body.nmr.address, abi: nmrAbi, deployBlock: BigInt(body.nmr.deployBlock) },
    modelNames: body.modelNames,
    accountNames: body.accountNames,
  };
}

/** The contracts on `chainId` (default: the configured chain). A failed lookup is retried on the next call. */
export function getContracts(chainId: number = CHAIN_ID): Promise<AppContracts> {
  let pending = cache.get(chainId);
  if (!pending) {
    pending = fetchContracts(chainId);
    pending.catch(() => cache.delete(chainId));
    cache.set(chainId, pending);
  }
  return pending;
}

export function useContracts(chainId: number = CHAIN_ID) {
  return useQuery({
    queryKey: ["contracts", chainId],
    queryFn: () => getContracts(chainId),
    staleTime: Infinity,
    retry: false,
  });
}

/** "carol_07" on the demo chain, else a short form of the bytes16 id. */
export function modelLabel(contracts: AppContracts | undefined, modelId: string): string {
  return contracts?.modelNames[modelId.toLowerCase()] ?? `${modelId.slice(0, 10)}…${modelId.slice(-4)}`;
}
