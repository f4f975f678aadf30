/**
 * PortfolioStake without settlement proofs: deposits, the weight vector (canonical, reordered, signed, by a manager,
 * in a multicall), withdrawals, models, rounds, roles, parameters, pause, and the round-snapshot rule.
 * Every rejection is checked with its custom error and an unchanged state snapshot.
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
  BurnMode,
  bindModels,
  deployFixture,
  evenBps,
  mintTo,
  modelId,
  modelIds,
  openRound,
  stakeFactory,
} from "./helpers/fixtures";

type Fixture = Awaited<ReturnType<typeof deployFixture>>;

/** Everything an account-facing call may change, read through views. */
async function snapshot(stake: PortfolioStake, accounts: string[]) {
  const current = await stake.currentRound();
  const rows = [];
  for (const a of accounts) {
    const view = await stake.accountOf(a);
    const [, bps] = await stake.allocationAt(a, current + 1n);
    rows.push({
      view: [...view].map(String),
      next: bps.map(String),
      nonce: await stake.nonces(a),
      stake: await stake.stakeAt(a, current + 1n),
    });
  }
  return { current, totals: (await stake.totals()).map(String), paused: await stake.paused(), rows };
}

async function expectRejected(
  fx: Fixture,
  call: () => Promise<unknown>,
  error: string,
  args?: unknown[],
  contract: { interface: { getError(name: string): unknown } } = fx.stake,
) {
  const who = [fx.alice, fx.bob, fx.carol, fx.manager].map((s) => s.address);
  const before = await snapshot(fx.stake, who);
  const assertion = expect(call()).to.be.revertedWithCustomError(contract, error);
  if (args) await assertion.withArgs(...args);
  else await assertion;
  expect(await snapshot(fx.stake, who)).to.deep.equal(before);
}

async function signAllocation(
  fx: Fixture,
  signer: HardhatEthersSigner,
  account: string,
  ids: string[],
  bps: number[],
  nonce: bigint,
  deadline: bigint,
) {
  const { chainId } = await ethers.provider.getNetwork();
  return signer.signTypedData(
    { name: "PortfolioStake", version: "1", chainId, verifyingContract: await fx.stake.getAddress() },
    {
      SetAllocation: [
        { name: "account", type: "address" },
        { name: "modelIds", type: "bytes16[]" },
        { name: "bps", type: "uint16[]" },
        { name: "nonce", type: "uint256" },
        { name: "deadline", type: "uint256" },
      ],
    },
    { account, modelIds: ids, bps, nonce, deadline },
  );
}

/** Registers `count` models for a fresh signer (index into getSigners) and funds it. */
async function bigAccount(fx: Fixture, index: number, count: number) {
  const signer = (await ethers.getSigners())[index];
  const ids = modelIds(`big-${index}`, count);
  await bindModels(fx.stake, fx.operator, signer, ids);
  await mintTo(fx.nmr, signer.address, NMR(1000));
  await fx.nmr.connect(signer).approve(await fx.stake.getAddress(), ethers.MaxUint256);
  return { signer, ids };
}

