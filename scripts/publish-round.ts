/**
 * Operator job: publish one resolved round's per-model results.
 *
 *   ROUND=1234 RESULTS=results/round-1234.csv SCORE_CONFIG=numerai-2026-atomic OUT_DIR=rounds \
 *     npx hardhat run scripts/publish-round.ts --network localhost
 *
 * Environment (`hardhat run` passes no arguments):
 *   ROUND          the round to publish (required)
 *   RESULTS        the results file (required). CSV with a header: model and the score columns SCORE_CONFIG names
 *                  (e.g. model,corr,mmc), or model,rate (extra columns are ignored; an optional round column must
 *                  equal ROUND; NA or empty = no score). JSON: an array of {model, corr, mmc, ...} or {model, rate},
 *                  or {"round": n, "results": [...]}. model = Numerai model UUID or bytes16 hex ID; scores and rates
 *                  are fractions (0.02 = 2%; a rate is a fraction of the round's slice).
 *   SCORE_CONFIG   the round's score configuration (required): a preset (numerai-2026-atomic, numerai-2026-atomic-60,
 *                  numerai-2024), inline JSON or a JSON file, e.g.
 *                  {"formula": "weighted-sum", "scores": {"CORR": "5", "MMC": "1"}, "payoutFactor": "1",
 *                   "clip": "1", "sliceDivisor": 64}
 *                  rate = clip(payoutFactor x (5 CORR + 1 MMC), ±clip); clip must not exceed the round's on-chain
 *                  rateCap and sliceDivisor must equal the round's (packages/core/src/payout.ts). It is recorded in the
 *                  leaf file with each model's scores, so anyone can recompute every rate.
 *   OUT_DIR        where round-<n>.json (the full leaf list) is written before the root is published (default: rounds)
 *   URI_BASE       public base URI of OUT_DIR, recorded on chain (default: the file:// URL of the leaf file)
 *   UNKNOWN_MODELS what to do with a model that is not registered on chain: error (default; likely a typo, which would
 *                  leave the real model at zero), skip (a full tournament file: only registered models get leaves, the
 *                  recommended setting), or include (every row a leaf: larger proofs for every staker, see the README)
 *   MISSING_MODELS what to do with a registered model some account weights in the round but the file has no row for:
 *                  error (default: nothing is published) or zero (publish it at rate 0, knowingly)
 *   MAX_MISSING_SHARE the largest share of registered models without a row, 0-1 (default 0.1): above it the file is
 *                  refused as truncated or wrong, whatever MISSING_MODELS says
 *   LOG_BLOCK_RANGE blocks per eth_getLogs request when reading registered models (default 10000)
 * Registered models without a line (within MAX_MISSING_SHARE, none weighted unless MISSING_MODELS=zero) get rate 0.
 * It prints a summary (rows, registered, missing, clipped counts; a few examples of each, then "and N more").
 * Nothing is written or sent unless every line is valid. Idempotent:
 * re-running with the same results says so and exits 0; results that build a different root are refused.
 */
import hre from "hardhat";
import { connect } from "./lib/connect";
import {
  publicationSummary,
  publishRoundResults,
  readResultsFile,
  type MissingModelPolicy,
  type UnknownModelPolicy,
} from "./lib/operator";
import { loadPayoutConfig } from "@portfolio-stake/core/payout";

const POLICIES: UnknownModelPolicy[] = ["error", "skip", "include"];

async function main() {
  const { ROUND, RESULTS, OUT_DIR, SCORE_CONFIG, FORMULA, URI_BASE, UNKNOWN_MODELS, LOG_BLOCK_RANGE } = process.env;
  const { MISSING_MODELS, MAX_MISSING_SHARE } = process.env;
  if (FORMULA !== undefined) throw new Error("FORMULA was replaced by SCORE_CONFIG (see the README): unset FORMULA");
  if (!ROUND || !RESULTS) throw new Error("Set ROUND and RESULTS, e.g. ROUND=1234 RESULTS=results.csv");
  if (!/^\d+$/.test(ROUND)) throw new Error(`ROUND must be a round number, not "${ROUND}"`);
  const unknownModels = (UNKNOWN_MODELS || "error") as UnknownModelPolicy;
  if (!POLICIES.includes(unknownModels)) throw new Error(`UNKNOWN_MODELS must be one of ${POLICIES.join(", ")}`);
  const missingModels = (MISSING_MODELS || "error") as MissingModelPolicy;
  if (missingModels !== "error" && missingModels !== "zero") throw new Error("MISSING_MODELS must be error or zero");
  let maxMissingShare: number | undefined;
  if (MAX_MISSING_SHARE) {
    maxMissingShare = Number(MAX_MISSING_SHARE);
    if (!/^(0|1|0?\.\d+|1\.0*)$/.test(MAX_MISSING_SHARE))
      throw new Error(`MAX_MISSING_SHARE must be a fraction from 0 to 1, not "${MAX_MISSING_SHARE}"`);
  }
  const config = loadPayoutConfig(SCORE_CONFIG);
  const rows = readResultsFile(RESULTS);

  // Reads (registered models, every staker's allocation) retried when the node drops a connection; a lost
  // publishRound answer is reported, and re-running is safe (the same root on chain is success).
  const { stake, deployment } = await connect(hre, { retry: { log: (line) => console.log(line) } });
  const result = await publishRoundResults(stake, BigInt(ROUND), rows, {
    outDir: OUT_DIR || "rounds",
    config,
    uriBase: URI_BASE,
    fromBlock: deployment.deployBlock,
    unknownModels,
    missingModels,
    maxMissingShare,
    logBlockRange: LOG_BLOCK_RANGE ? Number(LOG_BLOCK_RANGE) : undefined,
  });

  for (const line of publicationSummary(BigInt(ROUND), config, result, unknownModels)) console.log(line);
  if (result.status === "already-published") {
    console.log(`Round ${ROUND} is already published with this root ${result.root}; nothing to send`);
    console.log(
      result.fileRestored
        ? `  the leaf file was missing or different: rewrote ${result.file}`
        : `  leaf file ${result.file} is up to date`,
    );
    return;
  }
  console.log(`Leaf file ${result.file} (${result.uri ?? "no URI"})`);
  console.log(`Published round ${ROUND}: root ${result.root}`);
  console.log(`  tx ${result.txHash ?? "not sent"}, gas ${result.gasUsed ?? "unknown"}`);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
