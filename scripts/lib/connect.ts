/**
 * The one way a script reaches the deployed contracts: the network's chain ID picks the chain's entry of the
 * deployments file, a configured account (or none, read-only) is the runner, and TypeChain's factories give typed
 * contracts (no `getContractAt` string names, no casts).
 */
import path from "node:path";
import type { ContractRunner, Provider, Signer } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { deployedContract, deploymentsFilePath, type DeployedContract } from "@portfolio-stake/core/deployments";
import {
  MockNMR__factory,
  NMRLike__factory,
  PortfolioStake__factory,
  type MockNMR,
  type NMRLike,
  type PortfolioStake,
} from "../../typechain-types";
import { retryingEthersProvider, type RetryOptions } from "./transport";

const REPO_ROOT = path.join(__dirname, "..", "..");

/** deployments/deployedContracts.ts, or DEPLOYMENTS_FILE (a test chain that must not touch the demo's file). */
export const deploymentsFile = (): string => deploymentsFilePath(REPO_ROOT);

export interface ConnectOptions {
  /** The configured account that signs (its address, e.g. from SIGNER); default the network's first account. */
  signer?: string | undefined;
  /** No signer: reads only (a job that may run on a network without accounts). */
  readOnly?: boolean;
  /** Reads retried when the node drops a connection (transport.ts); sends are never repeated. */
  retry?: RetryOptions;
  /** The deployments file; default `deploymentsFile()`. */
  file?: string;
}

interface Connected<Runner extends ContractRunner> {
  chainId: bigint;
  runner: Runner;
  stake: PortfolioStake;
  /** The PortfolioStake entry: address and deploy block (where log readers start). */
  deployment: DeployedContract;
  /** The chain's NMR, typed by the artifact it was deployed from (NMRLike, MockNMR; a public chain's real NMR reads
   * as NMRLike, whose interface is the real token's). */
  nmr: NMRLike | MockNMR;
}
export type Connection = Connected<Signer>;
export type ReadOnlyConnection = Connected<Provider>;

export async function connect(
  hre: HardhatRuntimeEnvironment,
  options: ConnectOptions & { readOnly: true },
): Promise<ReadOnlyConnection>;
export async function connect(hre: HardhatRuntimeEnvironment, options?: ConnectOptions): Promise<Connection>;
export async function connect(
  hre: HardhatRuntimeEnvironment,
  options: ConnectOptions = {},
): Promise<Connection | ReadOnlyConnection> {
  const chainId = (await hre.ethers.provider.getNetwork()).chainId;
  const file = options.file ?? deploymentsFile();
  const deployment = deployedContract(chainId, "PortfolioStake", file);
  const nmrDeployment = deployedContract(chainId, "NMR", file);
  const typed = <Runner extends ContractRunner>(runner: Runner): Connected<Runner> => ({
    chainId,
    runner,
    deployment,
    stake: PortfolioStake__factory.connect(deployment.address, runner),
    nmr:
      nmrDeployment.contract === "MockNMR"
        ? MockNMR__factory.connect(nmrDeployment.address, runner)
        : NMRLike__factory.connect(nmrDeployment.address, runner),
  });
  if (!options.retry) {
    if (options.readOnly) return typed<Provider>(hre.ethers.provider);
    return typed<Signer>(await configuredAccount(hre, options.signer));
  }
  // The same network and accounts as Hardhat's provider, with reads retried: sends go through it too.
  const retrying = retryingEthersProvider(hre.network.provider, options.retry);
  if (options.readOnly) return typed<Provider>(retrying);
  const account = await configuredAccount(hre, options.signer);
  return typed<Signer>(await retrying.getSigner(account.address));
}

/** A configured account of this network: `address` (SIGNER) or the first. */
async function configuredAccount(hre: HardhatRuntimeEnvironment, address?: string) {
  const accounts = await hre.ethers.getSigners();
  const wanted = address?.trim().toLowerCase();
  const account = wanted ? accounts.find((a) => a.address.toLowerCase() === wanted) : accounts[0];
  if (!account) {
    throw new Error(
      wanted
        ? `SIGNER=${wanted} is not one of network ${hre.network.name}'s accounts`
        : `No account is configured for network ${hre.network.name}: set DEPLOYER_KEY (see hardhat.config.ts)`,
    );
  }
  return account;
}
