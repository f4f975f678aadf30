/**
 * Settlement at Numerai's scale (`npm run gas:scale`, in-process network, 10-15 minutes): 14,300-leaf round
 * trees built and published by the operator job itself (scripts/lib/operator.ts, leaf files written and re-read), and
 * 1,000 staking accounts drawn like Numerai's (scripts/lib/scalePopulation.ts) settled by the keeper job. Reports:
 *   - gas per account-round for 1, 4, 13, 16, 32 and 50-model accounts: one round settled alone, 20 rounds of one
 *     account in one settle, and 20 rounds in one settleSpans (one segment, and two segments of 10);
 *   - publishRound gas and the operator job's wall time per round (rows -> rates -> tree -> leaf file -> publish);
 *   - the keeper's run settling every account's newest round: wall time, transactions, gas per account-round, with
 *     a crash after KEEPER_CRASH_AFTER transactions and a second run resuming from the chain.
 * Results go to stdout (a Markdown table and one `SCALE {json}` line) and to gas-scale-report.md (not in git).
 *
 * Environment: LEAF_ORDER by-account (default) | by-hash (the order before issue 15, for the comparison);
 * BENCH_ACCOUNTS (default 1000), BENCH_LEAVES (default 14300), KEEPER_CRASH_AFTER (default 3 transactions);
 * KEEPER_LOG=all prints every keeper batch (default: every tenth).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import hre from "hardhat";
import { DAY, deployBenchContracts } from "./deployBench";
import type { IPortfolioStake } from "../../typechain-types/contracts/PortfolioStake";
import { setAllowance } from "../lib/allowance";
import { runKeeper, type KeeperReport } from "../lib/keeper";
import { loadLeafFile } from "../lib/leafFiles";
import type { LeafOrder } from "@portfolio-stake/core/leafLayout";
import { publishRoundResults, type ResultRow } from "../lib/operator";
import { PRESETS } from "@portfolio-stake/core/payout";
import { accountRoundResult, accountSpanBoundary } from "@portfolio-stake/core/results";
import { drawAccounts, percentile } from "../lib/scalePopulation";

const { ethers, network } = hre;
const PROBE_SIZES = [1, 4, 13, 16, 32, 50];
const SPAN = 20; // rounds of one account settled in one transaction
const CONFIG = PRESETS["numerai-2026-atomic"]!; // R = 64, rates clipped at 100% of the slice
const started = performance.now();
const say = (line: string) => console.log(`[${((performance.now() - started) / 1000).toFixed(0)} s] ${line}`);

function envInt(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === "") return fallback;
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new Error(`${name} must be a positive integer, not "${text}"`);
  return Number(text);
}

function leafOrderFromEnv(): LeafOrder {
  const order = process.env.LEAF_ORDER || "by-account";
  if (order !== "by-account" && order !== "by-hash")
    throw new Error(`LEAF_ORDER must be by-account or by-hash, not "${order}"`);
  return order;
}

const addressOf = (label: string) => ethers.getAddress(ethers.dataSlice(ethers.id(label), 12));
const modelIds = (label: string, n: number) =>
  Array.from({ length: n }, (_, j) => ethers.dataSlice(ethers.id(`${label}-model-${j}`), 0, 16));

function evenBps(n: number): number[] {
  const base = Math.floor(10_000 / n);
  return Array.from({ length: n }, (_, i) => base + (i < 10_000 - base * n ? 1 : 0));
}

/** A rate within ±10% of the slice, different per model and round, as the results file's decimal text. */
function rateText(j: number, round: bigint): string {
  const units = ((j * 7919 + Number(round % 100_000n) * 104_729) % 20_001) - 10_000; // ±10,000 -> ±0.1
  return (units / 100_000).toFixed(5);
}

interface Staker {
  address: string;
  models: string[];
}

