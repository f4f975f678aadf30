/**
 * Demo history for the local chain: stakers with realistic, reproducible round results.
 *
 * 1. simulateScores: per-model CORR and MMC per round, generated the way real Numerai scores behave
 *    (../shared/data/numerai-statistics.md; nothing is read at run time):
 *    - overlapping rounds: each series is a moving sum of daily shocks over a 20-round window with weights √(20 - j),
 *      plus 5% fresh per-round noise, so consecutive rounds are strongly autocorrelated (lag 1/5/10/20 ≈
 *      0.90/0.69/0.41/0.00; real daily CORR: 0.90/0.69/0.40/0.06) and never drawn independently;
 *    - CORR = model mean + model sd x (√0.72 common round factor + √0.12 owner factor + √0.16 model noise): 72% of a
 *      round's variance is common (real: 71%), two models correlate ~0.72 (real: 0.70-0.75), and after removing the
 *      round mean two models of one owner still correlate ~0.43 (real: 0.41; other owners ~0);
 *    - MMC mostly idiosyncratic: 0.1 common + 0.85 the model's own CORR residual + the rest its own noise, so it
 *      correlates ~0.5 with the same model's CORR and ~0.01 across owners (real: 0.5-0.6 and ~0-0.09);
 *    - per-model means and sds drawn around the real user-model figures (CORR 0.020 ± 0.006, sd 0.019; MMC
 *      0.0035 ± 0.003, sd 0.009), published with 10 decimals. The rates come from these scores through the payout
 *      module (packages/core/src/payout.ts) with the demo's score configuration, demoPayoutConfig: ~24% of model-rounds
 *      negative over a long run, and several % a year on the stake.
 *    Each series has its own PRNG stream, so a shorter run is a prefix of a longer one with the same seed.
 * 2. generateDemoHistory: on a deployed PortfolioStake (MockNMR or NMRLike), binds the demo accounts' models (the
 *    operator proposes, each account accepts), deposits, sets and
 *    changes vectors (a manager on one account, suggestions from scripts/lib/suggest.ts on two), funds the rewards
 *    pool, then opens rounds on Numerai's schedule (Tuesday to Saturday, moving the chain clock a day at a time),
 *    publishes each round once it resolves with the operator job (leaf files in `roundsDir`), settles with the keeper
 *    job, claims and requests withdrawals. The most recent rounds are left open (their results are not out yet).
 */
import { existsSync, mkdirSync } from "node:fs";
import { ethers, type Signer } from "ethers";
import type { MockNMR, NMRLike, PortfolioStake } from "../../typechain-types";
import { setAllowance } from "./allowance";
import { evenSplit } from "@portfolio-stake/core/bps";
import { at, defined } from "@portfolio-stake/core/checks";
import { runKeeper } from "./keeper";
import { publishRoundResults, type ResultRow } from "./operator";
import { payoutRate, type PayoutConfig } from "@portfolio-stake/core/payout";
import { normaliseModelId } from "@portfolio-stake/core/results";
import { historyWindow, mergeRates, ratesFromLeafFiles, ratesFromSettled, suggestWeights } from "./suggest";
import { Prng, deriveSeed } from "@portfolio-stake/core/prng";
import { OPEN_WEEKDAYS } from "@portfolio-stake/core/demoCalendar";

// ──────────────────────────────────────────── Score model ────────────────────────────────────────────

export interface ScoreModel {
  window: number; // rounds a score spans (consecutive rounds share window - 1 of them)
  freshShare: number; // share of a series' variance that is new each round
  commonShare: number; // CORR: share of the variance common to all models (round factor)
  ownerShare: number; // CORR: share from the owner factor (the rest is model noise)
  corrMean: number; // mean of the models' mean CORR
  corrMeanSpread: number; // sd across models of the mean CORR
  corrSd: number; // median per-model sd of CORR
  mmcMean: number;
  mmcMeanSpread: number;
  mmcSd: number;
  sdSpread: number; // lognormal sigma of per-model sds around the medians
  mmcCommon: number; // MMC loading on the round factor
  mmcResidual: number; // MMC loading on the model's own CORR residual (owner + model parts)
}

