/**
 * setManager: setting, replacing and revoking the key that may reallocate for an account (what a manager may NOT do,
 * withdraw, is in withdrawals.test.ts).
 *
 * Conventions (test/helpers/unit.ts): every rejection is checked with its exact custom error (and arguments) AND an
 * unchanged snapshot of all observable state (`expectRejected`); rounds that must be settled are settled as rounds that
 * expired unpublished (empty results, counted as zero).
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { deployFixture } from "../helpers/fixtures";

describe("PortfolioStake", function () {
  describe("setManager", function () {
    it("sets, replaces and revokes the manager with ManagerSet", async function () {
      const { stake, alice, manager, outsider } = await loadFixture(deployFixture);
      await expect(stake.connect(alice).setManager(manager.address))
        .to.emit(stake, "ManagerSet")
        .withArgs(alice.address, manager.address);
      expect((await stake.accountOf(alice.address)).manager).to.equal(manager.address);
      await expect(stake.connect(alice).setManager(outsider.address))
        .to.emit(stake, "ManagerSet")
        .withArgs(alice.address, outsider.address);
      expect((await stake.accountOf(alice.address)).manager).to.equal(outsider.address);
      await expect(stake.connect(alice).setManager(ethers.ZeroAddress))
        .to.emit(stake, "ManagerSet")
        .withArgs(alice.address, ethers.ZeroAddress);
      expect((await stake.accountOf(alice.address)).manager).to.equal(ethers.ZeroAddress);
    });

    it("only concerns the caller's account; one manager may serve several stakers", async function () {
      const { stake, alice, bob, carol, manager } = await loadFixture(deployFixture);
      await stake.connect(alice).setManager(manager.address);
      await stake.connect(bob).setManager(manager.address);
      expect((await stake.accountOf(alice.address)).manager).to.equal(manager.address);
      expect((await stake.accountOf(bob.address)).manager).to.equal(manager.address);
      expect((await stake.accountOf(carol.address)).manager).to.equal(ethers.ZeroAddress);
      expect((await stake.accountOf(manager.address)).manager).to.equal(ethers.ZeroAddress);
    });

    it("works while paused (it adds no risk)", async function () {
      const { stake, alice, manager, pauser } = await loadFixture(deployFixture);
      await stake.connect(pauser).pause();
      await expect(stake.connect(alice).setManager(manager.address))
        .to.emit(stake, "ManagerSet")
        .withArgs(alice.address, manager.address);
    });
  });
});
