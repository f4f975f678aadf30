/**
 * Core unit tests of PortfolioStake: everything except applying published round results (settlement has its own file).
 *
 * Layout: one describe block per function (constructor, staker API, operator API, admin API, views, multicall), then
 * accounts with two packed words (17..32 models), the bad-input matrix for every way of setting a vector, and the
 * round-snapshot rule over long histories.
 *
 * Conventions:
 * - every rejection is checked with its exact custom error (and its arguments) AND with an unchanged snapshot of all
 *   observable state (`expectRejected`);
 * - rounds that must be settled (to claim a withdrawal, or to let the vector ring turn) are settled as rounds that
 *   expired unpublished: past its publication deadline a round settles with empty results and counts as zero.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { PortfolioStake } from "../typechain-types";
import {
  DAY,
  DEFAULT_PARAMS,
  FIRST_ROUND,
  NMR,
  RATE,
  bindModels,
  deployFixture,
  evenBps,
  mintTo,
  modelId,
  modelIds,
  openRound,
  stakeFactory,
  BurnMode,
} from "./helpers/fixtures";
import {
  accountObject,
  distinctBps,
  paramsObject,
  roundObject,
  malleate,
  modelStakes,
  name32,
  passDeadline,
  registerAccount,
  settleExpired,
  signAllocation,
  stateSnapshot,
  toRegistryOrder,
} from "./helpers/core";

type Fixture = Awaited<ReturnType<typeof deployFixture>>;

/** The first round the fixture opens, and the round number before any opening. */
const R0 = FIRST_ROUND;
const BEFORE = FIRST_ROUND - 1n;
const FAR_FUTURE = 2n ** 40n;
const UINT32_MAX = 2n ** 32n - 1n;

/** The hard-coded parameter bounds, written down independently of the contract. */
const BOUNDS = {
  withdrawalDelay: { min: 0n, max: 60n * DAY },
  minRoundInterval: { min: DAY / 2n, max: 7n * DAY },
  resolutionDelay: { min: DAY, max: 60n * DAY },
  publishWindow: { min: DAY, max: 30n * DAY },
  rateCap: { min: RATE("0.001"), max: RATE("0.25") },
  proofGracePeriod: { min: DAY, max: 30n * DAY },
};
type ParamName = keyof typeof BOUNDS;
const PARAM_NAMES = Object.keys(BOUNDS) as ParamName[];

function setParam(stake: PortfolioStake, name: ParamName, value: bigint) {
  switch (name) {
    case "withdrawalDelay":
      return stake.setWithdrawalDelay(value);
    case "minRoundInterval":
      return stake.setMinRoundInterval(value);
    case "resolutionDelay":
      return stake.setResolutionDelay(value);
    case "publishWindow":
      return stake.setPublishWindow(value);
    case "rateCap":
      return stake.setRateCap(value);
    case "proofGracePeriod":
      return stake.setProofGracePeriod(value);
  }
}

/** Every account of the fixture, for state snapshots. */
function everyone(fx: Fixture, extra: string[] = []): string[] {
  return [fx.alice, fx.bob, fx.carol, fx.manager, fx.keeper, fx.outsider, fx.operator, fx.admin]
    .map((s) => s.address)
    .concat(extra);
}

/**
 * Asserts that `call` reverts with `error` (and `args`, when given) from `contract` (the staking contract by default)
 * and that no observable state changed.
 */
async function expectRejected(
  fx: Fixture,
  call: () => Promise<unknown>,
  error: string,
  args?: unknown[],
  options: { contract?: { interface: any }; accounts?: string[] } = {},
) {
  const accounts = everyone(fx, options.accounts);
  const before = await stateSnapshot(fx.stake, fx.nmr, accounts);
  const assertion = expect(call(), error).to.be.revertedWithCustomError(options.contract ?? fx.stake, error);
  if (args) await assertion.withArgs(...args);
  else await assertion;
  expect(await stateSnapshot(fx.stake, fx.nmr, accounts)).to.deep.equal(before);
}

/** Fixes the next block's timestamp (a few seconds ahead) and returns it. */
async function nextTimestamp(ahead = 10n): Promise<bigint> {
  const t = BigInt(await time.latest()) + ahead;
  await time.setNextBlockTimestamp(t);
  return t;
}

async function weightsAt(stake: PortfolioStake, account: string, round: bigint): Promise<bigint[]> {
  const [, bps] = await stake.allocationAt(account, round);
  return [...bps];
}

