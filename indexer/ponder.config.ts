/**
 * Reference indexer of PortfolioStake (Ponder). Where to index comes from the environment and from the deploy
 * script's generated deployments file, so `npm run dev -w indexer` just works against `npm start`'s chain:
 *
 *   PONDER_RPC_URL    JSON-RPC endpoint (default http://127.0.0.1:8545)
 *   CHAIN_ID          chain id (default 31337)
 *   STAKE_ADDRESS + STAKE_DEPLOY_BLOCK   the contract, else read from DEPLOYMENTS_FILE
 *                     (default ../deployments/deployedContracts.ts)
 *   DATABASE_URL      Postgres; without it, embedded PGlite in PGLITE_DIR (default .ponder/pglite, and on a local
 *                     dev chain .ponder/pglite-<deploy block hash>: see localChainDirectory)
 */
import { fileURLToPath } from "node:url";
import { createConfig } from "ponder";
import { http, type Transport } from "viem";
import { portfolioStakeAbi } from "@portfolio-stake/core/abi/portfolioStakeAbi";
import { deployedContract, deploymentsFilePath } from "@portfolio-stake/core/deployments";

const chainId = Number(process.env.CHAIN_ID ?? 31337);
const rpc = process.env.PONDER_RPC_URL ?? "http://127.0.0.1:8545";

function deployment(): { address: `0x${string}`; startBlock: number } {
  if (process.env.STAKE_ADDRESS) {
    return {
      address: process.env.STAKE_ADDRESS as `0x${string}`,
      startBlock: Number(process.env.STAKE_DEPLOY_BLOCK ?? 0),
    };
  }
  const file = deploymentsFilePath(fileURLToPath(new URL("..", import.meta.url)));
  const hint = "Deploy first (npm start, or scripts/deploy.ts), or set STAKE_ADDRESS and STAKE_DEPLOY_BLOCK.";
  const entry = deployedContract(chainId, "PortfolioStake", file, hint);
  return { address: entry.address, startBlock: entry.deployBlock };
}

const { address, startBlock } = deployment();

const LOCAL_CHAIN_IDS = [31337, 1337];
const isLocalChain = LOCAL_CHAIN_IDS.includes(chainId);

/**
 * A local dev chain (Hardhat, Anvil) restarts from block 0 under the same chain id, and Ponder's sync store keeps
 * blocks and logs by (chain id, block number), first write wins: a restarted chain would be indexed with the old
 * chain's logs. So on a local chain the embedded database is named after the contract's deploy block hash, which
 * differs on every new chain. (Postgres keeps its sync store in the fixed schema ponder_sync: use a fresh database
 * per local chain.) Also checks early that the deployments file matches the running node.
 */
async function localChainDirectory(): Promise<string> {
  let block: { hash: string } | null | undefined;
  try {
    const response = await fetch(rpc, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "eth_getBlockByNumber",
        params: [`0x${startBlock.toString(16)}`, false],
      }),
    });
    block = ((await response.json()) as { result?: { hash: string } | null }).result;
  } catch (error) {
    throw new Error(
      `Cannot reach the node at ${rpc} (${String(error)}): start the chain first (npm start), or set PONDER_RPC_URL`,
      { cause: error },
    );
  }
  if (!block)
    throw new Error(
      `The node at ${rpc} has no block ${startBlock}, the contract's deploy block: the deployments file is from another chain`,
    );
  return `.ponder/pglite-${block.hash.slice(2, 14)}`;
}

const pgliteDirectory =
  process.env.PGLITE_DIR ||
  (isLocalChain && !process.env.DATABASE_URL ? await localChainDirectory() : ".ponder/pglite");

/**
 * A local node is never rate-limited, only slow when the machine is busy (a shared 2-core box running tests): Ponder
 * treats a request that takes over 10 s as rate limiting, marks the node inactive and falls to 3 requests/s, while its
 * block polls keep coming, so after one stall it never catches up again (the indexer test hung on it under load).
 * For a local chain, requests wait up to 2 minutes instead; Ponder passes its own 10 s to the transport, hence the
 * wrapper.
 */
const LOCAL_TIMEOUT_MS = 120_000;
const localTransport: Transport = (params) => http(rpc)({ ...params, timeout: LOCAL_TIMEOUT_MS });

export default createConfig({
  database: process.env.DATABASE_URL
    ? { kind: "postgres", connectionString: process.env.DATABASE_URL }
    : { kind: "pglite", directory: pgliteDirectory },
  chains: {
    local: {
      id: chainId,
      rpc: isLocalChain ? localTransport : rpc,
      disableCache: isLocalChain,
      pollingInterval: Number(process.env.POLLING_INTERVAL_MS ?? 1000),
    },
  },
  contracts: {
    PortfolioStake: { chain: "local", abi: portfolioStakeAbi, address, startBlock },
  },
});
