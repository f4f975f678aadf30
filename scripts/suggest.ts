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
 *
 * Walk-forward evaluation (out of sample, packages/core/src/suggest/walkForward.ts): every method replayed round by round
 * on only the results public at the time, scored on the rounds its vectors applied to.
 *
 *   ACCOUNT=0x... npm run suggest -- --evaluate                 the account's models, history from the chain
 *   npm run suggest -- --evaluate --results <file or folder>     no chain: a results file (as RESULTS_FILE), or a
 *                                                                folder of score tables (corr20v2.csv and mmc.csv)
 * Options (or the variables in brackets): --delay N (DELAY; rounds before a result is public: from the chain's round
 * times, else 20), --window N (WINDOW, default 60), --min-rates N (MIN_RATES, public rates a model needs to take part,
 * default 20), --every N (EVERY, default 1), --min-weight/--max-weight
 * (MIN_WEIGHT/MAX_WEIGHT), --score-config <preset|json|file> (SCORE_CONFIG, for score tables; default
 * numerai-2026-atomic), --slice-divisor N (SLICE_DIVISOR, for a file; default 64), --markdown, --network <name>.
 * `npx hardhat run scripts/suggest.ts` works as before (EVALUATE=1 for the evaluation).
 */
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { at } from "@portfolio-stake/core/checks";
import { loadPayoutConfig } from "@portfolio-stake/core/payout";
import { normaliseModelId } from "@portfolio-stake/core/results";
import { parseArgs, type Args } from "./lib/suggest/cliArgs";
import { evaluate, rateTableFromRounds } from "@portfolio-stake/core/suggest/evaluate";
import { markdownTable, reportLegend, textTable } from "@portfolio-stake/core/suggest/report";
import { numeraiScoreFiles, ratesFromScoreTables } from "./lib/suggest/scoreTables";
import { NUMERAI_DAILY_DELAY, delayFromRoundTimes } from "@portfolio-stake/core/suggest/timing";
import type { RateTable } from "@portfolio-stake/core/suggest/walkForward";
import { connect } from "./lib/connect";
import {
  DEFAULT_LAGS,
  METHODS,
  historyWindow,
  isMethod,
  mergeRates,
  ratesFromLeafFiles,
  ratesFromResultsFile,
  ratesFromSettled,
  suggestWeights,
  windowReturn,
  withAccountVector,
  type Method,
  type RebalanceFile,
} from "./lib/suggest";

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

/** A folder with corr20v2.csv and mmc.csv is score tables; anything else a results file (ratesFromResultsFile). */
function tableFromFile(file: string, scoreConfig: string): { table: RateTable; source: string } {
  if (existsSync(file) && statSync(file).isDirectory() && existsSync(path.join(file, "corr20v2.csv"))) {
    const config = loadPayoutConfig(scoreConfig, "--score-config");
    return {
      table: ratesFromScoreTables(numeraiScoreFiles(file), config),
      source: `score tables in ${file}, rates by ${scoreConfig}`,
    };
  }
  return { table: rateTableFromRounds(ratesFromResultsFile(file)), source: `results file ${file}` };
}

function printEvaluation(table: RateTable, source: string, args: Args, delay: number, sliceDivisor: number) {
  const started = Date.now();
  const { result, summaries } = evaluate(table, sliceDivisor, {
    delay,
    window: args.window,
    minRates: args.minRates,
    every: args.every,
    minBps: args.minBps,
    maxBps: args.maxBps,
  });
  console.log(`Walk-forward evaluation: ${table.models.length} models, ${source}`);
  console.log(args.markdown ? markdownTable(summaries) : textTable(summaries));
  console.log(`\n${reportLegend(result, sliceDivisor)}`);
  console.log(
    `A turnover-aware variant ("@${result.options.stickyThresholds.join(", ")}") keeps its vector unless the new one ` +
      `adds that much to the estimated Sharpe per round. Past results; overlapping rounds make consecutive rounds ` +
      `move together, so the figures are less certain than their number suggests. (${((Date.now() - started) / 1000).toFixed(1)} s)`,
  );
}

async function main() {
  const args = parseArgs(process.argv.slice(2), process.env);
  if (args.evaluate && args.results) {
    const { table, source } = tableFromFile(args.results, args.scoreConfig);
    printEvaluation(table, source, args, args.delay ?? NUMERAI_DAILY_DELAY, args.sliceDivisor);
    return;
  }
  // The chain: loaded only now, so that a results file needs no node (npm run suggest runs this file with node).
  process.env.HARDHAT_NETWORK ??= args.network ?? "localhost";
  const { default: hre } = await import("hardhat");
  await onChain(hre, args);
}

async function onChain(hre: HardhatRuntimeEnvironment, args: Args) {
  const { ethers } = hre;
  const env = process.env;
  if (!env.ACCOUNT || !ethers.isAddress(env.ACCOUNT))
    throw new Error("Set ACCOUNT=0x... (the staker to suggest a vector for)");
  const account = ethers.getAddress(env.ACCOUNT);
  const window = env.ROUNDS ? Number(env.ROUNDS) : 60;
  if (!Number.isInteger(window) || window < 1)
    throw new Error(`ROUNDS="${env.ROUNDS ?? ""}" must be a positive whole number`);
  const method = (env.METHOD ?? "probability").trim();
  if (!isMethod(method)) throw new Error(`METHOD="${method}": use one of ${METHODS.join(", ")}`);
  const { minBps, maxBps } = args;
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
  if (args.evaluate) {
    // The delay from the rounds' own times: a round is public from the first round opening after it resolves.
    const opened = await stake.queryFilter(stake.filters.RoundOpened(), deployment.deployBlock);
    const derived = delayFromRoundTimes(
      opened.map((e) => ({
        round: Number(e.args.round),
        openedAt: Number(e.args.openedAt),
        resolvesAt: Number(e.args.resolvesAt),
      })),
    );
    const delay = args.delay ?? derived ?? NUMERAI_DAILY_DELAY;
    const table = rateTableFromRounds(byRound, models.map(normaliseModelId));
    // R of the newest round (each round keeps the one it opened with; the table needs one).
    const sliceDivisor = Number(opened.at(-1)?.args.sliceDivisor ?? BigInt(args.sliceDivisor));
    printEvaluation(
      table,
      `account ${account}, from ${sources.join(", ") || "nothing"}; a round public ${delay} rounds after it opens ` +
        (args.delay !== undefined ? "(--delay)" : derived !== null ? "(from the rounds' times)" : "(default)"),
      args,
      delay,
      sliceDivisor,
    );
    return;
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
