/**
 * Reference indexer of PortfolioStake (Ponder). Where to index comes from the environment and from the deploy
 * script's generated deployments file, so `npm run dev -w indexer` just works against `npm start`'s chain:
 *
 *   PONDER_RPC_URL    JSON-RPC endpoint (default http://127.0.0.1:8545)
 *   CHAIN_ID          chain id (default 31337)
 *   STAKE_ADDRESS + STAKE_DEPLOY_BLOCK   the contract, else read from DEPLOYMENTS_FILE
 *                     (default ../deployments/deployedContracts.ts)
 *   DATABASE_URL      Postgres; without it, embedded PGlite in PGLITE_DIR (default .ponder/pglite)
 */
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createConfig } from "ponder";
import { portfolioStakeAbi } from "../app/src/generated/portfolioStakeAbi";

const chainId = Number(process.env.CHAIN_ID ?? 31337);
const rpc = process.env.PONDER_RPC_URL ?? "http://127.0.0.1:8545";

function deployment(): { address: `0x${string}`; startBlock: number } {
  if (process.env.STAKE_ADDRESS) {
    return { address: process.env.STAKE_ADDRESS as `0x${string}`, startBlock: Number(process.env.STAKE_DEPLOY_BLOCK ?? 0) };
  }
  const file = process.env.DEPLOYMENTS_FILE || fileURLToPath(new URL("../deployments/deployedContracts.ts", import.meta.url));
  if (!existsSync(file)) {
    throw new Error(`No deployments file at ${file}: deploy first (npm start, or scripts/deploy.ts), or set STAKE_ADDRESS and STAKE_DEPLOY_BLOCK`);
  }
  const text = readFileSync(file, "utf8");
  const json = text.slice(text.indexOf("{"), text.lastIndexOf(" as const;"));
  const entry = (JSON.parse(json) as Record<string, { PortfolioStake?: { address: `0x${string}`; deployBlock: number } }>)[String(chainId)]
    ?.PortfolioStake;
  if (!entry) throw new Error(`${file} has no PortfolioStake on chain ${chainId}`);
  return { address: entry.address, startBlock: entry.deployBlock };
}

const { address, startBlock } = deployment();

export default createConfig({
  database: process.env.DATABASE_URL
    ? { kind: "postgres", connectionString: process.env.DATABASE_URL }
    : { kind: "pglite", directory: process.env.PGLITE_DIR ?? ".ponder/pglite" },
  chains: {
    local: { id: chainId, rpc, disableCache: chainId === 31337, pollingInterval: Number(process.env.POLLING_INTERVAL_MS ?? 1000) },
  },
  contracts: {
    PortfolioStake: { chain: "local", abi: portfolioStakeAbi, address, startBlock },
  },
});
