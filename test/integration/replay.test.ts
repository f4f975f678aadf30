/**
 * Replay of real Numerai daily scores (../shared/data/numerai-daily-scores) through PortfolioStake.
 *
 * Numerai's benchmark account (its NB_*, V5_*, V51_* and V52_* models) stakes 20,000 NMR, changes its vector a few
 * times, tops up, requests a withdrawal and claims it. Rounds open daily and resolve 21 days later, so ~21 rounds are
 * open at once; each round is published as one tree holding every model of the file that has scores (the registered
 * models without a score get a rate-0 leaf), and a keeper settles whatever became available (most days, in bursts
 * on others). The same schedule is first run against the off-chain ReferenceModel alone; the chain must then match
 * it to the wei: every Settled event, and the final balance, pending withdrawal, rewards, burns and owed rewards.
 */
import { expect } from "chai";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { publishRoundResults } from "../../scripts/lib/operator";
import { PRESETS, payoutRate, type PayoutConfig } from "@portfolio-stake/core/payout";
import {
  accountRoundResult,
  formatRate,
  parseDecimal,
  treeFromFile,
  type PlainRate,
  type RoundFile,
} from "@portfolio-stake/core/results";
import { NUMERAI_2026_PARAMS, TEST_PAYOUT_CONFIG } from "../helpers/payout";
import {
  DAY,
  DEFAULT_PARAMS,
  NMR,
  bindModels,
  deploySystem,
  fundAndApprove,
  modelId,
  openRound,
  signerAt,
} from "../helpers/fixtures";
import { ReferenceModel, type ExpectedAccount, type ExpectedSettled } from "../helpers/reference";
import { SettlementHarness, settledEvents } from "../helpers/settlement";
import { loadDailyScores, type DailyScores } from "../helpers/scores";

const FIRST = 1090; // Numerai round numbers: the contract's firstRound
const LAST = 1187; // 98 rounds; the file's last ~10 rounds were still provisional, so they are left out
const RESOLVE_DAYS = 21;
/** Today's replay: the 2024 rule on daily rounds needs slices of 1/2 of the stake (36 open x 5% / 2 = 90%). */
const REPLAY_SLICE_DIVISOR = 2n;
const BENCHMARK = /^(NB|V5|V51|V52)_/;

