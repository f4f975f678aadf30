import { readFileSync } from "node:fs";
import type { DeploymentParameters } from "@nomicfoundation/ignition-core";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import {
  BURN_MODES,
  LocalNMRLikePortfolioStakeModule,
  LocalPortfolioStakeModule,
  MAINNET_NMR,
  PortfolioStakeModule,
  type BurnModeName,
} from "../../ignition/modules/PortfolioStake";
import { DEPLOYMENTS_FILE, type DeployedContract, writeChainDeployments } from "./deployments";

export const LOCAL_CHAIN_ID = 31337;
export const MAINNET_CHAIN_ID = 1;

/** The local chain's token: NMRLike (behaves like the real NMR; the default) or MockNMR (standard ERC-20 burn). */
export type LocalToken = "MockNMR" | "NMRLike";

/**
 * A parameters file's `burnMode` as the contract's number: a BurnMode name ("NumeraireMint", "ERC20Burn", "Sink") or
 * its number. Required on public chains (no implicit default: a wrong mode makes losses unburnable), and on mainnet's
 * real NMR it must be NumeraireMint (NMR has no `burn`; its `mint(v)` burns).
 */
export function resolveBurnMode(
  parameters: { PortfolioStake?: Record<string, unknown> } | undefined,
  chainId: number,
  file = "the parameters file",
): void {
  const p = parameters?.PortfolioStake;
  if (!p || p.burnMode === undefined) {
    throw new Error(`${file}: set PortfolioStake.burnMode explicitly (${Object.keys(BURN_MODES).join(", ")})`);
  }
  const raw = p.burnMode;
  const mode =
    typeof raw === "string" && raw in BURN_MODES
      ? BURN_MODES[raw as BurnModeName]
      : typeof raw === "number" && Object.values(BURN_MODES).includes(raw as 0 | 1 | 2)
        ? raw
        : undefined;
  if (mode === undefined) {
    throw new Error(`${file}: burnMode ${JSON.stringify(raw)} is not one of ${Object.keys(BURN_MODES).join(", ")}`);
  }
  const nmr = (typeof p.nmr === "string" ? p.nmr : MAINNET_NMR).toLowerCase();
  if (chainId === MAINNET_CHAIN_ID && nmr === MAINNET_NMR.toLowerCase() && mode !== BURN_MODES.NumeraireMint) {
    throw new Error(`${file}: the real NMR token burns through mint(v): burnMode must be NumeraireMint`);
  }
  p.burnMode = mode;
}

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
 * Deploys (or resumes) the Ignition module for the current network: the local chain gets a test NMR (by default
 * NMRLike, which behaves like the real token; MockNMR with `localToken` / LOCAL_NMR=MockNMR), any other chain uses the
 * `nmr` parameter (mainnet NMR by default) and the parameters file's explicit `burnMode`. Writes the chain's entry of deployedContracts.ts.
 */
export async function deployPortfolioStake(
  hre: HardhatRuntimeEnvironment,
  options: { parameters?: string; file?: string; localToken?: LocalToken } = {},
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
  if (placeholder)
    throw new Error(`${options.parameters ?? "IGNITION_PARAMETERS"}: fill in ${placeholder[0]} before deploying`);
  if (!local) resolveBurnMode(parameters, chainId, options.parameters);
  const localToken: LocalToken = options.localToken ?? (process.env.LOCAL_NMR === "MockNMR" ? "MockNMR" : "NMRLike");

  // IGNITION_DEPLOYMENT_ID keeps separate journals for test chains that run side by side (default: chain-<id>).
  const deploymentId = process.env.IGNITION_DEPLOYMENT_ID || undefined;
  const deployOptions = { parameters, displayUi: false, deploymentId };
  const { stake, nmr } = !local
    ? await hre.ignition.deploy(PortfolioStakeModule, deployOptions)
    : localToken === "NMRLike"
      ? await hre.ignition.deploy(LocalNMRLikePortfolioStakeModule, deployOptions)
      : await hre.ignition.deploy(LocalPortfolioStakeModule, deployOptions);
  const stakeAddress = await stake.getAddress();
  const nmrAddress = await nmr.getAddress();
  const stakeArtifact = await hre.artifacts.readArtifact("PortfolioStake");
  const nmrArtifact = await hre.artifacts.readArtifact(
    local ? localToken : "@openzeppelin/contracts/token/ERC20/IERC20.sol:IERC20",
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
