/**
 * A bad publication never freezes an exit (review finding "A bad publication freezes an exit forever"): a published
 * round that an account cannot prove (its leaves missing from the tree, a root that matches no leaf file) counts as
 * zero for that account once the round's proof grace period is over. Before it, nothing changes (a clear
 * ProofGracePeriodActive). The path is explicit (RoundResult.unprovable) and reported (Settled.unprovable); other
 * accounts are unaffected.
 */
import { expect } from "chai";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import {
  accountRoundResult,
  buildRoundTree,
  roundFile,
  unprovableRoundResult,
  type PlainRate,
  withCumulatives,
} from "@portfolio-stake/core/results";
import { runKeeper } from "../../scripts/lib/keeper";
import { DAY, DEFAULT_PARAMS, FIRST_ROUND, NMR, RATE, deployFixture, modelIds } from "../helpers/fixtures";
import { name32 } from "../helpers/unit";
import type { ExpectedSettled } from "../helpers/reference";
import { SettlementHarness, settledEvents } from "../helpers/settlement";

const R0 = FIRST_ROUND;
const OTHERS = modelIds("other-participant", 20);

function rates(models: string[], percents: string[]): PlainRate[] {
  return models.map((modelId, i) => ({ modelId, rate: RATE(percents[i]!) / 100n }));
}
const others = (k: number): PlainRate[] =>
  OTHERS.map((modelId, i) => ({ modelId, rate: RATE(((i + k) % 9) - 4) / 100n }));

/**
 * alice 1,000 NMR on [40, 30, 20, 10]%, bob 2,000 on [100, 0, 0, 0]%, carol 500 on [0, 50, 50, 0]%; a funded pool;
 * alice asks to withdraw 400 while R0 is open (so claiming needs R0 settled); R0 and R0+1 open.
 */
async function openFixture() {
  const fx = await deployFixture();
  const h = await SettlementHarness.attach(fx, [fx.alice.address, fx.bob.address, fx.carol.address]);
  const { alice, bob, carol, operator } = fx;
  await h.fund(operator, NMR(10_000));
  await h.deposit(alice, NMR(1000));
  await h.deposit(bob, NMR(2000));
  await h.deposit(carol, NMR(500));
  await h.allocate(alice, [4000, 3000, 2000, 1000]);
  await h.allocate(bob, [10_000, 0, 0, 0]);
  await h.allocate(carol, [0, 5000, 5000, 0]);
  await h.open();
  await h.requestWithdrawal(alice, NMR(400));
  await h.open();
  return { ...fx, h };
}

/** R0 published WITHOUT alice's leaves (a tooling bug, a targeted omission); R0+1 published with everyone's. */
async function missingLeavesFixture() {
  const fx = await openFixture();
  const { h, models } = fx;
  await h.publish(R0, [
    ...rates(models.bob, ["-3", "1", "2", "3"]),
    ...rates(models.carol, ["1", "2", "-4", "5"]),
    ...others(0),
  ]);
  await h.publish(R0 + 1n, [
    ...rates(models.alice, ["2", "-1", "3", "1"]),
    ...rates(models.bob, ["1", "1", "1", "1"]),
    ...rates(models.carol, ["-1", "-2", "2", "1"]),
    ...others(1),
  ]);
  return fx;
}

/** The same, with alice's leaves in R0's tree: what bob and carol settle must not depend on alice's leaves. */
async function controlFixture() {
  const fx = await openFixture();
  const { h, models } = fx;
  await h.publish(R0, [
    ...rates(models.alice, ["-5", "-5", "-5", "-5"]),
    ...rates(models.bob, ["-3", "1", "2", "3"]),
    ...rates(models.carol, ["1", "2", "-4", "5"]),
    ...others(0),
  ]);
  return fx;
}

/** R0 published with a root that matches no leaf file: nobody can prove anything for it. */
async function badRootFixture() {
  const fx = await openFixture();
  const { stake, operator } = fx;
  const { resolvesAt } = await stake.roundInfo(R0);
  await time.increaseTo(resolvesAt);
  await stake.connect(operator).publishRound(R0, ethers.id("a root whose leaf file was lost"), "ipfs://lost");
  return fx;
}

async function fork<T extends { h: SettlementHarness }>(fixture: () => Promise<T>): Promise<T> {
  const fx = await loadFixture(fixture);
  return { ...fx, h: fx.h.fork() };
}

const unprovable = (account: string, round: bigint) => ({
  account,
  models: [],
  results: [unprovableRoundResult(round)],
});