export const DEFAULT_SCORE_MODEL: ScoreModel = {
  window: 20,
  freshShare: 0.05,
  commonShare: 0.72,
  ownerShare: 0.12,
  corrMean: 0.02,
  corrMeanSpread: 0.006,
  corrSd: 0.019,
  mmcMean: 0.0035,
  mmcMeanSpread: 0.003,
  mmcSd: 0.009,
  sdSpread: 0.2,
  mmcCommon: 0.1,
  mmcResidual: 0.85,
};

export interface OwnerSpec {
  name: string;
  models: number;
}

export interface SimulatedModel {
  owner: string;
  name: string; // e.g. "carol_07"
  id: string; // bytes16 model ID
  corr: number[]; // per round index, rounded to the 10 decimals the operator's results file carries
  mmc: number[];
}

/** The demo's model ID for an owner's i-th model (a stand-in for a Numerai model UUID). */
export function demoModelId(owner: string, index: number): string {
  return normaliseModelId(ethers.dataSlice(ethers.id(`portfolio-stake demo model ${owner} ${index}`), 0, 16));
}

/**
 * A unit-variance series of `rounds` values: a weighted moving sum of daily shocks over `window` rounds plus fresh
 * noise. Its shocks and its fresh noise come from two streams, so the first k values do not depend on `rounds`.
 */
export function overlappingSeries(
  seed: number,
  label: string,
  rounds: number,
  model: ScoreModel = DEFAULT_SCORE_MODEL,
): number[] {
  const shocks = new Prng(deriveSeed(seed, `${label}/shocks`));
  const fresh = new Prng(deriveSeed(seed, `${label}/fresh`));
  const w = Array.from({ length: model.window }, (_, j) => Math.sqrt(model.window - j));
  const norm = Math.sqrt(w.reduce((a, x) => a + x * x, 0));
  const e = Array.from({ length: rounds + model.window - 1 }, () => shocks.normal());
  const out: number[] = [];
  for (let r = 0; r < rounds; r++) {
    let s = 0;
    for (const [j, wj] of w.entries()) s += wj * at(e, r + j, "shocks");
    out.push(Math.sqrt(1 - model.freshShare) * (s / norm) + Math.sqrt(model.freshShare) * fresh.normal());
  }
  return out;
}

/** Per-model CORR, MMC and payout rate for `rounds` rounds (index 0 = the first demo round). */
export function simulateScores(
  owners: readonly OwnerSpec[],
  rounds: number,
  seed: number,
  model: ScoreModel = DEFAULT_SCORE_MODEL,
): SimulatedModel[] {
  const a = model.commonShare;
  const b = model.ownerShare;
  const c = 1 - a - b;
  if (c < 0) throw new Error("commonShare + ownerShare must not exceed 1");
  const mmcRest = 1 - model.mmcCommon ** 2 - model.mmcResidual ** 2;
  if (mmcRest < 0) throw new Error("mmcCommon² + mmcResidual² must not exceed 1");
  const common = overlappingSeries(seed, "common", rounds, model);
  const out: SimulatedModel[] = [];
  for (const owner of owners) {
    const ownerFactor = overlappingSeries(seed, `owner/${owner.name}`, rounds, model);
    for (let i = 0; i < owner.models; i++) {
      const label = `model/${owner.name}/${i}`;
      const traits = new Prng(deriveSeed(seed, `${label}/traits`));
      const corrMean = model.corrMean + model.corrMeanSpread * traits.normal();
      const corrSd = model.corrSd * Math.exp(model.sdSpread * traits.normal());
      const mmcMean = model.mmcMean + model.mmcMeanSpread * traits.normal();
      const mmcSd = model.mmcSd * Math.exp(model.sdSpread * traits.normal());
      const noise = overlappingSeries(seed, `${label}/corr`, rounds, model);
      const mmcNoise = overlappingSeries(seed, `${label}/mmc`, rounds, model);
      const corr: number[] = [];
      const mmc: number[] = [];
      for (let r = 0; r < rounds; r++) {
        const commonR = at(common, r, "common factor");
        const ownerR = at(ownerFactor, r, "owner factor");
        const noiseR = at(noise, r, "model noise");
        const mmcNoiseR = at(mmcNoise, r, "MMC noise");
        const residual = (Math.sqrt(b) * ownerR + Math.sqrt(c) * noiseR) / Math.sqrt(b + c || 1);
        const zc = Math.sqrt(a) * commonR + Math.sqrt(b) * ownerR + Math.sqrt(c) * noiseR;
        const zm = model.mmcCommon * commonR + model.mmcResidual * residual + Math.sqrt(mmcRest) * mmcNoiseR;
        corr.push(round10(corrMean + corrSd * zc));
        mmc.push(round10(mmcMean + mmcSd * zm));
      }
      out.push({
        owner: owner.name,
        name: `${owner.name}_${String(i).padStart(2, "0")}`,
        id: demoModelId(owner.name, i),
        corr,
        mmc,
      });
    }
  }
  return out;
}

