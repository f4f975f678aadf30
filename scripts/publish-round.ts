/**
 * Operator job: publish one resolved round's per-model results.
 *
 *   ROUND=1234 RESULTS=results/round-1234.csv OUT_DIR=rounds npx hardhat run scripts/publish-round.ts --network localhost
 *
 * RESULTS  CSV (header: model,corr,mmc or model,rate; "NA" = no score) or JSON ([{model, corr, mmc} | {model, rate}]).
 *          model = Numerai model UUID or bytes16 hex ID. Registered models without a line get rate 0.
 * FORMULA  optional JSON, e.g. '{"corrWeight":"0.5","mmcWeight":"2","cap":"0.05"}' (the default, Numerai 2024).
 * OUT_DIR  where round-<n>.json (the full leaf list) is written before the root is published (default: rounds).
 * URI_BASE optional public base URI of OUT_DIR, recorded on chain (default: file:// path).
 * Idempotent: re-running with the same results says so and exits 0.
 */
import hre from "hardhat";
import { chainDeployments } from "./lib/deployments";
import { publishRoundResults, readResultsFile } from "./lib/operator";
import type { PortfolioStake } from "../typechain-types";

async function main() {
  const { ROUND, RESULTS, OUT_DIR = "rounds", FORMULA, URI_BASE } = process.env;
  if (!ROUND || !RESULTS) throw new Error("Set ROUND and RESULTS, e.g. ROUND=1234 RESULTS=results.csv");
  const chainId = (await hre.ethers.provider.getNetwork()).chainId;
  const deployment = chainDeployments(chainId).PortfolioStake;
  const stake = (await hre.ethers.getContractAt("PortfolioStake", deployment.address)) as unknown as PortfolioStake;
  const result = await publishRoundResults(stake, BigInt(ROUND), readResultsFile(RESULTS), {
    outDir: OUT_DIR,
    formula: FORMULA ? JSON.parse(FORMULA) : undefined,
    uriBase: URI_BASE,
    fromBlock: deployment.deployBlock,
  });
  if (result.zeroFilled.length) console.log(`${result.zeroFilled.length} registered model(s) without a result get rate 0`);
  if (result.status === "already-published") console.log(`Round ${ROUND} is already published with this root ${result.root}; nothing to do`);
  else console.log(`Published round ${ROUND}: root ${result.root}, leaves ${result.file}, tx ${result.txHash} (gas ${result.gasUsed})`);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
