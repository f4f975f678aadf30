/**
 * Keeper benchmark at production size: N accounts staking on their models, a backlog of published rounds of
 * full-tournament trees nobody has settled (an outage), then the keeper as operators run it, against a separate
 * Hardhat node (so the keeper process's RSS is the keeper's, and the node closes idle sockets as real nodes do).
 * Reports wall time, transactions, account-rounds, gas, peak RSS (process.resourceUsage().maxRSS), trees loaded and
 * held, and the longest event-loop block seen during the run.
 *
 *   npx hardhat node --port 8611 > /dev/null &
 *   export LOCAL_RPC_URL=http://127.0.0.1:8611
 *   BENCH_PHASE=setup BENCH_ACCOUNTS=1000 BENCH_BACKLOG=25 npx hardhat run scripts/bench/keeper-backlog.ts --network localhost
 *   BENCH_PHASE=keeper     npx hardhat run scripts/bench/keeper-backlog.ts --network localhost   # the catch-up
 *   BENCH_PHASE=next-round npx hardhat run scripts/bench/keeper-backlog.ts --network localhost   # one more day
 *   BENCH_PHASE=keeper     npx hardhat run scripts/bench/keeper-backlog.ts --network localhost   # the daily run
 *
 * Environment:
 *   BENCH_PHASE     setup (deploy, stake, open and publish the backlog; snapshots the node), keeper (one keeper run,
 *                   in a fresh process), next-round (open and publish one more round), revert (back to the setup's
 *                   snapshot, to measure another keeper version on the same state)
 *   BENCH_STATE     where the setup records addresses, the leaf directory and the snapshot (default
 *                   $TMPDIR/keeper-bench/state.json)
 *   BENCH_ACCOUNTS  stakers (default 1000)
 *   BENCH_MODELS    models per staker, all weighted (default 2; production had 1,742 registered for 1,000 accounts)
 *   BENCH_LEAVES    leaves per round tree: the registered models plus the rest of the tournament (default 14300)
 *   BENCH_BACKLOG   published rounds nobody settled when the keeper starts (default 64)
 *   ROUND_WINDOW    the keeper's round window (default: the keeper's)
 *   BENCH_KEEPER_ACCOUNTS  settle only accounts FIRST-LAST of the setup's (e.g. 100-149): a shorter run over the same
 *                   backlog (trees loaded and held do not depend on the number of accounts)
 *   KEEPER_MODULE   the keeper module to measure, relative to this file (default ../lib/keeper); another version of
 *                   scripts/lib checked out next to it (e.g. scripts/lib-base from the commit before issue 18) is
 *                   measured the same way; BENCH_RETRYING=0 gives it Hardhat's provider, as its script had
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import hre from "hardhat";
import { DAY, deployBenchContracts } from "./deployBench";
import type { PortfolioStake } from "../../typechain-types";
import { setAllowance } from "../lib/allowance";
import { evenSplit } from "@portfolio-stake/core/bps";
import { roundFile, withCumulatives, type RoundFile } from "@portfolio-stake/core/results";
import { buildRoundTreeInChunks } from "../lib/roundTrees";
import { retryingEthersProvider } from "../lib/transport";

const { ethers, network } = hre;
const SETUP_GAS = { gasLimit: 2_000_000 }; // skips an estimate per setup transaction

interface BenchState {
  stake: string;
  dir: string; // leaf files
  accounts: number;
  registered: number;
  leaves: number;
  backlog: number;
  snapshot: string;
}

function envInt(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === "") return fallback;
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new Error(`${name} must be a positive integer, not "${text}"`);
  return Number(text);
}

const accountAddress = (i: number) => ethers.getAddress(ethers.dataSlice(ethers.id(`bench-account-${i}`), 12));

/** "100-149" -> those bench accounts; undefined -> every staker (the keeper reads Deposited events). */
function accountRange(text: string | undefined): string[] | undefined {
  if (!text) return undefined;
  const match = /^(\d+)-(\d+)$/.exec(text);
  if (!match) throw new Error(`BENCH_KEEPER_ACCOUNTS must be FIRST-LAST, e.g. 100-149, not "${text}"`);
  const [first, last] = [Number(match[1]), Number(match[2])];
  return Array.from({ length: last - first + 1 }, (_, k) => accountAddress(first + k));
}