/** Scores are published with 10 decimals (what the operator's results file carries). */
function round10(x: number): number {
  return Math.round(x * 1e10) / 1e10;
}

/** The operator's results rows of one round (index into the simulation). */
export function resultRows(models: readonly SimulatedModel[], roundIndex: number): ResultRow[] {
  return models.map((m, i) => ({ line: `demo[${i}]`, model: m.id, scores: scoresAt(m, roundIndex) }));
}

function scoresAt(m: SimulatedModel, roundIndex: number) {
  return {
    CORR: at(m.corr, roundIndex, `${m.name} CORR`).toFixed(10),
    MMC: at(m.mmc, roundIndex, `${m.name} MMC`).toFixed(10),
  };
}

/** A model's rate in every simulated round under `config` (18-decimal fractions of the slice), by the payout module. */
export function simulatedRates(m: SimulatedModel, config: PayoutConfig): bigint[] {
  return m.corr.map((_, r) => payoutRate(scoresAt(m, r), config).rate);
}

// ──────────────────────────────────────────── Payout ───────────────────────────────────────────

/** The 72,000 of Numerai's pf = min(1, 72,000 / NMR at risk), and the NMR staked in the real tournament (both from
 * ../shared/data/numerai-statistics.md). */
export const NUMERAI_PAYOUT_BUDGET = ethers.parseEther("72000");
export const REAL_TOURNAMENT_STAKE = ethers.parseEther("920000");

/** What a round fixed on chain that the demo's configuration follows. */
export interface DemoRoundTerms {
  rateCap: bigint;
  sliceDivisor: bigint;
}

/**
 * The demo's score configuration for one round: Numerai's 2026 multipliers, 0.75 CORR + 2.25 MMC; the round's R;
 * a clip of 100% of the slice (or the round's cap if lower); and Numerai's payout factor
 * pf = min(1, 72,000 NMR / NMR at risk in the tournament), the tournament being the real one (0.92M NMR) plus the
 * demo's stakes. With a 1/64 slice that is 1, as Numerai's atomic staking pays; with the whole stake at risk it is
 * about 0.075.
 */
export function demoPayoutConfig(terms: DemoRoundTerms, demoStakeAtRisk: bigint): PayoutConfig {
  const one = ethers.WeiPerEther;
  const atRisk = REAL_TOURNAMENT_STAKE / terms.sliceDivisor + demoStakeAtRisk;
  const payoutFactor = atRisk <= NUMERAI_PAYOUT_BUDGET ? one : (NUMERAI_PAYOUT_BUDGET * one) / atRisk;
  return {
    formula: "weighted-sum",
    scores: { CORR: "0.75", MMC: "2.25" },
    payoutFactor: ethers.formatEther(payoutFactor),
    clip: ethers.formatEther(terms.rateCap < one ? terms.rateCap : one),
    sliceDivisor: Number(terms.sliceDivisor),
  };
}

// ──────────────────────────────────────────── Chain history ───────────────────────────────────────────

export interface DemoAccountSpec extends OwnerSpec {
  deposit: number; // NMR
  initialBps: (n: number) => number[];
}

/** alice 4 models, bob 6 (with a manager), carol 17 (two packed weight words), dave 3 (joins later). */
export const DEMO_ACCOUNTS: DemoAccountSpec[] = [
  { name: "alice", models: 4, deposit: 2_500, initialBps: evenSplit },
  { name: "bob", models: 6, deposit: 12_000, initialBps: () => [3000, 2500, 2000, 1500, 1000, 0] },
  { name: "carol", models: 17, deposit: 30_000, initialBps: evenSplit },
  { name: "dave", models: 3, deposit: 800, initialBps: () => [5000, 3000, 2000] },
];

/** Rounds `npm start` opens: ~60 published and settled, the newest ~20 still open. */
export const DEFAULT_DEMO_ROUNDS = 80;

const DAY = 86_400;
const ZERO_ROOT = "0x" + "0".repeat(64);

