import { readFileSync } from "node:fs";
import type { DeploymentParameters } from "@nomicfoundation/ignition-core";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import {
  BURN_MODES,
  DEFAULT_PARAMETERS,
  LocalNMRLikePortfolioStakeModule,
  LocalPortfolioStakeModule,
  MAINNET_NMR,
  PortfolioStakeModule,
  type BurnModeName,
} from "../../ignition/modules/PortfolioStake";
import { type DeployedContract, writeChainDeployments } from "@portfolio-stake/core/deployments";
import { hexAddress } from "@portfolio-stake/core/hex";
import { deploymentsFile } from "./connect";

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

/** The contract's MAX_EXPOSURE: the open rounds together commit at most 100% of a stake (1e18). */
export const MAX_EXPOSURE = 10n ** 18n;

/** The round parameters a deployment uses: the parameters file's values over DEFAULT_PARAMETERS. */
export interface RoundParameters {
  minRoundInterval: bigint;
  resolutionDelay: bigint;
  publishWindow: bigint;
  proofGracePeriod: bigint;
  rateCap: bigint;
  sliceDivisor: bigint;
}

/**
 * How much of a stake the rounds that can be open at once commit together, as the contract computes it:
 * openRounds = (resolutionDelay + publishWindow + proofGracePeriod) / minRoundInterval + 1 (each round is open from
 * its opening to its proof deadline), each taking ceil(rateCap / sliceDivisor) (1e18 = 100% of a stake).
 */
export function exposureOf(p: RoundParameters): { openRounds: bigint; perRound: bigint; total: bigint } {
  const openRounds = (p.resolutionDelay + p.publishWindow + p.proofGracePeriod) / p.minRoundInterval + 1n;
  const perRound = (p.rateCap + p.sliceDivisor - 1n) / p.sliceDivisor;
  return { openRounds, perRound, total: openRounds * perRound };
}

/**
 * The parameters file's round parameters (bigint strings such as "1000000000000000000n" as Ignition writes them, or
 * numbers) over the module's defaults; throws in plain words when they would let the open rounds commit more than
 * the whole stake, which the constructor refuses (ExposureTooHigh): better said before anything is sent.
 */
export function checkExposure(
  parameters: Record<string, unknown> | undefined,
  file = "the parameters",
): RoundParameters {
  const value = (name: keyof RoundParameters): bigint => {
    const raw = parameters?.[name] ?? DEFAULT_PARAMETERS[name];
    const text =
      typeof raw === "string"
        ? raw.replace(/n$/, "")
        : typeof raw === "number" || typeof raw === "bigint"
          ? `${raw}`
          : "";
    if (!/^\d+$/.test(text)) throw new Error(`${file}: ${name} must be a whole number, not ${JSON.stringify(raw)}`);
    return BigInt(text);
  };
  const p: RoundParameters = {
    minRoundInterval: value("minRoundInterval"),
    resolutionDelay: value("resolutionDelay"),
    publishWindow: value("publishWindow"),
    proofGracePeriod: value("proofGracePeriod"),
    rateCap: value("rateCap"),
    sliceDivisor: value("sliceDivisor"),
  };
  if (p.minRoundInterval === 0n || p.sliceDivisor === 0n)
    throw new Error(`${file}: minRoundInterval and sliceDivisor must be above zero`);
  const { openRounds, perRound, total } = exposureOf(p);
  if (total > MAX_EXPOSURE) {
    const pct = (x: bigint) => `${(Number((x * 10_000n) / MAX_EXPOSURE) / 100).toFixed(2)}%`;
    throw new Error(
      `${file}: up to ${openRounds} rounds can be open at once, each risking rateCap / sliceDivisor = ${pct(perRound)} of a stake: ` +
        `${pct(total)} in all, above 100% (the contract would refuse it: ExposureTooHigh). Lower rateCap or the delays, or raise minRoundInterval or sliceDivisor.`,
    );
  }
  return p;
}

/** Ignition's convention in parameters files: a string "123n" is the bigint 123 (JSON has no bigints). */
export function parseParametersFile(text: string): DeploymentParameters {
  return JSON.parse(text, (_key, value: unknown) =>
    typeof value === "string" && /^\d+n$/.test(value) ? BigInt(value.slice(0, -1)) : value,
  ) as DeploymentParameters;
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
  const parameters = options.parameters ? parseParametersFile(readFileSync(options.parameters, "utf8")) : undefined;
  if (!local && !parameters) {
    throw new Error(
      "Deploying to a public chain needs a parameters file: IGNITION_PARAMETERS=ignition/parameters/mainnet.json (set admin, operator and pauser in it)",
    );
  }
  const placeholder = JSON.stringify(parameters ?? {}).match(/REPLACE_WITH_[A-Z_]+/);
  if (placeholder)
    throw new Error(`${options.parameters ?? "IGNITION_PARAMETERS"}: fill in ${placeholder[0]} before deploying`);
  if (!local) resolveBurnMode(parameters, chainId, options.parameters);
  checkExposure(parameters?.PortfolioStake, options.parameters ?? "the default parameters");
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
  const contracts: Record<"PortfolioStake" | "NMR", DeployedContract> = {
    PortfolioStake: {
      address: hexAddress(stakeAddress),
      deployBlock: await findDeployBlock(hre, stakeAddress),
      contract: "PortfolioStake",
    },
    // A public chain's NMR is the real token (its interface is NMRLike's); its creation block is not ours to find.
    NMR: {
      address: hexAddress(nmrAddress),
      deployBlock: local ? await findDeployBlock(hre, nmrAddress) : 0,
      contract: local ? localToken : "NMR",
    },
  };
  const file = options.file ?? deploymentsFile();
  writeChainDeployments(chainId, contracts, file);
  return { stake: contracts.PortfolioStake, nmr: contracts.NMR, file };
}
