/**
 * A viem PublicClient with every public action as a method (client.readContract(…), client.getContractEvents(…)).
 * Convenient, but it bundles all of viem's public actions: in pages, prefer getChainClient() from "@/lib/chain" with
 * the individual actions from "viem/actions".
 */
import { createPublicClient, type PublicClient } from "viem";
import { appChain, rpcTransport } from "@/lib/chain";

let client: PublicClient | undefined;
export function getPublicClient(): PublicClient {
  client ??= createPublicClient({ chain: appChain, transport: rpcTransport() }) as PublicClient;
  return client;
}
