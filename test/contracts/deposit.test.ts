/**
 * deposit: locking NMR from the next round, totals, stake history, token errors, pause.
 *
 * Conventions (test/helpers/unit.ts): every rejection is checked with its exact custom error (and arguments) AND an
 * unchanged snapshot of all observable state (`expectRejected`); rounds that must be settled are settled as rounds that
 * expired unpublished (empty results, counted as zero).
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { NMR, deployFixture, mintTo, openRound } from "../helpers/fixtures";
import { R0, BEFORE, expectRejected, expectTotals } from "../helpers/unit";

describe("PortfolioStake", function () {
  describe("deposit", function () {
    it("locks NMR from the next round: Deposited, balance, totals, stake history, token transfer", async function () {
      const { stake, nmr, alice } = await loadFixture(deployFixture);
      const tx = stake.connect(alice).deposit(NMR(100));
      await expect(tx).to.emit(stake, "Deposited").withArgs(alice.address, NMR(100), NMR(100), R0);
      await expect(tx).to.changeTokenBalances(nmr, [alice, stake], [-NMR(100), NMR(100)]);
      const v = await stake.accountOf(alice.address);
      expect(v.balance).to.equal(NMR(100));
      expect(v.pendingWithdrawal).to.equal(0n);
      expect(v.nextSettleRound).to.equal(R0);
      await expectTotals(stake, nmr, { staked: NMR(100) });
      expect(await stake.stakeAt(alice.address, BEFORE)).to.equal(0n);
      expect(await stake.stakeAt(alice.address, R0)).to.equal(NMR(100));
      expect(await stake.stakeAt(alice.address, R0 + 100n)).to.equal(NMR(100));
    });

    it("a deposit during round r adds to the balance from r + 1 and leaves round r's stake", async function () {
      const { stake, nmr, alice, operator } = await loadFixture(deployFixture);
      await stake.connect(alice).deposit(NMR(100));
      const r = await openRound(stake, operator);
      await expect(stake.connect(alice).deposit(NMR(50)))
        .to.emit(stake, "Deposited")
        .withArgs(alice.address, NMR(50), NMR(150), r + 1n);
      expect(await stake.stakeAt(alice.address, r)).to.equal(NMR(100));
      expect(await stake.stakeAt(alice.address, r + 1n)).to.equal(NMR(150));
      expect((await stake.accountOf(alice.address)).balance).to.equal(NMR(150));
      await expectTotals(stake, nmr, { staked: NMR(150) });
    });

    it("two deposits in the same round merge into one stake for the next round", async function () {
      const { stake, alice } = await loadFixture(deployFixture);
      await stake.connect(alice).deposit(NMR(1));
      await expect(stake.connect(alice).deposit(NMR(2)))
        .to.emit(stake, "Deposited")
        .withArgs(alice.address, NMR(2), NMR(3), R0);
      expect(await stake.stakeAt(alice.address, R0)).to.equal(NMR(3));
    });

    it("the first deposit fixes the account's first round to settle; later deposits leave it", async function () {
      const { stake, alice, bob, operator } = await loadFixture(deployFixture);
      expect((await stake.accountOf(alice.address)).nextSettleRound).to.equal(0n);
      await stake.connect(alice).deposit(NMR(1));
      const r = await openRound(stake, operator);
      await stake.connect(alice).deposit(NMR(1));
      await stake.connect(bob).deposit(NMR(1));
      expect((await stake.accountOf(alice.address)).nextSettleRound).to.equal(R0);
      expect((await stake.accountOf(bob.address)).nextSettleRound).to.equal(r + 1n);
    });

    it("deposits of several stakers add up in totals; each account keeps its own balance", async function () {
      const { stake, nmr, alice, bob, carol } = await loadFixture(deployFixture);
      await stake.connect(alice).deposit(NMR(10));
      await stake.connect(bob).deposit(NMR(20));
      await stake.connect(carol).deposit(NMR(30));
      await expectTotals(stake, nmr, { staked: NMR(60) });
      expect(await nmr.balanceOf(await stake.getAddress())).to.equal(NMR(60));
      expect((await stake.accountOf(bob.address)).balance).to.equal(NMR(20));
      expect(await stake.stakeAt(carol.address, R0)).to.equal(NMR(30));
    });

    it("accepts 1 wei", async function () {
      const { stake, alice } = await loadFixture(deployFixture);
      await expect(stake.connect(alice).deposit(1n)).to.emit(stake, "Deposited").withArgs(alice.address, 1n, 1n, R0);
    });

    it("rejects a zero amount (ZeroAmount)", async function () {
      const fx = await loadFixture(deployFixture);
      await expectRejected(fx, () => fx.stake.connect(fx.alice).deposit(0), "ZeroAmount", []);
    });

    it("rejects a deposit without allowance (the token's InsufficientAllowance)", async function () {
      const fx = await loadFixture(deployFixture);
      await mintTo(fx.nmr, fx.outsider.address, NMR(5));
      await expectRejected(
        fx,
        () => fx.stake.connect(fx.outsider).deposit(NMR(5)),
        "InsufficientAllowance",
        [fx.outsider.address, await fx.stake.getAddress(), 0n, NMR(5)],
        { contract: fx.nmr },
      );
    });

    it("rejects a deposit above the staker's token balance (the token's InsufficientBalance)", async function () {
      const fx = await loadFixture(deployFixture);
      await fx.nmr.connect(fx.outsider).approve(await fx.stake.getAddress(), ethers.MaxUint256);
      await expectRejected(
        fx,
        () => fx.stake.connect(fx.outsider).deposit(NMR(5)),
        "InsufficientBalance",
        [fx.outsider.address, 0n, NMR(5)],
        { contract: fx.nmr },
      );
    });

    it("rejects any deposit while paused (EnforcedPause)", async function () {
      const fx = await loadFixture(deployFixture);
      await fx.stake.connect(fx.pauser).pause();
      await expectRejected(fx, () => fx.stake.connect(fx.alice).deposit(NMR(1)), "EnforcedPause", []);
    });
  });
});