/** The benchmark account's weight vectors (basis points by model name), and the round during which each is set. */
const VECTORS: { during: number; bps: Record<string, number> }[] = [
  {
    during: FIRST - 1, // before the first round opens
    bps: {
      ...Object.fromEntries(
        ["NB_EXAMPLE_MODEL", "NB_FEAT_NEUTRAL", "NB_HELLO_NUMERAI", "NB_TARGET_ENSEMBLE"].map((m) => [m, 800]),
      ),
      ...Object.fromEntries(
        ["V5_EXAMPLE_PREDS", "V5_LGBM_CT_BLEND", "V5_LGBM_CYRUSD", "V5_LGBM_TEAGER2B"].map((m) => [m, 700]),
      ),
      ...Object.fromEntries(
        ["V51_LGBM_TEAGER60", "V51_LGBM_TEAGER20", "V51_LGBM_CYRUS60", "V51_LGBM_CYRUS20"].map((m) => [m, 1000]),
      ),
    },
  },
  {
    during: 1110,
    bps: {
      V51_LGBM_TEAGER60: 3000,
      V51_LGBM_TEAGER20: 1500,
      V5_LGBM_TEAGER2B: 1500,
      NB_TARGET_ENSEMBLE: 1000,
      ...Object.fromEntries(
        [
          "NB_EXAMPLE_MODEL",
          "NB_FEAT_NEUTRAL",
          "NB_HELLO_NUMERAI",
          "V5_EXAMPLE_PREDS",
          "V5_LGBM_CT_BLEND",
          "V5_LGBM_CYRUSD",
          "V51_LGBM_CYRUS60",
          "V51_LGBM_CYRUS20",
        ].map((m) => [m, 375]),
      ),
    },
  },
  {
    during: 1137, // the V52 models have scores from 1134 on
    bps: {
      ...Object.fromEntries(
        ["NB_EXAMPLE_MODEL", "NB_FEAT_NEUTRAL", "NB_HELLO_NUMERAI", "NB_TARGET_ENSEMBLE"].map((m) => [m, 350]),
      ),
      ...Object.fromEntries(
        ["V5_EXAMPLE_PREDS", "V5_LGBM_CT_BLEND", "V5_LGBM_CYRUSD", "V5_LGBM_TEAGER2B"].map((m) => [m, 400]),
      ),
      ...Object.fromEntries(
        ["V51_LGBM_TEAGER60", "V51_LGBM_TEAGER20", "V51_LGBM_CYRUS60", "V51_LGBM_CYRUS20"].map((m) => [m, 750]),
      ),
      ...Object.fromEntries(
        ["TEAGER2B60", "TEAGER2B20", "JASPER60", "JASPER20", "ENDER60", "ENDER20", "CYRUSD60", "CYRUSD20"].map((m) => [
          `V52_LGBM_${m}`,
          500,
        ]),
      ),
    },
  },
  { during: 1165, bps: { V52_LGBM_TEAGER2B20: 5000, V51_LGBM_TEAGER60: 3000, NB_TARGET_ENSEMBLE: 2000 } },
];
const DEPOSIT = NMR(20_000);
const TOP_UP = { during: 1120, amount: NMR(5_000) };
const WITHDRAWAL = { during: 1150, amount: NMR(8_000) };
const POOL = NMR(1_000); // short: the early gains outrun it
const POOL_TOP_UP = { during: 1130, amount: NMR(20_000) };

/** Today's rule, clip(0.5 CORR + 2 MMC, ±5%), with CORR the file's CORR20V2 and MMC its MMC. */
const rateFromScores = (corr: string | null, mmc: string | null) =>
  payoutRate({ CORR: corr, MMC: mmc }, TEST_PAYOUT_CONFIG).rate;

/** One round's tree: every model of the file with a score, plus a rate-0 leaf for registered models without one. */
function roundLeaves(data: DailyScores, round: number, registered: Set<string>): PlainRate[] {
  const leaves: PlainRate[] = [];
  for (const name of data.models) {
    const { corr, mmc } = data.score(round, name);
    if (corr === null && mmc === null) {
      if (registered.has(name)) leaves.push({ modelId: modelId(name), rate: 0n });
      continue;
    }
    leaves.push({ modelId: modelId(name), rate: rateFromScores(corr, mmc) });
  }
  return leaves;
}

/** What the schedule needs from a system: the off-chain model alone, or the chain (checked against its own model). */
interface Driver {
  open(): Promise<bigint>;
  tick(): Promise<void>; // a day passes and no round opens
  publish(round: bigint, leaves: PlainRate[]): Promise<void>;
  deposit(amount: bigint): Promise<void>;
  allocate(weights: number[]): Promise<void>;
  requestWithdrawal(amount: bigint): Promise<void>;
  fund(amount: bigint): Promise<void>;
  settle(to: bigint): Promise<ExpectedSettled[]>;
  claim(): Promise<bigint>;
  view(): ExpectedAccount;
}

interface ReplayLog {
  events: ExpectedSettled[];
  claimed: bigint;
  claimRound: bigint;
  settleCalls: number;
  leavesPerRound: number[];
}