export interface DemoActors {
  stake: PortfolioStake;
  nmr: MockNMR | NMRLike; // a local test token: MockNMR (mint(to, v)) or NMRLike (faucet(to, v))
  operator: Signer; // OPERATOR_ROLE: registers models, opens and publishes rounds; also funds the pool and keeps
  stakers: Signer[]; // one per DEMO_ACCOUNTS entry (alice, bob, carol, dave)
  manager: Signer; // bob's manager
  provider: { send(method: string, params: unknown[]): Promise<unknown> };
  fromBlock?: number; // the contract's deploy block
}

export interface DemoOptions {
  rounds: number; // rounds to open
  seed: number;
  roundsDir: string; // leaf files of published rounds
  openWeekdays?: number[];
  log?: (line: string) => void;
}

export interface DemoAccountSummary {
  name: string;
  address: string;
  models: { id: string; name: string }[];
  balance: bigint;
  pendingWithdrawal: bigint;
  totalRewarded: bigint;
  totalBurned: bigint;
  nextSettleRound: bigint;
  manager: string;
  allocationCount: bigint;
}

export interface DemoSummary {
  firstRound: bigint;
  lastRound: bigint;
  published: bigint[];
  settledAccountRounds: number;
  keeperTransactions: number;
  rewardsPool: bigint;
  chainTime: number;
  accounts: DemoAccountSummary[];
  roundsDir: string;
  scores: SimulatedModel[];
  actions: string[]; // what happened when, in words
}

/**
 * Creates test tokens: NMRLike's `faucet(to, v)`, or MockNMR's `mint(to, v)`. (On NMRLike, as on the real NMR,
 * `mint(uint256)` burns and a call to `mint(address,uint256)` would hit the empty fallback and do nothing.)
 */
export function testTokens(nmr: MockNMR | NMRLike, signer: Signer, to: string, amount: bigint) {
  const token = new ethers.Contract(
    nmr.target,
    ["function faucet(address to, uint256 value)", "function mint(address to, uint256 value)"],
    signer,
  );
  const create = token.getFunction(nmr.interface.hasFunction("faucet") ? "faucet" : "mint");
  return create(to, amount) as Promise<{ wait(): Promise<unknown> }>;
}

/**
 * Generates the demo history on a freshly deployed PortfolioStake (mock NMR). Throws if the demo accounts already
 * have models (run it once per chain).
 */
