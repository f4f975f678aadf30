/**
 * Keeper job: settle every account's settleable rounds in batches. Safe to run any time, any number of times, and
 * after a crash: it starts from the chain's state.
 *
 *   ROUNDS_DIR=rounds npx hardhat run scripts/keeper.ts --network localhost
 *
 * ROUNDS_DIR  leaf files from the operator job (default: rounds). MAX_PER_TX account-rounds per tx (default 64).
 */
import hre from "hardhat";
import { chainDeployments } from "./lib/deployments";
import { runKeeper } from "./lib/keeper";
import type { PortfolioStake } from "../typechain-types";

async function main() {
  const chainId = (await hre.ethers.provider.getNetwork()).chainId;
  const deployment = chainDeployments(chainId).PortfolioStake;
  const stake = (await hre.ethers.getContractAt("PortfolioStake", deployment.address)) as unknown as PortfolioStake;
  await runKeeper(stake, {
    roundsDir: process.env.ROUNDS_DIR ?? "rounds",
    fromBlock: deployment.deployBlock,
    maxPerTx: process.env.MAX_PER_TX ? Number(process.env.MAX_PER_TX) : undefined,
    log: console.log,
  });
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