async function runSchedule(d: Driver, data: DailyScores, names: string[]): Promise<ReplayLog> {
  const registered = new Set(names);
  const weights = (bps: Record<string, number>) => names.map((n) => bps[n] ?? 0);
  const log: ReplayLog = { events: [], claimed: 0n, claimRound: 0n, settleCalls: 0, leavesPerRound: [] };
  const N = LAST - FIRST + 1;
  let published = 0n;
  let requestDay = -1;

  await d.fund(POOL);
  await d.deposit(DEPOSIT);
  await d.allocate(weights(VECTORS[0]!.bps));
  for (let day = 0; day < N + RESOLVE_DAYS; day++) {
    if (day < N) {
      const round = Number(await d.open());
      const vector = VECTORS.find((v) => v.during === round);
      if (vector) await d.allocate(weights(vector.bps));
      if (round === TOP_UP.during) await d.deposit(TOP_UP.amount);
      if (round === POOL_TOP_UP.during) await d.fund(POOL_TOP_UP.amount);
      if (round === WITHDRAWAL.during) {
        await d.requestWithdrawal(WITHDRAWAL.amount);
        requestDay = day;
      }
    } else {
      await d.tick();
    }
    const resolved = FIRST + day - RESOLVE_DAYS;
    if (resolved >= FIRST) {
      const leaves = roundLeaves(data, resolved, registered);
      log.leavesPerRound.push(leaves.length);
      await d.publish(BigInt(resolved), leaves);
      published = BigInt(resolved);
    }
    // The keeper runs most days; it misses two days a week, then settles the backlog in one call.
    const keeperRuns = day % 7 !== 3 && day % 7 !== 4;
    if ((keeperRuns || day === N + RESOLVE_DAYS - 1) && d.view().nextSettleRound <= published) {
      log.events.push(...(await d.settle(published)));
      log.settleCalls++;
    }
    const v = d.view();
    if (v.pendingWithdrawal > 0n && v.nextSettleRound > v.withdrawalLastRound && day >= requestDay + 8) {
      log.claimRound = v.nextSettleRound - 1n;
      log.claimed += await d.claim();
    }
  }
  return log;
}

function offChainDriver(account: string, models: string[]): Driver & { ref: ReferenceModel } {
  const ref = new ReferenceModel(BigInt(FIRST));
  ref.register(account, models);
  return {
    ref,
    open: async () => ref.openRound(DEFAULT_PARAMS.rateCap, REPLAY_SLICE_DIVISOR),
    tick: async () => undefined,
    publish: async (round, leaves) => ref.publish(round, leaves),
    deposit: async (amount) => ref.deposit(account, amount),
    allocate: async (w) => ref.setAllocation(account, w),
    requestWithdrawal: async (amount) => ref.requestWithdrawal(account, amount),
    fund: async (amount) => void ref.fund(amount),
    settle: async (to) => ref.settleUpTo(account, to),
    claim: async () => ref.claimWithdrawal(account),
    view: () => ref.view(account),
  };
}

function chainDriver(
  h: SettlementHarness,
  staker: Awaited<ReturnType<typeof ethers.getSigners>>[number],
  funder: typeof staker,
) {
  let maxOpenUnsettled = 0n;
  const driver: Driver & { maxOpenUnsettled: () => bigint } = {
    maxOpenUnsettled: () => maxOpenUnsettled,
    open: async () => {
      const round = await h.open();
      const open = round - (h.ref.view(staker.address).nextSettleRound - 1n);
      if (open > maxOpenUnsettled) maxOpenUnsettled = open;
      return round;
    },
    tick: async () => void (await time.increase(DAY)),
    publish: async (round, leaves) => void (await h.publish(round, leaves, `ipfs://numerai-daily/round-${round}.json`)),
    deposit: (amount) => h.deposit(staker, amount),
    allocate: (w) => h.allocate(staker, w),
    requestWithdrawal: (amount) => h.requestWithdrawal(staker, amount),
    fund: (amount) => h.fund(funder, amount),
    settle: async (to) => (await h.settle(staker.address, to)).events,
    claim: () => h.claim(staker),
    view: () => h.ref.view(staker.address),
  };
  return driver;
}