export async function generateDemoHistory(actors: DemoActors, options: DemoOptions): Promise<DemoSummary> {
  const { stake, nmr, operator, manager, provider } = actors;
  const log = options.log ?? (() => {});
  const R = options.rounds;
  if (!Number.isInteger(R) || R < 1) throw new Error(`rounds must be a positive integer, not ${R}`);
  if (actors.stakers.length < DEMO_ACCOUNTS.length)
    throw new Error(`the demo needs ${DEMO_ACCOUNTS.length} staker signers`);
  const weekdays = options.openWeekdays ?? OPEN_WEEKDAYS;
  const op = stake.connect(operator);
  const stakeAddress = await stake.getAddress();
  const addresses = await Promise.all(actors.stakers.map((s) => s.getAddress()));
  const managerAddress = await manager.getAddress();
  const firstStaker = at(addresses, 0, "staker addresses");
  if ((await stake.modelsOf(firstStaker)).length > 0)
    throw new Error(`${firstStaker} already has models: the demo history exists on this chain`);
  mkdirSync(options.roundsDir, { recursive: true });

  const scores = simulateScores(DEMO_ACCOUNTS, R, options.seed);
  const modelsOf = (name: string) => scores.filter((m) => m.owner === name).map((m) => m.id);
  const demoAccounts = DEMO_ACCOUNTS.map((spec, i) => ({
    spec,
    signer: at(actors.stakers, i, "stakers"),
    address: at(addresses, i, "staker addresses"),
    models: modelsOf(spec.name),
  }));
  const account = (name: string) =>
    defined(
      demoAccounts.find((a) => a.spec.name === name),
      `demo account ${name}`,
    );
  const [alice, bob, carol, dave] = [account("alice"), account("bob"), account("carol"), account("dave")] as const;
  const actions: string[] = [];
  const act = (line: string) => {
    actions.push(line);
    log(`  ${line}`);
  };
  const send = async (tx: Promise<{ wait(): Promise<unknown> }>) => (await tx).wait();
  const nmrWei = (n: number) => ethers.parseEther(String(n));

  // ── Setup: tokens, rewards pool, the first three accounts.
  const firstRound = (await stake.currentRound()) + 1n;
  await send(testTokens(nmr, operator, await operator.getAddress(), nmrWei(1_000_000)));
  await setAllowance(nmr, operator, stakeAddress, ethers.MaxUint256);
  await send(op.fundRewards(nmrWei(250_000)));
  act(`rewards pool funded with 250,000 NMR`);
  const join = async (who: typeof alice) => {
    await send(op.proposeModels(who.address, who.models));
    await send(stake.connect(who.signer).acceptModels(who.models));
    await send(testTokens(nmr, who.signer, who.address, nmrWei(100_000)));
    await setAllowance(nmr, who.signer, stakeAddress, ethers.MaxUint256);
    await send(stake.connect(who.signer).deposit(nmrWei(who.spec.deposit)));
    await send(stake.connect(who.signer).setAllocation(who.models, who.spec.initialBps(who.models.length)));
    act(
      `${who.spec.name} ${who.address}: ${who.models.length} models registered, ${who.spec.deposit.toLocaleString("en-US")} NMR deposited, vector set`,
    );
  };
  for (const who of [alice, bob, carol]) await join(who);
  await send(stake.connect(bob.signer).setManager(managerAddress));
  act(`bob authorised manager ${managerAddress}`);

  // ── Scheduled actions, by index of the round just opened (they take effect from the next round).
  const scheduledIndex = (fraction: number) => Math.max(1, Math.min(R - 1, Math.floor(fraction * R)));
  const managerEvery = Math.max(4, Math.floor(R / 6));
  let bobWithdrawalRequested = false;
  const roundsSoFar = async (account: string, models: string[]) => {
    const settled = await ratesFromSettled(stake, account, models, actors.fromBlock);
    const leaves = await ratesFromLeafFiles(stake, options.roundsDir, actors.fromBlock);
    return historyWindow(mergeRates(settled, leaves.rates), models, 60, []);
  };
  const scheduled = async (k: number, round: bigint) => {
    if (k === scheduledIndex(0.15)) {
      await send(stake.connect(carol.signer).deposit(nmrWei(10_000)));
      act(`round ${round}: carol topped up 10,000 NMR`);
    }
    if (k === scheduledIndex(0.2)) {
      await join(dave);
      act(`round ${round}: dave joined`);
    }
    if (k > 0 && k % managerEvery === 0) {
      const history = await roundsSoFar(bob.address, bob.models);
      let bps: number[];
      if (history.rounds.length >= 5) {
        bps = suggestWeights(history.rates, { method: "probability", minBps: 500, maxBps: 4000 }).bps;
      } else {
        const [, current] = await stake.allocationAt(bob.address, round + 1n);
        bps = [...current.slice(1), ...current.slice(0, 1)].map(Number); // rotate while there is no history yet
      }
      await send(stake.connect(manager).setAllocationFor(bob.address, bob.models, bps));
      act(
        `round ${round}: bob's manager set [${bps.join(", ")}] (${history.rounds.length >= 5 ? `probability over ${history.rounds.length} rounds` : "rotation"})`,
      );
    }
    if (k === scheduledIndex(0.3)) {
      await send(stake.connect(bob.signer).requestWithdrawal(nmrWei(2_000)));
      bobWithdrawalRequested = true;
      act(`round ${round}: bob requested a 2,000 NMR withdrawal`);
    }
    if (k === scheduledIndex(0.35)) {
      await send(stake.connect(alice.signer).setAllocation(alice.models, [4000, 3000, 2000, 1000]));
      act(`round ${round}: alice set [4000, 3000, 2000, 1000]`);
    }
    if (k === scheduledIndex(0.55)) {
      const history = await roundsSoFar(carol.address, carol.models);
      const bps =
        history.rounds.length >= 5
          ? suggestWeights(history.rates, { method: "inverse-volatility", minBps: 200, maxBps: 1200 }).bps
          : evenSplit(17);
      await send(stake.connect(carol.signer).setAllocation(carol.models, bps));
      act(`round ${round}: carol set an inverse-volatility vector over ${history.rounds.length} rounds (200-1200 bps)`);
    }
    if (R >= 8 && k === R - 6) {
      const view = await stake.accountOf(alice.address);
      if (view.pendingWithdrawal === 0n) {
        await send(stake.connect(alice.signer).requestWithdrawal(nmrWei(500)));
        act(`round ${round}: alice requested a 500 NMR withdrawal (pending at the end)`);
      }
    }
    if (R >= 4 && k === R - 2 && (await stake.modelsOf(dave.address)).length > 0) {
      await send(stake.connect(dave.signer).setAllocation(dave.models, [2000, 3000, 5000]));
      act(`round ${round}: dave set [2000, 3000, 5000] for the next round`);
    }
  };

  // ── Day by day: open on Numerai's weekdays, publish what resolved, settle, claim.
  const chainTime = async () => (await stake.runner!.provider!.getBlock("latest"))!.timestamp;
  let opened = 0;
  let nextToPublish = firstRound;
  const published: bigint[] = [];
  let settled = 0;
  let keeperTxs = 0;
  const started = Date.now();
  while (opened < R) {
    await provider.send("evm_increaseTime", [DAY]);
    await provider.send("evm_mine", []);
    const now = await chainTime();
    if (weekdays.includes(new Date(now * 1000).getUTCDay())) {
      await send(op.openRound());
      const round = await stake.currentRound();
      await scheduled(opened, round);
      opened++;
      if (opened % 10 === 0)
        log(
          `  … ${opened}/${R} rounds opened, ${published.length} published (${((Date.now() - started) / 1000).toFixed(1)} s)`,
        );
    }
    // Publish every round that resolved (in order), as the operator job does from a results file.
    let publishedToday = false;
    for (const current = await stake.currentRound(); nextToPublish <= current; nextToPublish++) {
      const info = await stake.roundInfo(nextToPublish);
      if (BigInt(now) < info.resolvesAt || info.root !== ZERO_ROOT) break;
      let demoStakeAtRisk = 0n; // the demo's slices in this round
      for (const a of addresses) demoStakeAtRisk += (await stake.stakeAt(a, nextToPublish)) / info.sliceDivisor;
      const config = demoPayoutConfig({ rateCap: info.rateCap, sliceDivisor: info.sliceDivisor }, demoStakeAtRisk);
      await publishRoundResults(op, nextToPublish, resultRows(scores, Number(nextToPublish - firstRound)), {
        config,
        outDir: options.roundsDir,
        fromBlock: actors.fromBlock,
      });
      published.push(nextToPublish);
      publishedToday = true;
    }
    if (publishedToday) {
      const report = await runKeeper(op, { roundsDir: options.roundsDir, fromBlock: actors.fromBlock });
      settled += report.settledAccountRounds;
      keeperTxs += report.transactions.length;
    }
    if (bobWithdrawalRequested) {
      const view = await stake.accountOf(bob.address);
      if (
        view.pendingWithdrawal > 0n &&
        BigInt(now) >= view.withdrawalReleaseAt &&
        view.nextSettleRound > view.withdrawalLastRound
      ) {
        await send(stake.connect(bob.signer).claimWithdrawal());
        act(
          `day ${new Date(now * 1000).toISOString().slice(0, 10)}: bob claimed his ${ethers.formatEther(view.pendingWithdrawal)} NMR withdrawal`,
        );
        bobWithdrawalRequested = false;
      }
    }
  }

  const accounts: DemoAccountSummary[] = [];
  for (const who of [alice, bob, carol, dave]) {
    const v = await stake.accountOf(who.address);
    accounts.push({
      name: who.spec.name,
      address: who.address,
      models: scores.filter((m) => m.owner === who.spec.name).map((m) => ({ id: m.id, name: m.name })),
      balance: v.balance,
      pendingWithdrawal: v.pendingWithdrawal,
      totalRewarded: v.totalRewarded,
      totalBurned: v.totalBurned,
      nextSettleRound: v.nextSettleRound,
      manager: v.manager,
      allocationCount: v.allocationCount,
    });
  }
  const [, , pool] = await stake.totals();
  if (!existsSync(options.roundsDir)) mkdirSync(options.roundsDir, { recursive: true });
  return {
    firstRound,
    lastRound: await stake.currentRound(),
    published,
    settledAccountRounds: settled,
    keeperTransactions: keeperTxs,
    rewardsPool: pool,
    chainTime: await chainTime(),
    accounts,
    roundsDir: options.roundsDir,
    scores,
    actions,
  };
}
