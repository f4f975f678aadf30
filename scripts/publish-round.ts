/**
 * Operator job: publish one resolved round's per-model results.
 *
 *   ROUND=1234 RESULTS=results/round-1234.csv OUT_DIR=rounds npx hardhat run scripts/publish-round.ts --network localhost
 *
 * Environment (`hardhat run` passes no arguments):
 *   ROUND          the round to publish (required)
 *   RESULTS        the results file (required). CSV with a header: model,corr,mmc or model,rate (extra columns are
 *                  ignored; an optional round column must equal ROUND; NA or empty = no score). JSON: an array of
 *                  {model, corr, mmc} or {model, rate}, or {"round": n, "results": [...]}. model = Numerai model UUID
 *                  or bytes16 hex ID; scores and rates are fractions (0.02 = 2%).
 *   FORMULA        inline JSON or a JSON file: {"corrWeight": "0.5", "mmcWeight": "2", "cap": "0.05"} (the default,
 *                  Numerai's 2024 rule): rate = clip(corrWeight x CORR + mmcWeight x MMC, -cap, +cap). Given rates
 *                  are clipped to the cap too; the cap must not exceed the round's on-chain cap.
 *   OUT_DIR        where round-<n>.json (the full leaf list) is written before the root is published (default: rounds)
 *   URI_BASE       public base URI of OUT_DIR, recorded on chain (default: the file:// URL of the leaf file)
 *   UNKNOWN_MODELS what to do with a model that is not registered on chain: error (default; likely a typo, which would
 *                  leave the real model at zero), skip, or include
 *   LOG_BLOCK_RANGE blocks per eth_getLogs request when reading registered models (default 10000)
 * Registered models without a line get rate 0. Nothing is written or sent unless every line is valid. Idempotent:
 * re-running with the same results says so and exits 0; results that build a different root are refused.
 */
import hre from "hardhat";
import { deployedContract } from "./lib/deployments";
import { loadFormula, publishRoundResults, readResultsFile, type UnknownModelPolicy } from "./lib/operator";
import { formatRate, parseDecimal } from "./lib/results";

const POLICIES: UnknownModelPolicy[] = ["error", "skip", "include"];

async function main() {
  const { ROUND, RESULTS, OUT_DIR, FORMULA, URI_BASE, UNKNOWN_MODELS, LOG_BLOCK_RANGE } = process.env;
  if (!ROUND || !RESULTS) throw new Error("Set ROUND and RESULTS, e.g. ROUND=1234 RESULTS=results.csv");
  if (!/^\d+$/.test(ROUND)) throw new Error(`ROUND must be a round number, not "${ROUND}"`);
  const unknownModels = (UNKNOWN_MODELS || "error") as UnknownModelPolicy;
  if (!POLICIES.includes(unknownModels)) throw new Error(`UNKNOWN_MODELS must be one of ${POLICIES.join(", ")}`);
  const formula = loadFormula(FORMULA);
  const rows = readResultsFile(RESULTS);

  const chainId = (await hre.ethers.provider.getNetwork()).chainId;
  const deployment = deployedContract(chainId, "PortfolioStake");
  const [signer] = await hre.ethers.getSigners();
  const stake = await hre.ethers.getContractAt("PortfolioStake", deployment.address, signer);
  const result = await publishRoundResults(stake, BigInt(ROUND), rows, {
    outDir: OUT_DIR || "rounds",
    formula,
    uriBase: URI_BASE,
    fromBlock: deployment.deployBlock,
    unknownModels,
    logBlockRange: LOG_BLOCK_RANGE ? Number(LOG_BLOCK_RANGE) : undefined,
  });

  const cap = formatRate(parseDecimal(formula.cap));
  console.log(
    `Round ${ROUND}: ${result.leaves} leaves; rate = clip(${formula.corrWeight} CORR + ${formula.mmcWeight} MMC, ±${cap})`,
  );
  if (result.zeroFilled.length)
    console.log(`  ${result.zeroFilled.length} registered model(s) without a result get rate 0`);
  if (result.clipped.length) console.log(`  clipped to the formula's cap: ${result.clipped.join(", ")}`);
  if (result.unknown.length)
    console.log(
      `  ${result.unknown.length} unregistered model(s) ${unknownModels === "skip" ? "left out" : "included"}`,
    );
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