async function replayFixture() {
  const [keeper, staker] = [await signerAt(7), await signerAt(9)];
  // The 2024 rule (clip(0.5 CORR + 2 MMC, +/-5%)) on daily rounds: 36 rounds open at once x 5% needs slices of at
  // least 1/2 of the stake (90%), the no-leverage rule.
  const { nmr, stake, operator } = await deploySystem({
    firstRound: BigInt(FIRST),
    params: { minRoundInterval: DAY, sliceDivisor: REPLAY_SLICE_DIVISOR },
  });
  for (const s of [staker, operator]) await fundAndApprove(nmr, stake, s);
  return { nmr, stake, operator, keeper, staker };
}

describe("Replay of real Numerai daily scores", function () {
  let data: DailyScores;
  let names: string[];

  before(function () {
    data = loadDailyScores(); // throws, with the path, if ../shared is missing: the replay must never skip silently
    names = data.models.filter((m) => BENCHMARK.test(m));
  });

  it("reads the score files exactly (NA, scientific notation, the 0.5 CORR + 2 MMC rule)", function () {
    expect(data.rounds).to.have.length(355);
    expect(data.rounds[0]).to.equal(843);
    expect(data.rounds.every((r, i) => i === 0 || r === data.rounds[i - 1]! + 1)).to.equal(true);
    expect(names).to.have.length(20);
    // Round 843, NB_EXAMPLE_MODEL: 0.5 x 0.02332635 + 2 x -0.00908312 = -0.006503065
    const nb = data.score(843, "NB_EXAMPLE_MODEL");
    expect(nb).to.deep.equal({ corr: "0.02332635", mmc: "-0.00908312" });
    expect(rateFromScores(nb.corr, nb.mmc)).to.equal(-6_503_065_000_000_000n);
    // Round 843, NUMERAI_SWMM: MMC -5.92400944e-18 (zero by definition, up to float noise).
    const swmm = data.score(843, "NUMERAI_SWMM");
    expect(swmm.mmc).to.equal("-5.92400944e-18");
    // 0.5 x 0.02870239 + 2 x -5.92400944e-18 = 0.014351194999999988151981, rounded toward zero once.
    expect(rateFromScores(swmm.corr, swmm.mmc)).to.equal(14_351_194_999_999_988n);
    // NA: V52 models have no score before 1134; a large day is clipped to the 5% cap.
    expect(data.score(1133, "V52_LGBM_ENDER20")).to.deep.equal({ corr: null, mmc: null });
    const clipped = data.rounds.filter((r) =>
      names.some((n) => {
        const s = data.score(r, n);
        return s.corr !== null && rateFromScores(s.corr, s.mmc) === DEFAULT_PARAMS.rateCap;
      }),
    );
    expect(clipped.length).to.be.greaterThan(0);
  });

  it(`settles rounds ${FIRST}-${LAST} of the benchmark account to the wei of the off-chain reference`, async function () {
    const { nmr, stake, operator, keeper, staker } = await loadFixture(replayFixture);
    const models = names.map(modelId);

    // 1. Off chain only: the expected history.
    const offline = offChainDriver(staker.address, models);
    const expected = await runSchedule(offline, data, names);

    // Sanity of the schedule: every weighted model has a score in every round it is weighted in.
    for (let r = FIRST; r <= LAST; r++) {
      const w = offline.ref.weightsAt(staker.address, BigInt(r));
      names.forEach((n, i) => {
        if (w[i]! > 0n) expect(data.score(r, n).corr, `${n} weighted in ${r} without a score`).to.not.equal(null);
      });
    }

    // 2. On chain, with the same schedule (the harness also checks every call against its own model).
    await bindModels(stake, operator, staker, models);
    const h = await SettlementHarness.attach({ stake, nmr, operator, keeper }, [staker.address]);
    const chain = chainDriver(h, staker, operator);
    const actual = await runSchedule(chain, data, names);

    // 3. Chain vs off-chain reference, to the wei.
    expect(actual.events).to.have.length(LAST - FIRST + 1);
    expect(actual.events.map((e) => e.round)).to.deep.equal(expected.events.map((e) => e.round));
    expect(actual.events.map((e) => e.delta)).to.deep.equal(expected.events.map((e) => e.delta));
    expect(actual.events).to.deep.equal(expected.events);
    const final = await stake.accountOf(staker.address);
    const want = offline.ref.view(staker.address);
    expect({
      balance: final.balance,
      pendingWithdrawal: final.pendingWithdrawal,
      totalRewarded: final.totalRewarded,
      totalBurned: final.totalBurned,
      unpaidRewards: final.unpaidRewards,
      nextSettleRound: final.nextSettleRound,
    }).to.deep.equal({
      balance: want.balance,
      pendingWithdrawal: want.pendingWithdrawal,
      totalRewarded: want.totalRewarded,
      totalBurned: want.totalBurned,
      unpaidRewards: want.unpaidRewards,
      nextSettleRound: BigInt(LAST + 1),
    });
    expect(actual.claimed).to.equal(expected.claimed);
    const [staked, pending, pool, owed, reserve] = await stake.totals();
    expect({ staked, pending, pool, owed, reserve }).to.deep.equal({
      staked: want.balance,
      pending: want.pendingWithdrawal,
      pool: offline.ref.rewardsPool,
      owed: 0n,
      reserve: 0n,
    });
    expect(await nmr.balanceOf(await stake.getAddress())).to.equal(staked + pending + pool + reserve);
    // Conservation: what went in = what is held + claimed + burned.
    expect(DEPOSIT + TOP_UP.amount + POOL + POOL_TOP_UP.amount).to.equal(
      staked + pending + pool + reserve + actual.claimed + want.totalBurned,
    );

    // The replay exercised what it claims to.
    expect(chain.maxOpenUnsettled()).to.be.greaterThanOrEqual(21n); // overlapping open rounds
    expect(actual.events.some((e) => e.unpaidRewards > 0n)).to.equal(true); // the pool ran short...
    expect(want.unpaidRewards).to.equal(0n); // ...and the refill paid what was owed, credited by the next settlement
    expect(actual.events.some((e) => e.delta > 0n) && actual.events.some((e) => e.delta < 0n)).to.equal(true);
    expect(actual.claimed > 0n && actual.claimed <= WITHDRAWAL.amount).to.equal(true, `claimed ${actual.claimed}`);
    expect(Math.min(...actual.leavesPerRound)).to.be.greaterThan(names.length);

    const gas = h.gas.map((g) => Number(g.gasUsed) / g.rounds);
    const fmt = (x: bigint) => ethers.formatEther(x);
    const worst = actual.events.reduce((a, e) => (e.delta < a.delta ? e : a));
    const best = actual.events.reduce((a, e) => (e.delta > a.delta ? e : a));
    console.log(
      [
        `      replay: rounds ${FIRST}-${LAST} (${actual.events.length} published and settled in ${actual.settleCalls} calls), ` +
          `${names.length} benchmark models, ${Math.min(...actual.leavesPerRound)}-${Math.max(...actual.leavesPerRound)} leaves per tree`,
        `      final balance ${fmt(want.balance)} NMR, pending ${fmt(want.pendingWithdrawal)}, claimed ${fmt(actual.claimed)} ` +
          `(after round ${actual.claimRound}), rewarded ${fmt(want.totalRewarded)}, burned ${fmt(want.totalBurned)}, ` +
          `unpaid ${fmt(want.unpaidRewards)}, pool ${fmt(offline.ref.rewardsPool)}`,
        `      best round ${best.round} ${fmt(best.delta)} NMR, worst round ${worst.round} ${fmt(worst.delta)} NMR; ` +
          `largest rate ${formatRate(actual.events.flatMap((e) => e.rates).reduce((a, r) => (r > a ? r : a), 0n))}`,
        `      settle gas per account-round: min ${Math.round(Math.min(...gas))}, max ${Math.round(Math.max(...gas))}`,
      ].join("\n"),
    );
  });
});

