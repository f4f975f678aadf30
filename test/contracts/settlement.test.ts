import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { Prng } from "@portfolio-stake/core/prng";
import {
  accountRoundResult,
  buildRoundTree,
  roundDelta,
  withCumulatives,
  type PlainRate,
} from "@portfolio-stake/core/results";
import { BurnMode, DAY, FIRST_ROUND, NMR, RATE, deployFixture, modelIds } from "../helpers/fixtures";
import { modelTerm, referenceDelta, type ExpectedSettled } from "../helpers/reference";
import {
  SettlementHarness,
  claimedEvents,
  deployNoBurnFixture,
  extraStaker,
  observableState,
  settledEvents,
} from "../helpers/settlement";
import { accountObject, expectTotals } from "../helpers/unit";

const R0 = FIRST_ROUND;
const CAP = RATE("0.05");
/** A rate in percent, exactly: P("2.5") = 0.025e18. */
const P = (percent: string) => ethers.parseEther(percent) / 100n;

/** Rates within +-cap (inclusive) for `models`, different for every (seed, model). */
function randomRates(models: string[], seed: number, cap = CAP): PlainRate[] {
  const prng = new Prng(seed);
  return models.map((modelId) => ({ modelId, rate: prng.bigint(-cap, cap) }));
}

/** Uneven weights summing to 10,000; the last model gets zero when `zeroLast` and there are several. */
function unevenBps(n: number, zeroLast = false): number[] {
  const live = zeroLast && n > 1 ? n - 1 : n;
  const total = (live * (live + 1)) / 2;
  const w = Array.from({ length: n }, (_, i) => (i < live ? Math.floor(((i + 1) * 10_000) / total) : 0));
  w[0]! += 10_000 - w.reduce((s, x) => s + x, 0);
  return w;
}

function rates(models: string[], percents: string[]): PlainRate[] {
  return models.map((modelId, i) => ({ modelId, rate: P(percents[i]!) }));
}

/** Models of other participants in every published tree: a round tree is never only ours. */
const OTHERS = modelIds("other-participant", 40);
const others = (seed: number) => randomRates(OTHERS, 10_000 + seed);

const pick = (e: ExpectedSettled) => ({ stakeAtRisk: e.stakeAtRisk, rates: e.rates, delta: e.delta });

// ───────────────────────────────────────── fixtures ─────────────────────────────────────────

async function baseFixture() {
  const fx = await deployFixture();
  const h = await SettlementHarness.attach(fx, [fx.alice.address, fx.bob.address, fx.carol.address]);
  return { ...fx, h };
}

/**
 * alice 1,000 NMR on [40, 30, 20, 10]%, bob 2,000 on his first model, carol 500 on [0, 50, 50, 0]%; a funded
 * pool; rounds R0..R0+3 open, R0..R0+2 published (R0+3 not resolved yet).
 */
async function publishedFixture() {
  const fx = await baseFixture();
  const { h, alice, bob, carol, operator, models } = fx;
  await h.fund(operator, NMR(100_000));
  await h.deposit(alice, NMR(1000));
  await h.allocate(alice, [4000, 3000, 2000, 1000]);
  await h.deposit(bob, NMR(2000));
  await h.allocate(bob, [10_000, 0, 0, 0]);
  await h.deposit(carol, NMR(500));
  await h.allocate(carol, [0, 5000, 5000, 0]);
  for (let i = 0; i < 4; i++) await h.open();
  for (let r = R0; r < R0 + 3n; r++) {
    const all = [...models.alice, ...models.bob, ...models.carol];
    await h.publish(r, [...randomRates(all, Number(r)), ...others(Number(r))]);
  }
  return fx;
}

/** Eight stakers with 2 to 8 models, a short pool, a reallocation and a withdrawal; R0..R0+3 published. */
async function manyAccountsFixture() {
  const fx = await baseFixture();
  const { h, operator } = fx;
  const stakers: { signer: HardhatEthersSigner; models: string[] }[] = [
    { signer: fx.alice, models: fx.models.alice },
    { signer: fx.bob, models: fx.models.bob },
    { signer: fx.carol, models: fx.models.carol },
  ];
  for (let i = 0; i < 5; i++) {
    const s = await extraStaker(fx, 9 + i, 2 + i, `batch${i}`);
    h.ref.register(s.signer.address, s.models);
    stakers.push(s);
  }
  await h.fund(operator, NMR(60));
  for (const [i, s] of stakers.entries()) {
    await h.deposit(s.signer, NMR(500 + 250 * i) + BigInt(i));
    await h.allocate(s.signer, unevenBps(s.models.length, i % 2 === 1));
  }
  await h.open();
  await h.open();
  await h.allocate(stakers[0]!.signer, [0, 0, 5000, 5000]);
  await h.requestWithdrawal(stakers[3]!.signer, NMR(300));
  await h.deposit(stakers[4]!.signer, NMR(77));
  await h.open();
  await h.open();
  const all = stakers.flatMap((s) => s.models);
  for (let r = R0; r <= R0 + 3n; r++) await h.publish(r, [...randomRates(all, 500 + Number(r)), ...others(Number(r))]);
  return { ...fx, stakers };
}

/**
 * Parameters under which a round may risk its whole slice at 100% with R = 1: rounds 7 days apart, each past its
 * proof deadline 3 days after opening, so one round is open at a time (3 days / 7 days + 1 = 1, x 100% / 1 = 100%).
 * Each round must then be published within 1 to 2 days of its opening.
 */
async function oneRoundAtATime(h: SettlementHarness, admin: HardhatEthersSigner) {
  const { stake } = h;
  await stake.connect(admin).setMinRoundInterval(7n * DAY);
  await stake.connect(admin).setResolutionDelay(DAY);
  await stake.connect(admin).setPublishWindow(DAY);
  await stake.connect(admin).setProofGracePeriod(DAY);
  await stake.connect(admin).setRateCap(RATE("1"));
}

async function fork<T extends { h: SettlementHarness }>(fixture: () => Promise<T>): Promise<T> {
  const fx = await loadFixture(fixture);
  return { ...fx, h: fx.h.fork() };
}

// ─────────────────────────────────────────── tests ──────────────────────────────────────────