describe("Unprovable published rounds count as zero after the proof grace period", function () {
  describe("a tree without one account's leaves", function () {
    it("before the grace: proofs fail (MissingModelResult) and the unprovable path reverts ProofGracePeriodActive, up to the proof deadline itself", async function () {
      const { h, stake, alice, keeper, outsider } = await fork(missingLeavesFixture);
      const { deadline, proofDeadline } = await stake.roundInfo(R0);
      expect(proofDeadline).to.equal(deadline + DEFAULT_PARAMS.proofGracePeriod);
      await expect(stake.connect(keeper).settle(h.results(alice.address, R0, R0))).to.be.revertedWithCustomError(
        stake,
        "MissingModelResult",
      );
      await expect(stake.connect(outsider).settle(unprovable(alice.address, R0)))
        .to.be.revertedWithCustomError(stake, "ProofGracePeriodActive")
        .withArgs(R0, proofDeadline);
      await time.setNextBlockTimestamp(proofDeadline);
      await expect(stake.connect(outsider).settle(unprovable(alice.address, R0)))
        .to.be.revertedWithCustomError(stake, "ProofGracePeriodActive")
        .withArgs(R0, proofDeadline);
      expect((await stake.accountOf(alice.address)).nextSettleRound).to.equal(R0);
    });

    it("alice's exit is frozen until the grace ends; then anyone settles her round as zero, she claims and reallocates", async function () {
      const { h, stake, nmr, alice, keeper, outsider, models } = await fork(missingLeavesFixture);
      const { proofDeadline } = await stake.roundInfo(R0);
      await time.increase(DEFAULT_PARAMS.withdrawalDelay);
      await expect(stake.connect(alice).claimWithdrawal())
        .to.be.revertedWithCustomError(stake, "RoundsUnsettled")
        .withArgs(R0, R0);

      await time.setNextBlockTimestamp(proofDeadline + 1n);
      const { events } = await h.settle(alice.address, R0, { unprovable: true, keeper: outsider });
      expect(events).to.deep.equal([
        {
          account: alice.address,
          round: R0,
          stakeAtRisk: NMR(1000),
          rates: [0n, 0n, 0n, 0n],
          delta: 0n,
          paid: 0n,
          burned: 0n,
          unpaidRewards: 0n,
          balance: NMR(600),
          unprovable: true,
        },
      ]);
      // R0 + 1 is provable: it settles with proofs, after the zero.
      await h.settle(alice.address, R0 + 1n, { keeper });

      // The withdrawal is released: exactly 400 NMR leave the contract for alice (h.claim checks both balances).
      const wallet = await nmr.balanceOf(alice.address);
      expect(await h.claim(alice)).to.equal(NMR(400));
      expect(await nmr.balanceOf(alice.address)).to.equal(wallet + NMR(400));
      // And the vector history never blocks her.
      await expect(stake.connect(alice).setAllocation(models.alice, [0, 0, 0, 10_000])).to.emit(stake, "AllocationSet");
      await h.checkTotals();
    });

    it("bob and carol are unaffected: the same events and balances as with alice's leaves in the tree", async function () {
      const broken = await fork(missingLeavesFixture);
      const control = await fork(controlFixture);
      const settleBoth = async (fx: typeof broken) => {
        const { events } = await fx.h.settleBatch([
          { account: fx.bob.address, to: R0 },
          { account: fx.carol.address, to: R0 },
        ]);
        return {
          events,
          views: [await fx.stake.accountOf(fx.bob.address), await fx.stake.accountOf(fx.carol.address)].map((v) => [
            ...v,
          ]),
        };
      };
      const got = await settleBoth(broken);
      const want = await settleBoth(control);
      expect(got).to.deep.equal(want);
      expect(got.events.map((e: ExpectedSettled) => e.unprovable)).to.deep.equal([false, false]);
      expect(got.events.some((e: ExpectedSettled) => e.delta !== 0n)).to.equal(true);
    });

    it("a keeper's batch mixes the unprovable zero with proven rounds of the same and other accounts", async function () {
      const { h, stake, alice, bob, carol } = await fork(missingLeavesFixture);
      await time.increaseTo((await stake.roundInfo(R0)).proofDeadline + 1n);
      const { events } = await h.settleBatch([
        { account: alice.address, to: R0, opts: { unprovable: true } },
        { account: bob.address, to: R0 + 1n },
        { account: carol.address, to: R0 + 1n },
      ]);
      expect(events.map((e) => [e.round, e.unprovable])).to.deep.equal([
        [R0, true],
        [R0, false],
        [R0 + 1n, false],
        [R0, false],
        [R0 + 1n, false],
      ]);
      await h.settle(alice.address, R0 + 1n); // proven
    });
  });

  describe("a root that matches no leaf file", function () {
    it("nobody can prove; before the grace it reverts, after it every account settles the round as zero in one batch", async function () {
      const { h, stake, nmr, alice, bob, carol, keeper, models } = await fork(badRootFixture);
      // An honest-looking proof against the real rates does not verify.
      const tree = buildRoundTree(
        R0,
        withCumulatives([...rates(models.bob, ["1", "1", "1", "1"]), ...others(0)], undefined, DEFAULT_PARAMS.rateCap),
      );
      await expect(
        stake.connect(keeper).settle({
          account: bob.address,
          models: models.bob,
          results: [accountRoundResult(R0, tree, models.bob)],
        }),
      )
        .to.be.revertedWithCustomError(stake, "InvalidProof")
        .withArgs(bob.address, R0);
      const { proofDeadline } = await stake.roundInfo(R0);
      const batch = [alice, bob, carol].map((s) => unprovable(s.address, R0));
      await expect(stake.connect(keeper).settleBatch(batch))
        .to.be.revertedWithCustomError(stake, "ProofGracePeriodActive")
        .withArgs(R0, proofDeadline);

      await time.increaseTo(proofDeadline + 1n);
      const supply = await nmr.totalSupply();
      const receipt = (await (await stake.connect(keeper).settleBatch(batch)).wait())!;
      const events = settledEvents(stake, receipt);
      expect(events.map((e) => [e.account, e.round, e.delta, e.burned, e.unprovable])).to.deep.equal(
        [alice, bob, carol].map((s) => [s.address, R0, 0n, 0n, true]),
      );
      for (const s of [alice, bob, carol]) {
        h.ref.settle(s.address, R0, { unprovable: true });
        await h.check(s.address);
      }
      expect(await nmr.totalSupply()).to.equal(supply);
      await expect(stake.connect(alice).claimWithdrawal()).to.changeTokenBalance(nmr, alice, NMR(400));
    });
  });

  describe("the explicit path and its parameter", function () {
    it("an unpublished round cannot be settled as unprovable (RoundNotPublished), before or after its deadline", async function () {
      const { stake, alice, keeper } = await fork(openFixture);
      await expect(stake.connect(keeper).settle(unprovable(alice.address, R0)))
        .to.be.revertedWithCustomError(stake, "RoundNotPublished")
        .withArgs(R0);
      await time.increaseTo((await stake.roundInfo(R0)).proofDeadline + 1n);
      await expect(stake.connect(keeper).settle(unprovable(alice.address, R0)))
        .to.be.revertedWithCustomError(stake, "RoundNotPublished")
        .withArgs(R0);
      // Without the flag an expired round settles as zero, reported as not unprovable.
      await expect(
        stake
          .connect(keeper)
          .settle({ account: alice.address, models: [], results: [accountRoundResult(R0, null, [])] }),
      )
        .to.emit(stake, "Settled")
        .withArgs(alice.address, R0, NMR(1000), [0, 0, 0, 0], 0, 0, 0, 0, NMR(600), false);
    });

    it("after the grace, a provable round may be settled as zero too: the operator's keeper has the whole grace to prove it", async function () {
      const { h, stake, bob, outsider } = await fork(missingLeavesFixture);
      await time.increaseTo((await stake.roundInfo(R0)).proofDeadline + 1n);
      const { events } = await h.settle(bob.address, R0, { unprovable: true, keeper: outsider });
      expect(events[0]!.unprovable).to.equal(true);
      expect(events[0]!.delta).to.equal(0n);
      // A proven settlement before the grace is final: nothing is left to settle as zero later.
      await h.settle(bob.address, R0 + 1n);
      await expect(stake.connect(outsider).settle(unprovable(bob.address, R0 + 1n))).not.to.emit(stake, "Settled");
    });

    it("proofGracePeriod: bounded [1 day, 30 days], set by the admin, fixed per round when it opens", async function () {
      const { stake, admin, operator, outsider } = await fork(openFixture);
      expect((await stake.parameters()).proofGracePeriod).to.equal(DEFAULT_PARAMS.proofGracePeriod);
      for (const bad of [DAY - 1n, 30n * DAY + 1n]) {
        await expect(stake.connect(admin).setProofGracePeriod(bad))
          .to.be.revertedWithCustomError(stake, "ParameterOutOfBounds")
          .withArgs(name32("proofGracePeriod"), bad, DAY, 30n * DAY);
      }
      await expect(stake.connect(outsider).setProofGracePeriod(DAY)).to.be.revertedWithCustomError(
        stake,
        "AccessControlUnauthorizedAccount",
      );
      const before = await stake.roundInfo(R0 + 1n);
      // A longer grace keeps rounds open longer: (21 + 7 + 30 days) / 2 days + 1 = 30 rounds x 5% is too much of a
      // stake with R = 1; R = 2 makes room (75%).
      await expect(stake.connect(admin).setProofGracePeriod(30n * DAY))
        .to.be.revertedWithCustomError(stake, "ExposureTooHigh")
        .withArgs(30n, DEFAULT_PARAMS.rateCap, 1n);
      await stake.connect(admin).setSliceDivisor(2n);
      await expect(stake.connect(admin).setProofGracePeriod(30n * DAY))
        .to.emit(stake, "ParameterUpdated")
        .withArgs(name32("proofGracePeriod"), DEFAULT_PARAMS.proofGracePeriod, 30n * DAY);
      expect((await stake.roundInfo(R0 + 1n)).proofDeadline).to.equal(before.proofDeadline);
      await time.increase(DEFAULT_PARAMS.minRoundInterval);
      const tx = await stake.connect(operator).openRound();
      const info = await stake.roundInfo(R0 + 2n);
      expect(info.proofDeadline).to.equal(info.deadline + 30n * DAY);
      await expect(tx)
        .to.emit(stake, "RoundOpened")
        .withArgs(R0 + 2n, info.openedAt, info.resolvesAt, info.deadline, info.proofDeadline, info.rateCap, 2n);
      expect(info.rateCap).to.equal(DEFAULT_PARAMS.rateCap);
    });
  });

  describe("the keeper job (scripts/lib/keeper.ts)", function () {
    /** The leaf files of the published rounds the harness knows (what the operator job writes). */
    function leafFiles(h: SettlementHarness): string {
      const dir = mkdtempSync(path.join(tmpdir(), "portfolio-stake-unprovable-"));
      for (const [round, tree] of h.trees) {
        writeFileSync(path.join(dir, `round-${round}.json`), JSON.stringify(roundFile(round, tree)));
      }
      return dir;
    }

    it("a lost leaf file: blocked until the proof deadline (said so), then every account settles it as zero", async function () {
      const { h, stake, keeper, alice, bob, carol } = await fork(badRootFixture);
      const dir = leafFiles(h); // no file for R0: its root matches no leaf file anyway
      const accounts = [alice, bob, carol].map((s) => s.address);
      const early = await runKeeper(stake.connect(keeper), { roundsDir: dir, accounts });
      expect(early.settledAccountRounds).to.equal(0);
      expect(early.blocked).to.have.length(1);
      expect(early.blocked[0]!.round).to.equal(R0);
      expect(early.blocked[0]!.reason).to.match(/leaf file .* is missing \(it settles as zero after .*\)/);

      await time.increaseTo((await stake.roundInfo(R0)).proofDeadline + 1n);
      const late = await runKeeper(stake.connect(keeper), { roundsDir: dir, accounts });
      expect(late.blocked).to.deep.equal([]);
      expect(late.failures).to.deep.equal([]);
      for (const account of accounts) {
        const [event] = await stake.queryFilter(stake.filters.Settled(account, R0));
        expect(event!.args.unprovable).to.equal(true);
        expect((await stake.accountOf(account)).nextSettleRound).to.be.greaterThan(R0);
      }
    });

    it("a tree without one account's leaves: the others settle, that account fails until the proof deadline, then settles as zero and goes on with proofs", async function () {
      const { h, stake, keeper, alice, bob, carol } = await fork(missingLeavesFixture);
      const dir = leafFiles(h);
      const accounts = [alice, bob, carol].map((s) => s.address);
      const early = await runKeeper(stake.connect(keeper), { roundsDir: dir, accounts });
      expect(early.failures).to.have.length(1);
      expect(early.failures[0]!.accounts).to.deep.equal([alice.address]);
      expect(early.failures[0]!.reason).to.match(/MissingModelResult/);
      for (const s of [bob, carol]) expect((await stake.accountOf(s.address)).nextSettleRound).to.equal(R0 + 2n);
      expect((await stake.accountOf(alice.address)).nextSettleRound).to.equal(R0);

      await time.increaseTo((await stake.roundInfo(R0)).proofDeadline + 1n);
      const late = await runKeeper(stake.connect(keeper), { roundsDir: dir, accounts });
      expect(late.failures).to.deep.equal([]);
      const events = await stake.queryFilter(stake.filters.Settled(alice.address));
      expect(events.map((e) => [e.args.round, e.args.unprovable])).to.deep.equal([
        [R0, true],
        [R0 + 1n, false],
      ]);
    });
  });
});