// ───────────────────────────────── Numerai's 2026 rules: a 1/64 slice, clip ±1 ─────────────────────────────────

const ONE = 10n ** 18n;
const SLICE_DIVISOR = NUMERAI_2026_PARAMS.sliceDivisor;

/**
 * The 2026 weightings replayed. The score files hold only 20-day scores (CORR20V2 and MMC), no 60-day ones, so the
 * 60-day weighting (3 CORR60 + 15 MMC60) is applied to the 20-day columns: same multipliers and clip, 20-day inputs.
 * Neither weighting reaches the ±100% clip on these scores (the largest |rate| is logged); the clip is unit-tested.
 */
const WEIGHTINGS: { name: string; config: PayoutConfig; corrTimes: bigint; mmcTimes: bigint }[] = [
  { name: "5 CORR + 1 MMC", config: PRESETS["numerai-2026-atomic"]!, corrTimes: 5n, mmcTimes: 1n },
  {
    name: "3 CORR60 + 15 MMC60 weights on the 20-day scores",
    config: { ...PRESETS["numerai-2026-atomic"]!, scores: { CORR: "3", MMC: "15" } },
    corrTimes: 3n,
    mmcTimes: 15n,
  },
];

/**
 * An independent model of one account under per-round slices, written from the rule (DESIGN.md "Exposure: no
 * leverage") and not from the contract: changes made while round c is current apply from round c + 1; settling round r
 * puts atRisk = min(floor(stakeAtOpening / R), balance + the pending withdrawal if it was at risk in r) at risk, each
 * model floor(atRisk x weight / 10,000) of it, and pays or burns the sum of floor-toward-zero(modelStake x rate / 1e18)
 * with the rate clipped at ±1 (the pool here is always large enough to pay).
 */