async function main() {
  if (network.name !== "hardhat") throw new Error("Run on the in-process network: npm run gas:scale");
  const leafOrder = leafOrderFromEnv();
  const accountCount = envInt("BENCH_ACCOUNTS", 1000);
  const leafCount = envInt("BENCH_LEAVES", 14_300);
  const crashAfter = envInt("KEEPER_CRASH_AFTER", 3);
  const outDir = mkdtempSync(path.join(tmpdir(), "gas-scale-"));

  const [admin, keeperSigner] = await ethers.getSigners();
  if (!admin || !keeperSigner) throw new Error("two signers are needed");
  const { nmr, stakeAddress } = await deployBenchContracts(ethers, admin);
  const stake = await ethers.getContractAt("PortfolioStake", stakeAddress, admin);
  await stake.grantRole(await stake.OPERATOR_ROLE(), admin.address);
  await nmr.faucet(admin.address, ethers.parseEther("100000000"));
  await setAllowance(nmr, admin, stakeAddress, ethers.MaxUint256);
  await stake.fundRewards(ethers.parseEther("10000000"));

  /** Registers `models`, deposits `amount` and weights the models evenly, as the account itself. */
  async function stakeAccount(label: string, models: string[], amount: bigint): Promise<Staker> {
    const address = addressOf(label);
    const gas = { gasLimit: 400_000 + 80_000 * models.length }; // skips an estimate per transaction
    await network.provider.send("hardhat_setBalance", [address, "0x56bc75e2d63100000"]); // 100 ETH
    const signer = await ethers.getImpersonatedSigner(address);
    await stake.proposeModels(address, models, gas);
    await stake.connect(signer).acceptModels(models, gas);
    await nmr.faucet(address, amount, gas);
    await setAllowance(nmr, signer, stakeAddress, ethers.MaxUint256, gas);
    await stake.connect(signer).deposit(amount, gas);
    await stake.connect(signer).setAllocation(models, evenBps(models.length), gas);
    return { address, models };
  }

  // Probes: four accounts per size (one settles a round alone, one SPAN rounds in one settle, two SPAN rounds in one
  // settleSpans: one segment, and two segments).
  const probes = new Map<number, { alone: Staker; span: Staker; spans1: Staker; spans2: Staker }>();
  for (const size of PROBE_SIZES) {
    const probe = (kind: string) =>
      stakeAccount(`probe-${size}-${kind}`, modelIds(`probe-${size}-${kind}`, size), 10n ** 21n);
    probes.set(size, {
      alone: await probe("alone"),
      span: await probe("span"),
      spans1: await probe("spans1"),
      spans2: await probe("spans2"),
    });
  }
  // The population, drawn like Numerai's accounts; it stakes once the probes' rounds are over.
  const drawn = drawAccounts(accountCount);
  const population = drawn.map((d, i) => ({ label: `account-${i}`, models: modelIds(`account-${i}`, d.models), d }));
  const staked = [...probes.values()].flatMap((p) => [p.alone, p.span, p.spans1, p.spans2].map((s) => s.models)).flat();
  const tournament = [...staked, ...population.flatMap((p) => p.models)];
  if (tournament.length > leafCount) throw new Error(`BENCH_LEAVES must be at least ${tournament.length}`);
  for (let j = tournament.length; j < leafCount; j++) tournament.push(modelIds(`tournament-${j}`, 1)[0]!);
  const registeredCount = staked.length + population.reduce((n, p) => n + p.models.length, 0);
  say(`${probes.size * 4} probe accounts staked; ${accountCount} accounts drawn, ${registeredCount} models in all`);

  const operatorSeconds: number[] = [];
  const publishGas: bigint[] = [];
  async function publish(round: bigint) {
    const rows: ResultRow[] = tournament.map((model, j) => ({ line: `row ${j + 1}`, model, rate: rateText(j, round) }));
    const t0 = performance.now();
    const result = await publishRoundResults(stake, round, rows, {
      outDir,
      config: CONFIG,
      unknownModels: "include", // the whole tournament's file, as Numerai publishes it
      leafOrder,
    });
    operatorSeconds.push((performance.now() - t0) / 1000);
    if (result.gasUsed !== undefined) publishGas.push(result.gasUsed);
  }
  async function nextDay() {
    await network.provider.send("evm_increaseTime", [DAY]);
    await network.provider.send("evm_mine", []);
  }

  // SPAN + 2 daily rounds, each published by the operator job once resolved (a day later): the span probes settle
  // round 0 alone (its boundary before it, the round before the first, does not exist), then rounds 1..SPAN.
  const rounds: bigint[] = [];
  for (let k = 0; k <= SPAN + 1; k++) {
    await nextDay();
    await stake.openRound();
    const opened = await stake.currentRound();
    rounds.push(opened);
    if (k > 0) await publish(rounds[k - 1]!);
    if (k % 5 === 0) say(`round ${opened} opened (${k + 1}/${SPAN + 2})`);
  }

  // Settlement per probe: round 0 alone, rounds 0..SPAN-1 in one settle, each from the leaf files.
  const trees = new Map<bigint, Awaited<ReturnType<typeof loadLeafFile>>>();
  for (const round of rounds.slice(0, SPAN + 1))
    trees.set(round, await loadLeafFile(outDir, round, (await stake.roundInfo(round)).root));
  async function accountResults(who: Staker, span: bigint[]): Promise<IPortfolioStake.AccountResultsStruct> {
    const models = [...(await stake.modelsOf(who.address))];
    const results = [];
    for (const round of span) {
      const [, bps] = await stake.allocationAt(who.address, round);
      results.push(accountRoundResult(round, trees.get(round)!, models, bps));
    }
    return { account: who.address, models, results };
  }
  /** A settleSpans entry for `who` with these boundary rounds (each proves the account's weighted models). */
  async function spanResults(who: Staker, boundaries: bigint[]): Promise<IPortfolioStake.SpanResultsStruct> {
    const models = [...(await stake.modelsOf(who.address))];
    const [, bps] = await stake.allocationAt(who.address, boundaries[0]! + 1n);
    return {
      account: who.address,
      models,
      boundaries: boundaries.map((round) => accountSpanBoundary(round, trees.get(round)!, models, bps)),
    };
  }
  /** A settle's (or settleSpans's) gas, and the parts of it that are calldata and event logs (the rest is execution). */
  async function settleGas(arg: IPortfolioStake.AccountResultsStruct | IPortfolioStake.SpanResultsStruct) {
    const tx =
      "boundaries" in arg
        ? await stake.settleSpans([arg], { gasLimit: 16_000_000 })
        : await stake.settle(arg, { gasLimit: 16_000_000 });
    const receipt = (await tx.wait())!;
    const calldata = ethers.getBytes(tx.data).reduce((sum, byte) => sum + (byte === 0 ? 4 : 16), 0);
    const logs = receipt.logs.reduce((sum, l) => sum + 375 * (1 + l.topics.length) + 8 * ethers.dataLength(l.data), 0);
    return { gas: receipt.gasUsed, calldata: BigInt(calldata), logs: BigInt(logs) };
  }
  const perSize: {
    models: number;
    proofNodes: number;
    alone: bigint;
    spanPerRound?: bigint; // undefined: SPAN rounds exceed the transaction gas cap
    spanCalldataPerRound?: bigint;
    spanLogsPerRound?: bigint;
    spans1: bigint; // SPAN rounds in one settleSpans, one segment (whole transaction)
    spans2: bigint; // the same in two segments
    spans1Calldata: bigint;
  }[] = [];
  const n = BigInt(SPAN);
  for (const [size, { alone, span, spans1, spans2 }] of probes) {
    const one = await accountResults(alone, [rounds[0]!]);
    const proofNodes = (one.results[0]!.proof as string[]).length;
    const aloneGas = (await settleGas(one)).gas;
    const spanned = await settleGas(await accountResults(span, rounds.slice(0, SPAN))).catch(async (e: unknown) => {
      // Over the transaction gas cap (EIP-7825, 16,777,216): reported as such, and settled in smaller pieces.
      say(`${size} model(s): ${SPAN} rounds do not fit one transaction (${String(e).slice(0, 120)})`);
      for (let k = 0; k < SPAN; k += 4) await settleGas(await accountResults(span, rounds.slice(k, k + 4)));
      return undefined;
    });
    for (let k = 1; k < SPAN; k += 4)
      await settleGas(await accountResults(alone, rounds.slice(k, Math.min(k + 4, SPAN)))); // level
    // settleSpans: round 0 alone first (nothing before it to bound a span), then rounds 1..SPAN as spans.
    await settleGas(await accountResults(spans1, [rounds[0]!]));
    await settleGas(await accountResults(spans2, [rounds[0]!]));
    const spans1Gas = await settleGas(await spanResults(spans1, [rounds[0]!, rounds[SPAN]!]));
    const half = rounds[SPAN / 2]!;
    const spans2Gas = await settleGas(await spanResults(spans2, [rounds[0]!, half, rounds[SPAN]!]));
    perSize.push({
      models: size,
      proofNodes,
      alone: aloneGas,
      spanPerRound: spanned ? spanned.gas / n : undefined,
      spanCalldataPerRound: spanned ? spanned.calldata / n : undefined,
      spanLogsPerRound: spanned ? spanned.logs / n : undefined,
      spans1: spans1Gas.gas,
      spans2: spans2Gas.gas,
      spans1Calldata: spans1Gas.calldata,
    });
    say(
      `${size} model(s): ${aloneGas} gas alone, ${spanned ? spanned.gas / n : "-"} per round over ${SPAN} rounds; ` +
        `settleSpans of ${SPAN} rounds ${spans1Gas.gas} (one segment), ${spans2Gas.gas} (two)`,
    );
  }
  trees.clear();

  // The population stakes, then one more daily round (the first at risk for it) is opened and published.
  for (const [i, p] of population.entries()) {
    await stakeAccount(p.label, p.models, ethers.parseEther(p.d.stakeNmr.toFixed(2)));
    if ((i + 1) % 250 === 0) say(`${i + 1}/${accountCount} accounts staked`);
  }
  await nextDay();
  await stake.openRound();
  const last = await stake.currentRound();
  await publish(rounds[SPAN + 1]!);
  await nextDay();
  await publish(last);
  say(`round ${last} published with ${registeredCount} registered models in ${leafCount} leaves`);

  // The keeper: crashes after a few transactions, then a second run resumes from the chain and finishes.
  const keeperStake = stake.connect(keeperSigner);
  const progress = (line: string) => {
    if (process.env.KEEPER_LOG === "all" || !/^keeper: batch \d+:/.test(line) || /batch \d*0:/.test(line)) say(line);
  };
  const t0 = performance.now();
  const crashed = await runKeeper(keeperStake, { roundsDir: outDir, maxBatches: crashAfter, log: progress });
  const t1 = performance.now();
  const resumed = await runKeeper(keeperStake, { roundsDir: outDir, log: progress });
  const t2 = performance.now();
  if (!resumed.complete || resumed.failures.length || resumed.blocked.length)
    throw new Error(`the keeper did not settle everything: ${JSON.stringify(resumed.failures.slice(0, 3))}`);
  const keeper = summariseKeeper([crashed, resumed], (t2 - t0) / 1000);
  const behind = [];
  for (const p of population) {
    const account = await stake.accountOf(addressOf(p.label));
    if (account.nextSettleRound <= last) behind.push(p.label);
  }
  if (behind.length) throw new Error(`${behind.length} account(s) not settled after the keeper: ${behind.join(", ")}`);

  const modelCounts = drawn.map((d) => d.models);
  const stakes = drawn.map((d) => d.stakeNmr);
  const figures = {
    leafOrder,
    leaves: leafCount,
    accounts: accountCount + probes.size * 4,
    registeredModels: registeredCount,
    drawn: {
      modelsPerAccount: { median: percentile(modelCounts, 0.5), p90: percentile(modelCounts, 0.9) },
      modelsP99: percentile(modelCounts, 0.99),
      modelsMax: Math.max(...modelCounts),
      stakeNmr: { median: percentile(stakes, 0.5), p90: percentile(stakes, 0.9), p99: percentile(stakes, 0.99) },
    },
    perSize: perSize.map((s) =>
      Object.fromEntries(Object.entries(s).map(([k, v]) => [k, v === undefined ? null : Number(v)])),
    ),
    publishGas: publishGas.map(Number),
    operatorSeconds: {
      median: Number(percentile(operatorSeconds, 0.5).toFixed(2)),
      max: Number(Math.max(...operatorSeconds).toFixed(2)),
    },
    keeper: { ...keeper, crashRunSeconds: Number(((t1 - t0) / 1000).toFixed(1)) },
  };
  const table = [
    `Leaf order ${leafOrder}, ${leafCount}-leaf trees, ${figures.accounts} accounts (${registeredCount} registered models)`,
    "",
    `| models | proof nodes | 1 round alone | per round, ${SPAN} rounds in one settle | of which calldata | of which logs |`,
    "|---:|---:|---:|---:|---:|---:|",
    ...perSize.map(
      (s) =>
        `| ${s.models} | ${s.proofNodes} | ${s.alone} | ${s.spanPerRound ?? "over the cap"} | ` +
        `${s.spanCalldataPerRound ?? "-"} | ${s.spanLogsPerRound ?? "-"} |`,
    ),
    "",
    `| models | ${SPAN} rounds in one settleSpans, one segment | per round | two segments | per round | of which calldata (one segment) |`,
    "|---:|---:|---:|---:|---:|---:|",
    ...perSize.map(
      (s) => `| ${s.models} | ${s.spans1} | ${s.spans1 / n} | ${s.spans2} | ${s.spans2 / n} | ${s.spans1Calldata} |`,
    ),
    "",
    `publishRound: ${String(publishGas[publishGas.length - 1] ?? "none")} gas; operator job per round: median ` +
      `${figures.operatorSeconds.median} s, max ${figures.operatorSeconds.max} s`,
    `keeper, every account's newest round: ${keeper.accountRounds} account-rounds in ${keeper.transactions} ` +
      `transactions, ${keeper.gasPerAccountRound} gas per account-round, ${keeper.wallSeconds} s wall time ` +
      `(crashed after ${crashed.transactions.length} transaction(s), resumed and finished)`,
    "",
    ...yearlyTable(perSize),
  ].join("\n");
  console.log(`\n${table}\n`);
  console.log(`SCALE ${JSON.stringify(figures)}`);
  writeFileSync("gas-scale-report.md", `${table}\n`);
}

