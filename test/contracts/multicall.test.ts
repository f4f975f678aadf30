/**
 * multicall: several calls of one caller in one atomic transaction.
 *
 * Conventions (test/helpers/unit.ts): every rejection is checked with its exact custom error (and arguments) AND an
 * unchanged snapshot of all observable state (`expectRejected`); rounds that must be settled are settled as rounds that
 * expired unpublished (empty results, counted as zero).
 */
import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { NMR, deployFixture, evenBps, openRound } from "../helpers/fixtures";
import { R0, expectRejected, settleExpired, weightsAt } from "../helpers/unit";

describe("PortfolioStake", function () {
  describe("multicall", function () {
    it("a manager rebalances two accounts it manages in one transaction", async function () {
      const { stake, alice, bob, manager, models } = await loadFixture(deployFixture);
      await stake.connect(alice).setManager(manager.address);
      await stake.connect(bob).setManager(manager.address);
      const calls = [
        stake.interface.encodeFunctionData("setAllocationFor", [alice.address, models.alice, [7000, 1000, 1000, 1000]]),
        stake.interface.encodeFunctionData("setAllocationFor", [bob.address, [models.bob[3]], [10_000]]),
      ];
      await expect(stake.connect(manager).multicall(calls))
        .to.emit(stake, "AllocationSet")
        .withArgs(alice.address, R0, manager.address, [7000, 1000, 1000, 1000])
        .and.to.emit(stake, "AllocationSet")
        .withArgs(bob.address, R0, manager.address, [0, 0, 0, 10_000]);
      expect(await weightsAt(stake, alice.address, R0)).to.deep.equal([7000n, 1000n, 1000n, 1000n]);
      expect(await weightsAt(stake, bob.address, R0)).to.deep.equal([0n, 0n, 0n, 10_000n]);
    });

    it("is atomic: one unauthorised call reverts the whole batch with its error", async function () {
      const fx = await loadFixture(deployFixture);
      const { stake, alice, bob, manager, models } = fx;
      await stake.connect(alice).setManager(manager.address);
      const calls = [
        stake.interface.encodeFunctionData("setAllocationFor", [alice.address, models.alice, evenBps(4)]),
        stake.interface.encodeFunctionData("setAllocationFor", [bob.address, models.bob, evenBps(4)]),
      ];
      await expectRejected(fx, () => stake.connect(manager).multicall(calls), "NotStakerOrManager", [
        manager.address,
        bob.address,
      ]);
    });

    it("a staker deposits, sets a vector and a manager in one transaction", async function () {
      const { stake, alice, manager, models } = await loadFixture(deployFixture);
      const calls = [
        stake.interface.encodeFunctionData("deposit", [NMR(10)]),
        stake.interface.encodeFunctionData("setAllocation", [models.alice, [2500, 2500, 2500, 2500]]),
        stake.interface.encodeFunctionData("setManager", [manager.address]),
      ];
      await expect(stake.connect(alice).multicall(calls))
        .to.emit(stake, "Deposited")
        .withArgs(alice.address, NMR(10), NMR(10), R0)
        .and.to.emit(stake, "AllocationSet")
        .withArgs(alice.address, R0, alice.address, [2500, 2500, 2500, 2500])
        .and.to.emit(stake, "ManagerSet")
        .withArgs(alice.address, manager.address);
      expect(await stake.modelStakesAt(alice.address, R0)).to.deep.equal([NMR(2.5), NMR(2.5), NMR(2.5), NMR(2.5)]);
    });

    it("claims a released withdrawal and requests a new one in one transaction", async function () {
      const { stake, nmr, alice, operator, keeper } = await loadFixture(deployFixture);
      await stake.connect(alice).deposit(NMR(100));
      await openRound(stake, operator);
      await stake.connect(alice).requestWithdrawal(NMR(10));
      await settleExpired(stake, keeper, alice.address, R0, R0);
      const r = await openRound(stake, operator);
      const calls = [
        stake.interface.encodeFunctionData("claimWithdrawal"),
        stake.interface.encodeFunctionData("requestWithdrawal", [NMR(20)]),
      ];
      const tx = stake.connect(alice).multicall(calls);
      await expect(tx).to.emit(stake, "WithdrawalClaimed").withArgs(alice.address, NMR(10));
      await expect(tx).to.changeTokenBalance(nmr, alice, NMR(10));
      const v = await stake.accountOf(alice.address);
      expect([v.balance, v.pendingWithdrawal, v.withdrawalLastRound]).to.deep.equal([NMR(70), NMR(20), r]);
    });
  });
});
