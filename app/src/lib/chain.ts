/**
 * The one chain the app talks to, from the environment (inlined at build time by Next.js):
 *   NEXT_PUBLIC_CHAIN_ID  default 31337 (the local Hardhat node)
 *   NEXT_PUBLIC_RPC_URL   default http://127.0.0.1:8545; the only network endpoint the app ever calls
 */
import { createClient, defineChain, http, type Chain, type Client, type Transport } from "viem";
import { hardhat, mainnet, sepolia } from "viem/chains";

export const CHAIN_ID = Number(process.env.NEXT_PUBLIC_CHAIN_ID ?? 31337);
export const RPC_URL = process.env.NEXT_PUBLIC_RPC_URL ?? "http://127.0.0.1:8545";
export const LOCAL_CHAIN_ID = 31337;
/** The development wallet (Hardhat's well-known keys) is offered only on the local chain. */
export const IS_LOCAL_CHAIN = CHAIN_ID === LOCAL_CHAIN_ID;

const KNOWN_CHAINS: readonly Chain[] = [hardhat, mainnet, sepolia];

function chainFromEnv(): Chain {
  const known = KNOWN_CHAINS.find((c) => c.id === CHAIN_ID);
  const base =
    known ??
    defineChain({
      id: CHAIN_ID,
      name: `Chain ${CHAIN_ID}`,
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [RPC_URL] } },
    });
  // Always our RPC: never a chain's public default endpoint.
  return { ...base, rpcUrls: { default: { http: [RPC_URL] } } };
}

export const appChain: Chain = chainFromEnv();

/** JSON-RPC batching folds the account view's dozen reads into one or two HTTP requests. */
export const rpcTransport = () => http(RPC_URL, { batch: { wait: 10 } });

export type ChainClient = Client<Transport, Chain>;

let client: ChainClient | undefined;
/**
 * A bare viem client for the configured chain (same RPC as wagmi; works outside React and on the server). Use it
 * with tree-shakable actions, which keeps pages small:
 *   import { readContract, getContractEvents } from "viem/actions";
 *   await readContract(getChainClient(), { address, abi, functionName: "currentRound" });
 * (`getPublicClient()` in "@/lib/publicClient" has every action as a method, at the cost of ~40 kB gzip more.)
 */
export function getChainClient(): ChainClient {
  client ??= createClient({ chain: appChain, transport: rpcTransport() });
  return client;
}