const modelId = (label: string) => ethers.dataSlice(ethers.id(label), 0, 16);
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;
const statePath = process.env.BENCH_STATE || path.join(tmpdir(), "keeper-bench", "state.json");
const started = Date.now();
const say = (line: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(0)} s] ${line}`);

interface KeeperModule {
  runKeeper: (
    stake: PortfolioStake,
    options: { roundsDir: string; accounts?: string[]; roundWindow?: number; log?: (line: string) => void },
  ) => Promise<{
    settledAccountRounds: number;
    transactions: { gasUsed: bigint }[];
    failures: unknown[];
    complete: boolean;
    transportFailures?: number;
    treesLoaded?: number;
    mostTreesHeld?: number;
  }>;
}

async function operatorStake(address: string): Promise<PortfolioStake> {
  const [admin] = await ethers.getSigners();
  if (!admin) throw new Error("no signer");
  return ethers.getContractAt("PortfolioStake", address, admin);
}

/**
 * Publishes `round` with a full-tournament tree (registered models first, then the rest), leaf file first; the
 * cumulatives continue round - 1's leaf file when there is one.
 */
async function publish(stake: PortfolioStake, state: Pick<BenchState, "dir">, models: string[], round: bigint) {
  const plain = models.map((id, j) => ({
    modelId: id,
    rate: BigInt(((j * 7919 + Number(round) * 104_729) % 20_001) - 10_000) * 10n ** 13n, // within ±10% of the slice
  }));
  const previousFile = path.join(state.dir, `round-${round - 1n}.json`);
  const previous = existsSync(previousFile)
    ? new Map(
        (JSON.parse(readFileSync(previousFile, "utf8")) as RoundFile).leaves.map(
          (l) => [l.modelId, BigInt(l.cumulative)] as const,
        ),
      )
    : undefined;
  const rates = withCumulatives(plain, previous, (await stake.roundInfo(round)).rateCap);
  const tree = await buildRoundTreeInChunks(round, rates); // a 2 s block here lets the node's idle-socket close race a request
  writeFileSync(path.join(state.dir, `round-${round}.json`), JSON.stringify(roundFile(round, tree)));
  await stake.publishRound(round, tree.root, `file://${state.dir}/round-${round}.json`, SETUP_GAS);
}

async function nextDay() {
  await network.provider.send("evm_increaseTime", [DAY]);
  await network.provider.send("evm_mine", []);
}

function everyModel(accounts: number, modelsPerAccount: number, leaves: number): string[] {
  const registered = [];
  for (let i = 0; i < accounts; i++)
    for (let j = 0; j < modelsPerAccount; j++) registered.push(modelId(`bench-model-${i}-${j}`));
  const tournament = Array.from({ length: leaves - registered.length }, (_, j) => modelId(`tournament-${j}`));
  return [...registered, ...tournament];
}

async function setup() {
  const accounts = envInt("BENCH_ACCOUNTS", 1000);
  const modelsPerAccount = envInt("BENCH_MODELS", 2);
  const leaves = envInt("BENCH_LEAVES", 14_300);
  const backlog = envInt("BENCH_BACKLOG", 64);
  if (accounts * modelsPerAccount > leaves) throw new Error("BENCH_LEAVES must be at least accounts x models");

  // The contract with Numerai's atomic slice (R = 64, clip 100%), daily rounds resolving after a day.
  const [admin] = await ethers.getSigners();
  if (!admin) throw new Error("no signer");
  const { nmr, stakeAddress: deployedAddress } = await deployBenchContracts(ethers, admin);
  const stake = await operatorStake(deployedAddress);
  const stakeAddress = await stake.getAddress();
  await stake.grantRole(await stake.OPERATOR_ROLE(), admin.address);
  await nmr.faucet(admin.address, ethers.parseEther("100000000"));
  await setAllowance(nmr, admin, stakeAddress, ethers.MaxUint256);
  await stake.fundRewards(ethers.parseEther("10000000"));

  // Accounts: impersonated addresses, each registering, depositing and weighting its models.
  for (let i = 0; i < accounts; i++) {
    const address = accountAddress(i);
    await network.provider.send("hardhat_setBalance", [address, "0x56bc75e2d63100000"]); // 100 ETH
    const signer = await ethers.getImpersonatedSigner(address);
    const ids = Array.from({ length: modelsPerAccount }, (_, j) => modelId(`bench-model-${i}-${j}`));
    await stake.proposeModels(address, ids, SETUP_GAS);
    await stake.connect(signer).acceptModels(ids, SETUP_GAS);
    await nmr.faucet(address, ethers.parseEther("10000"), SETUP_GAS);
    await setAllowance(nmr, signer, stakeAddress, ethers.MaxUint256, SETUP_GAS);
    await stake.connect(signer).deposit(ethers.parseEther(String(1000 + (i % 97) * 10)), SETUP_GAS);
    await stake.connect(signer).setAllocation(ids, evenSplit(modelsPerAccount), SETUP_GAS);
    if ((i + 1) % 100 === 0) say(`${i + 1}/${accounts} accounts staked`);
  }

  // Rounds: opened daily, each published once resolved; nothing settled.
  const dir = path.join(path.dirname(statePath), "rounds");
  mkdirSync(dir, { recursive: true });
  const models = everyModel(accounts, modelsPerAccount, leaves);
  let previous: bigint | undefined;
  for (let k = 0; k < backlog; k++) {
    await nextDay();
    await stake.openRound(SETUP_GAS);
    if (previous !== undefined) await publish(stake, { dir }, models, previous);
    previous = await stake.currentRound();
    if ((k + 1) % 5 === 0) say(`${k + 1}/${backlog} rounds opened and published`);
  }
  await nextDay();
  await publish(stake, { dir }, models, previous!);
  const snapshot = (await network.provider.send("evm_snapshot", [])) as string;
  const state: BenchState = {
    stake: stakeAddress,
    dir,
    accounts,
    registered: accounts * modelsPerAccount,
    leaves,
    backlog,
    snapshot,
  };
  writeFileSync(statePath, JSON.stringify(state, null, 2));
  say(
    `setup done: ${accounts} accounts, ${state.registered} registered models, ${leaves}-leaf trees, ${backlog} rounds`,
  );
}