describe("PortfolioStake: staking, allocation, withdrawals, administration", function () {
  describe("deployment", function () {
    it("starts before the first round with its parameters, roles and token", async function () {
      const { stake, nmr, admin, operator, pauser } = await loadFixture(deployFixture);
      expect(await stake.currentRound()).to.equal(FIRST_ROUND - 1n);
      expect(await stake.firstRound()).to.equal(FIRST_ROUND);
      expect(await stake.nmr()).to.equal(await nmr.getAddress());
      expect(await stake.burnSink()).to.equal(ethers.ZeroAddress);
      const p = await stake.parameters();
      expect([p.withdrawalDelay, p.minRoundInterval, p.resolutionDelay, p.publishWindow, p.rateCap]).to.deep.equal([
        DEFAULT_PARAMS.withdrawalDelay,
        DEFAULT_PARAMS.minRoundInterval,
        DEFAULT_PARAMS.resolutionDelay,
        DEFAULT_PARAMS.publishWindow,
        DEFAULT_PARAMS.rateCap,
      ]);
      expect(await stake.hasRole(await stake.DEFAULT_ADMIN_ROLE(), admin.address)).to.equal(true);
      expect(await stake.hasRole(await stake.OPERATOR_ROLE(), operator.address)).to.equal(true);
      expect(await stake.hasRole(await stake.PAUSER_ROLE(), pauser.address)).to.equal(true);
      expect(await stake.paused()).to.equal(false);
      expect(await stake.totals()).to.deep.equal([0n, 0n, 0n]);
    });

    it("emits ParameterUpdated for each parameter at construction", async function () {
      const [admin] = await ethers.getSigners();
      const nmr = await ethers.deployContract("NMRLike");
      const factory = await stakeFactory();
      const stake = await factory.deploy(
        await nmr.getAddress(),
        BurnMode.NumeraireMint,
        ethers.ZeroAddress,
        admin.address,
        1,
        DEFAULT_PARAMS,
      );
      const tx = stake.deploymentTransaction()!;
      const name = (n: string) => ethers.encodeBytes32String(n);
      await expect(tx)
        .to.emit(stake, "ParameterUpdated")
        .withArgs(name("withdrawalDelay"), 0, DEFAULT_PARAMS.withdrawalDelay);
      await expect(tx).to.emit(stake, "ParameterUpdated").withArgs(name("rateCap"), 0, DEFAULT_PARAMS.rateCap);
    });

    it("rejects zero addresses, round 0 and out-of-bounds parameters", async function () {
      const [admin] = await ethers.getSigners();
      const nmr = await ethers.deployContract("NMRLike");
      const factory = await stakeFactory();
      const token = await nmr.getAddress();
      const mode = BurnMode.NumeraireMint;
      await expect(
        factory.deploy(ethers.ZeroAddress, mode, ethers.ZeroAddress, admin.address, 1, DEFAULT_PARAMS),
      ).to.be.revertedWithCustomError(factory, "ZeroAddress");
      await expect(
        factory.deploy(token, mode, ethers.ZeroAddress, ethers.ZeroAddress, 1, DEFAULT_PARAMS),
      ).to.be.revertedWithCustomError(factory, "ZeroAddress");
      await expect(
        factory.deploy(token, mode, ethers.ZeroAddress, admin.address, 0, DEFAULT_PARAMS),
      ).to.be.revertedWithCustomError(factory, "ParameterOutOfBounds");
      const bad: [keyof typeof DEFAULT_PARAMS, bigint][] = [
        ["withdrawalDelay", 61n * DAY],
        ["minRoundInterval", DAY / 4n],
        ["minRoundInterval", 8n * DAY],
        ["resolutionDelay", DAY - 1n],
        ["resolutionDelay", 61n * DAY],
        ["publishWindow", DAY - 1n],
        ["publishWindow", 31n * DAY],
        ["rateCap", ethers.parseEther("0.0009")],
        ["rateCap", ethers.parseEther("0.26")],
        ["proofGracePeriod", DAY - 1n],
        ["proofGracePeriod", 31n * DAY],
      ];
      for (const [key, value] of bad) {
        await expect(
          factory.deploy(token, mode, ethers.ZeroAddress, admin.address, 1, { ...DEFAULT_PARAMS, [key]: value }),
          `${key} = ${value}`,
        )
          .to.be.revertedWithCustomError(factory, "ParameterOutOfBounds")
          .withArgs(
            ethers.encodeBytes32String(key),
            value,
            (x: bigint) => x >= 0n,
            (x: bigint) => x >= 0n,
          );
      }
    });
  });

  describe("deposit", function () {
    it("locks NMR at the account level from the next round and emits Deposited", async function () {
      const fx = await loadFixture(deployFixture);
      const { stake, nmr, alice, operator } = fx;
      const round = await openRound(stake, operator);
      const tx = stake.connect(alice).deposit(NMR(100));
      await expect(tx)
        .to.emit(stake, "Deposited")
        .withArgs(alice.address, NMR(100), NMR(100), round + 1n);
      await expect(tx).to.changeTokenBalances(nmr, [alice, stake], [-NMR(100), NMR(100)]);
      await stake.connect(alice).deposit(NMR(50));
      const view = await stake.accountOf(alice.address);
      expect(view.balance).to.equal(NMR(150));
      expect(view.nextSettleRound).to.equal(round + 1n);
      expect(await stake.stakeAt(alice.address, round)).to.equal(0n);
      expect(await stake.stakeAt(alice.address, round + 1n)).to.equal(NMR(150));
      expect(await stake.totals()).to.deep.equal([NMR(150), 0n, 0n]);
    });

    it("rejects zero, a missing allowance, and any deposit while paused", async function () {
      const fx = await loadFixture(deployFixture);
      const { stake, nmr, alice, pauser, outsider } = fx;
      await expectRejected(fx, () => stake.connect(alice).deposit(0), "ZeroAmount");
      await expectRejected(fx, () => stake.connect(fx.operator).fundRewards(0), "ZeroAmount");
      await expectRejected(fx, () => stake.connect(outsider).deposit(NMR(1)), "InsufficientAllowance", undefined, nmr);
      await stake.connect(pauser).pause();
      await expectRejected(fx, () => stake.connect(alice).deposit(NMR(1)), "EnforcedPause");
    });
  });

  describe("setAllocation", function () {
    it("stores the whole vector for the next round and emits it in registry order", async function () {
      const fx = await loadFixture(deployFixture);
      const { stake, alice, operator, models } = fx;
      const round = await openRound(stake, operator);
      await expect(stake.connect(alice).setAllocation(models.alice, [4000, 3000, 2000, 1000]))
        .to.emit(stake, "AllocationSet")
        .withArgs(alice.address, round + 1n, alice.address, [4000, 3000, 2000, 1000]);
      const [ids, bps] = await stake.allocationAt(alice.address, round + 1n);
      expect(ids).to.deep.equal(models.alice);
      expect(bps).to.deep.equal([4000n, 3000n, 2000n, 1000n]);
      const view = await stake.accountOf(alice.address);
      expect([view.allocationCount, view.lastAllocationRound, view.modelCount]).to.deep.equal([1n, round + 1n, 4n]);
    });

    it("accepts any order or a subset of the account's models; omitted models get zero", async function () {
      const { stake, alice, models } = await loadFixture(deployFixture);
      const ids = [models.alice[3], models.alice[1]];
      await expect(stake.connect(alice).setAllocation(ids, [7000, 3000]))
        .to.emit(stake, "AllocationSet")
        .withArgs(alice.address, FIRST_ROUND, alice.address, [0, 3000, 0, 7000]);
      const [, bps] = await stake.allocationAt(alice.address, FIRST_ROUND);
      expect(bps).to.deep.equal([0n, 3000n, 0n, 7000n]);
    });

    it("a second change before the next round replaces the pending vector in place", async function () {
      const { stake, alice, models } = await loadFixture(deployFixture);
      await stake.connect(alice).setAllocation(models.alice, [10_000, 0, 0, 0]);
      await stake.connect(alice).setAllocation(models.alice, [0, 0, 0, 10_000]);
      expect((await stake.accountOf(alice.address)).allocationCount).to.equal(1n);
      expect((await stake.allocationAt(alice.address, FIRST_ROUND))[1]).to.deep.equal([0n, 0n, 0n, 10_000n]);
    });

    it("handles 17 to 64 models (two to four packed words), and exactly 64", async function () {
      const fx = await loadFixture(deployFixture);
      for (const [index, count] of [
        [10, 17],
        [11, 32],
        [12, 50],
        [13, 64],
      ] as const) {
        const { signer, ids } = await bigAccount(fx, index, count);
        const bps = evenBps(count);
        await fx.stake.connect(signer).setAllocation(ids, bps);
        expect((await fx.stake.allocationAt(signer.address, FIRST_ROUND))[1].map(Number)).to.deep.equal(bps);
        // Reordered: reversed list, reversed weights give the same vector.
        await fx.stake.connect(signer).setAllocation([...ids].reverse(), [...bps].reverse());
        expect((await fx.stake.allocationAt(signer.address, FIRST_ROUND))[1].map(Number)).to.deep.equal(bps);
        await fx.stake.connect(signer).deposit(NMR(320));
        const stakes = await fx.stake.modelStakesAt(signer.address, FIRST_ROUND);
        expect(stakes).to.have.length(count);
        expect(stakes[count - 1]).to.equal((NMR(320) * BigInt(bps[count - 1])) / 10_000n);
      }
    });

    it("bad vectors are rejected with their custom error and change nothing", async function () {
      const fx = await loadFixture(deployFixture);
      const { stake, alice, models } = fx;
      await stake.connect(alice).setAllocation(models.alice, evenBps(4));
      const A = models.alice;
      const set = (ids: string[], bps: number[]) => () => stake.connect(alice).setAllocation(ids, bps);
      await expectRejected(fx, set(A, [5000, 5000, 0]), "LengthMismatch", [4, 3]);
      await expectRejected(fx, set([], []), "EmptyAllocation");
      await expectRejected(fx, set([A[0], A[0]], [5000, 5000]), "DuplicateModel", [A[0]]);
      await expectRejected(fx, set([A[1], A[0], A[1]], [2000, 3000, 5000]), "DuplicateModel", [A[1]]);
      await expectRejected(fx, set(A, [2500, 2500, 2500, 2499]), "InvalidWeightSum", [9999]);
      await expectRejected(fx, set(A, [2500, 2500, 2500, 2501]), "InvalidWeightSum", [10_001]);
      await expectRejected(fx, set([A[1], A[0]], [5000, 4000]), "InvalidWeightSum", [9000]);
      await expectRejected(fx, set(A, [10_001, 0, 0, 0]), "WeightTooLarge", [A[0], 10_001]);
      await expectRejected(fx, set([A[1], A[0]], [0, 10_001]), "WeightTooLarge", [A[0], 10_001]);
      await expectRejected(fx, set([A[0], models.bob[0]], [5000, 5000]), "ModelNotOwned", [
        models.bob[0],
        fx.bob.address,
      ]);
      const unknown = modelId("nobody-model");
      await expectRejected(fx, set([A[0], unknown], [5000, 5000]), "UnknownModel", [unknown]);
      const many = modelIds("too-many", 65);
      await expectRejected(fx, set(many, [...evenBps(64), 0]), "TooManyModels", [65, 64]);
    });
  });

  describe("managers, setAllocationFor and multicall", function () {
    it("the staker or its manager may set the vector; the event names who did", async function () {
      const fx = await loadFixture(deployFixture);
      const { stake, alice, manager, models } = fx;
      await expect(stake.connect(alice).setManager(manager.address))
        .to.emit(stake, "ManagerSet")
        .withArgs(alice.address, manager.address);
      expect((await stake.accountOf(alice.address)).manager).to.equal(manager.address);
      await expect(stake.connect(manager).setAllocationFor(alice.address, models.alice, [1000, 2000, 3000, 4000]))
        .to.emit(stake, "AllocationSet")
        .withArgs(alice.address, FIRST_ROUND, manager.address, [1000, 2000, 3000, 4000]);
      await expect(stake.connect(alice).setAllocationFor(alice.address, models.alice, evenBps(4))).to.emit(
        stake,
        "AllocationSet",
      );
      // Revoked: the manager is refused again.
      await stake.connect(alice).setManager(ethers.ZeroAddress);
      await expectRejected(
        fx,
        () => stake.connect(manager).setAllocationFor(alice.address, models.alice, evenBps(4)),
        "NotStakerOrManager",
        [manager.address, alice.address],
      );
    });

    it("a manager can never move NMR out: withdrawal calls act on its own empty account", async function () {
      const fx = await loadFixture(deployFixture);
      const { stake, alice, manager } = fx;
      await stake.connect(alice).deposit(NMR(100));
      await stake.connect(alice).setManager(manager.address);
      await expectRejected(fx, () => stake.connect(manager).requestWithdrawal(NMR(1)), "InsufficientBalance", [
        NMR(1),
        0,
      ]);
      await expectRejected(fx, () => stake.connect(manager).claimWithdrawal(), "NothingToClaim");
      expect((await stake.accountOf(alice.address)).balance).to.equal(NMR(100));
    });

    it("an outsider cannot set anyone's vector", async function () {
      const fx = await loadFixture(deployFixture);
      await expectRejected(
        fx,
        () => fx.stake.connect(fx.outsider).setAllocationFor(fx.alice.address, fx.models.alice, evenBps(4)),
        "NotStakerOrManager",
        [fx.outsider.address, fx.alice.address],
      );
    });

    it("one multicall rebalances every account a manager manages", async function () {
      const { stake, alice, bob, manager, models } = await loadFixture(deployFixture);
      await stake.connect(alice).setManager(manager.address);
      await stake.connect(bob).setManager(manager.address);
      const calls = [
        stake.interface.encodeFunctionData("setAllocationFor", [alice.address, models.alice, [10_000, 0, 0, 0]]),
        stake.interface.encodeFunctionData("setAllocationFor", [bob.address, models.bob, [0, 0, 0, 10_000]]),
      ];
      const tx = stake.connect(manager).multicall(calls);
      await expect(tx)
        .to.emit(stake, "AllocationSet")
        .withArgs(alice.address, FIRST_ROUND, manager.address, [10_000, 0, 0, 0]);
      await expect(tx)
        .to.emit(stake, "AllocationSet")
        .withArgs(bob.address, FIRST_ROUND, manager.address, [0, 0, 0, 10_000]);
    });
  });

  describe("setAllocationBySig (EIP-712)", function () {
    it("applies a vector signed by the staker or its manager and consumes the nonce", async function () {
      const fx = await loadFixture(deployFixture);
      const { stake, alice, manager, keeper, models } = fx;
      const deadline = BigInt(await time.latest()) + DAY;
      const sig = await signAllocation(fx, alice, alice.address, models.alice, [7000, 1000, 1000, 1000], 0n, deadline);
      await expect(
        stake
          .connect(keeper)
          .setAllocationBySig(alice.address, models.alice, [7000, 1000, 1000, 1000], 0, deadline, sig),
      )
        .to.emit(stake, "AllocationSet")
        .withArgs(alice.address, FIRST_ROUND, alice.address, [7000, 1000, 1000, 1000]);
      expect(await stake.nonces(alice.address)).to.equal(1n);
      await stake.connect(alice).setManager(manager.address); // uses nonce 1
      const bySig = await signAllocation(fx, manager, alice.address, models.alice, evenBps(4), 2n, deadline);
      await expect(
        stake.connect(keeper).setAllocationBySig(alice.address, models.alice, evenBps(4), 2, deadline, bySig),
      )
        .to.emit(stake, "AllocationSet")
        .withArgs(alice.address, FIRST_ROUND, manager.address, evenBps(4));
      expect(await stake.nonces(alice.address)).to.equal(3n);
    });

    it("rejects wrong signers, expired, replayed and altered signatures without consuming the nonce", async function () {
      const fx = await loadFixture(deployFixture);
      const { stake, alice, bob, keeper, outsider, models } = fx;
      const deadline = BigInt(await time.latest()) + DAY;
      const bps = [7000, 1000, 1000, 1000];
      const send =
        (sig: string, opts: { ids?: string[]; weights?: number[]; nonce?: bigint; account?: string } = {}) =>
        () =>
          stake
            .connect(keeper)
            .setAllocationBySig(
              opts.account ?? alice.address,
              opts.ids ?? models.alice,
              opts.weights ?? bps,
              opts.nonce ?? 0n,
              deadline,
              sig,
            );

      const byOutsider = await signAllocation(fx, outsider, alice.address, models.alice, bps, 0n, deadline);
      await expectRejected(fx, send(byOutsider), "InvalidSignature");
      await stake.connect(alice).setManager(fx.manager.address); // uses nonce 0
      const byOutsider1 = await signAllocation(fx, outsider, alice.address, models.alice, bps, 1n, deadline);
      await expectRejected(fx, send(byOutsider1, { nonce: 1n }), "InvalidSignature"); // neither staker nor manager
      const good = await signAllocation(fx, alice, alice.address, models.alice, bps, 1n, deadline);
      await expectRejected(fx, send(good, { weights: evenBps(4), nonce: 1n }), "InvalidSignature"); // altered vector
      await expectRejected(fx, send(good, { account: bob.address, ids: models.bob }), "InvalidSignature"); // other account (bob's nonce 0)
      await expectRejected(fx, send(good, { nonce: 2n }), "InvalidNonce", [1, 2]);
      await send(good, { nonce: 1n })();
      await expectRejected(fx, send(good, { nonce: 1n }), "InvalidNonce", [2, 1]); // replay
      await time.increaseTo(deadline + 1n);
      const late = await signAllocation(fx, alice, alice.address, models.alice, bps, 2n, deadline);
      await expectRejected(fx, send(late, { nonce: 2n }), "SignatureExpired", [deadline]);
    });
  });

  describe("withdrawals", function () {
    it("request: out of the stake from the next round, WithdrawalRequested with release time", async function () {
      const fx = await loadFixture(deployFixture);
      const { stake, alice, operator } = fx;
      await stake.connect(alice).deposit(NMR(100));
      const round = await openRound(stake, operator);
      const tx = await stake.connect(alice).requestWithdrawal(NMR(40));
      const releaseAt = BigInt(await time.latest()) + DEFAULT_PARAMS.withdrawalDelay;
      await expect(tx)
        .to.emit(stake, "WithdrawalRequested")
        .withArgs(alice.address, NMR(40), NMR(40), NMR(60), round, releaseAt);
      const view = await stake.accountOf(alice.address);
      expect([view.balance, view.pendingWithdrawal, view.withdrawalLastRound, view.withdrawalReleaseAt]).to.deep.equal([
        NMR(60),
        NMR(40),
        round,
        releaseAt,
      ]);
      expect(await stake.stakeAt(alice.address, round)).to.equal(NMR(100));
      expect(await stake.stakeAt(alice.address, round + 1n)).to.equal(NMR(60));
      expect(await stake.totals()).to.deep.equal([NMR(60), NMR(40), 0n]);
    });

    it("claim: only after the delay and once the rounds it was at risk in are settled; then never twice", async function () {
      const fx = await loadFixture(deployFixture);
      const { stake, nmr, alice, operator, keeper } = fx;
      await stake.connect(alice).deposit(NMR(100));
      const round = await openRound(stake, operator);
      await stake.connect(alice).requestWithdrawal(NMR(40));
      const { withdrawalReleaseAt } = await stake.accountOf(alice.address);
      await expectRejected(fx, () => stake.connect(alice).claimWithdrawal(), "WithdrawalLocked", [withdrawalReleaseAt]);
      await time.increaseTo(withdrawalReleaseAt);
      await expectRejected(fx, () => stake.connect(alice).claimWithdrawal(), "RoundsUnsettled", [round, round]);
      // The operator stays silent: past its deadline the round counts as zero and can be settled by anyone.
      const { deadline } = await stake.roundInfo(round);
      await time.increaseTo(deadline + 1n);
      await stake.connect(keeper).settle({
        account: alice.address,
        models: [],
        results: [{ round, slots: [], rates: [], proof: [], proofFlags: [], unprovable: false }],
      });
      const claim = stake.connect(alice).claimWithdrawal();
      await expect(claim).to.emit(stake, "WithdrawalClaimed").withArgs(alice.address, NMR(40));
      await expect(claim).to.changeTokenBalances(nmr, [alice, stake], [NMR(40), -NMR(40)]);
      await expectRejected(fx, () => stake.connect(alice).claimWithdrawal(), "NothingToClaim");
      expect(await stake.totals()).to.deep.equal([NMR(60), 0n, 0n]);
    });

    it("a request in the same round as the deposit was never at risk: claimable after the delay alone", async function () {
      const { stake, alice } = await loadFixture(deployFixture);
      await stake.connect(alice).deposit(NMR(10));
      await stake.connect(alice).requestWithdrawal(NMR(10));
      await time.increase(DEFAULT_PARAMS.withdrawalDelay);
      await expect(stake.connect(alice).claimWithdrawal())
        .to.emit(stake, "WithdrawalClaimed")
        .withArgs(alice.address, NMR(10));
    });

    it("rejects zero, more than the balance, and a second request in a later round", async function () {
      const fx = await loadFixture(deployFixture);
      const { stake, alice, operator } = fx;
      await stake.connect(alice).deposit(NMR(100));
      await expectRejected(fx, () => stake.connect(alice).requestWithdrawal(0), "ZeroAmount");
      await expectRejected(fx, () => stake.connect(alice).requestWithdrawal(NMR(101)), "InsufficientBalance", [
        NMR(101),
        NMR(100),
      ]);
      await stake.connect(alice).requestWithdrawal(NMR(10));
      await stake.connect(alice).requestWithdrawal(NMR(10)); // same round: adds up
      expect((await stake.accountOf(alice.address)).pendingWithdrawal).to.equal(NMR(20));
      await openRound(stake, operator);
      await expectRejected(fx, () => stake.connect(alice).requestWithdrawal(NMR(10)), "WithdrawalPending", [
        NMR(20),
        FIRST_ROUND - 1n,
      ]);
    });

    it("pausing never blocks an exit: request and claim work while paused", async function () {
      const { stake, alice, pauser } = await loadFixture(deployFixture);
      await stake.connect(alice).deposit(NMR(10));
      await stake.connect(pauser).pause();
      await stake.connect(alice).requestWithdrawal(NMR(10));
      await time.increase(DEFAULT_PARAMS.withdrawalDelay);
      await expect(stake.connect(alice).claimWithdrawal()).to.emit(stake, "WithdrawalClaimed");
    });
  });

  describe("models and rounds (operator)", function () {
    it("proposeModels + acceptModels bind IDs to slots and emit ModelRegistered", async function () {
      const { stake, operator, outsider } = await loadFixture(deployFixture);
      const ids = modelIds("new", 2);
      await expect(bindModels(stake, operator, outsider, ids))
        .to.emit(stake, "ModelRegistered")
        .withArgs(outsider.address, ids[0], 0)
        .and.to.emit(stake, "ModelRegistered")
        .withArgs(outsider.address, ids[1], 1);
      expect(await stake.modelsOf(outsider.address)).to.deep.equal(ids);
      expect(await stake.modelOwner(ids[1])).to.deep.equal([outsider.address, 1n]);
      expect(await stake.modelOwner(modelId("none"))).to.deep.equal([ethers.ZeroAddress, 0n]);
    });

    it("proposeModels/acceptModels reject bound models, zero IDs, the zero account, too many models and non-operators", async function () {
      const fx = await loadFixture(deployFixture);
      const { stake, operator, outsider, alice, models } = fx;
      await expectRejected(
        fx,
        () => stake.connect(operator).proposeModels(outsider.address, [models.alice[0]]),
        "ModelAlreadyRegistered",
        [models.alice[0], alice.address],
      );
      await expectRejected(
        fx,
        () => stake.connect(operator).proposeModels(outsider.address, [ethers.ZeroHash.slice(0, 34)]),
        "InvalidModelId",
      );
      await expectRejected(fx, () => stake.connect(operator).proposeModels(outsider.address, []), "InvalidModelId");
      await expectRejected(
        fx,
        () => stake.connect(operator).proposeModels(ethers.ZeroAddress, modelIds("z", 1)),
        "ZeroAddress",
      );
      await stake.connect(operator).proposeModels(alice.address, modelIds("more", 61));
      await expectRejected(
        fx,
        () => stake.connect(alice).acceptModels(modelIds("more", 61)),
        "TooManyModels",
        [65, 64],
      );
      await expectRejected(
        fx,
        () => stake.connect(outsider).proposeModels(outsider.address, modelIds("x", 1)),
        "AccessControlUnauthorizedAccount",
        [outsider.address, await stake.OPERATOR_ROLE()],
      );
    });

    it("openRound follows the minimum interval and records the round's schedule and cap", async function () {
      const fx = await loadFixture(deployFixture);
      const { stake, operator, outsider } = fx;
      const tx = await stake.connect(operator).openRound();
      const openedAt = BigInt(await time.latest());
      const resolvesAt = openedAt + DEFAULT_PARAMS.resolutionDelay;
      const deadline = resolvesAt + DEFAULT_PARAMS.publishWindow;
      const proofDeadline = deadline + DEFAULT_PARAMS.proofGracePeriod;
      await expect(tx)
        .to.emit(stake, "RoundOpened")
        .withArgs(FIRST_ROUND, openedAt, resolvesAt, deadline, proofDeadline, DEFAULT_PARAMS.rateCap);
      expect(await stake.roundInfo(FIRST_ROUND)).to.deep.equal([
        openedAt,
        resolvesAt,
        deadline,
        proofDeadline,
        DEFAULT_PARAMS.rateCap,
        ethers.ZeroHash,
      ]);
      await expectRejected(fx, () => stake.connect(operator).openRound(), "RoundTooEarly", [
        openedAt + DEFAULT_PARAMS.minRoundInterval,
      ]);
      await expectRejected(fx, () => stake.connect(outsider).openRound(), "AccessControlUnauthorizedAccount");
    });

    it("publishRound only for an opened, resolved round, before its deadline, once, with a non-zero root", async function () {
      const fx = await loadFixture(deployFixture);
      const { stake, operator, outsider } = fx;
      const round = await openRound(stake, operator);
      const root = ethers.id("root");
      const info = await stake.roundInfo(round);
      const publish =
        (r: bigint, rt = root) =>
        () =>
          stake.connect(operator).publishRound(r, rt, "ipfs://leaves");
      await expectRejected(fx, publish(round + 1n), "UnknownRound", [round + 1n]);
      await expectRejected(fx, publish(round, ethers.ZeroHash), "InvalidRoot");
      await expectRejected(fx, publish(round), "RoundNotResolved", [round, info.resolvesAt]);
      await time.increaseTo(info.resolvesAt);
      await expectRejected(
        fx,
        () => stake.connect(outsider).publishRound(round, root, ""),
        "AccessControlUnauthorizedAccount",
      );
      await expect(publish(round)()).to.emit(stake, "RoundPublished").withArgs(round, root, "ipfs://leaves");
      expect((await stake.roundInfo(round)).root).to.equal(root);
      await expectRejected(fx, publish(round), "RoundAlreadyPublished", [round]);
      const next = await openRound(stake, operator);
      const late = await stake.roundInfo(next);
      await time.increaseTo(late.deadline + 1n);
      await expectRejected(fx, publish(next), "PublishDeadlinePassed", [next, late.deadline]);
    });
  });

  describe("administration", function () {
    it("pause stops new risk (deposits, every kind of reallocation); unpause restores it", async function () {
      const fx = await loadFixture(deployFixture);
      const { stake, alice, manager, pauser, keeper, models } = fx;
      await stake.connect(alice).setManager(manager.address); // uses nonce 0
      await expect(stake.connect(pauser).pause()).to.emit(stake, "Paused").withArgs(pauser.address);
      expect(await stake.paused()).to.equal(true);
      await expectRejected(fx, () => stake.connect(alice).setAllocation(models.alice, evenBps(4)), "EnforcedPause");
      await expectRejected(
        fx,
        () => stake.connect(manager).setAllocationFor(alice.address, models.alice, evenBps(4)),
        "EnforcedPause",
      );
      const deadline = BigInt(await time.latest()) + DAY;
      const sig = await signAllocation(fx, alice, alice.address, models.alice, evenBps(4), 1n, deadline);
      await expectRejected(
        fx,
        () => stake.connect(keeper).setAllocationBySig(alice.address, models.alice, evenBps(4), 1, deadline, sig),
        "EnforcedPause",
      );
      await expectRejected(fx, () => stake.connect(pauser).pause(), "EnforcedPause");
      await expect(stake.connect(pauser).unpause()).to.emit(stake, "Unpaused").withArgs(pauser.address);
      await expectRejected(fx, () => stake.connect(pauser).unpause(), "ExpectedPause");
      await stake.connect(keeper).setAllocationBySig(alice.address, models.alice, evenBps(4), 1, deadline, sig);
    });

    it("only the pauser pauses; only the admin sets parameters, each within its bounds", async function () {
      const fx = await loadFixture(deployFixture);
      const { stake, admin, outsider, operator } = fx;
      const pauserRole = await stake.PAUSER_ROLE();
      const adminRole = await stake.DEFAULT_ADMIN_ROLE();
      await expectRejected(fx, () => stake.connect(outsider).pause(), "AccessControlUnauthorizedAccount", [
        outsider.address,
        pauserRole,
      ]);
      await expectRejected(fx, () => stake.connect(operator).unpause(), "AccessControlUnauthorizedAccount", [
        operator.address,
        pauserRole,
      ]);
      const setters = [
        ["setWithdrawalDelay", "withdrawalDelay", 14n * DAY, 61n * DAY],
        ["setMinRoundInterval", "minRoundInterval", 2n * DAY, 8n * DAY],
        ["setResolutionDelay", "resolutionDelay", 30n * DAY, 61n * DAY],
        ["setPublishWindow", "publishWindow", 3n * DAY, 31n * DAY],
        ["setRateCap", "rateCap", ethers.parseEther("0.1"), ethers.parseEther("0.3")],
        ["setProofGracePeriod", "proofGracePeriod", 14n * DAY, 31n * DAY],
      ] as const;
      for (const [fn, name, good, bad] of setters) {
        const old = (await stake.parameters())[name];
        await expectRejected(fx, () => stake.connect(outsider)[fn](good), "AccessControlUnauthorizedAccount", [
          outsider.address,
          adminRole,
        ]);
        await expectRejected(fx, () => stake.connect(admin)[fn](bad), "ParameterOutOfBounds");
        await expect(stake.connect(admin)[fn](good))
          .to.emit(stake, "ParameterUpdated")
          .withArgs(ethers.encodeBytes32String(name), old, good);
        expect((await stake.parameters())[name]).to.equal(good);
      }
      // A new cap applies to rounds opened afterwards.
      const round = await openRound(stake, operator);
      expect((await stake.roundInfo(round)).rateCap).to.equal(ethers.parseEther("0.1"));
    });
  });

  describe("round snapshots", function () {
    it("a reallocation, deposit or withdrawal request in round r changes nothing for rounds <= r", async function () {
      const { stake, alice, operator, models } = await loadFixture(deployFixture);
      await stake.connect(alice).deposit(NMR(1000));
      await stake.connect(alice).setAllocation(models.alice, [10_000, 0, 0, 0]);
      const r = await openRound(stake, operator);
      const before = {
        alloc: await stake.allocationAt(alice.address, r),
        stake: await stake.stakeAt(alice.address, r),
        models: await stake.modelStakesAt(alice.address, r),
      };
      await stake.connect(alice).setAllocation(models.alice, [0, 0, 0, 10_000]);
      await stake.connect(alice).deposit(NMR(500));
      await stake.connect(alice).requestWithdrawal(NMR(300));
      expect(await stake.allocationAt(alice.address, r)).to.deep.equal(before.alloc);
      expect(await stake.stakeAt(alice.address, r)).to.equal(before.stake);
      expect(await stake.modelStakesAt(alice.address, r)).to.deep.equal(before.models);
      expect(before.models).to.deep.equal([NMR(1000), 0n, 0n, 0n]);
      expect(await stake.modelStakesAt(alice.address, r + 1n)).to.deep.equal([0n, 0n, 0n, NMR(1200)]);
      const r2 = await openRound(stake, operator);
      expect(await stake.modelStakesAt(alice.address, r2)).to.deep.equal([0n, 0n, 0n, NMR(1200)]);
    });

    it("allocationAt is right at every round over a long history (67 vectors; the 256-vector ring wrapping is in core)", async function () {
      const { stake, alice, operator, keeper, models } = await loadFixture(deployFixture);
      await stake.connect(alice).deposit(NMR(1));
      const expected = new Map<bigint, number[]>();
      const vectorFor = (k: number) =>
        [(k * 37) % 10_001, 0, 0, 0].map((w, i) => (i === 3 ? 10_000 - ((k * 37) % 10_001) : w));
      const first = (await stake.currentRound()) + 1n;
      let lastVector: number[] = [0, 0, 0, 0];
      for (let k = 0; k < 100; k++) {
        if (k % 3 !== 2) {
          lastVector = vectorFor(k);
          await stake.connect(alice).setAllocation(models.alice, lastVector);
        }
        expected.set((await stake.currentRound()) + 1n, lastVector);
        // Keep settlement close enough for the ring (rounds past their deadline settle as zero).
        const view = await stake.accountOf(alice.address);
        const results = [];
        for (let r = view.nextSettleRound; r <= (await stake.currentRound()) - 29n; r++)
          results.push({ round: r, slots: [], rates: [], proof: [], proofFlags: [], unprovable: false });
        if (results.length) await stake.connect(keeper).settle({ account: alice.address, models: [], results });
        await openRound(stake, operator);
      }
      const count = (await stake.accountOf(alice.address)).allocationCount;
      expect(count).to.be.greaterThan(64n);
      const last = (await stake.currentRound()) + 1n;
      let checked = 0;
      for (let r = first; r <= last; r++) {
        const vector = expected.get(r) ?? lastVector;
        try {
          const [, bps] = await stake.allocationAt(alice.address, r);
          expect(bps.map(Number)).to.deep.equal(vector, `round ${r}`);
          checked++;
        } catch (error) {
          // Only rounds before the oldest kept vector may be pruned, with a clear error.
          expect(String(error)).to.contain("AllocationHistoryPruned");
          expect(r < last - 60n).to.equal(true);
        }
      }
      expect(checked).to.be.greaterThan(60);
    });

    it("a new vector may not overwrite one that unsettled rounds still need (SettlementBehind)", async function () {
      const fx = await loadFixture(deployFixture);
      const { stake, alice, operator, models } = fx;
      await stake.connect(alice).deposit(NMR(1));
      for (let k = 0; k < 256; k++) {
        await stake.connect(alice).setAllocation(models.alice, k % 2 ? [10_000, 0, 0, 0] : [0, 10_000, 0, 0]);
        await openRound(stake, operator);
      }
      const { nextSettleRound } = await stake.accountOf(alice.address);
      await expectRejected(fx, () => stake.connect(alice).setAllocation(models.alice, evenBps(4)), "SettlementBehind", [
        alice.address,
        nextSettleRound,
      ]);
      // An account that never staked has nothing to settle: its ring wraps freely.
      const { bob } = fx;
      for (let k = 0; k < 2; k++) {
        await stake.connect(bob).setAllocation(models.bob, k % 2 ? [10_000, 0, 0, 0] : [0, 10_000, 0, 0]);
        await openRound(stake, operator);
      }
      expect((await stake.accountOf(bob.address)).allocationCount).to.equal(2n);
      for (let k = 0; k < 256; k++) {
        await stake.connect(bob).setAllocation(models.bob, k % 2 ? [10_000, 0, 0, 0] : [0, 10_000, 0, 0]);
        await openRound(stake, operator);
      }
      expect((await stake.accountOf(bob.address)).allocationCount).to.equal(258n);
      await expect(stake.allocationAt(bob.address, FIRST_ROUND)).to.be.revertedWithCustomError(
        stake,
        "AllocationHistoryPruned",
      );
    });

    it("views before any vector or stake read zero", async function () {
      const { stake, alice, models } = await loadFixture(deployFixture);
      const [ids, bps] = await stake.allocationAt(alice.address, FIRST_ROUND);
      expect(ids).to.deep.equal(models.alice);
      expect(bps).to.deep.equal([0n, 0n, 0n, 0n]);
      expect(await stake.modelStakesAt(alice.address, FIRST_ROUND)).to.deep.equal([0n, 0n, 0n, 0n]);
      expect(await stake.stakeAt(alice.address, FIRST_ROUND)).to.equal(0n);
    });
  });
});