class SliceReference {
  current = BigInt(FIRST) - 1n;
  balance = 0n;
  pending = 0n;
  withdrawalLastRound = 0n;
  private readonly stakes: [bigint, bigint][] = []; // (effective from round, stake)
  private readonly vectors: [bigint, bigint[]][] = [];

  private static newest<T>(list: [bigint, T][], round: bigint, none: T): T {
    let found = none;
    for (const [from, value] of list) if (from <= round) found = value;
    return found;
  }

  private static put<T>(list: [bigint, T][], round: bigint, value: T) {
    const last = list[list.length - 1];
    if (last && last[0] === round) last[1] = value;
    else list.push([round, value]);
  }

  open() {
    this.current++;
  }
  deposit(amount: bigint) {
    this.balance += amount;
    SliceReference.put(this.stakes, this.current + 1n, this.balance);
  }
  allocate(weights: bigint[]) {
    SliceReference.put(this.vectors, this.current + 1n, weights);
  }
  requestWithdrawal(amount: bigint) {
    this.balance -= amount;
    this.pending += amount;
    this.withdrawalLastRound = this.current;
    SliceReference.put(this.stakes, this.current + 1n, this.balance);
  }
  claim(): bigint {
    const amount = this.pending;
    this.pending = 0n;
    return amount;
  }

  /** Settles `round` with the published rates (registry order). */
  settle(round: bigint, rates: bigint[]): { delta: bigint; paid: bigint; burned: bigint; balance: bigint } {
    const stakeAtOpening = SliceReference.newest(this.stakes, round, 0n);
    const weights = SliceReference.newest(this.vectors, round, [] as bigint[]);
    const available = this.balance + (round <= this.withdrawalLastRound ? this.pending : 0n);
    const slice = stakeAtOpening / SLICE_DIVISOR;
    const atRisk = slice < available ? slice : available;
    let delta = 0n;
    weights.forEach((w, slot) => {
      const rate = rates[slot]!;
      const clipped = rate > ONE ? ONE : rate < -ONE ? -ONE : rate;
      delta += (((atRisk * w) / 10_000n) * clipped) / ONE; // BigInt division truncates toward zero
    });
    let burned = 0n;
    if (delta < 0n) {
      const fromBalance = -delta < this.balance ? -delta : this.balance;
      const fromPending = round <= this.withdrawalLastRound ? -delta - fromBalance : 0n;
      this.balance -= fromBalance;
      this.pending -= fromPending;
      burned = fromBalance + fromPending;
    }
    const paid = delta > 0n ? delta : 0n;
    this.balance += paid;
    SliceReference.put(this.stakes, this.current + 1n, this.balance);
    return { delta, paid, burned, balance: this.balance };
  }
}