function readState(): BenchState {
  if (!existsSync(statePath)) throw new Error(`${statePath} does not exist: run BENCH_PHASE=setup first`);
  return JSON.parse(readFileSync(statePath, "utf8")) as BenchState;
}

async function nextRound() {
  const state = readState();
  const stake = await operatorStake(state.stake);
  await stake.openRound(SETUP_GAS);
  const round = await stake.currentRound();
  await nextDay();
  await publish(stake, state, everyModel(state.accounts, state.registered / state.accounts, state.leaves), round);
  say(`round ${round} opened and published`);
}

async function revert() {
  const state = readState();
  if (!(await network.provider.send("evm_revert", [state.snapshot]))) throw new Error("the snapshot is gone");
  state.snapshot = (await network.provider.send("evm_snapshot", [])) as string; // a snapshot is used up by a revert
  writeFileSync(statePath, JSON.stringify(state, null, 2));
  say("back to the setup's state");
}

async function keeper() {
  const state = readState();
  const keeperModule = process.env.KEEPER_MODULE || "../lib/keeper";
  const { runKeeper } = (await import(keeperModule)) as KeeperModule;
  const [, configured] = await ethers.getSigners();
  if (!configured) throw new Error("no keeper signer");
  // As scripts/keeper.ts connects (reads retried), unless BENCH_RETRYING=0 (Hardhat's provider, as before issue 18).
  const signer =
    process.env.BENCH_RETRYING === "0"
      ? configured
      : await retryingEthersProvider(network.provider, { log: (l) => say(`keeper: ${l}`) }).getSigner(
          configured.address,
        );
  const stake = await ethers.getContractAt("PortfolioStake", state.stake, signer);
  const pending =
    (await stake.currentRound()) -
    (await stake.accountOf(accountAddress(Number(process.env.BENCH_KEEPER_ACCOUNTS?.split("-")[0] ?? 0))))
      .nextSettleRound +
    1n;
  let longestBlock = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    longestBlock = Math.max(longestBlock, now - last - 20);
    last = now;
  }, 20);
  const rssAtStart = process.memoryUsage().rss;
  const t0 = performance.now();
  let report: Awaited<ReturnType<KeeperModule["runKeeper"]>>;
  try {
    report = await runKeeper(stake, {
      roundsDir: state.dir,
      accounts: accountRange(process.env.BENCH_KEEPER_ACCOUNTS),
      roundWindow: process.env.ROUND_WINDOW ? envInt("ROUND_WINDOW", 8) : undefined,
      log: (line) => {
        if (!/^keeper: batch \d+:/.test(line) || /batch \d*0:/.test(line)) say(line);
      },
    });
  } catch (error) {
    const crashed = { keeper: keeperModule, crashedAfterSeconds: Number(((performance.now() - t0) / 1000).toFixed(1)) };
    console.log(`BENCH ${JSON.stringify({ ...crashed, error: String(error).slice(0, 200) })}`);
    throw error;
  } finally {
    clearInterval(timer); // else a crash leaves the process running
  }
  const seconds = (performance.now() - t0) / 1000;
  const gas = report.transactions.reduce((sum, t) => sum + t.gasUsed, 0n);
  const figures = {
    keeper: keeperModule,
    accounts: process.env.BENCH_KEEPER_ACCOUNTS
      ? `${process.env.BENCH_KEEPER_ACCOUNTS} of ${state.accounts}`
      : state.accounts,
    registeredModels: state.registered,
    leaves: state.leaves,
    roundsToSettlePerAccount: Number(pending),
    wallSeconds: Number(seconds.toFixed(1)),
    transactions: report.transactions.length,
    accountRounds: report.settledAccountRounds,
    gas: gas.toString(),
    complete: report.complete,
    failures: report.failures.length,
    transportFailures: report.transportFailures ?? "n/a",
    treesLoaded: report.treesLoaded ?? "n/a",
    mostTreesHeld: report.mostTreesHeld ?? "n/a",
    rssAtStart: mb(rssAtStart),
    peakRss: mb(process.resourceUsage().maxRSS * 1024),
    longestEventLoopBlockMs: Math.round(longestBlock),
  };
  console.log(`BENCH ${JSON.stringify(figures)}`);
}

const PHASES: Record<string, () => Promise<void>> = { setup, keeper, "next-round": nextRound, revert };

async function main() {
  if (network.name === "hardhat") throw new Error("Run against a separate node (--network localhost): see the header");
  const phase = PHASES[process.env.BENCH_PHASE ?? ""];
  if (!phase) throw new Error(`BENCH_PHASE must be one of ${Object.keys(PHASES).join(", ")}`);
  mkdirSync(path.dirname(statePath), { recursive: true });
  await phase();
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
