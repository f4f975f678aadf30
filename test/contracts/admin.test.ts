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
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import { accountRoundResult, buildRoundTree, cumulativesOf, withCumulatives } from "@portfolio-stake/core/results";
import {
  DAY,
  DEFAULT_PARAMS,
  NMR,
  RATE,
  deployFixture,
  deploySystem,
  evenBps,
  modelIds,
  openRound,
  withStakers,
} from "../helpers/fixtures";
import {
  R0,
  name32,
  BOUNDS,
  MAX_EXPOSURE,
  PARAM_NAMES,
  ROOMY_PARAMS,
  TYPE_MAX,
  exposureOf,
  setParam,
  expectRejected,
  expectTotals,
  settleExpired,
  paramsObject,
  roundObject,
  type ParamName,
} from "../helpers/unit";

/** The unit fixture with R = 1024 (ROOMY_PARAMS): each parameter may then take either bound on its own. */
async function roomyFixture() {
  return withStakers(await deploySystem({ params: ROOMY_PARAMS }));
}

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
          // R = 1024 leaves room for every bound of every other parameter under the exposure rule.
          const { stake, admin } = await loadFixture(roomyFixture);
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
          const bad = (min > 0n ? [min - 1n, 0n] : []).concat([max + 1n, TYPE_MAX[name]]);
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

  describe("the exposure rule on every setter (ExposureTooHigh(openRounds, rateCap, sliceDivisor))", function () {
    /**
     * The unit parameters: (21 + 7 + 7 days) / 2 days + 1 = 18 rounds open at once, x 5% / 1 = 90% of a stake. Each
     * setter that can raise the exposure is taken to the exact limit: the last value that keeps it at or under 100% is
     * accepted, the next one is refused with the exact arguments and nothing changes (expectRejected).
     */
    const limits: {
      name: ParamName;
      accepted: bigint;
      refused: bigint;
      openRounds: bigint; // with the refused value
    }[] = [
      // 35 days / 151,200 s = 20: 21 rounds x 5% = 105%; one second longer: 20 x 5% = 100%.
      { name: "minRoundInterval", accepted: 151_201n, refused: 151_200n, openRounds: 21n },
      // (26 + 7 + 7) days / 2 days = 20: 21 rounds; one second less: 20.
      { name: "resolutionDelay", accepted: 26n * DAY - 1n, refused: 26n * DAY, openRounds: 21n },
      { name: "publishWindow", accepted: 12n * DAY - 1n, refused: 12n * DAY, openRounds: 21n },
      { name: "proofGracePeriod", accepted: 12n * DAY - 1n, refused: 12n * DAY, openRounds: 21n },
      // 18 x 0.055555555555555555 = 99.999...99% (accepted); one wei more: 100.0000000000000008%.
      { name: "rateCap", accepted: 55_555_555_555_555_555n, refused: 55_555_555_555_555_556n, openRounds: 18n },
    ];

    for (const { name, accepted, refused, openRounds } of limits) {
      it(`${name}: refused past 100% of a stake with the exact arguments, accepted up to it`, async function () {
        const fx = await loadFixture(deployFixture);
        const before = paramsObject(await fx.stake.parameters());
        const with_ = (value: bigint) => ({ ...before, [name]: value });
        expect(exposureOf(with_(refused))).to.be.greaterThan(MAX_EXPOSURE);
        expect(exposureOf(with_(accepted))).to.be.at.most(MAX_EXPOSURE);
        await expectRejected(fx, () => setParam(fx.stake.connect(fx.admin), name, refused), "ExposureTooHigh", [
          openRounds,
          name === "rateCap" ? refused : before.rateCap,
          before.sliceDivisor,
        ]);
        await expect(setParam(fx.stake.connect(fx.admin), name, accepted))
          .to.emit(fx.stake, "ParameterUpdated")
          .withArgs(name32(name), before[name], accepted);
        expect(paramsObject(await fx.stake.parameters())).to.deep.equal(with_(accepted));
      });
    }

    it("sliceDivisor: lowering R past the limit is refused (ExposureTooHigh), down to the limit accepted", async function () {
      const fx = await loadFixture(deployFixture);
      const { stake, admin } = fx;
      // Cap 100% of the slice, 20 rounds open at once ((25 + 7 + 7) days / 2 days + 1): R = 20 commits exactly 100%.
      await stake.connect(admin).setSliceDivisor(21n);
      await stake.connect(admin).setRateCap(RATE("1"));
      await stake.connect(admin).setResolutionDelay(25n * DAY);
      await expectRejected(fx, () => stake.connect(admin).setSliceDivisor(19n), "ExposureTooHigh", [
        20n,
        RATE("1"),
        19n,
      ]);
      await expectRejected(fx, () => stake.connect(admin).setSliceDivisor(1n), "ExposureTooHigh", [20n, RATE("1"), 1n]);
      await expect(stake.connect(admin).setSliceDivisor(20n))
        .to.emit(stake, "ParameterUpdated")
        .withArgs(name32("sliceDivisor"), 21n, 20n);
      expect((await stake.parameters()).sliceDivisor).to.equal(20n);
    });

    it("each setter checks the whole combination: what fits alone is refused once another parameter used the room", async function () {
      const fx = await loadFixture(deployFixture);
      const { stake, admin } = fx;
      await stake.connect(admin).setMinRoundInterval(151_201n); // 20 rounds open x 5% = exactly 100%
      // No room left: one wei more of cap, or one more round open at once ((35 days + 20 s) / 151,201 s = 20), is too
      // much.
      await expectRejected(fx, () => stake.connect(admin).setRateCap(RATE("0.05") + 1n), "ExposureTooHigh", [
        20n,
        RATE("0.05") + 1n,
        1n,
      ]);
      await expectRejected(fx, () => stake.connect(admin).setResolutionDelay(21n * DAY + 20n), "ExposureTooHigh", [
        21n,
        RATE("0.05"),
        1n,
      ]);
      // Halving the slice makes room for twice the cap.
      await stake.connect(admin).setSliceDivisor(2n);
      await expect(stake.connect(admin).setRateCap(RATE("0.1")))
        .to.emit(stake, "ParameterUpdated")
        .withArgs(name32("rateCap"), RATE("0.05"), RATE("0.1"));
      await expectRejected(fx, () => stake.connect(admin).setSliceDivisor(1n), "ExposureTooHigh", [
        20n,
        RATE("0.1"),
        1n,
      ]);
    });

    it("withdrawalDelay never counts: both bounds are accepted while the others commit exactly 100%", async function () {
      const fx = await loadFixture(deployFixture);
      const { stake, admin } = fx;
      await stake.connect(admin).setMinRoundInterval(151_201n); // 20 rounds x 5% = 100%
      for (const value of [BOUNDS.withdrawalDelay.max, BOUNDS.withdrawalDelay.min]) {
        await expect(stake.connect(admin).setWithdrawalDelay(value)).to.emit(stake, "ParameterUpdated");
      }
      expect(paramsObject(await stake.parameters())).to.deep.equal({
        ...DEFAULT_PARAMS,
        minRoundInterval: 151_201n,
        withdrawalDelay: 0n,
      });
    });
  });

  describe("setSliceDivisor applies to rounds opened later", function () {
    it("an opened round keeps its R (roundInfo, sliceAt) and settles on its own slice: burns checked by supply and totals", async function () {
      const fx = await loadFixture(deployFixture);
      const { stake, nmr, admin, alice, operator, keeper, models } = fx;
      await stake.connect(alice).deposit(NMR(1000));
      await stake.connect(alice).setAllocation(models.alice, [10_000, 0, 0, 0]);
      await openRound(stake, operator); // R0: R = 1
      await expect(stake.connect(admin).setSliceDivisor(4n))
        .to.emit(stake, "ParameterUpdated")
        .withArgs(name32("sliceDivisor"), 1n, 4n);
      // R0 keeps R = 1; a round not yet opened reads the current parameter.
      expect((await stake.roundInfo(R0)).sliceDivisor).to.equal(1n);
      expect(await stake.sliceAt(alice.address, R0)).to.equal(NMR(1000));
      expect(await stake.sliceAt(alice.address, R0 + 1n)).to.equal(NMR(250));
      await time.increase(DEFAULT_PARAMS.minRoundInterval);
      await expect(stake.connect(operator).openRound())
        .to.emit(stake, "RoundOpened")
        .withArgs(R0 + 1n, anyValue, anyValue, anyValue, anyValue, DEFAULT_PARAMS.rateCap, 4n);
      await stake.connect(admin).setSliceDivisor(8n);
      expect(roundObject(await stake.roundInfo(R0 + 1n))).to.deep.include({ sliceDivisor: 4n });
      expect(await stake.sliceAt(alice.address, R0 + 1n)).to.equal(NMR(250));
      expect(await stake.sliceAt(alice.address, R0 + 2n)).to.equal(NMR(125));

      // Both rounds at -5% on alice's only weighted model: R0 loses 5% of 1,000, R0+1 5% of 250.
      const leaves = [
        ...models.alice.map((modelId, i) => ({ modelId, rate: i === 0 ? RATE("-0.05") : 0n })),
        ...modelIds("crowd", 3).map((modelId) => ({ modelId, rate: RATE("0.01") })),
      ];
      const first = buildRoundTree(R0, withCumulatives(leaves, undefined, DEFAULT_PARAMS.rateCap));
      const trees = [
        first,
        buildRoundTree(R0 + 1n, withCumulatives(leaves, cumulativesOf(first), DEFAULT_PARAMS.rateCap)),
      ];
      await time.increaseTo((await stake.roundInfo(R0 + 1n)).resolvesAt);
      for (const [i, tree] of trees.entries())
        await stake.connect(operator).publishRound(R0 + BigInt(i), tree.root, "");
      const supply = await nmr.totalSupply();
      const results = trees.map((tree, i) => accountRoundResult(R0 + BigInt(i), tree, models.alice));
      const tx = stake.connect(keeper).settle({ account: alice.address, models: models.alice, results });
      await expect(tx)
        .to.emit(stake, "Settled")
        .withArgs(alice.address, R0, NMR(1000), anyValue, NMR(-50), 0n, NMR(50), 0n, NMR(950), false);
      await expect(tx)
        .to.emit(stake, "Settled")
        .withArgs(alice.address, R0 + 1n, NMR(250), anyValue, -NMR("12.5"), 0n, NMR("12.5"), 0n, NMR("937.5"), false);
      await expect(tx).to.changeTokenBalances(nmr, [stake, alice], [-NMR("62.5"), 0n]);
      expect(supply - (await nmr.totalSupply())).to.equal(NMR("62.5"));
      await expectTotals(stake, nmr, { staked: NMR("937.5") });
    });
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
