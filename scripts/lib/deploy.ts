import { readFileSync } from "node:fs";
import type { DeploymentParameters } from "@nomicfoundation/ignition-core";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { LocalPortfolioStakeModule, PortfolioStakeModule } from "../../ignition/modules/PortfolioStake";
import { DEPLOYMENTS_FILE, type DeployedContract, writeChainDeployments } from "./deployments";

export const LOCAL_CHAIN_ID = 31337;

/** First block at which `address` has code (binary search; works on any node that serves historical state). */
export async function findDeployBlock(hre: HardhatRuntimeEnvironment, address: string): Promise<number> {
  const provider = hre.ethers.provider;
  let high = await provider.getBlockNumber();
  let low = 0;
  while (low < high) {
    const mid = Math.floor((low + high) / 2);
    if ((await provider.getCode(address, mid)) === "0x") low = mid + 1;
    else high = mid;
  }
  return low;
}

/**
 * Deploys (or resumes) the Ignition module for the current network: the local chain gets a mock NMR, any other
 * chain uses the `nmr` parameter (mainnet NMR by default). Writes the chain's entry of deployedContracts.ts.
 */
export async function deployPortfolioStake(
  hre: HardhatRuntimeEnvironment,
  options: { parameters?: string; file?: string } = {},
): Promise<{ stake: DeployedContract; nmr: DeployedContract; file: string }> {
  const chainId = Number((await hre.ethers.provider.getNetwork()).chainId);
  const local = chainId === LOCAL_CHAIN_ID;
  const parameters = options.parameters
    ? (JSON.parse(readFileSync(options.parameters, "utf8")) as DeploymentParameters)
    : undefined;
  if (!local && !parameters) {
    throw new Error(
      "Deploying to a public chain needs a parameters file: IGNITION_PARAMETERS=ignition/parameters/mainnet.json (set admin, operator and pauser in it)",
    );
  }
  const placeholder = JSON.stringify(parameters ?? {}).match(/REPLACE_WITH_[A-Z_]+/);
  if (placeholder) throw new Error(`${options.parameters ?? "parameters"}: fill in ${placeholder[0]} before deploying`);

  // IGNITION_DEPLOYMENT_ID keeps separate journals for test chains that run side by side (default: chain-<id>).
  const deploymentId = process.env.IGNITION_DEPLOYMENT_ID || undefined;
  const { stake, nmr } = local
    ? await hre.ignition.deploy(LocalPortfolioStakeModule, { parameters, displayUi: false, deploymentId })
    : await hre.ignition.deploy(PortfolioStakeModule, { parameters, displayUi: false, deploymentId });
  const stakeAddress = await stake.getAddress();
  const nmrAddress = await nmr.getAddress();
  const stakeArtifact = await hre.artifacts.readArtifact("PortfolioStake");
  const nmrArtifact = await hre.artifacts.readArtifact(
    local ? "MockNMR" : "@openzeppelin/contracts/token/ERC20/IERC20.sol:IERC20",
  );
  const contracts = {
    PortfolioStake: {
      address: stakeAddress,
      abi: stakeArtifact.abi,
      deployBlock: await findDeployBlock(hre, stakeAddress),
    },
    NMR: { address: nmrAddress, abi: nmrArtifact.abi, deployBlock: local ? await findDeployBlock(hre, nmrAddress) : 0 },
  };
  const file = options.file ?? DEPLOYMENTS_FILE;
  writeChainDeployments(chainId, contracts, file);
  return { stake: contracts.PortfolioStake, nmr: contracts.NMR, file };
}
