/**
 * Rounds: openRound (schedule, interval, caps), publishRound's schedule and access (proofs are in settlement.test.ts),
 * rounds that expired unpublished, and the round-number headroom.
 *
 * Conventions (test/helpers/unit.ts): every rejection is checked with its exact custom error (and arguments) AND an
 * unchanged snapshot of all observable state (`expectRejected`); rounds that must be settled are settled as rounds that
 * expired unpublished (empty results, counted as zero).
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import {
  BurnMode,
  DAY,
  DEFAULT_PARAMS,
  NMR,
  RATE,
  deployFixture,
  evenBps,
  namedSigners,
  openRound,
  stakeFactory,
} from "../helpers/fixtures";
import {
  R0,
  BEFORE,
  UINT32_MAX,
  name32,
  expectRejected,
  nextTimestamp,
  settleExpired,
  roundObject,
} from "../helpers/unit";

describe("PortfolioStake", function () {
  describe("openRound", function () {
    it("opens firstRound at any time: RoundOpened(round, openedAt, resolvesAt, deadline, proofDeadline, rateCap, sliceDivisor), roundInfo", async function () {
      const { stake, operator } = await loadFixture(deployFixture);
      expect(await stake.connect(operator).openRound.staticCall()).to.equal(R0);
      const t = await nextTimestamp();
      const resolvesAt = t + DEFAULT_PARAMS.resolutionDelay;
      const deadline = resolvesAt + DEFAULT_PARAMS.publishWindow;
      const proofDeadline = deadline + DEFAULT_PARAMS.proofGracePeriod;
      await expect(stake.connect(operator).openRound())
        .to.emit(stake, "RoundOpened")
        .withArgs(R0, t, resolvesAt, deadline, proofDeadline, DEFAULT_PARAMS.rateCap, DEFAULT_PARAMS.sliceDivisor);
      expect(await stake.currentRound()).to.equal(R0);
      expect(roundObject(await stake.roundInfo(R0))).to.deep.equal({
        openedAt: t,
        resolvesAt,
        deadline,
        proofDeadline,
        rateCap: DEFAULT_PARAMS.rateCap,
        root: ethers.ZeroHash,
        sliceDivisor: DEFAULT_PARAMS.sliceDivisor,
      });
    });

    it("the next round opens no earlier than minRoundInterval after the last (RoundTooEarly(notBefore))", async function () {
      const fx = await loadFixture(deployFixture);
      const { stake, operator } = fx;
      const t = await nextTimestamp();
      await stake.connect(operator).openRound();
      const notBefore = t + DEFAULT_PARAMS.minRoundInterval;
      await expectRejected(fx, () => stake.connect(operator).openRound(), "RoundTooEarly", [notBefore]);
      await time.setNextBlockTimestamp(notBefore - 1n);
      await expectRejected(fx, () => stake.connect(operator).openRound(), "RoundTooEarly", [notBefore]);
      await time.setNextBlockTimestamp(notBefore);
      await expect(stake.connect(operator).openRound())
        .to.emit(stake, "RoundOpened")
        .withArgs(
          R0 + 1n,
          notBefore,
          (v: bigint) => v > notBefore,
          (v: bigint) => v > notBefore,
          (v: bigint) => v > notBefore,
          DEFAULT_PARAMS.rateCap,
          DEFAULT_PARAMS.sliceDivisor,
        );
      expect(await stake.currentRound()).to.equal(R0 + 1n);
    });

    it("parameter changes apply to rounds opened later; opened rounds keep their schedule, cap and slice divisor", async function () {
      const { stake, admin, operator } = await loadFixture(deployFixture);
      const r = await openRound(stake, operator);
      const before = roundObject(await stake.roundInfo(r));
      await stake.connect(admin).setResolutionDelay(2n * DAY);
      await stake.connect(admin).setPublishWindow(3n * DAY);
      await stake.connect(admin).setRateCap(RATE("0.1"));
      await stake.connect(admin).setMinRoundInterval(3n * DAY);
      await stake.connect(admin).setProofGracePeriod(4n * DAY);
      await stake.connect(admin).setSliceDivisor(2n); // (2 + 3 + 4 days) / 3 days + 1 = 4 rounds x 10% / 2 = 20%
      expect(roundObject(await stake.roundInfo(r))).to.deep.equal(before);
      // The new interval already binds the next opening.
      await time.increase(2n * DAY);
      await expect(stake.connect(operator).openRound()).to.be.revertedWithCustomError(stake, "RoundTooEarly");
      await time.increase(DAY);
      const t = await nextTimestamp();
      await expect(stake.connect(operator).openRound())
        .to.emit(stake, "RoundOpened")
        .withArgs(r + 1n, t, t + 2n * DAY, t + 5n * DAY, t + 9n * DAY, RATE("0.1"), 2n);
      expect(roundObject(await stake.roundInfo(r + 1n))).to.deep.equal({
        openedAt: t,
        resolvesAt: t + 2n * DAY,
        deadline: t + 5n * DAY,
        proofDeadline: t + 9n * DAY,
        rateCap: RATE("0.1"),
        root: ethers.ZeroHash,
        sliceDivisor: 2n,
      });
      expect(roundObject(await stake.roundInfo(r))).to.deep.equal(before);
    });

    it("rounds go on while paused", async function () {
      const { stake, operator, pauser } = await loadFixture(deployFixture);
      await stake.connect(pauser).pause();
      expect(await openRound(stake, operator)).to.equal(R0);
    });

    it("a round never opened reads as all zeros", async function () {
      const { stake, operator } = await loadFixture(deployFixture);
      await openRound(stake, operator);
      for (const r of [0n, BEFORE, R0 + 1n]) {
        expect(roundObject(await stake.roundInfo(r))).to.deep.equal({
          openedAt: 0n,
          resolvesAt: 0n,
          deadline: 0n,
          proofDeadline: 0n,
          rateCap: 0n,
          root: ethers.ZeroHash,
          sliceDivisor: 0n,
        });
      }
    });

    it("rejects callers without OPERATOR_ROLE (AccessControlUnauthorizedAccount)", async function () {
      const fx = await loadFixture(deployFixture);
      const role = await fx.stake.OPERATOR_ROLE();
      for (const caller of [fx.admin, fx.pauser, fx.keeper]) {
        await expectRejected(fx, () => fx.stake.connect(caller).openRound(), "AccessControlUnauthorizedAccount", [
          caller.address,
          role,
        ]);
      }
    });
  });

  describe("publishRound (schedule and access; proofs are tested with settlement)", function () {
    const ROOT = ethers.id("some root");

    async function openedR0() {
      const fx = await loadFixture(deployFixture);
      await openRound(fx.stake, fx.operator);
      const info = await fx.stake.roundInfo(R0);
      return { ...fx, info };
    }

    it("publishes between resolvesAt and the deadline: RoundPublished(round, root, uri), roundInfo.root", async function () {
      const { stake, operator, info } = await openedR0();
      await time.setNextBlockTimestamp(info.resolvesAt);
      await expect(stake.connect(operator).publishRound(R0, ROOT, "ipfs://leaves"))
        .to.emit(stake, "RoundPublished")
        .withArgs(R0, ROOT, "ipfs://leaves");
      expect((await stake.roundInfo(R0)).root).to.equal(ROOT);
    });

    it("accepts publication at exactly the deadline", async function () {
      const { stake, operator, info } = await openedR0();
      await time.setNextBlockTimestamp(info.deadline);
      await expect(stake.connect(operator).publishRound(R0, ROOT, ""))
        .to.emit(stake, "RoundPublished")
        .withArgs(R0, ROOT, "");
    });

    it("rejects a round never opened (UnknownRound)", async function () {
      const fx = await openedR0();
      await time.increaseTo(fx.info.resolvesAt);
      for (const r of [0n, BEFORE, R0 + 1n]) {
        await expectRejected(fx, () => fx.stake.connect(fx.operator).publishRound(r, ROOT, ""), "UnknownRound", [r]);
      }
    });

    it("rejects a zero root (InvalidRoot)", async function () {
      const fx = await openedR0();
      await time.increaseTo(fx.info.resolvesAt);
      await expectRejected(
        fx,
        () => fx.stake.connect(fx.operator).publishRound(R0, ethers.ZeroHash, ""),
        "InvalidRoot",
        [],
      );
    });

    // (from the former PortfolioStake.staking.test.ts: the zero root is refused before the schedule is looked at)
    it("rejects a zero root even before resolution (InvalidRoot, not RoundNotResolved)", async function () {
      const fx = await openedR0();
      await expectRejected(
        fx,
        () => fx.stake.connect(fx.operator).publishRound(R0, ethers.ZeroHash, ""),
        "InvalidRoot",
        [],
      );
    });

    it("rejects before resolution (RoundNotResolved(round, resolvesAt))", async function () {
      const fx = await openedR0();
      await expectRejected(fx, () => fx.stake.connect(fx.operator).publishRound(R0, ROOT, ""), "RoundNotResolved", [
        R0,
        fx.info.resolvesAt,
      ]);
      await time.setNextBlockTimestamp(fx.info.resolvesAt - 1n);
      await expectRejected(fx, () => fx.stake.connect(fx.operator).publishRound(R0, ROOT, ""), "RoundNotResolved", [
        R0,
        fx.info.resolvesAt,
      ]);
    });

    it("rejects after the deadline (PublishDeadlinePassed(round, deadline))", async function () {
      const fx = await openedR0();
      await time.setNextBlockTimestamp(fx.info.deadline + 1n);
      await expectRejected(
        fx,
        () => fx.stake.connect(fx.operator).publishRound(R0, ROOT, ""),
        "PublishDeadlinePassed",
        [R0, fx.info.deadline],
      );
      expect((await fx.stake.roundInfo(R0)).root).to.equal(ethers.ZeroHash);
    });

    it("rejects a second publication, even with another root (RoundAlreadyPublished)", async function () {
      const fx = await openedR0();
      await time.increaseTo(fx.info.resolvesAt);
      await fx.stake.connect(fx.operator).publishRound(R0, ROOT, "");
      for (const root of [ROOT, ethers.id("another root")]) {
        await expectRejected(
          fx,
          () => fx.stake.connect(fx.operator).publishRound(R0, root, ""),
          "RoundAlreadyPublished",
          [R0],
        );
      }
      expect((await fx.stake.roundInfo(R0)).root).to.equal(ROOT);
    });

    it("rejects callers without OPERATOR_ROLE (AccessControlUnauthorizedAccount)", async function () {
      const fx = await openedR0();
      await time.increaseTo(fx.info.resolvesAt);
      const role = await fx.stake.OPERATOR_ROLE();
      for (const caller of [fx.admin, fx.keeper]) {
        await expectRejected(
          fx,
          () => fx.stake.connect(caller).publishRound(R0, ROOT, ""),
          "AccessControlUnauthorizedAccount",
          [caller.address, role],
        );
      }
      expect((await fx.stake.roundInfo(R0)).root).to.equal(ethers.ZeroHash);
    });
  });

  describe("expired unpublished rounds (as used above)", function () {
    it("settle with empty results counts an expired round as zero and advances nextSettleRound only", async function () {
      const { stake, alice, operator, keeper, models } = await loadFixture(deployFixture);
      await stake.connect(alice).deposit(NMR(100));
      await stake.connect(alice).setAllocation(models.alice, evenBps(4));
      await openRound(stake, operator);
      await openRound(stake, operator);
      const before = await stake.totals();
      await expect(settleExpired(stake, keeper, alice.address, R0, R0 + 1n))
        .to.emit(stake, "Settled")
        .withArgs(alice.address, R0, NMR(100), [0, 0, 0, 0], 0, 0, 0, 0, NMR(100), false)
        .and.to.emit(stake, "Settled")
        .withArgs(alice.address, R0 + 1n, NMR(100), [0, 0, 0, 0], 0, 0, 0, 0, NMR(100), false);
      const v = await stake.accountOf(alice.address);
      expect(v.nextSettleRound).to.equal(R0 + 2n);
      expect(v.balance).to.equal(NMR(100));
      expect(await stake.totals()).to.deep.equal(before);
    });
  });

  describe("round-number headroom", function () {
    it("refuses a firstRound above 2^31, so `round + 1` can never overflow and lock an exit", async function () {
      const { admin } = await namedSigners();
      const nmr = await ethers.deployContract("NMRLike");
      const factory = await stakeFactory();
      const token = await nmr.getAddress();
      const deploy = (first: bigint) =>
        factory.deploy(token, BurnMode.NumeraireMint, ethers.ZeroAddress, admin.address, first, DEFAULT_PARAMS);
      const max = 2n ** 31n;
      for (const first of [max + 1n, UINT32_MAX]) {
        await expect(deploy(first))
          .to.be.revertedWithCustomError(factory, "ParameterOutOfBounds")
          .withArgs(name32("firstRound"), first, 1, max);
      }
      const stake = await deploy(max);
      expect(await stake.currentRound()).to.equal(max - 1n);
    });
  });
});
