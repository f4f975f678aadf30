/**
 * Administration: pause / unpause, the parameter setters within their bounds, and roles.
 *
 * Conventions (test/helpers/unit.ts): every rejection is checked with its exact custom error (and arguments) AND an
 * unchanged snapshot of all observable state (`expectRejected`); rounds that must be settled are settled as rounds that
 * expired unpublished (empty results, counted as zero).
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { DAY, NMR, deployFixture, evenBps, openRound } from "../helpers/fixtures";
import {
  R0,
  name32,
  BOUNDS,
  PARAM_NAMES,
  setParam,
  expectRejected,
  settleExpired,
  paramsObject,
} from "../helpers/unit";

describe("PortfolioStake", function () {
  describe("pause / unpause", function () {
    it("pause: Paused(by), paused() true; unpause: Unpaused(by), paused() false", async function () {
      const { stake, pauser } = await loadFixture(deployFixture);
      await expect(stake.connect(pauser).pause()).to.emit(stake, "Paused").withArgs(pauser.address);
      expect(await stake.paused()).to.equal(true);
      await expect(stake.connect(pauser).unpause()).to.emit(stake, "Unpaused").withArgs(pauser.address);
      expect(await stake.paused()).to.equal(false);
    });

    it("rejects pausing twice (EnforcedPause) and unpausing when not paused (ExpectedPause)", async function () {
      const fx = await loadFixture(deployFixture);
      await expectRejected(fx, () => fx.stake.connect(fx.pauser).unpause(), "ExpectedPause", []);
      await fx.stake.connect(fx.pauser).pause();
      await expectRejected(fx, () => fx.stake.connect(fx.pauser).pause(), "EnforcedPause", []);
    });

    it("rejects callers without PAUSER_ROLE, the admin included (AccessControlUnauthorizedAccount)", async function () {
      const fx = await loadFixture(deployFixture);
      const role = await fx.stake.PAUSER_ROLE();
      for (const caller of [fx.admin, fx.operator, fx.alice]) {
        await expectRejected(fx, () => fx.stake.connect(caller).pause(), "AccessControlUnauthorizedAccount", [
          caller.address,
          role,
        ]);
      }
      await fx.stake.connect(fx.pauser).pause();
      for (const caller of [fx.admin, fx.operator, fx.alice]) {
        await expectRejected(fx, () => fx.stake.connect(caller).unpause(), "AccessControlUnauthorizedAccount", [
          caller.address,
          role,
        ]);
      }
    });

    it("after unpausing, deposits and reallocations work again", async function () {
      const { stake, alice, pauser, models } = await loadFixture(deployFixture);
      await stake.connect(pauser).pause();
      await stake.connect(pauser).unpause();
      await expect(stake.connect(alice).deposit(NMR(1))).to.emit(stake, "Deposited");
      await expect(stake.connect(alice).setAllocation(models.alice, evenBps(4))).to.emit(stake, "AllocationSet");
    });

    it("while paused, exits, settlement, rounds, funding and administration go on", async function () {
      const { stake, nmr, alice, bob, operator, keeper, pauser, admin, manager } = await loadFixture(deployFixture);
      await stake.connect(alice).deposit(NMR(100));
      await stake.connect(bob).deposit(NMR(100));
      await openRound(stake, operator);
      await stake.connect(alice).requestWithdrawal(NMR(40));
      await stake.connect(pauser).pause();

      await expect(stake.connect(bob).requestWithdrawal(NMR(10))).to.emit(stake, "WithdrawalRequested");
      await expect(stake.connect(alice).setManager(manager.address)).to.emit(stake, "ManagerSet");
      await expect(stake.connect(operator).fundRewards(NMR(1))).to.emit(stake, "RewardsFunded");
      await expect(stake.connect(admin).setWithdrawalDelay(DAY)).to.emit(stake, "ParameterUpdated");
      await openRound(stake, operator);
      const info = await stake.roundInfo(R0 + 1n);
      await time.increaseTo(info.resolvesAt);
      await expect(stake.connect(operator).publishRound(R0 + 1n, ethers.id("r"), "")).to.emit(stake, "RoundPublished");
      // Round R0 expired unpublished: the keeper settles it while paused, then alice claims.
      await expect(settleExpired(stake, keeper, alice.address, R0, R0))
        .to.emit(stake, "Settled")
        .withArgs(alice.address, R0, NMR(100), [0, 0, 0, 0], 0, 0, 0, 0, NMR(60), false);
      expect((await stake.accountOf(alice.address)).nextSettleRound).to.equal(R0 + 1n);
      await expect(stake.connect(alice).claimWithdrawal()).to.changeTokenBalance(nmr, alice, NMR(40));
      expect(await stake.paused()).to.equal(true);
    });
  });

  describe("parameter setters", function () {
    for (const name of PARAM_NAMES) {
      const { min, max } = BOUNDS[name];
      describe(name, function () {
        it("sets the value within its bounds: ParameterUpdated(name, old, new), parameters(), others unchanged", async function () {
          const { stake, admin } = await loadFixture(deployFixture);
          const others = paramsObject(await stake.parameters());
          let old = (await stake.parameters())[name];
          for (const value of [min, max, (min + max) / 2n]) {
            await expect(setParam(stake.connect(admin), name, value))
              .to.emit(stake, "ParameterUpdated")
              .withArgs(name32(name), old, value);
            expect(paramsObject(await stake.parameters())).to.deep.equal({ ...others, [name]: value });
            old = value;
          }
        });

        it("rejects values outside its bounds (ParameterOutOfBounds(name, value, min, max))", async function () {
          const fx = await loadFixture(deployFixture);
          const bad = (min > 0n ? [min - 1n, 0n] : []).concat([
            max + 1n,
            name === "rateCap" ? 2n ** 64n - 1n : 2n ** 40n - 1n,
          ]);
          for (const value of bad) {
            await expectRejected(fx, () => setParam(fx.stake.connect(fx.admin), name, value), "ParameterOutOfBounds", [
              name32(name),
              value,
              min,
              max,
            ]);
          }
        });

        it("rejects callers without DEFAULT_ADMIN_ROLE (AccessControlUnauthorizedAccount)", async function () {
          const fx = await loadFixture(deployFixture);
          for (const caller of [fx.operator, fx.pauser, fx.outsider]) {
            await expectRejected(
              fx,
              () => setParam(fx.stake.connect(caller), name, max),
              "AccessControlUnauthorizedAccount",
              [caller.address, ethers.ZeroHash],
            );
          }
        });
      });
    }
  });

  describe("roles", function () {
    it("the admin grants and revokes the operator role; a revoked operator is refused", async function () {
      const fx = await loadFixture(deployFixture);
      const { stake, admin, operator, keeper } = fx;
      const role = await stake.OPERATOR_ROLE();
      await expect(stake.connect(admin).grantRole(role, keeper.address))
        .to.emit(stake, "RoleGranted")
        .withArgs(role, keeper.address, admin.address);
      await expect(stake.connect(keeper).openRound()).to.emit(stake, "RoundOpened");
      await stake.connect(admin).revokeRole(role, operator.address);
      await time.increase(DAY);
      await expectRejected(fx, () => stake.connect(operator).openRound(), "AccessControlUnauthorizedAccount", [
        operator.address,
        role,
      ]);
    });

    it("only the admin grants roles (AccessControlUnauthorizedAccount(caller, DEFAULT_ADMIN_ROLE))", async function () {
      const fx = await loadFixture(deployFixture);
      for (const caller of [fx.operator, fx.pauser, fx.outsider]) {
        for (const role of [await fx.stake.OPERATOR_ROLE(), await fx.stake.PAUSER_ROLE(), ethers.ZeroHash]) {
          await expectRejected(
            fx,
            () => fx.stake.connect(caller).grantRole(role, caller.address),
            "AccessControlUnauthorizedAccount",
            [caller.address, ethers.ZeroHash],
          );
        }
      }
    });
  });
});
