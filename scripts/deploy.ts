/**
 * Deploys PortfolioStake with Hardhat Ignition and writes deployments/deployedContracts.ts.
 *
 *   npx hardhat run scripts/deploy.ts --network localhost      # mock NMR + PortfolioStake
 *   IGNITION_PARAMETERS=ignition/parameters/mainnet.json MAINNET_RPC_URL=... DEPLOYER_KEY=... \
 *     npx hardhat run scripts/deploy.ts --network mainnet      # real NMR
 *
 * Re-running resumes or reuses the Ignition deployment (ignition/deployments/chain-<id>), never deploys twice.
 */
import hre from "hardhat";
import { deployPortfolioStake } from "./lib/deploy";

async function main() {
  const result = await deployPortfolioStake(hre, { parameters: process.env.IGNITION_PARAMETERS });
  console.log(`PortfolioStake ${result.stake.address} (block ${result.stake.deployBlock})`);
  console.log(`NMR            ${result.nmr.address}`);
  console.log(`Wrote ${result.file}`);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
