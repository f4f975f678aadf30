/**
 * Withdrawals: requestWithdrawal, claimWithdrawal (delay, rounds at risk settled), and a manager can never withdraw the
 * staker's NMR.
 *
 * Conventions (test/helpers/unit.ts): every rejection is checked with its exact custom error (and arguments) AND an
 * unchanged snapshot of all observable state (`expectRejected`); rounds that must be settled are settled as rounds that
 * expired unpublished (empty results, counted as zero).
 */
import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { DAY, DEFAULT_PARAMS, NMR, deployFixture, openRound } from "../helpers/fixtures";
import {
  R0,
  BEFORE,
  expectRejected,
  expectTotals,
  nextTimestamp,
  passDeadline,
  settleExpired,
  modelStakes,
} from "../helpers/unit";

describe("PortfolioStake", function () {
  describe("requestWithdrawal", function () {
    it("before any round: WithdrawalRequested(amount, pending, balance, lastAtRisk, now + delay), totals, stake", async function () {
      const { stake, nmr, alice } = await loadFixture(deployFixture);
      await stake.connect(alice).deposit(NMR(100));
      const t = await nextTimestamp();
      const tx = stake.connect(alice).requestWithdrawal(NMR(40));
      await expect(tx)
        .to.emit(stake, "WithdrawalRequested")
        .withArgs(alice.address, NMR(40), NMR(40), NMR(60), BEFORE, t + DEFAULT_PARAMS.withdrawalDelay);
      await expect(tx).to.changeTokenBalances(nmr, [alice, stake], [0n, 0n]);
      const v = await stake.accountOf(alice.address);
      expect(v.balance).to.equal(NMR(60));
      expect(v.pendingWithdrawal).to.equal(NMR(40));
      expect(v.withdrawalLastRound).to.equal(BEFORE);
      expect(v.withdrawalReleaseAt).to.equal(t + DEFAULT_PARAMS.withdrawalDelay);
      await expectTotals(stake, nmr, { staked: NMR(60), pendingWithdrawals: NMR(40) });
      expect(await stake.stakeAt(alice.address, R0)).to.equal(NMR(60));
    });

    it("during round r: stakeAt(r) unchanged, stakeAt(r + 1) reduced, at risk until r", async function () {
      const { stake, alice, operator, models } = await loadFixture(deployFixture);
      await stake.connect(alice).deposit(NMR(100));
      await stake.connect(alice).setAllocation(models.alice, [1000, 2000, 3000, 4000]);
      const r = await openRound(stake, operator);
      const t = await nextTimestamp();
      await expect(stake.connect(alice).requestWithdrawal(NMR(30)))
        .to.emit(stake, "WithdrawalRequested")
        .withArgs(alice.address, NMR(30), NMR(30), NMR(70), r, t + DEFAULT_PARAMS.withdrawalDelay);
      expect(await stake.stakeAt(alice.address, r)).to.equal(NMR(100));
      expect(await stake.stakeAt(alice.address, r + 1n)).to.equal(NMR(70));
      expect(await stake.modelStakesAt(alice.address, r)).to.deep.equal(
        modelStakes(NMR(100), [1000, 2000, 3000, 4000]),
      );
      expect(await stake.modelStakesAt(alice.address, r + 1n)).to.deep.equal(
        modelStakes(NMR(70), [1000, 2000, 3000, 4000]),
      );
      expect((await stake.accountOf(alice.address)).withdrawalLastRound).to.equal(r);
    });

    it("requests in the same round add up; the release time moves to the latest request", async function () {
      const { stake, nmr, alice, operator } = await loadFixture(deployFixture);
      await stake.connect(alice).deposit(NMR(100));
      const r = await openRound(stake, operator);
      await stake.connect(alice).requestWithdrawal(NMR(10));
      const t = BigInt(await time.latest()) + DAY;
      await time.setNextBlockTimestamp(t);
      await expect(stake.connect(alice).requestWithdrawal(NMR(15)))
        .to.emit(stake, "WithdrawalRequested")
        .withArgs(alice.address, NMR(15), NMR(25), NMR(75), r, t + DEFAULT_PARAMS.withdrawalDelay);
      const v = await stake.accountOf(alice.address);
      expect(v.pendingWithdrawal).to.equal(NMR(25));
      expect(v.withdrawalReleaseAt).to.equal(t + DEFAULT_PARAMS.withdrawalDelay);
      await expectTotals(stake, nmr, { staked: NMR(75), pendingWithdrawals: NMR(25) });
      expect(await stake.stakeAt(alice.address, r + 1n)).to.equal(NMR(75));
    });

    it("the whole balance may be requested: nothing at risk from the next round", async function () {
      const { stake, alice, operator } = await loadFixture(deployFixture);
      await stake.connect(alice).deposit(NMR(100));
      const r = await openRound(stake, operator);
      await stake.connect(alice).requestWithdrawal(NMR(100));
      expect((await stake.accountOf(alice.address)).balance).to.equal(0n);
      expect(await stake.stakeAt(alice.address, r)).to.equal(NMR(100));
      expect(await stake.stakeAt(alice.address, r + 1n)).to.equal(0n);
    });

    it("uses the delay in force at the request; a later change does not move it", async function () {
      const { stake, alice, admin } = await loadFixture(deployFixture);
      await stake.connect(alice).deposit(NMR(100));
      await stake.connect(admin).setWithdrawalDelay(2n * DAY);
      const t = await nextTimestamp();
      await stake.connect(alice).requestWithdrawal(NMR(1));
      await stake.connect(admin).setWithdrawalDelay(30n * DAY);
      expect((await stake.accountOf(alice.address)).withdrawalReleaseAt).to.equal(t + 2n * DAY);
    });

    it("rejects a zero amount (ZeroAmount)", async function () {
      const fx = await loadFixture(deployFixture);
      await fx.stake.connect(fx.alice).deposit(NMR(100));
      await expectRejected(fx, () => fx.stake.connect(fx.alice).requestWithdrawal(0), "ZeroAmount", []);
    });

    it("rejects more than the balance (InsufficientBalance(requested, available))", async function () {
      const fx = await loadFixture(deployFixture);
      await fx.stake.connect(fx.alice).deposit(NMR(100));
      await expectRejected(
        fx,
        () => fx.stake.connect(fx.alice).requestWithdrawal(NMR(100) + 1n),
        "InsufficientBalance",
        [NMR(100) + 1n, NMR(100)],
      );
    });

    it("rejects a request beyond what is left after an earlier request", async function () {
      const fx = await loadFixture(deployFixture);
      await fx.stake.connect(fx.alice).deposit(NMR(100));
      await fx.stake.connect(fx.alice).requestWithdrawal(NMR(70));
      await expectRejected(fx, () => fx.stake.connect(fx.alice).requestWithdrawal(NMR(31)), "InsufficientBalance", [
        NMR(31),
        NMR(30),
      ]);
    });

    it("rejects an account that never deposited (InsufficientBalance(x, 0))", async function () {
      const fx = await loadFixture(deployFixture);
      await expectRejected(fx, () => fx.stake.connect(fx.outsider).requestWithdrawal(1n), "InsufficientBalance", [
        1n,
        0n,
      ]);
    });

    it("rejects a second request in a later round while one is pending (WithdrawalPending)", async function () {
      const fx = await loadFixture(deployFixture);
      await fx.stake.connect(fx.alice).deposit(NMR(100));
      const r = await openRound(fx.stake, fx.operator);
      await fx.stake.connect(fx.alice).requestWithdrawal(NMR(40));
      await openRound(fx.stake, fx.operator);
      await expectRejected(fx, () => fx.stake.connect(fx.alice).requestWithdrawal(NMR(1)), "WithdrawalPending", [
        NMR(40),
        r,
      ]);
    });

    it("works while paused", async function () {
      const { stake, nmr, alice, pauser } = await loadFixture(deployFixture);
      await stake.connect(alice).deposit(NMR(100));
      await stake.connect(pauser).pause();
      await expect(stake.connect(alice).requestWithdrawal(NMR(100))).to.emit(stake, "WithdrawalRequested");
      await expectTotals(stake, nmr, { pendingWithdrawals: NMR(100) });
    });
  });

  describe("claimWithdrawal", function () {
    /** alice: 100 NMR deposited before round R0, 40 requested during R0 (at risk until R0). */
    async function requestedInR0() {
      const fx = await loadFixture(deployFixture);
      await fx.stake.connect(fx.alice).deposit(NMR(100));
      await openRound(fx.stake, fx.operator);
      await fx.stake.connect(fx.alice).requestWithdrawal(NMR(40));
      const { withdrawalReleaseAt } = await fx.stake.accountOf(fx.alice.address);
      return { ...fx, releaseAt: withdrawalReleaseAt };
    }

    it("pays the pending amount once released and the round at risk is settled: WithdrawalClaimed, transfer, totals", async function () {
      const fx = await requestedInR0();
      const { stake, nmr, alice, keeper } = fx;
      await settleExpired(stake, keeper, alice.address, R0, R0);
      expect((await stake.accountOf(alice.address)).nextSettleRound).to.equal(R0 + 1n);
      const tx = stake.connect(alice).claimWithdrawal();
      await expect(tx).to.emit(stake, "WithdrawalClaimed").withArgs(alice.address, NMR(40));
      await expect(tx).to.changeTokenBalances(nmr, [stake, alice], [-NMR(40), NMR(40)]);
      const v = await stake.accountOf(alice.address);
      expect(v.pendingWithdrawal).to.equal(0n);
      expect(v.balance).to.equal(NMR(60));
      await expectTotals(stake, nmr, { staked: NMR(60) });
    });

    it("rejects before the release time (WithdrawalLocked(releaseAt)), even with the rounds settled", async function () {
      const fx = await loadFixture(deployFixture);
      const { stake, alice, admin, operator, keeper } = fx;
      await stake.connect(admin).setWithdrawalDelay(60n * DAY);
      await stake.connect(alice).deposit(NMR(100));
      await openRound(stake, operator);
      await stake.connect(alice).requestWithdrawal(NMR(40));
      const { withdrawalReleaseAt } = await stake.accountOf(alice.address);
      await expectRejected(fx, () => stake.connect(alice).claimWithdrawal(), "WithdrawalLocked", [withdrawalReleaseAt]);
      await settleExpired(stake, keeper, alice.address, R0, R0);
      await time.setNextBlockTimestamp(withdrawalReleaseAt - 1n);
      await expectRejected(fx, () => stake.connect(alice).claimWithdrawal(), "WithdrawalLocked", [withdrawalReleaseAt]);
    });

    it("succeeds in the block whose timestamp equals the release time", async function () {
      const fx = await loadFixture(deployFixture);
      const { stake, alice, admin, operator, keeper } = fx;
      await stake.connect(admin).setWithdrawalDelay(60n * DAY);
      await stake.connect(alice).deposit(NMR(100));
      await openRound(stake, operator);
      await stake.connect(alice).requestWithdrawal(NMR(40));
      const { withdrawalReleaseAt } = await stake.accountOf(alice.address);
      await settleExpired(stake, keeper, alice.address, R0, R0); // R0's deadline (28 days) is before the release
      await time.setNextBlockTimestamp(withdrawalReleaseAt);
      await expect(stake.connect(alice).claimWithdrawal())
        .to.emit(stake, "WithdrawalClaimed")
        .withArgs(alice.address, NMR(40));
    });

    it("rejects after the delay while the round at risk is unsettled (RoundsUnsettled(next, lastAtRisk))", async function () {
      const fx = await requestedInR0();
      await time.increaseTo(fx.releaseAt);
      await expectRejected(fx, () => fx.stake.connect(fx.alice).claimWithdrawal(), "RoundsUnsettled", [R0, R0]);
      // Still unsettled once the round expired: settlement must happen first.
      await passDeadline(fx.stake, R0);
      await expectRejected(fx, () => fx.stake.connect(fx.alice).claimWithdrawal(), "RoundsUnsettled", [R0, R0]);
    });

    it("rejects while only some of the rounds at risk are settled", async function () {
      const fx = await loadFixture(deployFixture);
      const { stake, alice, operator, keeper } = fx;
      await stake.connect(alice).deposit(NMR(100));
      await openRound(stake, operator);
      await openRound(stake, operator);
      const r = await openRound(stake, operator); // R0 + 2
      await stake.connect(alice).requestWithdrawal(NMR(40));
      await settleExpired(stake, keeper, alice.address, R0, r - 1n);
      await expectRejected(fx, () => stake.connect(alice).claimWithdrawal(), "RoundsUnsettled", [r, r]);
      await settleExpired(stake, keeper, alice.address, r, r);
      await expect(stake.connect(alice).claimWithdrawal())
        .to.emit(stake, "WithdrawalClaimed")
        .withArgs(alice.address, NMR(40));
    });

    it("a request made before any round was never at risk: claimable after the delay alone", async function () {
      const { stake, nmr, alice } = await loadFixture(deployFixture);
      await stake.connect(alice).deposit(NMR(100));
      await stake.connect(alice).requestWithdrawal(NMR(100));
      await time.increase(DEFAULT_PARAMS.withdrawalDelay);
      await expect(stake.connect(alice).claimWithdrawal())
        .to.emit(stake, "WithdrawalClaimed")
        .withArgs(alice.address, NMR(100));
      await expectTotals(stake, nmr, {});
    });

    it("rejects a second claim (NothingToClaim)", async function () {
      const fx = await requestedInR0();
      await settleExpired(fx.stake, fx.keeper, fx.alice.address, R0, R0);
      await fx.stake.connect(fx.alice).claimWithdrawal();
      await expectRejected(fx, () => fx.stake.connect(fx.alice).claimWithdrawal(), "NothingToClaim", []);
    });

    it("rejects an account that never requested (NothingToClaim)", async function () {
      const fx = await loadFixture(deployFixture);
      await fx.stake.connect(fx.alice).deposit(NMR(100));
      await expectRejected(fx, () => fx.stake.connect(fx.alice).claimWithdrawal(), "NothingToClaim", []);
      await expectRejected(fx, () => fx.stake.connect(fx.outsider).claimWithdrawal(), "NothingToClaim", []);
    });

    it("after a claim, a new request in a later round is accepted", async function () {
      const fx = await requestedInR0();
      const { stake, alice, operator, keeper } = fx;
      await settleExpired(stake, keeper, alice.address, R0, R0);
      await stake.connect(alice).claimWithdrawal();
      const r = await openRound(stake, operator);
      await expect(stake.connect(alice).requestWithdrawal(NMR(60)))
        .to.emit(stake, "WithdrawalRequested")
        .withArgs(alice.address, NMR(60), NMR(60), 0n, r, (v: bigint) => v > 0n);
    });

    it("works while paused (exits are never blocked by the pauser)", async function () {
      const fx = await requestedInR0();
      const { stake, nmr, alice, keeper, pauser } = fx;
      await stake.connect(pauser).pause();
      await settleExpired(stake, keeper, alice.address, R0, R0);
      await expect(stake.connect(alice).claimWithdrawal()).to.changeTokenBalance(nmr, alice, NMR(40));
    });
  });

  describe("a manager cannot withdraw the staker's NMR", function () {
    it("requestWithdrawal by the manager acts on its own empty account (InsufficientBalance) and alice keeps her stake", async function () {
      const fx = await loadFixture(deployFixture);
      const { stake, alice, manager } = fx;
      await stake.connect(alice).setManager(manager.address);
      await stake.connect(alice).deposit(NMR(100));
      await expectRejected(fx, () => stake.connect(manager).requestWithdrawal(NMR(1)), "InsufficientBalance", [
        NMR(1),
        0n,
      ]);
      expect((await stake.accountOf(alice.address)).balance).to.equal(NMR(100));
    });

    it("claimWithdrawal by the manager finds nothing (NothingToClaim) while alice's claimable withdrawal stays hers", async function () {
      const fx = await loadFixture(deployFixture);
      const { stake, nmr, alice, manager } = fx;
      await stake.connect(alice).setManager(manager.address);
      await stake.connect(alice).deposit(NMR(100));
      await stake.connect(alice).requestWithdrawal(NMR(50));
      await time.increase(DEFAULT_PARAMS.withdrawalDelay);
      await expectRejected(fx, () => stake.connect(manager).claimWithdrawal(), "NothingToClaim", []);
      const v = await stake.accountOf(alice.address);
      expect([v.balance, v.pendingWithdrawal]).to.deep.equal([NMR(50), NMR(50)]);
      await expect(stake.connect(alice).claimWithdrawal()).to.changeTokenBalances(nmr, [alice, manager], [NMR(50), 0n]);
    });
  });
});
