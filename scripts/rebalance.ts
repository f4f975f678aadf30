/**
 * Batch rebalance: set the weight vectors of one or many accounts (yours, or accounts you manage) from a file.
 *
 *   REBALANCE_FILE=targets.csv DRY_RUN=1 npx hardhat run scripts/rebalance.ts --network mainnet     # look first
 *   REBALANCE_FILE=targets.csv STATE_FILE=rebalance.state.json npx hardhat run scripts/rebalance.ts --network mainnet
 *   REBALANCE_FILE=targets.json MODE=signed SIGNATURES_FILE=signed.json DRY_RUN=1 \
 *     npx hardhat run scripts/rebalance.ts --network mainnet                                    # signatures for a relayer
 *
 * Environment (`hardhat run` passes no arguments):
 *   REBALANCE_FILE   the targets, .json or .csv (required; format below)
 *   DRY_RUN=1        check everything and print the tables and the plan; send nothing
 *   MODE             multicall (default): setAllocationFor calls, one multicall per batch, sent by the signer (the
 *                    account or its manager). signed: the signer signs EIP-712 SetAllocation messages and they are
 *                    submitted as setAllocationBySig calls inside multicall (a relayer could submit them instead).
 *                    Either way a batch of one call is sent without the multicall wrapper (cheaper)
 *   STATE_FILE       journal of sent transaction hashes; a re-run first waits for the ones not yet seen mined
 *   GAS_BUDGET       gas per transaction; larger batches are split (default 10000000)
 *   MODEL_NAMES      JSON file {"model name": "UUID or bytes16 ID"}, to use model names in a CSV (or a JSON file)
 *   DEADLINE_SECONDS signed mode: signature lifetime (default 3600)
 *   SIGNATURES_FILE  signed mode: also write the signatures and ready-to-send calldata here (with DRY_RUN=1 they are
 *                    only written, for a relayer)
 *   SIGNER           address of the signing account among the network's accounts (default the first; public
 *                    networks have one, DEPLOYER_KEY, see hardhat.config.ts)
 *
 * On the `npm start` demo chain, bob's manager is account #5, and examples/rebalance.{json,csv} target bob:
 *   SIGNER=0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc REBALANCE_FILE=examples/rebalance.csv DRY_RUN=1 \
 *     npx hardhat run scripts/rebalance.ts --network localhost
 *
 * What it does: reads the whole file and checks everything against the chain before sending anything (every problem
 * is listed with its CSV line or JSON path: unknown or foreign models, duplicates, sums other than 100% and by how
 * much, weights finer than 0.01%, negative or non-numeric weights, accounts that are not yours, too many models; a
 * pause stops deposits only, never a reallocation). Prints a before/after table per account (the current column is the vector in force from the next
 * round, pending changes included). Skips accounts already at target, so re-running after a crash finishes the job
 * without sending anything twice. Exit code 1 on any problem.
 *
 * FILE FORMAT. Each account's list is its whole new vector: models left out get 0. Weights must sum to exactly
 * 100% (10,000 basis points). A weight is "25%" / "12.5%" (percent, at most 2 decimals) or a plain number of basis
 * points (2500 = 25%); a unit of "percent" makes plain numbers percents. A model is its bytes16 ID (0x + 32 hex
 * digits), its Numerai UUID (with or without dashes) or a name from a names map.
 *
 * CSV: a header, then one row per (account, model). Rows of one account may be anywhere. Optional unit column
 * ("percent" or "bps", per row); a "bps" or "percent" column may replace "weight". Lines starting with # are ignored.
 *
 *   account,model,weight
 *   0x90F79bf6EB2c4f870365E785982E1f101E93b906,8c0a6f3e-1d2b-4c5d-9e8f-0a1b2c3d4e5f,40%
 *   0x90F79bf6EB2c4f870365E785982E1f101E93b906,0x1b9d6bcd2b8d4d6e8f3b1c2d3e4f5a6b,6000
 *
 * JSON: "unit" (file or account level, default bps) applies to plain numbers; each weight is {"model", "weight"}
 * or {"model", "bps"} or {"model", "percent"}; "names" maps model names to IDs. The file scripts/suggest.ts writes
 * (OUT=…) is valid as is.
 *
 *   {
 *     "names": { "alpha_one": "8c0a6f3e-1d2b-4c5d-9e8f-0a1b2c3d4e5f" },
 *     "accounts": [
 *       { "account": "0x90F79bf6EB2c4f870365E785982E1f101E93b906", "unit": "percent",
 *         "weights": [ { "model": "alpha_one", "weight": 40 },
 *                      { "model": "0x1b9d6bcd2b8d4d6e8f3b1c2d3e4f5a6b", "weight": "60%" } ] },
 *       { "account": "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65",
 *         "weights": [ { "model": "0x2c8e7ace3c9e4e7f9a4c2d3e4f5a6b7c", "bps": 10000 } ] }
 *     ]
 *   }
 */