describe("PortfolioStake settlement", function () {
  describe("reference arithmetic", function () {
    it("per-model terms truncate toward zero, checked by hand", function () {
      // stake 1,000 NMR + 7 wei, weight 33.33%, rate -1.2345678901234567%:
      // model stake = floor((1e21 + 7) * 3333 / 10000) = 333300000000000000002
      // term = -floor(333300000000000000002 * 12345678901234567 / 1e18) = -4114814777781481181
      expect(modelTerm(10n ** 21n + 7n, 3333n, -12345678901234567n)).to.equal(-4114814777781481181n);
      expect(modelTerm(10n ** 21n + 7n, 3333n, 12345678901234567n)).to.equal(4114814777781481181n);
      // 1 wei of stake at +5% earns nothing, and loses nothing at -5%.
      expect(modelTerm(1n, 10_000n, CAP)).to.equal(0n);
      expect(modelTerm(1n, 10_000n, -CAP)).to.equal(0n);
      // 19 wei on a 1-bps model is 0 wei of model stake.
      expect(modelTerm(19n, 1n, CAP)).to.equal(0n);
      expect(referenceDelta(NMR(1000), [5000n, 3000n, 2000n, 0n], [P("2"), P("-1"), P("5"), P("-5")])).to.equal(
        NMR(17),
      );
    });

    it("core/results.ts roundDelta agrees with the independent formula on 2,000 random cases", function () {
      const prng = new Prng(42);
      for (let k = 0; k < 2000; k++) {
        const n = prng.int(1, 32);
        const stake = prng.bigint(0n, 10n ** 24n - 1n) + (k % 3 === 0 ? prng.bigint(0n, 999n) : 0n);
        const weights = Array.from({ length: n }, () => prng.bigint(0n, 10_000n));
        const ratesBySlot = Array.from({ length: n }, () => prng.bigint(-CAP, CAP));
        expect(roundDelta(stake, weights, ratesBySlot)).to.equal(referenceDelta(stake, weights, ratesBySlot));
      }
    });
  });

  describe("exact results against the reference", function () {
    it("gains, losses and mixed rounds for three accounts, with the hand-computed first result", async function () {
      const { h, stake, alice, bob, carol, operator, keeper, models } = await fork(baseFixture);
      await h.fund(operator, NMR(50_000));
      await h.deposit(alice, NMR(1000));
      await h.allocate(alice, [5000, 3000, 2000, 0]);
      await h.deposit(bob, ethers.parseEther("2500.123456789012345678"));
      await h.allocate(bob, [2500, 2500, 2500, 2500]);
      await h.deposit(carol, ethers.parseEther("333.333333333333333333"));
      await h.allocate(carol, [1, 9999, 0, 0]);
      for (let i = 0; i < 3; i++) await h.open();
      await h.allocate(bob, [0, 0, 5000, 5000]); // from R0+3
      await h.deposit(carol, NMR(100)); // from R0+3
      for (let i = 0; i < 3; i++) await h.open();

      const table: Record<"alice" | "bob" | "carol", string[][]> = {
        alice: [
          ["2", "-1", "5", "-5"],
          ["-5", "-5", "-5", "-5"],
          ["1.5", "-0.25", "0", "4.99"],
          ["5", "5", "5", "5"],
          ["-3.3", "2.2", "-1.1", "0.01"],
          ["0", "0", "0", "0"],
        ],
        bob: [
          ["-0.7", "0.3", "-2.9", "4.1"],
          ["-1", "-1", "-1", "-1"],
          ["3", "-3", "3", "-3"],
          ["0.001", "-4.5", "-2", "1.2"],
          ["-5", "5", "-5", "5"],
          ["2.5", "2.5", "-2.5", "-2.5"],
        ],
        carol: [
          ["-4.9", "0.003", "1", "1"],
          ["5", "-1.234567", "0", "0"],
          ["-0.5", "0.5", "5", "-5"],
          ["0", "3", "0", "0"],
          ["1", "-2", "3", "-4"],
          ["-5", "-5", "5", "5"],
        ],
      };
      for (let k = 0; k < 6; k++) {
        const r = R0 + BigInt(k);
        await h.publish(r, [
          ...rates(models.alice, table.alice[k]!),
          ...rates(models.bob, table.bob[k]!),
          ...rates(models.carol, table.carol[k]!),
          ...others(k),
        ]);
      }

      // alice's first round, by hand: 500 x 2% + 300 x -1% + 200 x 5% + 0 x -5% = +17 NMR, paid in full.
      const arg = h.results(alice.address, R0, R0);
      await expect(stake.connect(keeper).settle(arg))
        .to.emit(stake, "Settled")
        .withArgs(
          alice.address,
          R0,
          NMR(1000),
          [P("2"), P("-1"), P("5"), P("-5")],
          NMR(17),
          NMR(17),
          0n,
          0n,
          NMR(1017),
          false,
        );
      h.ref.settle(alice.address, R0);
      await h.check(alice.address);

      // alice: the rest in one call; bob: round by round; carol: two calls.
      const aliceRest = await h.settle(alice.address, R0 + 5n);
      expect(aliceRest.events).to.have.length(5);
      // R0+1 opened before R0 was settled: still 1,000 at risk, all at -5%: -50 burned.
      expect(aliceRest.events[0]).to.deep.include({
        stakeAtRisk: NMR(1000),
        delta: NMR(-50),
        burned: NMR(50),
        paid: 0n,
      });
      for (let r = R0; r <= R0 + 5n; r++) await h.settle(bob.address, r);
      const carolFirst = await h.settle(carol.address, R0 + 2n);
      const carolRest = await h.settle(carol.address, R0 + 5n);
      // carol's deposit made during R0+2 is in the stake from R0+3 on; R0..R0+2 lost part of it, and a round never
      // risks (so never wins on) what earlier losses took: R0+3 puts at risk what she had left, below that stake.
      const opened = ethers.parseEther("433.333333333333333333");
      expect(await stake.stakeAt(carol.address, R0 + 3n)).to.equal(opened);
      const left = carolFirst.events[2]!.balance;
      expect(left).to.equal(ethers.parseEther("430.894887188999999999"));
      expect(carolRest.events[0]!.stakeAtRisk).to.equal(left);
      // Every kind of result occurred.
      const deltas = h.settled.map((e) => e.delta);
      expect(deltas.some((d) => d > 0n) && deltas.some((d) => d < 0n) && deltas.some((d) => d === 0n)).to.equal(true);
      expect(h.settled).to.have.length(17); // alice's first round was checked by hand above
    });

    it("zero-weight models: rates reported in the event but worth nothing; proving only weighted ones reports zero", async function () {
      const { h, alice, carol, operator, models } = await fork(baseFixture);
      await h.fund(operator, NMR(1000));
      await h.deposit(alice, NMR(1000));
      await h.allocate(alice, [10_000, 0, 0, 0]);
      await h.deposit(carol, NMR(1000));
      await h.allocate(carol, [10_000, 0, 0, 0]);
      await h.open();
      await h.open();
      for (const r of [R0, R0 + 1n]) {
        await h.publish(r, [
          ...rates(models.alice, ["1", "5", "-5", "3"]),
          ...rates(models.carol, ["1", "5", "-5", "3"]),
          ...others(1),
        ]);
      }
      const all = await h.settle(alice.address, R0 + 1n);
      expect(all.events[0]!.rates).to.deep.equal([P("1"), P("5"), P("-5"), P("3")]);
      expect(all.events[0]!.delta).to.equal(NMR(10));
      const weighted = await h.settle(carol.address, R0 + 1n, { onlyWeighted: true });
      expect(weighted.events[0]!.rates).to.deep.equal([P("1"), 0n, 0n, 0n]);
      expect(weighted.events[0]!.delta).to.equal(NMR(10));
    });

    it("accounts with 1, 4, 16 and 32 models settle to the wei (gas from receipts)", async function () {
      const fx = await fork(baseFixture);
      const { h, operator } = fx;
      await h.fund(operator, NMR(1_000_000));
      const sizes = [1, 4, 16, 32];
      const deposits = [NMR(10), ethers.parseEther("1234.5678"), NMR(25_000) + 123n, NMR(106_000)];
      const stakers = [];
      for (const [i, n] of sizes.entries()) {
        const s = await extraStaker(fx, 9 + i, n, `size${n}`);
        h.ref.register(s.signer.address, s.models);
        await h.deposit(s.signer, deposits[i]!);
        await h.allocate(s.signer, unevenBps(n, n >= 4));
        stakers.push(s);
      }
      for (let i = 0; i < 3; i++) await h.open();
      const all = stakers.flatMap((s) => s.models);
      for (let r = R0; r < R0 + 3n; r++) {
        await h.publish(r, [...randomRates(all, 77 + Number(r)), ...randomRates(modelIds("crowd", 200), Number(r))]);
      }
      const gas: Record<number, bigint> = {};
      for (const [i, n] of sizes.entries()) {
        const one = await h.settle(stakers[i]!.signer.address, R0);
        gas[n] = one.receipt.gasUsed;
        expect(one.events[0]!.rates.filter((x) => x !== 0n)).to.have.length(n); // every model proved
        await h.settle(stakers[i]!.signer.address, R0 + 2n); // two rounds in one call
      }
      console.log(
        `      settle gas, 1 account-round, 242-leaf tree: ${sizes.map((n) => `${n} model${n > 1 ? "s" : ""} ${gas[n]}`).join(", ")}`,
      );
      expect(gas[1]! < gas[4]! && gas[4]! < gas[16]! && gas[16]! < gas[32]!).to.equal(true);
      expect(h.settled.some((e) => e.delta < 0n) && h.settled.some((e) => e.delta > 0n)).to.equal(true);
    });

    it("a vector change applies from the next round only; a second change in the same round replaces it", async function () {
      const { h, stake, alice, operator, models } = await fork(baseFixture);
      await h.fund(operator, NMR(1000));
      await h.deposit(alice, NMR(1000));
      await h.allocate(alice, [10_000, 0, 0, 0]);
      await h.open(); // R0: model 0
      await h.allocate(alice, [0, 10_000, 0, 0]);
      await h.allocate(alice, [0, 0, 10_000, 0]); // replaces the previous one before R0+1 opens
      await h.open(); // R0+1: model 2
      await h.allocate(alice, [2500, 2500, 2500, 2500]);
      await h.open(); // R0+2: even
      for (let r = R0; r <= R0 + 2n; r++)
        await h.publish(r, [...rates(models.alice, ["1", "2", "3", "4"]), ...others(2)]);
      for (let r = R0; r <= R0 + 2n; r++) {
        const [, bps] = await stake.allocationAt(alice.address, r);
        expect(bps.map((b) => BigInt(b))).to.deep.equal(h.ref.weightsAt(alice.address, r));
      }
      const { events } = await h.settle(alice.address, R0 + 2n);
      expect(events.map((e) => e.delta)).to.deep.equal([NMR(10), NMR(30), NMR(25)]);
    });

    it("a withdrawal mid-way lowers the stake at risk from the next round; claim waits for the delay and settlement", async function () {
      const { h, stake, alice, operator, models } = await fork(baseFixture);
      await h.fund(operator, NMR(1000));
      await h.deposit(alice, NMR(1000));
      await h.allocate(alice, [10_000, 0, 0, 0]);
      await h.open();
      await h.requestWithdrawal(alice, NMR(400));
      const { withdrawalReleaseAt: firstRelease } = await stake.accountOf(alice.address);
      await expect(stake.connect(alice).claimWithdrawal())
        .to.be.revertedWithCustomError(stake, "WithdrawalLocked")
        .withArgs(firstRelease);
      await h.open();
      // A request in a later round waits for the first claim (one "at risk until" round per account).
      await expect(stake.connect(alice).requestWithdrawal(NMR(100)))
        .to.be.revertedWithCustomError(stake, "WithdrawalPending")
        .withArgs(NMR(400), R0);
      await h.open();
      for (let r = R0; r <= R0 + 2n; r++)
        await h.publish(r, [...rates(models.alice, ["1", "-5", "-5", "-5"]), ...others(3)]);
      await expect(stake.connect(alice).claimWithdrawal())
        .to.be.revertedWithCustomError(stake, "RoundsUnsettled")
        .withArgs(R0, R0);
      const first = await h.settle(alice.address, R0);
      expect(first.events[0]).to.deep.include({ stakeAtRisk: NMR(1000), delta: NMR(10) });
      expect(await h.claim(alice)).to.equal(NMR(400)); // R0 settled and the delay has passed
      await h.requestWithdrawal(alice, NMR(100)); // during R0+2: at risk until R0+2
      const second = await h.settle(alice.address, R0 + 1n);
      expect(second.events[0]).to.deep.include({ stakeAtRisk: NMR(600), delta: NMR(6) });
      const { withdrawalReleaseAt } = await stake.accountOf(alice.address);
      await time.increaseTo(withdrawalReleaseAt);
      await expect(stake.connect(alice).claimWithdrawal())
        .to.be.revertedWithCustomError(stake, "RoundsUnsettled")
        .withArgs(R0 + 2n, R0 + 2n);
      const third = await h.settle(alice.address, R0 + 2n);
      expect(third.events[0]).to.deep.include({ stakeAtRisk: NMR(600), delta: NMR(6), balance: NMR(522) });
      expect(await h.claim(alice)).to.equal(NMR(100));
    });

    it("pool short: the gain is paid as far as the pool goes, the rest owed; a refill pays owed rewards first, pro rata, credited by the next settlement or claimRewards", async function () {
      const { h, stake, nmr, alice, operator, outsider, models } = await fork(baseFixture);
      const ONE = 10n ** 36n; // the owed factor at the start of an epoch
      const lastFunded = async () => {
        const events = await stake.queryFilter(stake.filters.RewardsFunded);
        return [...events[events.length - 1]!.args];
      };
      await h.fund(operator, NMR(10));
      await h.deposit(alice, NMR(1000));
      await h.allocate(alice, [10_000, 0, 0, 0]);
      for (let i = 0; i < 4; i++) await h.open();
      const percents = ["5", "5", "-1"];
      for (let k = 0; k < 3; k++)
        await h.publish(R0 + BigInt(k), [...rates(models.alice, [percents[k]!, "0", "0", "0"]), ...others(4)]);

      // R0: +50, 10 from the pool, 40 owed. R0+1: 1,000 at risk (the stake it opened with; 1,010 left), +50: the pool
      // is empty, 90 owed.
      const a = await h.settle(alice.address, R0 + 1n);
      const money = (e: ExpectedSettled) => ({
        stakeAtRisk: e.stakeAtRisk,
        delta: e.delta,
        paid: e.paid,
        burned: e.burned,
        unpaidRewards: e.unpaidRewards,
        balance: e.balance,
      });
      expect(a.events.map(money)).to.deep.equal([
        {
          stakeAtRisk: NMR(1000),
          delta: NMR(50),
          paid: NMR(10),
          burned: 0n,
          unpaidRewards: NMR(40),
          balance: NMR(1010),
        },
        { stakeAtRisk: NMR(1000), delta: NMR(50), paid: 0n, burned: 0n, unpaidRewards: NMR(90), balance: NMR(1010) },
      ]);
      await expectTotals(stake, nmr, { staked: NMR(1010), owedRewards: NMR(90) });

      // A refill of 60 goes to owed rewards first: two thirds of the 90 owed, nothing to the pool. The factor is
      // rounded up (ceil(1e36 x 30 / 90)) and so is what alice is still owed: she can claim 1 wei less than 60, which
      // stays in the reserve (rounding favours solvency).
      const factor = 333_333_333_333_333_333_333_333_333_333_333_334n;
      await h.fund(operator, NMR(60));
      expect(await lastFunded()).to.deep.equal([operator.address, NMR(60), NMR(60), 0n, NMR(30), factor, 0n, 0n]);
      await expectTotals(stake, nmr, { staked: NMR(1010), owedRewards: NMR(30), owedReserve: NMR(60) });
      expect(accountObject(await stake.accountOf(alice.address))).to.deep.include({
        unpaidRewards: NMR(30) + 1n,
        claimableRewards: NMR(60) - 1n,
        balance: NMR(1010),
      });

      // Settling R0+2 (-1% on the 1,000 it opened with) credits what the refill paid first, then burns 10.
      const b = await h.settle(alice.address, R0 + 2n);
      expect(claimedEvents(stake, b.receipt)).to.deep.equal([
        { account: alice.address, amount: NMR(60) - 1n, unpaidRewards: NMR(30) + 1n, balance: NMR(1070) - 1n },
      ]);
      expect(b.events.map(money)).to.deep.equal([
        {
          stakeAtRisk: NMR(1000),
          delta: NMR(-10),
          paid: 0n,
          burned: NMR(10),
          unpaidRewards: NMR(30) + 1n,
          balance: NMR(1060) - 1n,
        },
      ]);
      // 1,010 + 60 refilled - 10 burned = 1,060 held: the 1 wei not yet credited is in the reserve.
      await expectTotals(stake, nmr, { staked: NMR(1060) - 1n, owedRewards: NMR(30), owedReserve: 1n });

      // A refill of 1,000 pays everything still owed (30; a new epoch, the factor back to 1e36), 970 to the pool.
      await h.fund(operator, NMR(1000));
      expect(await lastFunded()).to.deep.equal([operator.address, NMR(1000), NMR(30), NMR(970), 0n, ONE, 1n, 0n]);
      await expectTotals(stake, nmr, { staked: NMR(1060) - 1n, rewardsPool: NMR(970), owedReserve: NMR(30) + 1n });
      expect(accountObject(await stake.accountOf(alice.address))).to.deep.include({
        unpaidRewards: 0n,
        claimableRewards: NMR(30) + 1n,
      });

      // Anyone credits it to her stake without a new round: no NMR moves (checked by the harness), the 1 wei included.
      expect(await h.claimRewards(alice.address, outsider)).to.equal(NMR(30) + 1n);
      await expectTotals(stake, nmr, { staked: NMR(1090), rewardsPool: NMR(970) });
      await expect(stake.connect(outsider).claimRewards(alice.address)).to.be.revertedWithCustomError(
        stake,
        "NothingToClaim",
      );

      // R0+3 was never published: zero, and nothing left to credit.
      await h.passDeadline(R0 + 3n);
      const c = await h.settle(alice.address, R0 + 3n);
      expect(claimedEvents(stake, c.receipt)).to.deep.equal([]);
      expect(c.events.map(money)).to.deep.equal([
        { stakeAtRisk: NMR(1000), delta: 0n, paid: 0n, burned: 0n, unpaidRewards: 0n, balance: NMR(1090) },
      ]);
      expect(accountObject(await stake.accountOf(alice.address))).to.deep.include({
        balance: NMR(1090),
        totalRewarded: NMR(100),
        totalBurned: NMR(10),
      });
      await expectTotals(stake, nmr, { staked: NMR(1090), rewardsPool: NMR(970) });
    });

    it("losses beyond the balance come from the pending withdrawal only in rounds where it was at risk", async function () {
      const { h, stake, admin, alice, operator, models } = await fork(baseFixture);
      // R = 5 and a 25% cap: 18 rounds open x 25% / 5 = 90% of a stake.
      await stake.connect(admin).setSliceDivisor(5n);
      await stake.connect(admin).setRateCap(RATE("0.25"));
      await h.fund(operator, NMR(1000));
      await h.deposit(alice, NMR(500));
      await h.allocate(alice, [10_000, 0, 0, 0]);
      await h.open();
      await h.open();
      await h.open(); // R0..R0+2 put 500 / 5 = 100 at risk each
      await h.requestWithdrawal(alice, NMR(460)); // at risk up to R0+2; 40 left in the stake
      await h.open(); // R0+3 puts 40 / 5 = 8 at risk, of the stake alone
      for (let r = R0; r <= R0 + 3n; r++)
        await h.publish(r, [...rates(models.alice, ["-25", "0", "0", "0"]), ...others(5)]);
      const { events } = await h.settle(alice.address, R0 + 3n);
      const view = (e: ExpectedSettled) => ({
        stakeAtRisk: e.stakeAtRisk,
        delta: e.delta,
        burned: e.burned,
        balance: e.balance,
      });
      expect(events.map(view)).to.deep.equal([
        { stakeAtRisk: NMR(100), delta: NMR(-25), burned: NMR(25), balance: NMR(15) }, // from the balance
        { stakeAtRisk: NMR(100), delta: NMR(-25), burned: NMR(25), balance: 0n }, // 15 from the balance, 10 from the 460
        { stakeAtRisk: NMR(100), delta: NMR(-25), burned: NMR(25), balance: 0n }, // from the pending withdrawal
        // R0+3 > withdrawalLastRound: only the stake was at risk, and nothing is left of it; the pending 425 is safe.
        { stakeAtRisk: 0n, delta: 0n, burned: 0n, balance: 0n },
      ]);
      expect((await stake.accountOf(alice.address)).pendingWithdrawal).to.equal(NMR(425));
      expect(await h.claim(alice)).to.equal(NMR(425));
    });

    it("a loss of 100% of what is left burns the balance and the pending withdrawal at risk, and nothing more", async function () {
      const { h, stake, nmr, admin, alice, operator, models } = await fork(baseFixture);
      await oneRoundAtATime(h, admin);
      await h.fund(operator, NMR(1000));
      await h.deposit(alice, NMR(100));
      await h.allocate(alice, [10_000, 0, 0, 0]);
      await h.open(); // R0: 100 at risk
      await h.publish(R0, [...rates(models.alice, ["-50", "0", "0", "0"]), ...others(14)]);
      await h.open(); // R0+1 opens before R0 is settled: it opens with the whole 100
      await h.requestWithdrawal(alice, NMR(30)); // at risk up to R0+1
      await h.publish(R0 + 1n, [...rates(models.alice, ["-100", "0", "0", "0"]), ...others(14)]);
      const supply = await nmr.totalSupply();
      const { events } = await h.settle(alice.address, R0 + 1n);
      // R0: -50% of 100 from the balance (70 -> 20). R0+1: its slice of 100 is limited to what R0 left, 20 + the
      // pending 30: it burns exactly those 50.
      expect(events.map((e) => [e.stakeAtRisk, e.delta, e.burned, e.balance])).to.deep.equal([
        [NMR(100), NMR(-50), NMR(50), NMR(20)],
        [NMR(50), NMR(-50), NMR(50), 0n],
      ]);
      expect(supply - (await nmr.totalSupply())).to.equal(NMR(100));
      const v = await stake.accountOf(alice.address);
      expect([v.balance, v.pendingWithdrawal, v.totalBurned]).to.deep.equal([0n, 0n, NMR(100)]);
      await expectTotals(stake, nmr, { rewardsPool: NMR(1000) });
      await expect(stake.connect(alice).claimWithdrawal()).to.be.revertedWithCustomError(stake, "NothingToClaim");
    });

    it("stake at risk without a vector in force earns and loses nothing (never allocated; first vector later)", async function () {
      const { h, alice, bob, operator, models } = await fork(baseFixture);
      await h.fund(operator, NMR(1000));
      await h.deposit(alice, NMR(1000)); // never allocates
      await h.deposit(bob, NMR(1000));
      await h.open();
      await h.allocate(bob, [10_000, 0, 0, 0]); // from R0+1
      await h.open();
      for (const r of [R0, R0 + 1n]) {
        await h.publish(r, [
          ...rates(models.alice, ["5", "5", "5", "5"]),
          ...rates(models.bob, ["-5", "0", "0", "0"]),
          ...others(15),
        ]);
      }
      const a = await h.settle(alice.address, R0 + 1n);
      expect(a.events.map((e) => [e.stakeAtRisk, e.delta, e.rates])).to.deep.equal([
        [NMR(1000), 0n, [0n, 0n, 0n, 0n]],
        [NMR(1000), 0n, [0n, 0n, 0n, 0n]],
      ]);
      const b = await h.settle(bob.address, R0 + 1n);
      expect(b.events.map((e) => e.delta)).to.deep.equal([0n, NMR(-50)]);
    });

    it("after the 256-vector ring wrapped, settlement still finds the vector in force in each round", async function () {
      const { h, stake, alice, operator, models } = await fork(baseFixture);
      await h.fund(operator, NMR(100_000));
      await h.deposit(alice, NMR(10_000));
      await h.allocate(alice, [10_000, 0, 0, 0]);
      // Rounds before it expire unpublished (zero, no vector looked up): the first proven round is settled when the
      // account holds more than VECTOR_HISTORY vectors, so the settlement cursor must jump over the overwritten ones.
      // (2-day rounds resolving 21 days later: round R0 + 250 resolves once round R0 + 260 opened, 261 vectors stored)
      const firstPublished = R0 + 250n;
      const vector = (k: number) => {
        const w = 100 * ((k * 37) % 101);
        return k % 2 ? [0, 0, w, 10_000 - w] : [w, 10_000 - w, 0, 0];
      };
      const publishResolved = async () => {
        for (let r = firstPublished; r <= h.ref.currentRound; r++) {
          if (h.ref.isPublished(r) || (await stake.roundInfo(r)).resolvesAt > BigInt(await time.latest())) continue;
          await h.publish(r, [...rates(models.alice, ["1", "-2", "3", "-4"]), ...others(Number(r))]);
        }
      };
      const keeper = async () => {
        await publishResolved();
        const last = await h.lastSettleable(alice.address);
        if (last >= h.ref.view(alice.address).nextSettleRound) await h.settle(alice.address, last);
      };
      for (let k = 0; k < 264; k++) {
        await h.open();
        await h.allocate(alice, vector(k));
        await keeper();
      }
      expect((await stake.accountOf(alice.address)).allocationCount).to.equal(265n);
      while (h.ref.view(alice.address).nextSettleRound <= h.ref.currentRound) {
        await time.increase(DAY);
        await keeper();
      }
      const published = h.settled.filter((e) => e.round >= firstPublished);
      expect(published).to.have.length(Number(h.ref.currentRound - firstPublished + 1n));
      // Vector k applies from round R0 + k + 1; every published round used it.
      for (const e of published) {
        const w = vector(Number(e.round - R0 - 1n)).map(BigInt);
        expect(e.delta).to.equal(
          referenceDelta(e.stakeAtRisk, w, [P("1"), P("-2"), P("3"), P("-4")]),
          `round ${e.round}`,
        );
      }
    });
  });

  describe("burns", function () {
    async function lossScenario(h: SettlementHarness, staker: HardhatEthersSigner, models: string[]) {
      await h.deposit(staker, NMR(1000));
      await h.allocate(staker, [7000, 3000, 0, 0]);
      await h.open();
      await h.open();
      for (const r of [R0, R0 + 1n]) await h.publish(r, [...rates(models, ["-3", "-4.5", "5", "5"]), ...others(6)]);
      return h.settle(staker.address, R0 + 1n);
    }

    it("with NMR's burn (NumeraireMint mode, NMRLike) the total supply falls by the burned amount", async function () {
      const { h, nmr, stake, alice, models } = await fork(baseFixture);
      expect(await stake.burnSink()).to.equal(ethers.ZeroAddress);
      expect(await stake.burnMode()).to.equal(BurnMode.NumeraireMint);
      const supply = await nmr.totalSupply();
      const { events } = await lossScenario(h, alice, models.alice);
      // R0: 700 x -3% + 300 x -4.5% = -34.5. R0+1 opened with 1,000 but risks only the 965.5 R0 left:
      // 675.85 x -3% + 289.65 x -4.5% = -20.2755 - 13.03425 = -33.30975.
      expect(events.map((e) => [e.stakeAtRisk, e.burned])).to.deep.equal([
        [NMR(1000), NMR("34.5")],
        [NMR("965.5"), NMR("33.30975")],
      ]);
      expect(await nmr.totalSupply()).to.equal(supply - NMR("67.80975"));
    });

    it("with a token without burn, the fixed sink receives the burned amount and the supply is unchanged", async function () {
      const fx = await loadFixture(deployNoBurnFixture);
      const h = await SettlementHarness.attach(fx, [fx.alice.address]);
      const supply = await fx.nmr.totalSupply();
      expect(await fx.stake.burnSink()).to.equal(fx.sink.address);
      await lossScenario(h, fx.alice, fx.models.alice);
      expect(await fx.nmr.balanceOf(fx.sink.address)).to.equal(NMR("67.80975"));
      expect(await fx.nmr.totalSupply()).to.equal(supply);
      expect(h.ref.burned).to.equal(NMR("67.80975"));
    });
  });

  describe("liveness", function () {
    it("a round unpublished past its deadline counts as zero and lets a withdrawal be claimed", async function () {
      const { h, stake, alice, operator, keeper } = await fork(baseFixture);
      await h.deposit(alice, NMR(1000));
      await h.allocate(alice, [2500, 2500, 2500, 2500]);
      await h.open();
      await h.requestWithdrawal(alice, NMR(1000));
      await time.increase(25n * DAY);
      // Past the withdrawal delay, but round R0 (where the amount was at risk) is unsettled and not yet expired.
      const { deadline } = await stake.roundInfo(R0);
      expect(BigInt(await time.latest())).to.be.lessThan(deadline);
      await expect(stake.connect(alice).claimWithdrawal())
        .to.be.revertedWithCustomError(stake, "RoundsUnsettled")
        .withArgs(R0, R0);
      await expect(stake.connect(keeper).settle(h.results(alice.address, R0, R0)))
        .to.be.revertedWithCustomError(stake, "RoundNotSettleable")
        .withArgs(R0);
      await h.passDeadline(R0);
      const tree = buildRoundTree(R0, withCumulatives(others(7), undefined, CAP));
      await expect(stake.connect(operator).publishRound(R0, tree.root, ""))
        .to.be.revertedWithCustomError(stake, "PublishDeadlinePassed")
        .withArgs(R0, deadline);
      const { events } = await h.settle(alice.address);
      expect(events).to.have.length(1);
      expect(events[0]).to.deep.equal({
        account: alice.address,
        round: R0,
        stakeAtRisk: NMR(1000),
        rates: [0n, 0n, 0n, 0n],
        delta: 0n,
        paid: 0n,
        burned: 0n,
        unpaidRewards: 0n,
        balance: 0n,
        unprovable: false,
      });
      expect(await h.claim(alice)).to.equal(NMR(1000));
    });
    it("at its deadline a round may still be published and is not yet zero; one second later it is zero", async function () {
      const setup = async () => {
        const fx = await fork(baseFixture);
        await fx.h.fund(fx.operator, NMR(100));
        await fx.h.deposit(fx.alice, NMR(1000));
        await fx.h.allocate(fx.alice, [10_000, 0, 0, 0]);
        await fx.h.open();
        return { ...fx, deadline: (await fx.stake.roundInfo(R0)).deadline };
      };
      const leaves = (models: string[]) => [...rates(models, ["1", "0", "0", "0"]), ...others(12)];

      const a = await setup();
      await time.setNextBlockTimestamp(a.deadline);
      await a.h.publish(R0, leaves(a.models.alice));
      expect((await a.h.settle(a.alice.address, R0)).events[0]!.delta).to.equal(NMR(10));

      const b = await setup();
      await time.setNextBlockTimestamp(b.deadline);
      await expect(b.stake.connect(b.keeper).settle(b.h.results(b.alice.address, R0, R0)))
        .to.be.revertedWithCustomError(b.stake, "RoundNotSettleable")
        .withArgs(R0);
      await time.setNextBlockTimestamp(b.deadline + 1n);
      await expect(
        b.stake
          .connect(b.operator)
          .publishRound(R0, buildRoundTree(R0, withCumulatives(leaves(b.models.alice), undefined, CAP)).root, ""),
      )
        .to.be.revertedWithCustomError(b.stake, "PublishDeadlinePassed")
        .withArgs(R0, b.deadline);
      expect((await b.h.settle(b.alice.address, R0)).events[0]).to.deep.include({ stakeAtRisk: NMR(1000), delta: 0n });
    });
  });

  describe("rejections leave every state untouched", function () {
    let fx: Awaited<ReturnType<typeof publishedFixture>>;
    let accounts: string[];
    const snapshot = () => observableState(fx.stake, fx.nmr, accounts);

    beforeEach(async function () {
      fx = await fork(publishedFixture);
      accounts = [fx.alice.address, fx.bob.address, fx.carol.address];
    });

    /** Expects `call` to revert with `error(args)` and to change nothing observable. */
    async function rejects(call: () => Promise<unknown>, error: string, args: unknown[]) {
      const before = await snapshot();
      await expect(call())
        .to.be.revertedWithCustomError(fx.stake, error)
        .withArgs(...args);
      expect(await snapshot()).to.deep.equal(before);
    }

    const settleWith = (arg: ReturnType<SettlementHarness["results"]>) => () => fx.stake.connect(fx.keeper).settle(arg);

    it("forged proofs: a wrong rate, a rate moved to another model, the proof of another round", async function () {
      const { h, alice } = fx;
      const good = h.results(alice.address, R0, R0);
      const res = good.results[0] as ReturnType<typeof accountRoundResult>;

      const wrongRate = { ...res, rates: res.rates.map((x, i) => (i === 0 ? x + 1n : x)) };
      await rejects(settleWith({ ...good, results: [wrongRate] }), "InvalidProof", [alice.address, R0]);

      const swapped = { ...res, slots: [res.slots[1]!, res.slots[0]!, ...res.slots.slice(2)] };
      await rejects(settleWith({ ...good, results: [swapped] }), "InvalidProof", [alice.address, R0]);

      const otherRound = { ...(h.results(alice.address, R0 + 1n, R0 + 1n).results[0] as typeof res), round: R0 };
      await rejects(settleWith({ ...good, results: [otherRound] }), "InvalidProof", [alice.address, R0]);

      // The genuine proof goes through.
      await h.settle(alice.address, R0);
    });

    it("RoundOutOfOrder: a wrong round, rounds out of order, a round settled twice", async function () {
      const { h, alice } = fx;
      const a0 = h.results(alice.address, R0, R0).results[0]!;
      const a1 = h.results(alice.address, R0 + 1n, R0 + 1n).results[0]!;
      const a2 = h.results(alice.address, R0 + 2n, R0 + 2n).results[0]!;
      const models = fx.models.alice;
      const arg = (...results: (typeof a0)[]) => ({ account: alice.address, models, results });

      await rejects(settleWith(arg(a1)), "RoundOutOfOrder", [alice.address, R0, R0 + 1n]);
      await rejects(settleWith(arg(a1, a0)), "RoundOutOfOrder", [alice.address, R0, R0 + 1n]);
      // A valid first round does not survive a later gap: the whole call reverts.
      await rejects(settleWith(arg(a0, a2)), "RoundOutOfOrder", [alice.address, R0 + 1n, R0 + 2n]);
      await rejects(settleWith(arg(a0, a0)), "RoundOutOfOrder", [alice.address, R0 + 1n, R0]);

      await h.settle(alice.address, R0);
      // A round settled already is skipped (idempotent settlement): no revert, nothing changes.
      const before = await snapshot();
      await expect(settleWith(arg(a0))()).not.to.emit(fx.stake, "Settled");
      expect(await snapshot()).to.deep.equal(before);
      // After the skipped rounds, the results must still go on from the account's next round.
      await rejects(settleWith(arg(a0, a2)), "RoundOutOfOrder", [alice.address, R0 + 1n, R0 + 2n]);
    });

    it("RoundNotSettleable: a round open and unpublished before its deadline, a round not opened yet", async function () {
      const { h, stake, alice, carol } = fx;
      await h.settle(alice.address, R0 + 2n);
      const { deadline } = await stake.roundInfo(R0 + 3n);
      expect(BigInt(await time.latest())).to.be.lessThan(deadline);
      await rejects(settleWith(h.results(alice.address, R0 + 3n, R0 + 3n)), "RoundNotSettleable", [R0 + 3n]);

      await h.settle(carol.address, R0 + 2n);
      await h.deposit(carol, NMR(1)); // carol is settled through R0+2; R0+4 is not opened
      await h.passDeadline(R0 + 3n);
      await h.settle(carol.address, R0 + 3n);
      expect(h.ref.view(carol.address).nextSettleRound).to.equal(R0 + 4n);
      await rejects(settleWith(h.results(carol.address, R0 + 4n, R0 + 4n)), "RoundNotSettleable", [R0 + 4n]);
      // An account whose first round has not opened.
      const { signer: late } = await extraStaker(fx, 20, 1, "late");
      await stake.connect(late).deposit(NMR(5));
      await rejects(
        () => stake.settle({ account: late.address, models: [], results: [accountRoundResult(R0 + 4n, null, [])] }),
        "RoundNotSettleable",
        [R0 + 4n],
      );
    });

    it("over-cap rates: a forged one fails its proof, a published one is applied at the round's cap", async function () {
      const { h, stake, alice, bob, carol, operator, models } = fx;
      const good = h.results(alice.address, R0, R0);
      const res = good.results[0] as ReturnType<typeof accountRoundResult>;
      for (const bad of [CAP + 1n, -CAP - 1n]) {
        const forged = { ...res, rates: [bad, ...res.rates.slice(1)] };
        await rejects(settleWith({ ...good, results: [forged] }), "InvalidProof", [alice.address, R0]);
      }

      // Round R0+3: alice's model 3 (weight 10%) at +6%, carol's model 0 (weight 0) at -7%: both beyond the 5% cap.
      for (const a of [alice, bob, carol]) await h.settle(a.address, R0 + 2n);
      const over = P("6");
      const under = P("-7");
      const leaves = [
        ...rates(models.alice, ["1", "1", "1", "0"]).map((l, i) => (i === 3 ? { ...l, rate: over } : l)),
        ...rates(models.bob, ["-1", "1", "1", "1"]),
        ...rates(models.carol, ["0", "2", "-2", "0"]).map((l, i) => (i === 0 ? { ...l, rate: under } : l)),
        ...others(8),
      ];
      const tree = buildRoundTree(R0 + 3n, withCumulatives(leaves, undefined, CAP));
      const { resolvesAt } = await stake.roundInfo(R0 + 3n);
      await time.increaseTo(resolvesAt);
      await stake.connect(operator).publishRound(R0 + 3n, tree.root, "");
      h.trees.set(R0 + 3n, tree);
      h.ref.publish(R0 + 3n, leaves);

      // The harness checks every Settled event and the account against the reference, which clamps too.
      const aliceOk = await h.settle(alice.address, R0 + 3n);
      expect(aliceOk.events[0]!.rates[3]).to.equal(CAP);
      const carolOk = await h.settle(carol.address, R0 + 3n);
      expect(carolOk.events[0]!.rates[0]).to.equal(-CAP); // proved and reported at the cap, weight 0: no effect
      expect(carolOk.events[0]!.delta).to.equal(0n); // 250 x 2% + 250 x -2%
      const bobOk = await h.settle(bob.address, R0 + 3n);
      expect(bobOk.events[0]!.delta).to.equal(NMR(-20));
    });

    it("ModelListMismatch, InvalidModelSlot, DuplicateModelResult, MissingModelResult, LengthMismatch", async function () {
      const { h, alice, models } = fx;
      const good = h.results(alice.address, R0, R0);
      const res = good.results[0] as ReturnType<typeof accountRoundResult>;
      const m = models.alice;

      await rejects(settleWith({ ...good, models: [m[1], m[0], m[2], m[3]] }), "ModelListMismatch", [alice.address]);
      await rejects(settleWith({ ...good, models: m.slice(0, 3) }), "ModelListMismatch", [alice.address]);
      await rejects(settleWith({ ...good, models: [...m, models.bob[0]] }), "ModelListMismatch", [alice.address]);
      await rejects(settleWith({ ...good, models: models.bob }), "ModelListMismatch", [alice.address]);

      await rejects(
        settleWith({ ...good, results: [{ ...res, slots: [4, ...res.slots.slice(1)] }] }),
        "InvalidModelSlot",
        [4],
      );
      await rejects(
        settleWith({ ...good, results: [{ ...res, slots: [res.slots[0]!, res.slots[0]!, ...res.slots.slice(2)] }] }),
        "DuplicateModelResult",
        [res.slots[0]],
      );
      const i2 = res.slots.indexOf(2);
      const without2 = {
        ...res,
        slots: res.slots.filter((_, i) => i !== i2),
        rates: res.rates.filter((_, i) => i !== i2),
      };
      await rejects(settleWith({ ...good, results: [without2] }), "MissingModelResult", [2]);
      await rejects(settleWith({ ...good, results: [{ ...res, rates: res.rates.slice(1) }] }), "LengthMismatch", [
        res.slots.length,
        res.slots.length - 1,
      ]);
      await h.settle(alice.address, R0);
    });

    it("BatchTooLarge above 256 account-rounds per call; 256 pass the size check", async function () {
      const { h, stake, alice, bob, keeper } = fx;
      const a0 = h.results(alice.address, R0, R0);
      const b0 = h.results(bob.address, R0, R0);
      const many = (arg: typeof a0, n: number) => ({ ...arg, results: Array(n).fill(arg.results[0]) });
      await rejects(settleWith(many(a0, 257)), "BatchTooLarge", [257, 256]);
      await rejects(
        () => stake.connect(keeper).settleBatch([many(a0, 200), many(b0, 57)]),
        "BatchTooLarge",
        [257, 256],
      );
      // At 256 the size is accepted; the duplicate second round is what fails.
      await rejects(settleWith(many(a0, 256)), "RoundOutOfOrder", [alice.address, R0 + 1n, R0]);
      await rejects(() => stake.connect(keeper).settleBatch([many(a0, 1), many(b0, 255)]), "RoundOutOfOrder", [
        bob.address,
        R0 + 1n,
        R0,
      ]);
    });

    it("AccountNotStaking: never deposited (registered or not)", async function () {
      const { stake, outsider, keeper } = fx;
      await rejects(
        () => stake.connect(keeper).settle({ account: outsider.address, models: [], results: [] }),
        "AccountNotStaking",
        [outsider.address],
      );
      const { signer, models } = await extraStaker(fx, 21, 2, "idle");
      await rejects(
        () =>
          stake
            .connect(keeper)
            .settleBatch([{ account: signer.address, models, results: [accountRoundResult(R0, null, models)] }]),
        "AccountNotStaking",
        [signer.address],
      );
    });

    it("publishRound: twice, before resolution, after the deadline, unknown round, zero root, not the operator", async function () {
      const { stake, operator, outsider, h } = fx;
      const tree = buildRoundTree(R0 + 3n, withCumulatives(others(9), undefined, CAP));
      const rootOf = async (r: bigint) => (await stake.roundInfo(r)).root;
      const publishes =
        (r: bigint, root = tree.root) =>
        () =>
          stake.connect(operator).publishRound(r, root, "x");

      await rejects(publishes(R0), "RoundAlreadyPublished", [R0]);
      expect(await rootOf(R0)).to.equal(h.trees.get(R0)!.root);
      const { resolvesAt, deadline } = await stake.roundInfo(R0 + 3n);
      await rejects(publishes(R0 + 3n), "RoundNotResolved", [R0 + 3n, resolvesAt]);
      await rejects(publishes(R0 + 4n), "UnknownRound", [R0 + 4n]);
      await time.increaseTo(resolvesAt);
      await rejects(publishes(R0 + 3n, ethers.ZeroHash), "InvalidRoot", []);
      await rejects(
        () => stake.connect(outsider).publishRound(R0 + 3n, tree.root, ""),
        "AccessControlUnauthorizedAccount",
        [outsider.address, await stake.OPERATOR_ROLE()],
      );
      await time.increaseTo(deadline + 1n);
      await rejects(publishes(R0 + 3n), "PublishDeadlinePassed", [R0 + 3n, deadline]);
      expect(await rootOf(R0 + 3n)).to.equal(ethers.ZeroHash);
    });
  });

  describe("settleBatch and keepers", function () {
    it("settleBatch over eight accounts equals settling them one by one: same events, same final state", async function () {
      // One by one.
      const one = await fork(manyAccountsFixture);
      const addresses = one.stakers.map((s) => s.signer.address);
      const oneEvents: ExpectedSettled[] = [];
      for (const a of addresses) oneEvents.push(...(await one.h.settle(a, R0 + 3n)).events);
      const oneState = await observableState(one.stake, one.nmr, addresses);

      // The same, batched.
      const batch = await fork(manyAccountsFixture);
      const { events } = await batch.h.settleBatch(addresses.map((account) => ({ account, to: R0 + 3n })));
      expect(events).to.have.length(32);
      expect(events).to.deep.equal(oneEvents);
      expect(await observableState(batch.stake, batch.nmr, addresses)).to.deep.equal(oneState);
      // The pool ran short along the way: order mattered and was the same.
      expect(events.some((e) => e.unpaidRewards > 0n)).to.equal(true);
      expect(events.some((e) => e.burned > 0n)).to.equal(true);
    });

    it("keeper idempotence: re-sent settled rounds are skipped, never a revert; the rest of a batch settles", async function () {
      const { h, stake, nmr, stakers, keeper } = await fork(manyAccountsFixture);
      const addresses = stakers.map((s) => s.signer.address);
      const [a, b] = addresses as [string, string];
      const stale = h.results(a, R0, R0 + 1n);
      await h.settle(a, R0 + 1n);
      const before = await observableState(stake, nmr, addresses);
      // Everything in it is settled already: a no-op.
      await expect(stake.connect(keeper).settle(stale)).not.to.emit(stake, "Settled");
      expect(await observableState(stake, nmr, addresses)).to.deep.equal(before);
      // A batch holding a stale entry goes through: the stale entry is skipped, the fresh one settles.
      const { events } = await (async () => {
        const entries = [{ account: b, to: R0 + 3n }];
        const args = [h.results(b, R0, R0 + 3n), stale];
        const tx = await stake.connect(keeper).settleBatch(args);
        const receipt = (await tx.wait())!;
        const expected = entries.flatMap(({ account, to }) => h.ref.settleUpTo(account, to));
        const got = settledEvents(stake, receipt);
        expect(got.map((e) => e.account)).to.deep.equal(expected.map((e) => e.account));
        expect(got).to.deep.equal(expected);
        return { events: got };
      })();
      expect(events).to.have.length(4);
      await h.check(b);
      await h.check(a);
      // An entry overlapping what is settled (a: R0..R0+3 with R0, R0+1 settled) settles only the rest.
      const overlapping = await (await stake.connect(keeper).settleBatch([h.results(a, R0, R0 + 3n)])).wait();
      expect(settledEvents(stake, overlapping!)).to.deep.equal(h.ref.settleUpTo(a, R0 + 3n));
      await h.check(a);
    });
  });

  describe("a settled round depends only on snapshots taken at its opening", function () {
    it("reallocations, deposits and withdrawal requests made after R0 opened do not change R0's result", async function () {
      const outcome = async (meddle: boolean) => {
        const { h, alice, bob, carol, operator, models } = await fork(baseFixture);
        await h.fund(operator, NMR(10_000));
        await h.deposit(alice, NMR(1000));
        await h.allocate(alice, [2500, 2500, 2500, 2500]);
        await h.deposit(bob, NMR(800));
        await h.allocate(bob, [0, 0, 0, 10_000]);
        await h.deposit(carol, NMR(300));
        await h.allocate(carol, [5000, 5000, 0, 0]);
        await h.open(); // R0
        if (meddle) {
          await h.allocate(alice, [10_000, 0, 0, 0]);
          await h.deposit(alice, NMR(50_000));
          await h.requestWithdrawal(bob, NMR(800)); // everything
          await h.allocate(carol, [0, 0, 0, 10_000]);
          await h.requestWithdrawal(carol, NMR(100));
        }
        await h.open(); // R0+1
        const leaves = [
          ...rates(models.alice, ["-5", "1", "2", "3"]),
          ...rates(models.bob, ["5", "5", "5", "-4"]),
          ...rates(models.carol, ["-1", "-2", "5", "5"]),
          ...others(10),
        ];
        await h.publish(R0, leaves);
        await h.publish(
          R0 + 1n,
          leaves.map((l) => ({ ...l, rate: -l.rate })),
        );
        const events: ExpectedSettled[] = [];
        for (const a of [alice, bob, carol]) events.push(...(await h.settle(a.address, R0 + 1n)).events);
        return events;
      };
      const calm = await outcome(false);
      const busy = await outcome(true);
      const r0 = (list: ExpectedSettled[]) =>
        list.filter((e) => e.round === R0).map((e) => ({ ...pick(e), burned: e.burned, paid: e.paid }));
      expect(r0(busy)).to.deep.equal(r0(calm));
      // The changes apply from R0+1: that round differs.
      const r1 = (list: ExpectedSettled[]) => list.filter((e) => e.round === R0 + 1n).map(pick);
      expect(r1(busy)).to.not.deep.equal(r1(calm));
      // bob's whole stake was requested during R0: R0's loss (-4% of 800) still comes out of the pending amount.
      expect(busy.find((e) => e.round === R0 && e.account === calm[2]!.account)).to.deep.include({
        delta: NMR(-32),
        burned: NMR(32),
        balance: 0n,
      });
    });
  });

  describe("events", function () {
    it("RewardsFunded and RoundPublished carry their values; Settled is indexed by staker and round", async function () {
      const { h, stake, alice, bob, operator, models } = await fork(baseFixture);
      await h.fund(operator, NMR(3));
      await h.fund(bob, NMR(2)); // anyone may fund: the pool is now 5
      await h.deposit(alice, NMR(100));
      await h.allocate(alice, [10_000, 0, 0, 0]);
      await h.open();
      await h.publish(
        R0,
        [...rates(models.alice, ["5", "0", "0", "0"]), ...others(11)],
        "ipfs://bafy-round-leaves.json",
      );
      const { receipt, events } = await h.settle(alice.address, R0);
      expect(events[0]).to.deep.include({ delta: NMR(5), paid: NMR(5), unpaidRewards: 0n, balance: NMR(105) });
      const log = receipt.logs.find((l) => stake.interface.parseLog(l)?.name === "Settled")!;
      expect(log.topics[1]).to.equal(ethers.zeroPadValue(alice.address.toLowerCase(), 32));
      expect(log.topics[2]).to.equal(ethers.toBeHex(R0, 32));
      expect(await stake.queryFilter(stake.filters.Settled(alice.address, R0))).to.have.length(1);
      expect(await stake.queryFilter(stake.filters.Settled(bob.address))).to.have.length(0);
      expect(settledEvents(stake, receipt)).to.deep.equal(events);
    });
  });

  describe("one pending withdrawal at a time", function () {
    /**
     * DESIGN.md, Withdrawals: a requested amount stays burnable by the rounds open when it was at risk, and no others.
     * With a single "at risk until" round per account, a request in a later round must wait for the earlier claim;
     * otherwise the first amount would become burnable by rounds that opened after it left the stake.
     */
    it("a request in a later round reverts WithdrawalPending; the first amount is burned by none of the later rounds", async function () {
      const { h, stake, nmr, admin, alice, operator, models } = await fork(baseFixture);
      // One round open at a time and a 100% cap: a single round can take everything it puts at risk.
      await oneRoundAtATime(h, admin);
      await h.fund(operator, NMR(100));
      await h.deposit(alice, NMR(100));
      await h.allocate(alice, [10_000, 0, 0, 0]);
      await h.open(); // R0: 100 at risk
      await h.requestWithdrawal(alice, NMR(30));
      await h.requestWithdrawal(alice, NMR(20)); // same round: adds up
      await h.publish(R0, [...rates(models.alice, ["0", "0", "0", "0"]), ...others(13)]);
      await h.open(); // R0+1: 50 at risk
      const before = await stake.accountOf(alice.address);
      await expect(stake.connect(alice).requestWithdrawal(NMR(50)))
        .to.be.revertedWithCustomError(stake, "WithdrawalPending")
        .withArgs(NMR(50), R0);
      expect(await stake.accountOf(alice.address)).to.deep.equal(before);
      await h.publish(R0 + 1n, [...rates(models.alice, ["-100", "0", "0", "0"]), ...others(13)]);
      await h.open(); // R0+2 opens before R0+1 is settled: 50 at risk on paper
      await h.publish(R0 + 2n, [...rates(models.alice, ["-100", "0", "0", "0"]), ...others(13)]);

      // R0+1 takes the whole stake; R0+2 finds nothing left to risk. The pending withdrawal (at risk in R0 only) is
      // untouched, though the rounds after R0 lost 200% of what they opened with.
      const supply = await nmr.totalSupply();
      const { events } = await h.settle(alice.address, R0 + 2n);
      expect(events.map((e) => [e.stakeAtRisk, e.delta, e.burned])).to.deep.equal([
        [NMR(100), 0n, 0n],
        [NMR(50), NMR(-50), NMR(50)],
        [0n, 0n, 0n],
      ]);
      expect(supply - (await nmr.totalSupply())).to.equal(NMR(50));
      const after = await stake.accountOf(alice.address);
      expect(after.pendingWithdrawal).to.equal(NMR(50));
      expect(after.balance).to.equal(0n);
      await expectTotals(stake, nmr, { pendingWithdrawals: NMR(50), rewardsPool: NMR(100) });
      expect(await h.claim(alice)).to.equal(NMR(50));
    });
  });
});