/** Daily rounds Tuesday to Saturday: 5 a week. */
const ROUNDS_PER_YEAR = 5 * 52;
const MONTHLY_SETTLES = 12;

/**
 * Gas a year to keep an account of 1, 4 or 16 models settled, from the measured figures: daily (each round settled
 * alone), monthly (12 settles of ~22 rounds: a settle's fixed part plus a marginal cost per round, both from the
 * 1-round and SPAN-round measurements), monthly by span (12 settleSpans of ~22 rounds, one segment each: priced as the
 * measured SPAN-round settleSpans, whose cost does not grow with its rounds), against per-(round, model) claims, each
 * priced as a 1-model account's round settled alone (one leaf proven, one position's stake updated: the closest thing
 * measured here).
 */
function yearlyTable(perSize: { models: number; alone: bigint; spanPerRound?: bigint; spans1: bigint }[]): string[] {
  const claim = perSize.find((s) => s.models === 1)?.alone;
  if (claim === undefined) return [];
  const million = (gas: bigint) => `${(Number(gas) / 1e6).toFixed(1)}M`;
  const lines = [
    `| models | daily (${ROUNDS_PER_YEAR} settles) | monthly (${MONTHLY_SETTLES} settles) | monthly by span (${MONTHLY_SETTLES} settleSpans) | per-(round, model) claims |`,
    "|---:|---:|---:|---:|---:|",
  ];
  for (const models of [1, 4, 16]) {
    const s = perSize.find((p) => p.models === models);
    if (!s?.spanPerRound) continue;
    const marginal = (s.spanPerRound * BigInt(SPAN) - s.alone) / BigInt(SPAN - 1);
    const daily = s.alone * BigInt(ROUNDS_PER_YEAR);
    const monthly = BigInt(MONTHLY_SETTLES) * s.alone + BigInt(ROUNDS_PER_YEAR - MONTHLY_SETTLES) * marginal;
    const bySpan = BigInt(MONTHLY_SETTLES) * s.spans1;
    const claims = claim * BigInt(ROUNDS_PER_YEAR * models);
    lines.push(`| ${models} | ${million(daily)} | ${million(monthly)} | ${million(bySpan)} | ${million(claims)} |`);
  }
  return lines;
}

function summariseKeeper(runs: KeeperReport[], wallSeconds: number) {
  const transactions = runs.flatMap((r) => r.transactions);
  const gas = transactions.reduce((sum, t) => sum + t.gasUsed, 0n);
  const accountRounds = runs.reduce((n, r) => n + r.settledAccountRounds, 0);
  return {
    wallSeconds: Number(wallSeconds.toFixed(1)),
    transactions: transactions.length,
    accountRounds,
    gasPerAccountRound: Number(gas / BigInt(Math.max(1, accountRounds))),
    largestTransactionGas: Number(transactions.reduce((m, t) => (t.gasUsed > m ? t.gasUsed : m), 0n)),
  };
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
