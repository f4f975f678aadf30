/**
 * Server-only: reads contract addresses and deploy blocks at run time, so `next build` needs no chain and no
 * deployment (the ABIs are compiled in from src/generated).
 *
 * Sources, first match wins:
 *  1. STAKE_ADDRESS + NMR_ADDRESS (+ STAKE_DEPLOY_BLOCK) environment variables, for hosted deployments;
 *  2. the generated deployments file: DEPLOYMENTS_FILE, default <repo>/deployments/deployedContracts.ts (written by
 *     scripts/deploy.ts / npm start).
 * Demo names (DEMO_DIR/demo.json, default <repo>/.demo) label models and accounts when they belong to the same
 * deployment.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { getAddress, isAddress } from "viem";
import { DEMO_FILE_NAME, parseDemoFile } from "@portfolio-stake/core/demoFile";
import { deploymentsFilePath as fileUnder, parseDeployments } from "@portfolio-stake/core/deployments";

export interface DeploymentInfo {
  chainId: number;
  stake: { address: `0x${string}`; deployBlock: number };
  nmr: { address: `0x${string}`; deployBlock: number };
  /** Human names of the demo's models (lower-case bytes16 id → name) and accounts (checksummed address → name). */
  modelNames: Record<string, string>;
  accountNames: Record<string, string>;
  source: string;
}

export type DeploymentLookup = { ok: true; deployment: DeploymentInfo } | { ok: false; error: string };

/** The app runs from app/ (npm -w app, next start); the repository root is its parent. */
const repoRoot = () => path.resolve(/*turbopackIgnore: true*/ process.cwd(), "..");

const deploymentsFilePath = (): string => fileUnder(repoRoot());

function fromEnvironment(chainId: number): DeploymentInfo | undefined {
  const stake = process.env.STAKE_ADDRESS;
  const nmr = process.env.NMR_ADDRESS;
  if (!stake || !nmr) return undefined;
  if (!isAddress(stake) || !isAddress(nmr)) throw new Error("STAKE_ADDRESS and NMR_ADDRESS must be 0x addresses");
  return {
    chainId,
    stake: { address: getAddress(stake), deployBlock: Number(process.env.STAKE_DEPLOY_BLOCK ?? 0) },
    nmr: { address: getAddress(nmr), deployBlock: 0 },
    modelNames: {},
    accountNames: {},
    source: "environment (STAKE_ADDRESS, NMR_ADDRESS)",
  };
}

function demoNames(stakeAddress: string): Pick<DeploymentInfo, "modelNames" | "accountNames"> {
  const dir = process.env.DEMO_DIR || path.join(/*turbopackIgnore: true*/ repoRoot(), ".demo");
  const file = path.join(/*turbopackIgnore: true*/ path.resolve(/*turbopackIgnore: true*/ dir), DEMO_FILE_NAME);
  const names = { modelNames: {} as Record<string, string>, accountNames: {} as Record<string, string> };
  if (!existsSync(file)) return names;
  try {
    const demo = parseDemoFile(readFileSync(file, "utf8"), file);
    if (demo.stake.toLowerCase() !== stakeAddress.toLowerCase()) return names; // another chain's demo
    for (const account of demo.accounts) {
      names.accountNames[getAddress(account.address)] = account.name;
      for (const model of account.models) names.modelNames[model.id.toLowerCase()] = model.name;
    }
    names.accountNames[getAddress(demo.manager)] ??= "bob's manager";
    names.accountNames[getAddress(demo.operator)] ??= "operator";
  } catch {
    // Names are a convenience: a broken demo.json only loses them.
  }
  return names;
}

export function lookupDeployment(chainId: number): DeploymentLookup {
  try {
    const env = fromEnvironment(chainId);
    if (env) return { ok: true, deployment: env };
    const file = deploymentsFilePath();
    const hint =
      chainId === 31337
        ? "Start the local chain and the demo with `npm start` at the repository root."
        : "Deploy with scripts/deploy.ts first.";
    if (!existsSync(file))
      return { ok: false, error: `No deployment on chain ${chainId}: ${file} does not exist. ${hint}` };
    const chain = parseDeployments(readFileSync(file, "utf8"), file)[String(chainId)];
    if (!chain?.PortfolioStake || !chain.NMR) {
      return { ok: false, error: `No PortfolioStake deployment on chain ${chainId} in ${file}. ${hint}` };
    }
    return {
      ok: true,
      deployment: {
        chainId,
        stake: {
          address: getAddress(chain.PortfolioStake.address),
          deployBlock: chain.PortfolioStake.deployBlock,
        },
        nmr: { address: getAddress(chain.NMR.address), deployBlock: chain.NMR.deployBlock },
        ...demoNames(chain.PortfolioStake.address),
        source: file,
      },
    };
  } catch (error) {
    return {
      ok: false,
      error: `Could not read the deployment: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}