import hre from "hardhat";
import { connect } from "./lib/connect";
import { EstimateTransportError } from "./lib/rebalanceCalls";
import { transportFailureOf } from "./lib/transport";
import {
  DEFAULT_GAS_BUDGET,
  MODES,
  RebalanceValidationError,
  readNamesFile,
  readRebalanceFile,
  runRebalance,
  type Mode,
} from "./lib/rebalance";

function positiveInteger(name: string): bigint | undefined {
  const text = process.env[name];
  if (text === undefined || text === "") return undefined;
  if (!/^\d+$/.test(text) || BigInt(text) < 1n) throw new Error(`${name} must be a positive integer, not "${text}"`);
  return BigInt(text);
}

async function main() {
  const env = process.env;
  if (!env.REBALANCE_FILE)
    throw new Error("Set REBALANCE_FILE=targets.json (or .csv); see the header of scripts/rebalance.ts for the format");
  const mode = (env.MODE || "multicall").trim() as Mode;
  if (!MODES.includes(mode)) throw new Error(`MODE="${mode}": use ${MODES.join(" or ")}`);
  const dryRun = ["1", "true", "yes"].includes((env.DRY_RUN ?? "").toLowerCase());

  const names = env.MODEL_NAMES ? readNamesFile(env.MODEL_NAMES) : undefined;
  const request = readRebalanceFile(env.REBALANCE_FILE, { names });
  // Reads (checks, estimates, receipts) are retried when the node drops a connection; a send is never repeated: a
  // re-run finds what was mined (STATE_FILE, accounts already at target) and sends only the rest.
  const {
    stake,
    deployment,
    runner: signer,
  } = await connect(hre, {
    signer: env.SIGNER,
    retry: { log: (line) => console.log(`rebalance: ${line}`) },
  });
  console.log(
    `Rebalance from ${request.source}: ${request.accounts.length} account(s), signer ${await signer.getAddress()}, contract ${deployment.address}${dryRun ? " (dry run)" : ""}`,
  );
  const deadline = positiveInteger("DEADLINE_SECONDS");
  await runRebalance(stake, signer, request, {
    mode,
    dryRun,
    gasBudget: positiveInteger("GAS_BUDGET") ?? DEFAULT_GAS_BUDGET,
    stateFile: env.STATE_FILE || undefined,
    deadlineSeconds: deadline === undefined ? undefined : Number(deadline),
    signaturesFile: env.SIGNATURES_FILE || undefined,
  });
}

main().catch((error) => {
  const transport = error instanceof EstimateTransportError ? undefined : transportFailureOf(error);
  if (error instanceof RebalanceValidationError) console.error(error.message);
  else if (transport !== undefined)
    // A dropped connection is not an answer: what was mined stays (and is skipped by a re-run), the rest is re-planned.
    console.error(`No answer from the node: ${transport}. Run again: accounts already at target are skipped.`);
  else console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