describe("PortfolioStake (core)", function () {
  // ═══════════════════════════════════════════ constructor ═══════════════════════════════════════════
  describe("constructor", function () {
    async function deployArgs(overrides: {
      token?: string;
      burnMode?: bigint;
      burnSink?: string;
      admin?: string;
      firstRound?: bigint;
      params?: Partial<typeof DEFAULT_PARAMS>;
    }) {
      const [admin] = await ethers.getSigners();
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
      it(`accepts every parameter at its ${edge === "min" ? "lower" : "upper"} bound`, async function () {
        const params = Object.fromEntries(PARAM_NAMES.map((n) => [n, BOUNDS[n][edge]])) as typeof DEFAULT_PARAMS;
        const { deploy } = await deployArgs({ params });
        const stake = await deploy();
        expect(paramsObject(await stake.parameters())).to.deep.equal(params);
      });
    }

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
      expect(await stake.totals()).to.deep.equal([0n, 0n, 0n]);
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
        .map((e) => [e.name, ...e.args]);
      expect(events).to.deep.equal([
        ["ParameterUpdated", name32("withdrawalDelay"), 0n, DEFAULT_PARAMS.withdrawalDelay],
        ["ParameterUpdated", name32("minRoundInterval"), 0n, DEFAULT_PARAMS.minRoundInterval],
        ["ParameterUpdated", name32("resolutionDelay"), 0n, DEFAULT_PARAMS.resolutionDelay],
        ["ParameterUpdated", name32("publishWindow"), 0n, DEFAULT_PARAMS.publishWindow],
        ["ParameterUpdated", name32("rateCap"), 0n, DEFAULT_PARAMS.rateCap],
        ["ParameterUpdated", name32("proofGracePeriod"), 0n, DEFAULT_PARAMS.proofGracePeriod],
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
      expect(await stake.SET_ALLOCATION_TYPEHASH()).to.equal(
        ethers.id("SetAllocation(address account,bytes16[] modelIds,uint16[] bps,uint256 nonce,uint256 deadline)"),
      );
    });

    it("has the EIP-712 domain {PortfolioStake, 1, chainId, itself}", async function () {
      const { stake } = await loadFixture(deployFixture);
      const { chainId } = await ethers.provider.getNetwork();
      const domain = await stake.eip712Domain();
      expect(domain.name).to.equal("PortfolioStake");
      expect(domain.version).to.equal("1");
      expect(domain.chainId).to.equal(chainId);
      expect(domain.verifyingContract).to.equal(await stake.getAddress());
    });
  });

  // ═════════════════════════════════════════════ deposit ═════════════════════════════════════════════
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
      expect(await stake.totals()).to.deep.equal([NMR(100), 0n, 0n]);
      expect(await stake.stakeAt(alice.address, BEFORE)).to.equal(0n);
      expect(await stake.stakeAt(alice.address, R0)).to.equal(NMR(100));
      expect(await stake.stakeAt(alice.address, R0 + 100n)).to.equal(NMR(100));
    });

    it("a deposit during round r adds to the balance from r + 1 and leaves round r's stake", async function () {
      const { stake, alice, operator } = await loadFixture(deployFixture);
      await stake.connect(alice).deposit(NMR(100));
      const r = await openRound(stake, operator);
      await expect(stake.connect(alice).deposit(NMR(50)))
        .to.emit(stake, "Deposited")
        .withArgs(alice.address, NMR(50), NMR(150), r + 1n);
      expect(await stake.stakeAt(alice.address, r)).to.equal(NMR(100));
      expect(await stake.stakeAt(alice.address, r + 1n)).to.equal(NMR(150));
      expect((await stake.accountOf(alice.address)).balance).to.equal(NMR(150));
      expect(await stake.totals()).to.deep.equal([NMR(150), 0n, 0n]);
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
      expect(await stake.totals()).to.deep.equal([NMR(60), 0n, 0n]);
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

  // ══════════════════════════════════════════ setAllocation ══════════════════════════════════════════
  describe("setAllocation", function () {
    it("canonical list: stores the vector for the next round, emits it whole with `by`", async function () {
      const { stake, alice, models } = await loadFixture(deployFixture);
      const bps = [1000, 2000, 3000, 4000];
      await expect(stake.connect(alice).setAllocation(models.alice, bps))
        .to.emit(stake, "AllocationSet")
        .withArgs(alice.address, R0, alice.address, bps);
      const [ids, stored] = await stake.allocationAt(alice.address, R0);
      expect(ids).to.deep.equal(models.alice);
      expect(stored).to.deep.equal(bps.map(BigInt));
      expect(await weightsAt(stake, alice.address, BEFORE)).to.deep.equal([0n, 0n, 0n, 0n]);
      const v = await stake.accountOf(alice.address);
      expect(v.allocationCount).to.equal(1n);
      expect(v.lastAllocationRound).to.equal(R0);
    });

    it("needs no stake and moves no NMR", async function () {
      const { stake, nmr, alice, models } = await loadFixture(deployFixture);
      const tx = stake.connect(alice).setAllocation(models.alice, evenBps(4));
      await expect(tx).to.changeTokenBalances(nmr, [alice, stake], [0n, 0n]);
      expect(await stake.totals()).to.deep.equal([0n, 0n, 0n]);
      expect((await stake.accountOf(alice.address)).balance).to.equal(0n);
    });

    it("non-canonical order: weights are mapped to registry slots and the event is in registry order", async function () {
      const { stake, alice, models } = await loadFixture(deployFixture);
      const m = models.alice;
      await expect(stake.connect(alice).setAllocation([m[3], m[1], m[0], m[2]], [4000, 2000, 1000, 3000]))
        .to.emit(stake, "AllocationSet")
        .withArgs(alice.address, R0, alice.address, [1000, 2000, 3000, 4000]);
      expect(await weightsAt(stake, alice.address, R0)).to.deep.equal([1000n, 2000n, 3000n, 4000n]);
    });

    it("subset: omitted models get weight zero", async function () {
      const { stake, alice, models } = await loadFixture(deployFixture);
      const m = models.alice;
      await expect(stake.connect(alice).setAllocation([m[2], m[0]], [7000, 3000]))
        .to.emit(stake, "AllocationSet")
        .withArgs(alice.address, R0, alice.address, [3000, 0, 7000, 0]);
      expect(await weightsAt(stake, alice.address, R0)).to.deep.equal([3000n, 0n, 7000n, 0n]);
    });

    it("a single model may take the whole 10,000", async function () {
      const { stake, alice, models } = await loadFixture(deployFixture);
      await expect(stake.connect(alice).setAllocation([models.alice[3]], [10_000]))
        .to.emit(stake, "AllocationSet")
        .withArgs(alice.address, R0, alice.address, [0, 0, 0, 10_000]);
    });

    it("explicit zero weights are accepted on both paths", async function () {
      const { stake, alice, models } = await loadFixture(deployFixture);
      const m = models.alice;
      await expect(stake.connect(alice).setAllocation(m, [0, 10_000, 0, 0]))
        .to.emit(stake, "AllocationSet")
        .withArgs(alice.address, R0, alice.address, [0, 10_000, 0, 0]);
      await expect(stake.connect(alice).setAllocation([m[1], m[0]], [0, 10_000]))
        .to.emit(stake, "AllocationSet")
        .withArgs(alice.address, R0, alice.address, [10_000, 0, 0, 0]);
      expect(await weightsAt(stake, alice.address, R0)).to.deep.equal([10_000n, 0n, 0n, 0n]);
    });

    it("a second change in the same round overwrites the pending vector (allocationCount unchanged)", async function () {
      const { stake, alice, models } = await loadFixture(deployFixture);
      const m = models.alice;
      await stake.connect(alice).setAllocation(m, [1000, 2000, 3000, 4000]);
      await expect(stake.connect(alice).setAllocation([m[1]], [10_000]))
        .to.emit(stake, "AllocationSet")
        .withArgs(alice.address, R0, alice.address, [0, 10_000, 0, 0]);
      await expect(stake.connect(alice).setAllocation(m, [2500, 2500, 2500, 2500]))
        .to.emit(stake, "AllocationSet")
        .withArgs(alice.address, R0, alice.address, [2500, 2500, 2500, 2500]);
      expect(await weightsAt(stake, alice.address, R0)).to.deep.equal([2500n, 2500n, 2500n, 2500n]);
      const v = await stake.accountOf(alice.address);
      expect(v.allocationCount).to.equal(1n);
      expect(v.lastAllocationRound).to.equal(R0);
    });

    it("a change in a later round adds a vector from that round + 1 and keeps the earlier one", async function () {
      const { stake, alice, operator, models } = await loadFixture(deployFixture);
      await stake.connect(alice).setAllocation(models.alice, [10_000, 0, 0, 0]);
      const r = await openRound(stake, operator);
      await expect(stake.connect(alice).setAllocation(models.alice, [0, 0, 0, 10_000]))
        .to.emit(stake, "AllocationSet")
        .withArgs(alice.address, r + 1n, alice.address, [0, 0, 0, 10_000]);
      expect(await weightsAt(stake, alice.address, r)).to.deep.equal([10_000n, 0n, 0n, 0n]);
      expect(await weightsAt(stake, alice.address, r + 1n)).to.deep.equal([0n, 0n, 0n, 10_000n]);
      const v = await stake.accountOf(alice.address);
      expect(v.allocationCount).to.equal(2n);
      expect(v.lastAllocationRound).to.equal(r + 1n);
    });

    it("models registered after a vector get zero in it; the grown list becomes the canonical one", async function () {
      const { stake, alice, operator, models } = await loadFixture(deployFixture);
      await stake.connect(alice).setAllocation(models.alice, [1000, 2000, 3000, 4000]);
      const extra = modelId("alice-late-model");
      await bindModels(stake, operator, alice, [extra]);
      const [ids, bps] = await stake.allocationAt(alice.address, R0);
      expect(ids).to.deep.equal([...models.alice, extra]);
      expect(bps).to.deep.equal([1000n, 2000n, 3000n, 4000n, 0n]);
      // The old 4-model list is now a subset (checked model by model); the 5-model list is canonical.
      await expect(stake.connect(alice).setAllocation(models.alice, [2500, 2500, 2500, 2500]))
        .to.emit(stake, "AllocationSet")
        .withArgs(alice.address, R0, alice.address, [2500, 2500, 2500, 2500, 0]);
      await expect(stake.connect(alice).setAllocation([...models.alice, extra], [0, 0, 0, 0, 10_000]))
        .to.emit(stake, "AllocationSet")
        .withArgs(alice.address, R0, alice.address, [0, 0, 0, 0, 10_000]);
    });

    it("rejects an account without registered models (ModelNotOwned / EmptyAllocation)", async function () {
      const fx = await loadFixture(deployFixture);
      const { stake, outsider, alice, models } = fx;
      await expectRejected(
        fx,
        () => stake.connect(outsider).setAllocation([models.alice[0]], [10_000]),
        "ModelNotOwned",
        [models.alice[0], alice.address],
      );
      await expectRejected(fx, () => stake.connect(outsider).setAllocation([], []), "EmptyAllocation", []);
    });

    it("rejects while paused (EnforcedPause)", async function () {
      const fx = await loadFixture(deployFixture);
      await fx.stake.connect(fx.pauser).pause();
      await expectRejected(
        fx,
        () => fx.stake.connect(fx.alice).setAllocation(fx.models.alice, evenBps(4)),
        "EnforcedPause",
        [],
      );
    });
  });

  // ════════════════════════════════════════ setAllocationFor ═════════════════════════════════════════
  describe("setAllocationFor", function () {
    it("by the staker itself: `by` is the staker", async function () {
      const { stake, alice, models } = await loadFixture(deployFixture);
      await expect(stake.connect(alice).setAllocationFor(alice.address, models.alice, [4000, 3000, 2000, 1000]))
        .to.emit(stake, "AllocationSet")
        .withArgs(alice.address, R0, alice.address, [4000, 3000, 2000, 1000]);
      expect(await weightsAt(stake, alice.address, R0)).to.deep.equal([4000n, 3000n, 2000n, 1000n]);
    });

    it("by the manager: `by` is the manager; the manager's own account is untouched", async function () {
      const { stake, alice, manager, models } = await loadFixture(deployFixture);
      await stake.connect(alice).setManager(manager.address);
      const m = models.alice;
      await expect(stake.connect(manager).setAllocationFor(alice.address, [m[3], m[2]], [5000, 5000]))
        .to.emit(stake, "AllocationSet")
        .withArgs(alice.address, R0, manager.address, [0, 0, 5000, 5000]);
      expect(await weightsAt(stake, alice.address, R0)).to.deep.equal([0n, 0n, 5000n, 5000n]);
      expect((await stake.accountOf(alice.address)).allocationCount).to.equal(1n);
      expect((await stake.accountOf(manager.address)).allocationCount).to.equal(0n);
    });

    it("rejects an outsider (NotStakerOrManager)", async function () {
      const fx = await loadFixture(deployFixture);
      const { stake, alice, outsider, models } = fx;
      await expectRejected(
        fx,
        () => stake.connect(outsider).setAllocationFor(alice.address, models.alice, evenBps(4)),
        "NotStakerOrManager",
        [outsider.address, alice.address],
      );
    });

    it("rejects another staker (NotStakerOrManager)", async function () {
      const fx = await loadFixture(deployFixture);
      const { stake, alice, bob, models } = fx;
      await expectRejected(
        fx,
        () => stake.connect(bob).setAllocationFor(alice.address, models.alice, evenBps(4)),
        "NotStakerOrManager",
        [bob.address, alice.address],
      );
    });

    it("rejects alice's manager acting for bob (NotStakerOrManager)", async function () {
      const fx = await loadFixture(deployFixture);
      const { stake, alice, bob, manager, models } = fx;
      await stake.connect(alice).setManager(manager.address);
      await expectRejected(
        fx,
        () => stake.connect(manager).setAllocationFor(bob.address, models.bob, evenBps(4)),
        "NotStakerOrManager",
        [manager.address, bob.address],
      );
    });

    it("rejects a manager once revoked or replaced (NotStakerOrManager)", async function () {
      const fx = await loadFixture(deployFixture);
      const { stake, alice, manager, outsider, models } = fx;
      await stake.connect(alice).setManager(manager.address);
      await stake.connect(alice).setManager(outsider.address);
      await expectRejected(
        fx,
        () => stake.connect(manager).setAllocationFor(alice.address, models.alice, evenBps(4)),
        "NotStakerOrManager",
        [manager.address, alice.address],
      );
      await stake.connect(alice).setManager(ethers.ZeroAddress);
      await expectRejected(
        fx,
        () => stake.connect(outsider).setAllocationFor(alice.address, models.alice, evenBps(4)),
        "NotStakerOrManager",
        [outsider.address, alice.address],
      );
    });

    it("rejects the staker and its manager while paused (EnforcedPause)", async function () {
      const fx = await loadFixture(deployFixture);
      const { stake, alice, manager, pauser, models } = fx;
      await stake.connect(alice).setManager(manager.address);
      await stake.connect(pauser).pause();
      for (const caller of [alice, manager]) {
        await expectRejected(
          fx,
          () => stake.connect(caller).setAllocationFor(alice.address, models.alice, evenBps(4)),
          "EnforcedPause",
          [],
        );
      }
    });
  });

  // ═══════════════════════════════════════════ setManager ════════════════════════════════════════════
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

  // ═══════════════════════════════════════ setAllocationBySig ════════════════════════════════════════
  describe("setAllocationBySig (EIP-712)", function () {
    async function signedFixture() {
      const fx = await loadFixture(deployFixture);
      // setManager uses alice's nonce 0: the next signature is for nonce 1.
      await fx.stake.connect(fx.alice).setManager(fx.manager.address);
      const message = {
        account: fx.alice.address,
        modelIds: fx.models.alice,
        bps: [1000, 2000, 3000, 4000],
        nonce: 1n,
        deadline: FAR_FUTURE,
      };
      return { ...fx, message };
    }

    function submit(
      fx: Fixture,
      m: { account: string; modelIds: string[]; bps: number[]; nonce: bigint; deadline: bigint },
      signature: string,
    ) {
      return fx.stake
        .connect(fx.keeper)
        .setAllocationBySig(m.account, m.modelIds, m.bps, m.nonce, m.deadline, signature);
    }

    it("signed by the staker, relayed by anyone: applies the vector, `by` = staker, nonce consumed", async function () {
      const fx = await signedFixture();
      const sig = await signAllocation(fx.stake, fx.alice, fx.message);
      await expect(submit(fx, fx.message, sig))
        .to.emit(fx.stake, "AllocationSet")
        .withArgs(fx.alice.address, R0, fx.alice.address, [1000, 2000, 3000, 4000]);
      expect(await fx.stake.nonces(fx.alice.address)).to.equal(2n);
      expect(await weightsAt(fx.stake, fx.alice.address, R0)).to.deep.equal([1000n, 2000n, 3000n, 4000n]);
      expect(await fx.stake.nonces(fx.keeper.address)).to.equal(0n);
    });

    it("signed by the manager: `by` = manager, the account's nonce consumed", async function () {
      const fx = await signedFixture();
      const sig = await signAllocation(fx.stake, fx.manager, fx.message);
      await expect(submit(fx, fx.message, sig))
        .to.emit(fx.stake, "AllocationSet")
        .withArgs(fx.alice.address, R0, fx.manager.address, [1000, 2000, 3000, 4000]);
      expect(await fx.stake.nonces(fx.alice.address)).to.equal(2n);
      expect(await fx.stake.nonces(fx.manager.address)).to.equal(0n);
    });

    it("staker and manager share one nonce sequence 1, 2, 3 (setManager used 0)", async function () {
      const fx = await signedFixture();
      const m = fx.models.alice;
      const steps = [
        { signer: fx.alice, ids: m, bps: [10_000, 0, 0, 0] },
        { signer: fx.manager, ids: [m[1]], bps: [10_000] },
        { signer: fx.alice, ids: [m[3], m[2]], bps: [6000, 4000] },
      ];
      for (const [i, s] of steps.entries()) {
        const message = { ...fx.message, modelIds: s.ids, bps: s.bps, nonce: BigInt(i + 1) };
        await expect(submit(fx, message, await signAllocation(fx.stake, s.signer, message)))
          .to.emit(fx.stake, "AllocationSet")
          .withArgs(fx.alice.address, R0, s.signer.address, toRegistryOrder(m, s.ids, s.bps));
        expect(await fx.stake.nonces(fx.alice.address)).to.equal(BigInt(i + 2));
      }
      expect(await weightsAt(fx.stake, fx.alice.address, R0)).to.deep.equal([0n, 0n, 4000n, 6000n]);
    });

    it("a reordered subset is signed as given and stored in registry order", async function () {
      const fx = await signedFixture();
      const m = fx.models.alice;
      const message = { ...fx.message, modelIds: [m[3], m[0]], bps: [9000, 1000] };
      await expect(submit(fx, message, await signAllocation(fx.stake, fx.alice, message)))
        .to.emit(fx.stake, "AllocationSet")
        .withArgs(fx.alice.address, R0, fx.alice.address, [1000, 0, 0, 9000]);
    });

    it("accepts a signature in the block whose timestamp equals its deadline", async function () {
      const fx = await signedFixture();
      const deadline = BigInt(await time.latest()) + 100n;
      const message = { ...fx.message, deadline };
      const sig = await signAllocation(fx.stake, fx.alice, message);
      await time.setNextBlockTimestamp(deadline);
      await expect(submit(fx, message, sig)).to.emit(fx.stake, "AllocationSet");
      expect(await fx.stake.nonces(fx.alice.address)).to.equal(2n);
    });

    it("rejects a signature one second past its deadline (SignatureExpired)", async function () {
      const fx = await signedFixture();
      const deadline = BigInt(await time.latest()) + 100n;
      const message = { ...fx.message, deadline };
      const sig = await signAllocation(fx.stake, fx.alice, message);
      await time.increaseTo(deadline);
      await expectRejected(fx, () => submit(fx, message, sig), "SignatureExpired", [deadline]);
    });

    it("rejects a replayed signature (InvalidNonce(2, 1))", async function () {
      const fx = await signedFixture();
      const sig = await signAllocation(fx.stake, fx.alice, fx.message);
      await submit(fx, fx.message, sig);
      await expectRejected(fx, () => submit(fx, fx.message, sig), "InvalidNonce", [2n, 1n]);
    });

    it("rejects a signature for a future nonce (InvalidNonce(1, 2))", async function () {
      const fx = await signedFixture();
      const message = { ...fx.message, nonce: 2n };
      const sig = await signAllocation(fx.stake, fx.alice, message);
      await expectRejected(fx, () => submit(fx, message, sig), "InvalidNonce", [1n, 2n]);
    });

    for (const who of ["outsider", "bob", "keeper"] as const) {
      it(`rejects a signature by ${who}, neither staker nor manager (InvalidSignature)`, async function () {
        const fx = await signedFixture();
        const sig = await signAllocation(fx.stake, fx[who], fx.message);
        await expectRejected(fx, () => submit(fx, fx.message, sig), "InvalidSignature", []);
      });
    }

    it("rejects a revoked manager's signature (InvalidNonce for an older one, InvalidSignature for a new one)", async function () {
      const fx = await signedFixture();
      const sig = await signAllocation(fx.stake, fx.manager, fx.message);
      await fx.stake.connect(fx.alice).setManager(ethers.ZeroAddress); // uses nonce 1
      await expectRejected(fx, () => submit(fx, fx.message, sig), "InvalidNonce", [2n, 1n]);
      const fresh = { ...fx.message, nonce: 2n };
      const freshSig = await signAllocation(fx.stake, fx.manager, fresh);
      await expectRejected(fx, () => submit(fx, fresh, freshSig), "InvalidSignature", []);
    });

    it("rejects a signature for another account (alice's signature submitted for bob)", async function () {
      const fx = await signedFixture();
      const message = { ...fx.message, modelIds: fx.models.bob, bps: evenBps(4), nonce: 0n }; // bob's nonce
      const sig = await signAllocation(fx.stake, fx.alice, message);
      await expectRejected(fx, () => submit(fx, { ...message, account: fx.bob.address }, sig), "InvalidSignature", []);
    });

    it("rejects a signature of another vector: other weights, other order, other subset, other deadline", async function () {
      const fx = await signedFixture();
      const m = fx.models.alice;
      const sig = await signAllocation(fx.stake, fx.alice, fx.message);
      const altered = [
        { ...fx.message, bps: [4000, 3000, 2000, 1000] },
        { ...fx.message, modelIds: [m[1], m[0], m[2], m[3]], bps: [2000, 1000, 3000, 4000] },
        { ...fx.message, modelIds: [m[2], m[3]], bps: [5000, 5000] },
        { ...fx.message, deadline: FAR_FUTURE - 1n },
      ];
      for (const message of altered) {
        await expectRejected(fx, () => submit(fx, message, sig), "InvalidSignature", []);
      }
    });

    it("rejects signatures over a wrong domain: chain id, contract, name, version", async function () {
      const fx = await signedFixture();
      const wrong = [
        { chainId: 1n },
        { verifyingContract: await fx.nmr.getAddress() },
        { name: "PortfolioStak3" },
        { version: "2" },
      ];
      for (const domain of wrong) {
        const sig = await signAllocation(fx.stake, fx.alice, fx.message, domain);
        await expectRejected(fx, () => submit(fx, fx.message, sig), "InvalidSignature", []);
      }
    });

    it("rejects malformed and malleated (high-s) signatures", async function () {
      const fx = await signedFixture();
      const good = await signAllocation(fx.stake, fx.alice, fx.message);
      for (const sig of ["0x", "0x1234", ethers.ZeroHash + "00".repeat(33), malleate(good)]) {
        await expectRejected(fx, () => submit(fx, fx.message, sig), "InvalidSignature", []);
      }
    });

    it("rejects anything for the zero account (InvalidSignature)", async function () {
      const fx = await signedFixture();
      const message = { ...fx.message, account: ethers.ZeroAddress, nonce: 0n };
      const sig = await signAllocation(fx.stake, fx.alice, message);
      await expectRejected(fx, () => submit(fx, message, sig), "InvalidSignature", []);
      await expectRejected(fx, () => submit(fx, message, "0x" + "00".repeat(65)), "InvalidSignature", []);
    });

    it("rejects a valid signature while paused, without consuming the nonce (EnforcedPause)", async function () {
      const fx = await signedFixture();
      const sig = await signAllocation(fx.stake, fx.alice, fx.message);
      await fx.stake.connect(fx.pauser).pause();
      await expectRejected(fx, () => submit(fx, fx.message, sig), "EnforcedPause", []);
      await fx.stake.connect(fx.pauser).unpause();
      await expect(submit(fx, fx.message, sig)).to.emit(fx.stake, "AllocationSet");
    });
  });

  // ═══════════════════════════════════ bad vectors, on every path ════════════════════════════════════
  describe("bad weight vectors are rejected with their exact error and change nothing", function () {
    // alice's and bob's model IDs are deterministic (see deployFixture); bob's address is resolved per test.
    const A = modelIds("alice", 4);
    const B = modelIds("bob", 4);
    const UNKNOWN = modelId("nobody-model");
    const ZERO_ID = "0x" + "00".repeat(16);
    type Case = { title: string; ids: string[]; bps: number[]; error: string; args: (bob: string) => unknown[] };
    const bad = (title: string, ids: string[], bps: number[], error: string, args: Case["args"]): Case => ({
      title,
      ids,
      bps,
      error,
      args,
    });
    const CASES: Case[] = [
      bad("more model IDs than weights", A, [5000, 5000, 0], "LengthMismatch", () => [4, 3]),
      bad("more weights than model IDs", [A[0], A[1]], [5000, 5000, 0], "LengthMismatch", () => [2, 3]),
      bad("weights without model IDs", [], [10_000], "LengthMismatch", () => [0, 1]),
      bad("an empty vector", [], [], "EmptyAllocation", () => []),
      bad("a repeated model (subset)", [A[0], A[1], A[0]], [3000, 3000, 4000], "DuplicateModel", () => [A[0]]),
      bad(
        "a repeated model (as many entries as models)",
        [A[0], A[1], A[2], A[2]],
        [2500, 2500, 2500, 2500],
        "DuplicateModel",
        () => [A[2]],
      ),
      bad("canonical weights summing to 9,999", A, [2500, 2500, 2500, 2499], "InvalidWeightSum", () => [9999]),
      bad("canonical weights summing to 10,001", A, [2500, 2500, 2500, 2501], "InvalidWeightSum", () => [10_001]),
      bad("canonical weights summing to 20,000", A, [10_000, 10_000, 0, 0], "InvalidWeightSum", () => [20_000]),
      bad("all-zero weights", A, [0, 0, 0, 0], "InvalidWeightSum", () => [0]),
      bad("reordered weights summing to 9,999", [A[3], A[1]], [5000, 4999], "InvalidWeightSum", () => [9999]),
      bad("reordered weights summing to 10,001", [A[3], A[1]], [5000, 5001], "InvalidWeightSum", () => [10_001]),
      bad("a canonical weight of 10,001", A, [0, 10_001, 0, 0], "WeightTooLarge", () => [A[1], 10_001]),
      bad("a canonical weight of 65,535", A, [5000, 5000, 65_535, 0], "WeightTooLarge", () => [A[2], 65_535]),
      bad("a subset weight of 10,001", [A[2]], [10_001], "WeightTooLarge", () => [A[2], 10_001]),
      bad("a reordered weight of 65,535", [A[3], A[0]], [65_535, 10_000], "WeightTooLarge", () => [A[3], 65_535]),
      bad("a model of another account", [A[0], B[1]], [5000, 5000], "ModelNotOwned", (bob) => [B[1], bob]),
      bad("another account's whole canonical list", B, evenBps(4), "ModelNotOwned", (bob) => [B[0], bob]),
      bad("an unregistered model", [A[0], UNKNOWN], [5000, 5000], "UnknownModel", () => [UNKNOWN]),
      bad("the zero model ID", [ZERO_ID], [10_000], "UnknownModel", () => [ZERO_ID]),
      bad("65 entries (more than MAX_MODELS)", [...A, ...modelIds("extra", 61)], evenBps(65), "TooManyModels", () => [
        65, 64,
      ]),
    ];

    const PATHS: Record<string, (fx: Fixture, ids: string[], bps: number[]) => Promise<unknown>> = {
      setAllocation: (fx, ids, bps) => fx.stake.connect(fx.alice).setAllocation(ids, bps),
      "setAllocationFor (by the manager)": (fx, ids, bps) =>
        fx.stake.connect(fx.manager).setAllocationFor(fx.alice.address, ids, bps),
      "setAllocationBySig (valid staker signature)": async (fx, ids, bps) => {
        const nonce = await fx.stake.nonces(fx.alice.address);
        const message = { account: fx.alice.address, modelIds: ids, bps, nonce, deadline: FAR_FUTURE };
        const sig = await signAllocation(fx.stake, fx.alice, message);
        return fx.stake.connect(fx.keeper).setAllocationBySig(fx.alice.address, ids, bps, nonce, FAR_FUTURE, sig);
      },
    };

    it("the matrix uses the fixture's model IDs", async function () {
      const { models } = await loadFixture(deployFixture);
      expect(models.alice).to.deep.equal(A);
      expect(models.bob).to.deep.equal(B);
    });

    for (const [pathName, send] of Object.entries(PATHS)) {
      describe(pathName, function () {
        for (const c of CASES) {
          it(`${c.title} → ${c.error}`, async function () {
            const fx = await loadFixture(deployFixture);
            await fx.stake.connect(fx.alice).setManager(fx.manager.address);
            await fx.stake.connect(fx.alice).deposit(NMR(100));
            // An existing vector must survive the rejected call.
            await fx.stake.connect(fx.alice).setAllocation(A, [1000, 2000, 3000, 4000]);
            await expectRejected(fx, () => send(fx, c.ids, c.bps), c.error, c.args(fx.bob.address));
            expect(await weightsAt(fx.stake, fx.alice.address, R0)).to.deep.equal([1000n, 2000n, 3000n, 4000n]);
            // setManager and the direct setAllocation used nonces 0 and 1; the rejected call used none.
            expect(await fx.stake.nonces(fx.alice.address)).to.equal(2n);
          });
        }
      });
    }
  });

  // ════════════════════════════════════════ requestWithdrawal ════════════════════════════════════════
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
      expect(await stake.totals()).to.deep.equal([NMR(60), NMR(40), 0n]);
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
      const { stake, alice, operator } = await loadFixture(deployFixture);
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
      expect(await stake.totals()).to.deep.equal([NMR(75), NMR(25), 0n]);
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
      const { stake, alice, pauser } = await loadFixture(deployFixture);
      await stake.connect(alice).deposit(NMR(100));
      await stake.connect(pauser).pause();
      await expect(stake.connect(alice).requestWithdrawal(NMR(100))).to.emit(stake, "WithdrawalRequested");
      expect(await stake.totals()).to.deep.equal([0n, NMR(100), 0n]);
    });
  });

  // ═════════════════════════════════════════ claimWithdrawal ═════════════════════════════════════════
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
      expect(await stake.totals()).to.deep.equal([NMR(60), 0n, 0n]);
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
      const { stake, alice } = await loadFixture(deployFixture);
      await stake.connect(alice).deposit(NMR(100));
      await stake.connect(alice).requestWithdrawal(NMR(100));
      await time.increase(DEFAULT_PARAMS.withdrawalDelay);
      await expect(stake.connect(alice).claimWithdrawal())
        .to.emit(stake, "WithdrawalClaimed")
        .withArgs(alice.address, NMR(100));
      expect(await stake.totals()).to.deep.equal([0n, 0n, 0n]);
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

  // ═══════════════════════════════════ managers can never move NMR ═══════════════════════════════════
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

  // ═══════════════════════════════════════════ fundRewards ═══════════════════════════════════════════
  describe("fundRewards", function () {
    it("adds to the pool: RewardsFunded(from, amount, pool), transfer, totals; anyone may fund", async function () {
      const { stake, nmr, operator, alice } = await loadFixture(deployFixture);
      const tx = stake.connect(operator).fundRewards(NMR(1000));
      await expect(tx).to.emit(stake, "RewardsFunded").withArgs(operator.address, NMR(1000), NMR(1000));
      await expect(tx).to.changeTokenBalances(nmr, [operator, stake], [-NMR(1000), NMR(1000)]);
      await expect(stake.connect(alice).fundRewards(NMR(5)))
        .to.emit(stake, "RewardsFunded")
        .withArgs(alice.address, NMR(5), NMR(1005));
      expect(await stake.totals()).to.deep.equal([0n, 0n, NMR(1005)]);
      expect((await stake.accountOf(alice.address)).balance).to.equal(0n);
    });

    it("rejects a zero amount (ZeroAmount)", async function () {
      const fx = await loadFixture(deployFixture);
      await expectRejected(fx, () => fx.stake.connect(fx.operator).fundRewards(0), "ZeroAmount", []);
    });

    it("works while paused", async function () {
      const { stake, operator, pauser } = await loadFixture(deployFixture);
      await stake.connect(pauser).pause();
      await expect(stake.connect(operator).fundRewards(NMR(1))).to.emit(stake, "RewardsFunded");
    });
  });

  // ═══════════════════════════════ registry: proposeModels + acceptModels ═══════════════════════════════
  // (was "registerModels": binding now needs the operator's proposal and the staker's acceptance; the consent rules
  // themselves are tested in test/contracts/registryConsent.test.ts)
  describe("registry: proposeModels + acceptModels", function () {
    it("binds accepted models to slots in order: ModelRegistered, modelsOf, modelOwner, modelCount", async function () {
      const { stake, operator, outsider } = await loadFixture(deployFixture);
      const ids = modelIds("dave", 3);
      await stake.connect(operator).proposeModels(outsider.address, ids);
      const tx = stake.connect(outsider).acceptModels(ids);
      for (const [slot, id] of ids.entries()) {
        await expect(tx).to.emit(stake, "ModelRegistered").withArgs(outsider.address, id, slot);
      }
      expect(await stake.modelsOf(outsider.address)).to.deep.equal(ids);
      for (const [slot, id] of ids.entries()) {
        expect(await stake.modelOwner(id)).to.deep.equal([outsider.address, BigInt(slot)]);
      }
      expect((await stake.accountOf(outsider.address)).modelCount).to.equal(3n);
    });

    it("appends to an existing list: new slots follow the old ones", async function () {
      const { stake, operator, alice, models } = await loadFixture(deployFixture);
      const ids = modelIds("alice-more", 2);
      await expect(bindModels(stake, operator, alice, ids))
        .to.emit(stake, "ModelRegistered")
        .withArgs(alice.address, ids[0], 4)
        .and.to.emit(stake, "ModelRegistered")
        .withArgs(alice.address, ids[1], 5);
      expect(await stake.modelsOf(alice.address)).to.deep.equal([...models.alice, ...ids]);
      expect((await stake.accountOf(alice.address)).modelCount).to.equal(6n);
      expect(await stake.modelOwner(ids[1])).to.deep.equal([alice.address, 5n]);
    });

    it("accepts exactly 64 models in one call, and up to 64 by appending", async function () {
      const { stake, operator, outsider, alice } = await loadFixture(deployFixture);
      await bindModels(stake, operator, outsider, modelIds("dave", 64));
      expect((await stake.accountOf(outsider.address)).modelCount).to.equal(64n);
      await bindModels(stake, operator, alice, modelIds("alice-more", 60));
      expect((await stake.accountOf(alice.address)).modelCount).to.equal(64n);
      expect((await stake.modelsOf(alice.address)).length).to.equal(64);
    });

    it("an unknown model has no owner", async function () {
      const { stake } = await loadFixture(deployFixture);
      expect(await stake.modelOwner(modelId("nobody"))).to.deep.equal([ethers.ZeroAddress, 0n]);
    });

    it("rejects accepting 65 models in one call (TooManyModels(65, 64))", async function () {
      const fx = await loadFixture(deployFixture);
      const ids = modelIds("dave", 65);
      await fx.stake.connect(fx.operator).proposeModels(fx.outsider.address, ids);
      await expectRejected(fx, () => fx.stake.connect(fx.outsider).acceptModels(ids), "TooManyModels", [65, 64]);
      expect(await fx.stake.modelOwner(ids[0])).to.deep.equal([ethers.ZeroAddress, 0n]);
    });

    it("rejects accepting beyond 64 (TooManyModels(65, 64))", async function () {
      const fx = await loadFixture(deployFixture);
      const more = modelIds("alice-more", 61);
      await fx.stake.connect(fx.operator).proposeModels(fx.alice.address, more);
      await expectRejected(fx, () => fx.stake.connect(fx.alice).acceptModels(more), "TooManyModels", [65, 64]);
      await fx.stake.connect(fx.alice).acceptModels(more.slice(0, 60));
      await expectRejected(fx, () => fx.stake.connect(fx.alice).acceptModels([more[60]]), "TooManyModels", [65, 64]);
    });

    it("rejects proposing a model bound to the same or another account (ModelAlreadyRegistered(id, owner))", async function () {
      const fx = await loadFixture(deployFixture);
      const { stake, operator, alice, bob, models } = fx;
      await expectRejected(
        fx,
        () => stake.connect(operator).proposeModels(alice.address, [models.alice[2]]),
        "ModelAlreadyRegistered",
        [models.alice[2], alice.address],
      );
      await expectRejected(
        fx,
        () => stake.connect(operator).proposeModels(bob.address, [models.alice[0]]),
        "ModelAlreadyRegistered",
        [models.alice[0], alice.address],
      );
    });

    it("rejects a model repeated within one acceptance, binding none of the call's models", async function () {
      const fx = await loadFixture(deployFixture);
      const [a, b] = modelIds("dave", 2);
      await fx.stake.connect(fx.operator).proposeModels(fx.outsider.address, [a, b, a]);
      await expectRejected(fx, () => fx.stake.connect(fx.outsider).acceptModels([a, b, a]), "ModelNotProposed", [
        a,
        fx.outsider.address,
      ]);
      expect(await fx.stake.modelOwner(a)).to.deep.equal([ethers.ZeroAddress, 0n]);
      expect(await fx.stake.modelOwner(b)).to.deep.equal([ethers.ZeroAddress, 0n]);
    });

    it("rejects the zero model ID, anywhere in the list (InvalidModelId)", async function () {
      const fx = await loadFixture(deployFixture);
      const zero = "0x" + "00".repeat(16);
      const [a] = modelIds("dave", 1);
      await expectRejected(
        fx,
        () => fx.stake.connect(fx.operator).proposeModels(fx.outsider.address, [zero]),
        "InvalidModelId",
        [],
      );
      await expectRejected(
        fx,
        () => fx.stake.connect(fx.operator).proposeModels(fx.outsider.address, [a, zero]),
        "InvalidModelId",
        [],
      );
      expect(await fx.stake.modelProposal(a)).to.equal(ethers.ZeroAddress);
    });

    it("rejects an empty list (InvalidModelId), to propose and to accept", async function () {
      const fx = await loadFixture(deployFixture);
      await expectRejected(
        fx,
        () => fx.stake.connect(fx.operator).proposeModels(fx.outsider.address, []),
        "InvalidModelId",
        [],
      );
      await expectRejected(fx, () => fx.stake.connect(fx.outsider).acceptModels([]), "InvalidModelId", []);
    });

    it("rejects the zero account (ZeroAddress)", async function () {
      const fx = await loadFixture(deployFixture);
      const ids = modelIds("nobody", 1);
      await expectRejected(
        fx,
        () => fx.stake.connect(fx.operator).proposeModels(ethers.ZeroAddress, ids),
        "ZeroAddress",
        [],
        {
          accounts: [ethers.ZeroAddress],
        },
      );
      expect(await fx.stake.modelProposal(ids[0])).to.equal(ethers.ZeroAddress);
    });

    it("rejects proposals by callers without OPERATOR_ROLE, the admin included (AccessControlUnauthorizedAccount)", async function () {
      const fx = await loadFixture(deployFixture);
      const role = await fx.stake.OPERATOR_ROLE();
      for (const caller of [fx.admin, fx.pauser, fx.alice, fx.outsider]) {
        await expectRejected(
          fx,
          () => fx.stake.connect(caller).proposeModels(caller.address, modelIds("self", 1)),
          "AccessControlUnauthorizedAccount",
          [caller.address, role],
        );
      }
    });

    it("works while paused", async function () {
      const { stake, operator, pauser, outsider } = await loadFixture(deployFixture);
      await stake.connect(pauser).pause();
      await expect(bindModels(stake, operator, outsider, modelIds("dave", 1))).to.emit(stake, "ModelRegistered");
    });
  });

  // ════════════════════════════════════════════ openRound ════════════════════════════════════════════
  describe("openRound", function () {
    it("opens firstRound at any time: RoundOpened(round, openedAt, resolvesAt, deadline, proofDeadline, rateCap), roundInfo", async function () {
      const { stake, operator } = await loadFixture(deployFixture);
      expect(await stake.connect(operator).openRound.staticCall()).to.equal(R0);
      const t = await nextTimestamp();
      const resolvesAt = t + DEFAULT_PARAMS.resolutionDelay;
      const deadline = resolvesAt + DEFAULT_PARAMS.publishWindow;
      const proofDeadline = deadline + DEFAULT_PARAMS.proofGracePeriod;
      await expect(stake.connect(operator).openRound())
        .to.emit(stake, "RoundOpened")
        .withArgs(R0, t, resolvesAt, deadline, proofDeadline, DEFAULT_PARAMS.rateCap);
      expect(await stake.currentRound()).to.equal(R0);
      expect(roundObject(await stake.roundInfo(R0))).to.deep.equal({
        openedAt: t,
        resolvesAt,
        deadline,
        proofDeadline,
        rateCap: DEFAULT_PARAMS.rateCap,
        root: ethers.ZeroHash,
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
        );
      expect(await stake.currentRound()).to.equal(R0 + 1n);
    });

    it("parameter changes apply to rounds opened later; opened rounds keep their schedule and cap", async function () {
      const { stake, admin, operator } = await loadFixture(deployFixture);
      const r = await openRound(stake, operator);
      const before = roundObject(await stake.roundInfo(r));
      await stake.connect(admin).setResolutionDelay(2n * DAY);
      await stake.connect(admin).setPublishWindow(3n * DAY);
      await stake.connect(admin).setRateCap(RATE("0.1"));
      await stake.connect(admin).setMinRoundInterval(2n * DAY);
      await stake.connect(admin).setProofGracePeriod(4n * DAY);
      expect(roundObject(await stake.roundInfo(r))).to.deep.equal(before);
      // The new interval already binds the next opening.
      await time.increase(DAY);
      await expect(stake.connect(operator).openRound()).to.be.revertedWithCustomError(stake, "RoundTooEarly");
      await time.increase(DAY);
      const t = await nextTimestamp();
      await expect(stake.connect(operator).openRound())
        .to.emit(stake, "RoundOpened")
        .withArgs(r + 1n, t, t + 2n * DAY, t + 5n * DAY, t + 9n * DAY, RATE("0.1"));
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

  // ═══════════════════════════════════════════ publishRound ══════════════════════════════════════════
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

  // ═════════════════════════════════════════ pause / unpause ═════════════════════════════════════════
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

  // ════════════════════════════════════════ parameter setters ════════════════════════════════════════
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

  // ═══════════════════════════════════════════════ roles ═════════════════════════════════════════════
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

  // ═══════════════════════════════════════════════ views ═════════════════════════════════════════════
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
        totalRewarded: 0n,
        totalBurned: 0n,
        manager: manager.address,
        modelCount: 4n,
        allocationCount: 2n,
        lastAllocationRound: r + 1n,
      });
    });

    it("totals sum stakes, pending withdrawals and the rewards pool across accounts", async function () {
      const { stake, alice, bob, operator } = await loadFixture(deployFixture);
      await stake.connect(alice).deposit(NMR(100));
      await stake.connect(bob).deposit(NMR(50));
      await stake.connect(alice).requestWithdrawal(NMR(30));
      await stake.connect(bob).requestWithdrawal(NMR(5));
      await stake.connect(operator).fundRewards(NMR(7));
      expect(await stake.totals()).to.deep.equal([NMR(115), NMR(35), NMR(7)]);
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

  // ═════════════════════════════════════════════ multicall ═══════════════════════════════════════════
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

  // ═══════════════════════════════════ large accounts (two words) ════════════════════════════════════
  describe("accounts with 16 to 64 models (one to four packed words)", function () {
    for (const [offset, count] of [16, 17, 24, 31, 32, 33, 48, 50, 64].entries()) {
      it(`${count} models: canonical, reordered and subset vectors round-trip through every slot`, async function () {
        const fx = await loadFixture(deployFixture);
        const { stake, operator } = fx;
        const signer = (await ethers.getSigners())[10 + offset];
        const ids = await registerAccount(fx, signer, `big-${count}`, count);
        await stake.connect(signer).deposit(NMR(3200));

        // Canonical: pairwise distinct weights, so a weight in the wrong slot or word is noticed.
        const bps = distinctBps(count);
        await expect(stake.connect(signer).setAllocation(ids, bps))
          .to.emit(stake, "AllocationSet")
          .withArgs(signer.address, R0, signer.address, bps);
        const [storedIds, stored] = await stake.allocationAt(signer.address, R0);
        expect(storedIds).to.deep.equal(ids);
        expect(stored).to.deep.equal(bps.map(BigInt));
        expect(await stake.modelStakesAt(signer.address, R0)).to.deep.equal(modelStakes(NMR(3200), bps));

        // Reordered (reversed) in the same round: overwrites, still in registry order.
        const reversedIds = [...ids].reverse();
        const reversedBps = [...bps].reverse();
        await expect(stake.connect(signer).setAllocation(reversedIds, bps))
          .to.emit(stake, "AllocationSet")
          .withArgs(signer.address, R0, signer.address, reversedBps);
        expect(await weightsAt(stake, signer.address, R0)).to.deep.equal(reversedBps.map(BigInt));
        expect((await stake.accountOf(signer.address)).allocationCount).to.equal(1n);

        // Next round: all on the last slot; the previous round keeps its vector.
        const r = await openRound(stake, operator);
        await expect(stake.connect(signer).setAllocation([ids[count - 1]], [10_000]))
          .to.emit(stake, "AllocationSet")
          .withArgs(signer.address, r + 1n, signer.address, toRegistryOrder(ids, [ids[count - 1]], [10_000]));
        expect(await weightsAt(stake, signer.address, r + 1n)).to.deep.equal(
          toRegistryOrder(ids, [ids[count - 1]], [10_000]),
        );
        expect(await weightsAt(stake, signer.address, r)).to.deep.equal(reversedBps.map(BigInt));
      });
    }

    it("a new vector clears the second word: no stale weights survive on slots 16..31", async function () {
      const fx = await loadFixture(deployFixture);
      const { stake, operator } = fx;
      const signer = (await ethers.getSigners())[20];
      const ids = await registerAccount(fx, signer, "stale", 20);
      const word1Only = [ids[16], ids[19]];
      await stake.connect(signer).setAllocation(word1Only, [4000, 6000]);
      // Same round, canonical path: everything on slot 0.
      const allOnFirst = ids.map((_, i) => (i === 0 ? 10_000 : 0));
      await stake.connect(signer).setAllocation(ids, allOnFirst);
      expect(await weightsAt(stake, signer.address, R0)).to.deep.equal(allOnFirst.map(BigInt));
      // Next round, subset path after a word-1 vector.
      const r = await openRound(stake, operator);
      await stake.connect(signer).setAllocation(word1Only, [4000, 6000]);
      const r2 = await openRound(stake, operator);
      await stake.connect(signer).setAllocation([ids[1]], [10_000]);
      expect(await weightsAt(stake, signer.address, r + 1n)).to.deep.equal(
        toRegistryOrder(ids, word1Only, [4000, 6000]),
      );
      expect(await weightsAt(stake, signer.address, r2 + 1n)).to.deep.equal(toRegistryOrder(ids, [ids[1]], [10_000]));
    });

    it("an account that grows past 16 models keeps its one-word vectors and accepts two-word ones", async function () {
      const fx = await loadFixture(deployFixture);
      const { stake, operator, alice, models } = fx;
      await stake.connect(alice).setAllocation(models.alice, [1000, 2000, 3000, 4000]);
      const more = modelIds("alice-more", 14); // 18 models
      await bindModels(stake, operator, alice, more);
      const all = [...models.alice, ...more];
      expect(await weightsAt(stake, alice.address, R0)).to.deep.equal(
        toRegistryOrder(all, models.alice, [1000, 2000, 3000, 4000]),
      );
      const r = await openRound(stake, operator);
      const bps = distinctBps(18);
      await expect(stake.connect(alice).setAllocation(all, bps))
        .to.emit(stake, "AllocationSet")
        .withArgs(alice.address, r + 1n, alice.address, bps);
      expect(await weightsAt(stake, alice.address, r + 1n)).to.deep.equal(bps.map(BigInt));
      expect(await weightsAt(stake, alice.address, r)).to.deep.equal(
        toRegistryOrder(all, models.alice, [1000, 2000, 3000, 4000]),
      );
    });

    it("rejects accepting a 65th model on a 64-model account (TooManyModels(65, 64))", async function () {
      const fx = await loadFixture(deployFixture);
      const signer = (await ethers.getSigners())[30];
      await registerAccount(fx, signer, "full", 64);
      const extra = modelId("sixty-fifth");
      await fx.stake.connect(fx.operator).proposeModels(signer.address, [extra]);
      await expectRejected(fx, () => fx.stake.connect(signer).acceptModels([extra]), "TooManyModels", [65, 64], {
        accounts: [signer.address],
      });
    });

    it("rejects a 65-entry vector on a 64-model account (TooManyModels(65, 64))", async function () {
      const fx = await loadFixture(deployFixture);
      const signer = (await ethers.getSigners())[30];
      const ids = await registerAccount(fx, signer, "full", 64);
      await fx.stake.connect(signer).setAllocation(ids, distinctBps(64));
      await expectRejected(
        fx,
        () => fx.stake.connect(signer).setAllocation([...ids, ids[0]], evenBps(65)),
        "TooManyModels",
        [65, 64],
        { accounts: [signer.address] },
      );
      expect(await weightsAt(fx.stake, signer.address, R0)).to.deep.equal(distinctBps(64).map(BigInt));
    });

    it("a weight of 10,000 fits every slot, the last one of each word included (14-bit packing)", async function () {
      const fx = await loadFixture(deployFixture);
      const signer = (await ethers.getSigners())[31];
      const ids = await registerAccount(fx, signer, "edge", 64);
      for (const slot of [0, 15, 16, 31, 32, 47, 48, 63]) {
        const bps = ids.map((_, i) => (i === slot ? 10_000 : 0));
        await fx.stake.connect(signer).setAllocation(ids, bps);
        expect(await weightsAt(fx.stake, signer.address, R0)).to.deep.equal(bps.map(BigInt));
      }
    });
  });

  // ═══════════════════════════════════════ round snapshots ═══════════════════════════════════════════
  describe("round snapshots: a change during round r applies from r + 1 only", function () {
    /** alice: 1,000 NMR and vector A before R0; R0 open. */
    async function openWithVectorA() {
      const fx = await loadFixture(deployFixture);
      await fx.stake.connect(fx.alice).deposit(NMR(1000));
      await fx.stake.connect(fx.alice).setAllocation(fx.models.alice, [1000, 2000, 3000, 4000]);
      await openRound(fx.stake, fx.operator);
      return fx;
    }
    const A = [1000n, 2000n, 3000n, 4000n];

    it("a reallocation in round r leaves rounds <= r unchanged; the new vector shows from r + 1", async function () {
      const { stake, alice, operator, models } = await openWithVectorA();
      await stake.connect(alice).setAllocation([models.alice[3], models.alice[0]], [2000, 8000]);
      const B = [8000n, 0n, 0n, 2000n];
      expect(await weightsAt(stake, alice.address, BEFORE)).to.deep.equal([0n, 0n, 0n, 0n]);
      expect(await weightsAt(stake, alice.address, R0)).to.deep.equal(A);
      expect(await stake.modelStakesAt(alice.address, R0)).to.deep.equal(modelStakes(NMR(1000), A));
      expect(await weightsAt(stake, alice.address, R0 + 1n)).to.deep.equal(B);
      expect(await stake.modelStakesAt(alice.address, R0 + 1n)).to.deep.equal(modelStakes(NMR(1000), B));
      // Still so after more rounds open.
      await openRound(stake, operator);
      await openRound(stake, operator);
      expect(await weightsAt(stake, alice.address, R0)).to.deep.equal(A);
      expect(await weightsAt(stake, alice.address, R0 + 1n)).to.deep.equal(B);
      expect(await weightsAt(stake, alice.address, R0 + 2n)).to.deep.equal(B);
    });

    it("a withdrawal request in round r leaves stakeAt(r) and modelStakesAt(r); r + 1 is reduced", async function () {
      const { stake, alice, operator } = await openWithVectorA();
      await stake.connect(alice).requestWithdrawal(NMR(400));
      expect(await stake.stakeAt(alice.address, R0)).to.equal(NMR(1000));
      expect(await stake.modelStakesAt(alice.address, R0)).to.deep.equal(modelStakes(NMR(1000), A));
      expect(await stake.stakeAt(alice.address, R0 + 1n)).to.equal(NMR(600));
      expect(await stake.modelStakesAt(alice.address, R0 + 1n)).to.deep.equal(modelStakes(NMR(600), A));
      await openRound(stake, operator);
      expect(await stake.stakeAt(alice.address, R0)).to.equal(NMR(1000));
      expect(await stake.stakeAt(alice.address, R0 + 1n)).to.equal(NMR(600));
    });

    it("a deposit in round r leaves stakeAt(r) and modelStakesAt(r); r + 1 is increased", async function () {
      const { stake, alice, operator } = await openWithVectorA();
      await stake.connect(alice).deposit(NMR(500));
      expect(await stake.stakeAt(alice.address, R0)).to.equal(NMR(1000));
      expect(await stake.modelStakesAt(alice.address, R0)).to.deep.equal(modelStakes(NMR(1000), A));
      expect(await stake.stakeAt(alice.address, R0 + 1n)).to.equal(NMR(1500));
      await openRound(stake, operator);
      expect(await stake.stakeAt(alice.address, R0)).to.equal(NMR(1000));
      expect(await stake.modelStakesAt(alice.address, R0 + 1n)).to.deep.equal(modelStakes(NMR(1500), A));
    });

    it("reallocation, deposit and withdrawal in the same round all take effect together at r + 1", async function () {
      const { stake, alice, models } = await openWithVectorA();
      await stake.connect(alice).deposit(NMR(300));
      await stake.connect(alice).setAllocation(models.alice, [0, 0, 5000, 5000]);
      await stake.connect(alice).requestWithdrawal(NMR(100));
      expect(await stake.modelStakesAt(alice.address, R0)).to.deep.equal(modelStakes(NMR(1000), A));
      expect(await stake.modelStakesAt(alice.address, R0 + 1n)).to.deep.equal(
        modelStakes(NMR(1200), [0, 0, 5000, 5000]),
      );
    });

    it("over 30 rounds with 0-3 reallocations, deposits and a withdrawal: every round reads its own vector and stake", async function () {
      const { stake, alice, operator, models } = await loadFixture(deployFixture);
      const ids = models.alice;
      // mulberry32: a small deterministic PRNG (exact in 32-bit integer arithmetic).
      let seed = 20240601;
      const rand = (n: number) => {
        seed = (seed + 0x6d2b79f5) | 0;
        let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
        t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
        return ((t ^ (t >>> 14)) >>> 0) % n;
      };
      const randomVector = () => {
        const k = 1 + rand(4);
        const order = [0, 1, 2, 3];
        for (let i = order.length - 1; i > 0; i--) {
          const j = rand(i + 1);
          [order[i], order[j]] = [order[j], order[i]];
        }
        order.length = k;
        const bps: number[] = [];
        let left = 10_000;
        for (let i = 0; i < k - 1; i++) {
          const w = rand(left + 1);
          bps.push(w);
          left -= w;
        }
        bps.push(left);
        return { ids: order.map((i) => ids[i]), bps };
      };

      const vectors = new Map<bigint, bigint[]>(); // effective round -> registry-order weights
      const stakes = new Map<bigint, bigint>(); // effective round -> stake
      let balance = 0n;
      let withdrew = false;
      let vectorRounds = 0;
      let multiSetRounds = 0;
      for (let step = 0; step < 30; step++) {
        const current = await stake.currentRound();
        const sets = rand(4);
        for (let s = 0; s < sets; s++) {
          const v = randomVector();
          await expect(stake.connect(alice).setAllocation(v.ids, v.bps))
            .to.emit(stake, "AllocationSet")
            .withArgs(alice.address, current + 1n, alice.address, toRegistryOrder(ids, v.ids, v.bps));
          vectors.set(current + 1n, toRegistryOrder(ids, v.ids, v.bps));
        }
        if (sets > 0) vectorRounds++;
        if (sets > 1) multiSetRounds++;
        if (step === 0 || rand(3) === 0) {
          const amount = NMR(1 + rand(1000));
          await stake.connect(alice).deposit(amount);
          balance += amount;
          stakes.set(current + 1n, balance);
        }
        if (step === 15 && !withdrew) {
          await stake.connect(alice).requestWithdrawal(balance / 3n);
          balance -= balance / 3n;
          stakes.set(current + 1n, balance);
          withdrew = true;
        }
        await openRound(stake, operator);
      }

      // The schedule exercises rounds without a change, with one, and with several (same-round overwrites).
      expect(vectorRounds).to.be.within(8, 29);
      expect(multiSetRounds).to.be.greaterThan(2);
      const last = await stake.currentRound();
      const v = await stake.accountOf(alice.address);
      expect(v.allocationCount).to.equal(BigInt(vectorRounds));
      expect(v.lastAllocationRound).to.equal([...vectors.keys()].reduce((a, b) => (a > b ? a : b)));
      let weights = [0n, 0n, 0n, 0n];
      let stakeInForce = 0n;
      for (let r = BEFORE - 3n; r <= last + 3n; r++) {
        weights = vectors.get(r) ?? weights;
        stakeInForce = stakes.get(r) ?? stakeInForce;
        expect(await weightsAt(stake, alice.address, r), `allocationAt(${r})`).to.deep.equal(weights);
        expect(await stake.stakeAt(alice.address, r), `stakeAt(${r})`).to.equal(stakeInForce);
        expect(await stake.modelStakesAt(alice.address, r), `modelStakesAt(${r})`).to.deep.equal(
          modelStakes(stakeInForce, weights),
        );
      }
    });

    it("past VECTOR_HISTORY (256) vectors, the newest 256 stay readable and older rounds revert AllocationHistoryPruned", async function () {
      const { stake, bob, operator, models } = await loadFixture(deployFixture);
      expect(await stake.VECTOR_HISTORY()).to.equal(256n);
      const vectorFor = (k: number) => [k * 30, 10_000 - k * 30, 0, 0];
      // bob never stakes, so nothing needs settling and the ring may turn freely.
      for (let k = 0; k < 262; k++) {
        await stake.connect(bob).setAllocation(models.bob, vectorFor(k));
        await openRound(stake, operator);
      }
      expect((await stake.accountOf(bob.address)).allocationCount).to.equal(262n);
      const oldestKept = R0 + 6n; // vectors 0..5 (effective R0..R0+5) were overwritten
      for (let k = 6; k < 262; k += 5) {
        expect(await weightsAt(stake, bob.address, R0 + BigInt(k))).to.deep.equal(vectorFor(k).map(BigInt));
      }
      expect(await weightsAt(stake, bob.address, R0 + 261n)).to.deep.equal(vectorFor(261).map(BigInt));
      expect(await weightsAt(stake, bob.address, R0 + 900n)).to.deep.equal(vectorFor(261).map(BigInt));
      for (const r of [R0 + 5n, R0, BEFORE]) {
        await expect(stake.allocationAt(bob.address, r))
          .to.be.revertedWithCustomError(stake, "AllocationHistoryPruned")
          .withArgs(r, oldestKept);
        await expect(stake.modelStakesAt(bob.address, r))
          .to.be.revertedWithCustomError(stake, "AllocationHistoryPruned")
          .withArgs(r, oldestKept);
      }
    });

    it("a 257th vector may not overwrite one an unsettled round needs (SettlementBehind) until that round is settled", async function () {
      const fx = await loadFixture(deployFixture);
      const { stake, alice, operator, keeper, models } = fx;
      await stake.connect(alice).deposit(NMR(1));
      const vectorFor = (k: number) => [k * 30, 0, 0, 10_000 - k * 30];
      for (let k = 0; k < 256; k++) {
        await stake.connect(alice).setAllocation(models.alice, vectorFor(k));
        await openRound(stake, operator);
      }
      const current = await stake.currentRound();
      expect(current).to.equal(R0 + 255n);
      await expectRejected(
        fx,
        () => stake.connect(alice).setAllocation(models.alice, vectorFor(256)),
        "SettlementBehind",
        [alice.address, R0],
      );
      await settleExpired(stake, keeper, alice.address, R0, R0);
      await expect(stake.connect(alice).setAllocation(models.alice, vectorFor(256)))
        .to.emit(stake, "AllocationSet")
        .withArgs(alice.address, R0 + 256n, alice.address, vectorFor(256));
      await expect(stake.allocationAt(alice.address, R0))
        .to.be.revertedWithCustomError(stake, "AllocationHistoryPruned")
        .withArgs(R0, R0 + 1n);
      expect(await weightsAt(stake, alice.address, R0 + 1n)).to.deep.equal(vectorFor(1).map(BigInt));
      expect(await weightsAt(stake, alice.address, R0 + 256n)).to.deep.equal(vectorFor(256).map(BigInt));
      // A second change in the same round overwrites in place and needs no further settlement.
      await stake.connect(alice).setAllocation(models.alice, vectorFor(257));
      expect(await weightsAt(stake, alice.address, R0 + 256n)).to.deep.equal(vectorFor(257).map(BigInt));
    });
  });

  // ═══════════════════════ settlement used as a tool here: expired rounds count as zero ═══════════════════════
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
      const [admin] = await ethers.getSigners();
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
