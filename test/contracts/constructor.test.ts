/**
 * The constructor: arguments, parameter bounds, initial state, roles, events at deployment and the constants.
 *
 * Conventions (test/helpers/unit.ts): every rejection is checked with its exact custom error (and arguments) AND an
 * unchanged snapshot of all observable state (`expectRejected`); rounds that must be settled are settled as rounds that
 * expired unpublished (empty results, counted as zero).
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import {
  BurnMode,
  DAY,
  DEFAULT_PARAMS,
  FIRST_ROUND,
  deployFixture,
  namedSigners,
  stakeFactory,
} from "../helpers/fixtures";
import {
  BEFORE,
  name32,
  BOUNDS,
  MAX_EXPOSURE,
  PARAM_NAMES,
  ROOMY_PARAMS,
  ZERO_TOTALS,
  exposureOf,
  paramsObject,
  totalsObject,
} from "../helpers/unit";

const HOUR = 3600n;

/** Every parameter at its lower or upper bound. */
function atBounds(edge: "min" | "max"): typeof DEFAULT_PARAMS {
  return Object.fromEntries(PARAM_NAMES.map((n) => [n, BOUNDS[n][edge]])) as typeof DEFAULT_PARAMS;
}

describe("PortfolioStake", function () {
  describe("constructor", function () {
    async function deployArgs(overrides: {
      token?: string;
      burnMode?: bigint;
      burnSink?: string;
      admin?: string;
      firstRound?: bigint;
      params?: Partial<typeof DEFAULT_PARAMS>;
    }) {
      const { admin } = await namedSigners();
      const token = overrides.token ?? (await (await ethers.deployContract("NMRLike")).getAddress());
      const factory = await stakeFactory();
      const deploy = () =>
        factory.deploy(
          token,
          overrides.burnMode ?? BurnMode.NumeraireMint,
          overrides.burnSink ?? ethers.ZeroAddress,
          overrides.admin ?? admin.address,
          overrides.firstRound ?? FIRST_ROUND,
          { ...DEFAULT_PARAMS, ...overrides.params },
        );
      return { factory, deploy, token, admin };
    }

    it("rejects a zero token address", async function () {
      const { factory, deploy } = await deployArgs({ token: ethers.ZeroAddress });
      await expect(deploy()).to.be.revertedWithCustomError(factory, "ZeroAddress");
    });

    it("rejects a zero admin address", async function () {
      const { factory, deploy } = await deployArgs({ admin: ethers.ZeroAddress });
      await expect(deploy()).to.be.revertedWithCustomError(factory, "ZeroAddress");
    });

    it("rejects firstRound 0 with ParameterOutOfBounds(firstRound, 0, 1, 2^31)", async function () {
      const { factory, deploy } = await deployArgs({ firstRound: 0n });
      await expect(deploy())
        .to.be.revertedWithCustomError(factory, "ParameterOutOfBounds")
        .withArgs(name32("firstRound"), 0, 1, 2n ** 31n);
    });

    it("accepts firstRound 1: the contract starts at round 0", async function () {
      const { deploy } = await deployArgs({ firstRound: 1n });
      const stake = await deploy();
      expect(await stake.currentRound()).to.equal(0n);
      expect(await stake.firstRound()).to.equal(1n);
    });

    for (const name of PARAM_NAMES) {
      const { min, max } = BOUNDS[name];
      const cases = (min > 0n ? [min - 1n] : []).concat([max + 1n]);
      for (const value of cases) {
        it(`rejects ${name} = ${value} (${value < min ? "below" : "above"} its bounds) with ParameterOutOfBounds`, async function () {
          const { factory, deploy } = await deployArgs({ params: { [name]: value } });
          await expect(deploy())
            .to.be.revertedWithCustomError(factory, "ParameterOutOfBounds")
            .withArgs(name32(name), value, min, max);
        });
      }
    }

    for (const edge of ["min", "max"] as const) {
      it(`accepts every parameter at its ${edge === "min" ? "lower" : "upper"} bound (R included)`, async function () {
        const params = atBounds(edge);
        // Lower bounds: (1 + 1 + 1 days) / 12 hours + 1 = 7 rounds x 0.1% / 1; upper bounds: 120 days / 7 days + 1 =
        // 18 rounds x 100% / 1024. Both well within 100% of a stake.
        expect(exposureOf(params)).to.be.at.most(MAX_EXPOSURE);
        const { deploy } = await deployArgs({ params });
        const stake = await deploy();
        expect(paramsObject(await stake.parameters())).to.deep.equal(params);
      });
    }

    // Each parameter alone at either bound, the others at the unit values with R = 1024 (which leaves room for all).
    for (const name of PARAM_NAMES) {
      for (const edge of ["min", "max"] as const) {
        it(`accepts ${name} at its ${edge === "min" ? "lower" : "upper"} bound with the other parameters fitting the exposure rule`, async function () {
          const params = { ...ROOMY_PARAMS, [name]: BOUNDS[name][edge] };
          expect(exposureOf(params)).to.be.at.most(MAX_EXPOSURE);
          const { deploy } = await deployArgs({ params });
          const stake = await deploy();
          expect(paramsObject(await stake.parameters())).to.deep.equal(params);
        });
      }
    }

    /** Combinations within every bound whose open rounds would commit more than 100% of a stake. */
    const tooRisky: { title: string; params: typeof DEFAULT_PARAMS; openRounds: bigint }[] = [
      {
        title: "every parameter at its upper bound but R = 1 (18 rounds open x 100%)",
        params: { ...atBounds("max"), sliceDivisor: 1n },
        openRounds: 18n,
      },
      {
        title: "the riskiest corner: 12-hour rounds, longest delays, 100% cap, R = 1 (241 rounds open)",
        params: {
          withdrawalDelay: 0n,
          minRoundInterval: 12n * HOUR,
          resolutionDelay: 60n * DAY,
          publishWindow: 30n * DAY,
          rateCap: BOUNDS.rateCap.max,
          proofGracePeriod: 30n * DAY,
          sliceDivisor: 1n,
        },
        openRounds: 241n,
      },
      {
        title: "the riskiest schedule with R = 240 (241 / 240 of a stake)",
        params: {
          withdrawalDelay: 0n,
          minRoundInterval: 12n * HOUR,
          resolutionDelay: 60n * DAY,
          publishWindow: 30n * DAY,
          rateCap: BOUNDS.rateCap.max,
          proofGracePeriod: 30n * DAY,
          sliceDivisor: 240n,
        },
        openRounds: 241n,
      },
      {
        title: "the unit schedule (18 rounds open) with a cap one wei above 100% / 18",
        params: { ...DEFAULT_PARAMS, rateCap: 55_555_555_555_555_556n },
        openRounds: 18n,
      },
    ];
    for (const { title, params, openRounds } of tooRisky) {
      it(`rejects ${title} with ExposureTooHigh(openRounds, rateCap, sliceDivisor)`, async function () {
        expect(exposureOf(params)).to.be.greaterThan(MAX_EXPOSURE);
        const { factory, deploy } = await deployArgs({ params });
        await expect(deploy())
          .to.be.revertedWithCustomError(factory, "ExposureTooHigh")
          .withArgs(openRounds, params.rateCap, params.sliceDivisor);
      });
    }

    it("accepts the riskiest schedule once R leaves room: 241 rounds x 100% / 242", async function () {
      const params = {
        withdrawalDelay: BOUNDS.withdrawalDelay.max,
        minRoundInterval: 12n * HOUR,
        resolutionDelay: 60n * DAY,
        publishWindow: 30n * DAY,
        rateCap: BOUNDS.rateCap.max,
        proofGracePeriod: 30n * DAY,
        sliceDivisor: 242n,
      };
      expect(exposureOf(params)).to.be.at.most(MAX_EXPOSURE);
      const { deploy } = await deployArgs({ params });
      expect(paramsObject(await (await deploy()).parameters())).to.deep.equal(params);
    });

    it("checks the bounds before the exposure: an out-of-bounds value is ParameterOutOfBounds even when too risky", async function () {
      const params = { ...DEFAULT_PARAMS, minRoundInterval: 12n * HOUR - 1n, rateCap: BOUNDS.rateCap.max };
      const { factory, deploy } = await deployArgs({ params });
      await expect(deploy())
        .to.be.revertedWithCustomError(factory, "ParameterOutOfBounds")
        .withArgs(
          name32("minRoundInterval"),
          12n * HOUR - 1n,
          BOUNDS.minRoundInterval.min,
          BOUNDS.minRoundInterval.max,
        );
    });

    it("stores a non-zero burn sink as given (Sink mode)", async function () {
      const sink = ethers.Wallet.createRandom().address;
      const token = await (await ethers.deployContract("MockERC20NoBurn")).getAddress();
      const { deploy } = await deployArgs({ token, burnMode: BurnMode.Sink, burnSink: sink });
      const stake = await deploy();
      expect(await stake.burnSink()).to.equal(sink);
      expect(await stake.burnMode()).to.equal(BurnMode.Sink);
    });

    it("starts at firstRound - 1 with its parameters, token, roles and nothing staked", async function () {
      const { stake, nmr, admin, operator, pauser, alice, outsider } = await loadFixture(deployFixture);
      expect(await stake.currentRound()).to.equal(BEFORE);
      expect(await stake.firstRound()).to.equal(FIRST_ROUND);
      expect(await stake.nmr()).to.equal(await nmr.getAddress());
      expect(await stake.burnSink()).to.equal(ethers.ZeroAddress);
      expect(await stake.burnMode()).to.equal(BurnMode.NumeraireMint);
      expect(paramsObject(await stake.parameters())).to.deep.equal(DEFAULT_PARAMS);
      expect(await stake.paused()).to.equal(false);
      expect(await totalsObject(stake)).to.deep.equal(ZERO_TOTALS);
      expect(await stake.nonces(alice.address)).to.equal(0n);
      expect((await stake.roundInfo(FIRST_ROUND)).openedAt).to.equal(0n);

      const [ADMIN, OPERATOR, PAUSER] = [
        await stake.DEFAULT_ADMIN_ROLE(),
        await stake.OPERATOR_ROLE(),
        await stake.PAUSER_ROLE(),
      ];
      expect(ADMIN).to.equal(ethers.ZeroHash);
      expect(OPERATOR).to.equal(ethers.id("OPERATOR_ROLE"));
      expect(PAUSER).to.equal(ethers.id("PAUSER_ROLE"));
      expect(await stake.hasRole(ADMIN, admin.address)).to.equal(true);
      expect(await stake.hasRole(OPERATOR, operator.address)).to.equal(true);
      expect(await stake.hasRole(PAUSER, pauser.address)).to.equal(true);
      // The admin holds only the admin role; nobody else holds any.
      expect(await stake.hasRole(OPERATOR, admin.address)).to.equal(false);
      expect(await stake.hasRole(PAUSER, admin.address)).to.equal(false);
      for (const role of [ADMIN, OPERATOR, PAUSER]) {
        expect(await stake.hasRole(role, outsider.address)).to.equal(false);
        expect(await stake.getRoleAdmin(role)).to.equal(ADMIN);
      }
    });

    it("emits RoleGranted and ParameterUpdated(name, 0, value) for each parameter, in order, at construction", async function () {
      const { deploy, admin } = await deployArgs({});
      const stake = await deploy();
      const receipt = (await stake.deploymentTransaction()!.wait())!;
      const events = receipt.logs
        .map((log) => stake.interface.parseLog(log))
        .filter((e) => e !== null)
        .map((e): unknown[] => [e.name, ...e.args]);
      expect(events).to.deep.equal([
        ["ParameterUpdated", name32("withdrawalDelay"), 0n, DEFAULT_PARAMS.withdrawalDelay],
        ["ParameterUpdated", name32("minRoundInterval"), 0n, DEFAULT_PARAMS.minRoundInterval],
        ["ParameterUpdated", name32("resolutionDelay"), 0n, DEFAULT_PARAMS.resolutionDelay],
        ["ParameterUpdated", name32("publishWindow"), 0n, DEFAULT_PARAMS.publishWindow],
        ["ParameterUpdated", name32("rateCap"), 0n, DEFAULT_PARAMS.rateCap],
        ["ParameterUpdated", name32("proofGracePeriod"), 0n, DEFAULT_PARAMS.proofGracePeriod],
        ["ParameterUpdated", name32("sliceDivisor"), 0n, DEFAULT_PARAMS.sliceDivisor],
        ["BurnConfigured", BurnMode.NumeraireMint, ethers.ZeroAddress],
        ["RoleGranted", ethers.ZeroHash, admin.address, admin.address],
      ]);
    });

    it("exposes its limits and bounds as constants matching the design", async function () {
      const { stake } = await loadFixture(deployFixture);
      expect(await stake.MAX_MODELS()).to.equal(64n);
      expect(await stake.VECTOR_HISTORY()).to.equal(256n);
      expect(await stake.MIN_PROOF_GRACE_PERIOD()).to.equal(BOUNDS.proofGracePeriod.min);
      expect(await stake.MAX_PROOF_GRACE_PERIOD()).to.equal(BOUNDS.proofGracePeriod.max);
      expect(await stake.BPS()).to.equal(10_000n);
      expect(await stake.RATE_SCALE()).to.equal(10n ** 18n);
      expect(await stake.MAX_WITHDRAWAL_DELAY()).to.equal(BOUNDS.withdrawalDelay.max);
      expect(await stake.MIN_ROUND_INTERVAL_FLOOR()).to.equal(BOUNDS.minRoundInterval.min);
      expect(await stake.MIN_ROUND_INTERVAL_CEILING()).to.equal(BOUNDS.minRoundInterval.max);
      expect(await stake.MIN_RESOLUTION_DELAY()).to.equal(BOUNDS.resolutionDelay.min);
      expect(await stake.MAX_RESOLUTION_DELAY()).to.equal(BOUNDS.resolutionDelay.max);
      expect(await stake.MIN_PUBLISH_WINDOW()).to.equal(BOUNDS.publishWindow.min);
      expect(await stake.MAX_PUBLISH_WINDOW()).to.equal(BOUNDS.publishWindow.max);
      expect(await stake.MIN_RATE_CAP()).to.equal(BOUNDS.rateCap.min);
      expect(await stake.MAX_RATE_CAP()).to.equal(BOUNDS.rateCap.max);
      expect(await stake.MIN_SLICE_DIVISOR()).to.equal(BOUNDS.sliceDivisor.min);
      expect(await stake.MAX_SLICE_DIVISOR()).to.equal(BOUNDS.sliceDivisor.max);
      expect(await stake.MAX_EXPOSURE()).to.equal(MAX_EXPOSURE);
      expect(await stake.SET_ALLOCATION_TYPEHASH()).to.equal(
        ethers.id("SetAllocation(address account,bytes16[] modelIds,uint16[] bps,uint256 nonce,uint256 deadline)"),
      );
    });
  });
});