/** A 36-decimal score times an integer multiplier, summed and truncated toward zero to 18 decimals. */
function referenceRate(corr: string | null, mmc: string | null, corrTimes: bigint, mmcTimes: bigint): bigint {
  const wide = (score: string | null) => (score === null ? 0n : parseDecimal(score, 36));
  return (corrTimes * wide(corr) + mmcTimes * wide(mmc)) / ONE;
}

describe("Replay of real Numerai daily scores under the 2026 rules (1/64 slice, clip ±1, payout factor 1)", function () {
  let data: DailyScores;
  let names: string[];

  before(function () {
    data = loadDailyScores();
    names = data.models.filter((m) => BENCHMARK.test(m));
  });

  for (const weighting of WEIGHTINGS) {
    it(`${weighting.name}: rounds ${FIRST}-${LAST} settle to the wei of the independent reference`, async function () {
      const [keeper, staker] = [await signerAt(7), await signerAt(9)];
      const { nmr, stake, operator } = await deploySystem({ firstRound: BigInt(FIRST), params: NUMERAI_2026_PARAMS });
      for (const s of [staker, operator]) await fundAndApprove(nmr, stake, s);
      const models = names.map(modelId);
      await bindModels(stake, operator, staker, models);
      const op = stake.connect(operator);
      const dir = mkdtempSync(path.join(tmpdir(), "portfolio-stake-replay-2026-"));
      const ref = new SliceReference();
      const weightsOf = (bps: Record<string, number>) => names.map((n) => BigInt(bps[n] ?? 0));

      await op.fundRewards(NMR(1_000_000)); // always enough: this replay is about at-risk amounts, not a short pool
      await stake.connect(staker).deposit(DEPOSIT);
      ref.deposit(DEPOSIT);
      await stake.connect(staker).setAllocation(models, weightsOf(VECTORS[0]!.bps));
      ref.allocate(weightsOf(VECTORS[0]!.bps));

      const trees = new Map<bigint, ReturnType<typeof treeFromFile>>();
      const expected: {
        round: bigint;
        rates: bigint[];
        delta: bigint;
        paid: bigint;
        burned: bigint;
        balance: bigint;
      }[] = [];
      const actual: typeof expected = [];
      let clippedRates = 0;
      let claimed = 0n;
      for (let day = 0; day < LAST - FIRST + 1 + RESOLVE_DAYS; day++) {
        if (day <= LAST - FIRST) {
          const round = await openRound(stake, operator);
          ref.open();
          expect(round).to.equal(ref.current);
          if (round === BigInt(FIRST)) {
            const info = await stake.roundInfo(round);
            expect([info.sliceDivisor, info.rateCap]).to.deep.equal([SLICE_DIVISOR, ONE]);
          }
          const vector = VECTORS.find((v) => BigInt(v.during) === round);
          if (vector) {
            await stake.connect(staker).setAllocation(models, weightsOf(vector.bps));
            ref.allocate(weightsOf(vector.bps));
          }
          if (BigInt(TOP_UP.during) === round) {
            await stake.connect(staker).deposit(TOP_UP.amount);
            ref.deposit(TOP_UP.amount);
          }
          if (BigInt(WITHDRAWAL.during) === round) {
            await stake.connect(staker).requestWithdrawal(WITHDRAWAL.amount);
            ref.requestWithdrawal(WITHDRAWAL.amount);
          }
        } else {
          await time.increase(DAY);
        }
        const resolved = BigInt(FIRST + day - RESOLVE_DAYS);
        if (resolved < BigInt(FIRST)) continue;

        // The operator job publishes the round from its scores with the 2026 configuration.
        const rows = names.map((name, i) => {
          const { corr, mmc } = data.score(Number(resolved), name);
          return { line: `${name}`, model: models[i]!, scores: { CORR: corr, MMC: mmc } };
        });
        const published = await publishRoundResults(op, resolved, rows, { config: weighting.config, outDir: dir });
        clippedRates += published.clipped.length;
        const file = JSON.parse(readFileSync(published.file, "utf8")) as RoundFile;
        trees.set(resolved, treeFromFile(file));
        const leafRate = new Map(file.leaves.map((l) => [l.modelId, BigInt(l.rate)]));
        // The leaves carry the independent reference's rates: clip(m1 x CORR + m2 x MMC, ±1).
        const rates = names.map((name, i) => {
          const { corr, mmc } = data.score(Number(resolved), name);
          const want = referenceRate(corr, mmc, weighting.corrTimes, weighting.mmcTimes);
          const clipped = want > ONE ? ONE : want < -ONE ? -ONE : want;
          expect(leafRate.get(models[i]!), `${name} round ${resolved}`).to.equal(clipped);
          return clipped;
        });

        // A keeper settles the round at once.
        const receipt = await (
          await stake.connect(keeper).settle({
            account: staker.address,
            models,
            results: [accountRoundResult(resolved, trees.get(resolved)!, models)],
          })
        ).wait();
        const [event] = settledEvents(stake, receipt!);
        actual.push({
          round: event!.round,
          rates: event!.rates,
          delta: event!.delta,
          paid: event!.paid,
          burned: event!.burned,
          balance: event!.balance,
        });
        expected.push({ round: resolved, rates, ...ref.settle(resolved, rates) });

        const view = await stake.accountOf(staker.address);
        if (view.pendingWithdrawal > 0n && view.nextSettleRound > view.withdrawalLastRound) {
          if (BigInt(await time.latest()) >= view.withdrawalReleaseAt) {
            await stake.connect(staker).claimWithdrawal();
            const amount = ref.claim();
            expect(amount).to.equal(view.pendingWithdrawal);
            claimed += amount;
          }
        }
      }

      // Chain vs reference, every round and the end state, to the wei.
      expect(actual).to.have.length(LAST - FIRST + 1);
      expect(actual.map((e) => e.delta)).to.deep.equal(expected.map((e) => e.delta));
      expect(actual).to.deep.equal(expected);
      const final = await stake.accountOf(staker.address);
      expect({ balance: final.balance, pending: final.pendingWithdrawal }).to.deep.equal({
        balance: ref.balance,
        pending: ref.pending,
      });
      // What the replay exercised: gains and losses, a claimed withdrawal.
      expect(actual.some((e) => e.delta > 0n) && actual.some((e) => e.delta < 0n)).to.equal(true);
      expect(claimed).to.be.greaterThan(0n);
      const largest = actual.flatMap((e) => e.rates).reduce((a, r) => (r > a ? r : -r > a ? -r : a), 0n);
      const worst = actual.reduce((a, e) => (e.delta < a.delta ? e : a));
      const best = actual.reduce((a, e) => (e.delta > a.delta ? e : a));
      console.log(
        `      ${weighting.name}: final balance ${ethers.formatEther(final.balance)} NMR (claimed ${ethers.formatEther(claimed)}), ` +
          `best round ${best.round} ${ethers.formatEther(best.delta)}, worst ${worst.round} ${ethers.formatEther(worst.delta)}, ` +
          `largest |rate| ${formatRate(largest)} of the slice, ${clippedRates} clipped`,
      );
    });
  }
});
