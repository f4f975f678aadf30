/**
 * The views: accountOf, allocationAt, modelStakesAt, stakeAt, totals, nonces.
 *
 * Conventions (test/helpers/unit.ts): every rejection is checked with its exact custom error (and arguments) AND an
 * unchanged snapshot of all observable state (`expectRejected`); rounds that must be settled are settled as rounds that
 * expired unpublished (empty results, counted as zero).
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { DEFAULT_PARAMS, NMR, deployFixture, evenBps, openRound } from "../helpers/fixtures";
import { signAllocation } from "../helpers/eip712";
import { R0, FAR_FUTURE, UINT32_MAX, accountObject, expectTotals, modelStakes, nextTimestamp } from "../helpers/unit";

describe("PortfolioStake", function () {
  describe("views", function () {
    it("an unknown account reads as empty: no models, no vector, no stake, nonce 0, zero view", async function () {
      const { stake, outsider } = await loadFixture(deployFixture);
      expect(await stake.modelsOf(outsider.address)).to.deep.equal([]);
      expect(await stake.allocationAt(outsider.address, R0)).to.deep.equal([[], []]);
      expect(await stake.modelStakesAt(outsider.address, R0)).to.deep.equal([]);
      expect(await stake.stakeAt(outsider.address, R0)).to.equal(0n);
      expect(await stake.nonces(outsider.address)).to.equal(0n);
      expect(accountObject(await stake.accountOf(outsider.address))).to.deep.equal({
        balance: 0n,
        pendingWithdrawal: 0n,
        withdrawalLastRound: 0n,
        withdrawalReleaseAt: 0n,
        nextSettleRound: 0n,
        unpaidRewards: 0n,
        claimableRewards: 0n,
        totalRewarded: 0n,
        totalBurned: 0n,
        manager: ethers.ZeroAddress,
        modelCount: 0n,
        allocationCount: 0n,
        lastAllocationRound: 0n,
      });
    });

    it("registered models without a vector read as zero weights; a stake without a vector puts nothing on models", async function () {
      const { stake, alice, models } = await loadFixture(deployFixture);
      await stake.connect(alice).deposit(NMR(100));
      expect(await stake.allocationAt(alice.address, R0)).to.deep.equal([models.alice, [0n, 0n, 0n, 0n]]);
      expect(await stake.modelStakesAt(alice.address, R0)).to.deep.equal([0n, 0n, 0n, 0n]);
      expect(await stake.stakeAt(alice.address, R0)).to.equal(NMR(100));
    });

    it("modelStakesAt is stake x weight / 10,000 rounded down per model", async function () {
      const { stake, alice, models } = await loadFixture(deployFixture);
      const amount = 999_999_999_999_999_999n; // odd amount: every product truncates
      const bps = [1, 3333, 3333, 3333];
      await stake.connect(alice).deposit(amount);
      await stake.connect(alice).setAllocation(models.alice, bps);
      const stakes = await stake.modelStakesAt(alice.address, R0);
      expect(stakes).to.deep.equal([
        99_999_999_999_999n,
        333_299_999_999_999_999n,
        333_299_999_999_999_999n,
        333_299_999_999_999_999n,
      ]);
      expect(stakes).to.deep.equal(modelStakes(amount, bps));
    });

    it("stakeAt for a future round is the stake as things stand now", async function () {
      const { stake, alice, operator } = await loadFixture(deployFixture);
      await stake.connect(alice).deposit(NMR(100));
      await openRound(stake, operator);
      await stake.connect(alice).deposit(NMR(5));
      expect(await stake.stakeAt(alice.address, R0 + 1000n)).to.equal(NMR(105));
      expect(await stake.stakeAt(alice.address, UINT32_MAX)).to.equal(NMR(105));
    });

    it("sliceAt is stakeAt / R rounded down: the round's own R once opened, the current parameter before", async function () {
      const { stake, admin, alice, outsider, operator } = await loadFixture(deployFixture);
      const amount = NMR(1000) + 6n; // 1,000 NMR + 6 wei: divisions by 4 and 7 truncate
      await stake.connect(alice).deposit(amount);
      expect(await stake.sliceAt(alice.address, R0)).to.equal(amount); // R = 1
      await stake.connect(admin).setSliceDivisor(4n);
      expect(await stake.sliceAt(alice.address, R0)).to.equal(amount / 4n);
      await openRound(stake, operator); // R0 opens with R = 4
      await stake.connect(admin).setSliceDivisor(7n);
      expect(await stake.sliceAt(alice.address, R0)).to.equal(250n * 10n ** 18n + 1n);
      expect(await stake.sliceAt(alice.address, R0 + 1n)).to.equal(142_857_142_857_142_857_143n); // floor(amount / 7)
      expect(await stake.sliceAt(alice.address, UINT32_MAX)).to.equal(amount / 7n);
      expect(await stake.sliceAt(outsider.address, R0)).to.equal(0n);
    });

    it("accountOf reports every field after a sequence of actions", async function () {
      const { stake, alice, manager, operator, models } = await loadFixture(deployFixture);
      await stake.connect(alice).deposit(NMR(100));
      await stake.connect(alice).setAllocation(models.alice, evenBps(4));
      await stake.connect(alice).setManager(manager.address);
      const r = await openRound(stake, operator);
      await stake.connect(manager).setAllocationFor(alice.address, [models.alice[0]], [10_000]);
      const t = await nextTimestamp();
      await stake.connect(alice).requestWithdrawal(NMR(25));
      expect(accountObject(await stake.accountOf(alice.address))).to.deep.equal({
        balance: NMR(75),
        pendingWithdrawal: NMR(25),
        withdrawalLastRound: r,
        withdrawalReleaseAt: t + DEFAULT_PARAMS.withdrawalDelay,
        nextSettleRound: R0,
        unpaidRewards: 0n,
        claimableRewards: 0n,
        totalRewarded: 0n,
        totalBurned: 0n,
        manager: manager.address,
        modelCount: 4n,
        allocationCount: 2n,
        lastAllocationRound: r + 1n,
      });
    });

    it("totals sum stakes, pending withdrawals and the rewards pool across accounts (nothing owed)", async function () {
      const { stake, nmr, alice, bob, operator } = await loadFixture(deployFixture);
      await stake.connect(alice).deposit(NMR(100));
      await stake.connect(bob).deposit(NMR(50));
      await stake.connect(alice).requestWithdrawal(NMR(30));
      await stake.connect(bob).requestWithdrawal(NMR(5));
      await stake.connect(operator).fundRewards(NMR(7));
      await expectTotals(stake, nmr, { staked: NMR(115), pendingWithdrawals: NMR(35), rewardsPool: NMR(7) });
    });

    it("nonces are per account", async function () {
      const { stake, alice, bob, keeper, models } = await loadFixture(deployFixture);
      const message = {
        account: alice.address,
        modelIds: models.alice,
        bps: evenBps(4),
        nonce: 0n,
        deadline: FAR_FUTURE,
      };
      const sig = await signAllocation(stake, alice, message);
      await stake.connect(keeper).setAllocationBySig(alice.address, models.alice, evenBps(4), 0n, FAR_FUTURE, sig);
      expect(await stake.nonces(alice.address)).to.equal(1n);
      expect(await stake.nonces(bob.address)).to.equal(0n);
    });
  });
});
