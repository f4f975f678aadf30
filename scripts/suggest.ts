/**
 * Weight suggestions for one account, from its models' past per-round rates.
 *
 *   ACCOUNT=0x... npx hardhat run scripts/suggest.ts --network localhost
 *   ACCOUNT=0x... ROUNDS=40 METHOD=inverse-volatility MIN_WEIGHT=200 MAX_WEIGHT=3000 OUT=rebalance.json \
 *     npx hardhat run scripts/suggest.ts --network localhost
 *
 * ACCOUNT       the staker (required).
 * ROUNDS        window: the last N rounds with rates (default 60).
 * METHOD        equal | inverse-volatility | probability (default): the vector written to OUT. All three are printed.
 * MIN_WEIGHT    per-model minimum, bps or percent ("200" or "2%"; default 0).
 * MAX_WEIGHT    per-model maximum, bps or percent (default 10000).
 * RESULTS_FILE  optional rate history instead of the chain's (a leaf-file directory, JSON or CSV: see
 *               scripts/lib/suggest.ts ratesFromResultsFile). Otherwise: the leaf files of published rounds (ROUNDS_DIR
 *               or the file:// URI of each RoundPublished event), completed by the account's Settled events.
 * ROUNDS_DIR    leaf files of published rounds (default: the URIs on chain, then "rounds").
 * OUT           optional: write (or update this account's entry in) the batch file scripts/rebalance.ts reads.
 * LAGS          standard-error lags for the probability method (default 19: a round overlaps the next 19).
 *
 * Prints the current vector (the one in force for the next round) beside each suggestion, and what each would have
 * earned over the window on the current slice (a round risks stake / R: rates are fractions of the slice). That is
 * in-sample: the suggestions were fitted on the same rounds.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import hre from "hardhat";
import { TOTAL_BPS } from "@portfolio-stake/core/bps";
import { at } from "@portfolio-stake/core/checks";
import { connect } from "./lib/connect";
import {
  DEFAULT_LAGS,
  METHODS,
  historyWindow,
  isMethod,
  mergeRates,
  parseWeightSetting,
  ratesFromLeafFiles,
  ratesFromResultsFile,
  ratesFromSettled,
  suggestWeights,
  windowReturn,
  withAccountVector,
  type Method,
  type RebalanceFile,
} from "./lib/suggest";

const { ethers } = hre;

const pct = (x: number, digits = 2) =>
  Number.isFinite(x) ? `${x >= 0 ? "+" : ""}${(x * 100).toFixed(digits)}%` : "n/a";
const short = (id: string) => `${id.slice(0, 10)}…${id.slice(-4)}`;
const nmr = (x: number) =>
  `${x >= 0 ? "+" : ""}${x.toLocaleString("en-US", { maximumFractionDigits: 2, minimumFractionDigits: 2 })} NMR`;

function pad(cells: string[], widths: number[]): string {
  return cells
    .map((c, i) => {
      const width = at(widths, i, "column widths");
      return i === 0 ? c.padEnd(width) : c.padStart(width);
    })
    .join("  ");
}

async function main() {
  const env = process.env;
  if (!env.ACCOUNT || !ethers.isAddress(env.ACCOUNT))
    throw new Error("Set ACCOUNT=0x... (the staker to suggest a vector for)");
  const account = ethers.getAddress(env.ACCOUNT);
  const window = env.ROUNDS ? Number(env.ROUNDS) : 60;
  if (!Number.isInteger(window) || window < 1)
    throw new Error(`ROUNDS="${env.ROUNDS ?? ""}" must be a positive whole number`);
  const method = (env.METHOD ?? "probability").trim();
  if (!isMethod(method)) throw new Error(`METHOD="${method}": use one of ${METHODS.join(", ")}`);
  const minBps = parseWeightSetting(env.MIN_WEIGHT, 0, "MIN_WEIGHT");
  const maxBps = parseWeightSetting(env.MAX_WEIGHT, TOTAL_BPS, "MAX_WEIGHT");
  const lags = env.LAGS ? Number(env.LAGS) : DEFAULT_LAGS;

  // Reads retried when the node drops a connection (the job reads every published round), as the keeper does.
  const { stake, deployment } = await connect(hre, {
    readOnly: true,
    retry: { log: (line) => console.log(`suggest: ${line}`) },
  });
  const models = [...(await stake.modelsOf(account))];
  if (models.length === 0) throw new Error(`${account} has no registered models`);
  const next = (await stake.currentRound()) + 1n;
  const [, currentBps] = await stake.allocationAt(account, next);
  const current = currentBps.map(Number);
  const stakeWei = await stake.stakeAt(account, next);
  const stakeNmr = Number(ethers.formatEther(stakeWei));
  // What each round puts at risk: the rates apply to this slice, not to the whole stake.
  const sliceNmr = Number(ethers.formatEther(await stake.sliceAt(account, next)));

  // Rate history: a results file, or the chain (leaf files first, Settled events for rounds without a file).
  let byRound;
  const sources: string[] = [];
  if (env.RESULTS_FILE) {
    byRound = ratesFromResultsFile(env.RESULTS_FILE);
    sources.push(`results file ${env.RESULTS_FILE}`);
  } else {
    const settled = await ratesFromSettled(stake, account, models, deployment.deployBlock);
    const roundsDir = env.ROUNDS_DIR ?? (existsSync("rounds") ? "rounds" : undefined);
    const leaves = await ratesFromLeafFiles(stake, roundsDir, deployment.deployBlock);
    byRound = mergeRates(settled, leaves.rates);
    if (leaves.rates.size) sources.push(`${leaves.rates.size} leaf file(s)`);
    if (settled.size) sources.push(`${settled.size} Settled event(s)`);
    if (leaves.missing.length)
      sources.push(`${leaves.missing.length} published round(s) without a reachable leaf file`);
  }
  const history = historyWindow(byRound, models, window, sources);
  const suggestions = Object.fromEntries(
    METHODS.map((m) => [m, suggestWeights(history.rates, { method: m, minBps, maxBps, lags })]),
  ) as Record<Method, ReturnType<typeof suggestWeights>>;
  const stats = suggestions.probability.stats;

  const [firstRound] = history.rounds;
  const lastRound = history.rounds.at(-1);
  const span = firstRound !== undefined && lastRound !== undefined ? `rounds ${firstRound}-${lastRound}` : "no rounds";
  console.log(
    `Account ${account}: ${models.length} models, ${stakeNmr.toLocaleString("en-US")} NMR staked from round ${next}, ` +
      `${sliceNmr.toLocaleString("en-US")} NMR at risk in each round (the slice)`,
  );
  console.log(
    `Window: ${history.rounds.length} round(s) with rates (${span}); from ${history.sources.join(", ") || "nothing"}`,
  );
  console.log(`Bounds per model: ${minBps}-${maxBps} bps; written method: ${method}\n`);

  const head = ["model", "n", "mean", "sd", "P(mean>0)", "pos.rounds", "current", "equal", "inv-vol", "probab."];
  const widths = [16, 4, 8, 7, 9, 10, 7, 7, 7, 7];
  console.log(pad(head, widths));
  models.forEach((id, i) => {
    const s = at(stats, i, "model statistics");
    console.log(
      pad(
        [
          short(id),
          String(s.n),
          pct(s.mean, 3),
          Number.isNaN(s.sd) ? "n/a" : `${(s.sd * 100).toFixed(2)}%`,
          s.n < 2 ? "n/a" : s.pPositive.toFixed(3),
          Number.isNaN(s.positiveShare) ? "n/a" : `${Math.round(s.positiveShare * 100)}%`,
          String(current[i] ?? 0),
          String(suggestions.equal.bps[i]),
          String(suggestions["inverse-volatility"].bps[i]),
          String(suggestions.probability.bps[i]),
        ],
        widths,
      ),
    );
  });
  for (const m of METHODS) for (const note of suggestions[m].notes) console.log(`note (${m}): ${note}`);

  console.log(
    `\nWhat each vector would have earned over these ${history.rounds.length} round(s) (sum of weighted rates; in-sample):`,
  );
  const rows: [string, number[]][] = [
    [current.some((w) => w > 0) ? "current" : "current (none)", current],
    ...METHODS.map((m): [string, number[]] => [m === method ? `${m} *` : m, suggestions[m].bps]),
  ];
  for (const [label, bps] of rows) {
    const { total } = windowReturn(bps, history.rates);
    console.log(
      `  ${label.padEnd(22)} ${pct(total).padStart(9)}   ${nmr(total * sliceNmr).padStart(16)} on the current slice`,
    );
  }

  if (env.OUT) {
    const existing = existsSync(env.OUT) ? (JSON.parse(readFileSync(env.OUT, "utf8")) as RebalanceFile) : null;
    writeFileSync(
      env.OUT,
      JSON.stringify(withAccountVector(existing, account, models, suggestions[method].bps), null, 2) + "\n",
    );
    console.log(`\nWrote the ${method} vector for ${account} to ${env.OUT} (other accounts in the file kept).`);
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
