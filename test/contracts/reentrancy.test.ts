/**
 * Every function that calls the token is guarded: a token that calls back into the contract during the transfer
 * (or burn) makes the outer call revert with ReentrancyGuardReentrantCall, and nothing changes.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { PortfolioStake, ReentrantNMR } from "../../typechain-types";
import {
  DEFAULT_PARAMS,
  NMR,
  RATE,
  bindModels,
  deploySystem,
  evenBps,
  mintTo,
  modelIds,
  namedSigners,
  openRound,
} from "../helpers/fixtures";
import { accountRoundResult, buildRoundTree, withCumulatives } from "@portfolio-stake/core/results";

async function reentrantFixture() {
  const system = await deploySystem<ReentrantNMR>({ token: "ReentrantNMR" });
  const { nmr, stake, operator } = system;
  const { alice } = await namedSigners();
  const models = modelIds("alice", 2);
  await bindModels(stake, operator, alice, models);
  for (const signer of [alice, operator]) {
    await mintTo(nmr, signer.address, NMR(1000));
    await nmr.connect(signer).approve(await stake.getAddress(), ethers.MaxUint256);
  }
  await stake.connect(alice).deposit(NMR(100));
  await stake.connect(alice).setAllocation(models, evenBps(2));
  const round = await openRound(stake, operator);
  const tree = buildRoundTree(
    round,
    withCumulatives(
      [
        { modelId: models[0], rate: RATE("-0.05") },
        { modelId: models[1], rate: RATE("-0.01") },
      ],
      undefined,
      DEFAULT_PARAMS.rateCap,
    ),
  );
  await time.increase(DEFAULT_PARAMS.resolutionDelay);
  await stake.connect(operator).publishRound(round, tree.root, "");
  const results = { account: alice.address, models, results: [accountRoundResult(round, tree, models)] };
  return { ...system, alice, models, round, results };
}

describe("PortfolioStake: reentrancy guards", function () {
  async function expectGuarded(stake: PortfolioStake, call: () => Promise<unknown>, state: () => Promise<unknown>) {
    const before = await state();
    await expect(call()).to.be.revertedWithCustomError(stake, "ReentrancyGuardReentrantCall");
    expect(await state()).to.deep.equal(before);
  }

  it("deposit, fundRewards (into itself or claimRewards), claimWithdrawal, settle, settleBatch and settleSpans cannot be re-entered through the token", async function () {
    const { nmr, stake, alice, operator, results } = await loadFixture(reentrantFixture);
    const state = async () => [
      [...(await stake.accountOf(alice.address))].map(String),
      (await stake.totals()).map(String),
      String(await nmr.balanceOf(await stake.getAddress())),
    ];
    const target = await stake.getAddress();
    const reenterSettle = stake.interface.encodeFunctionData("settle", [results]);

    await nmr.arm(target, stake.interface.encodeFunctionData("deposit", [1n]));
    await expectGuarded(stake, () => stake.connect(alice).deposit(NMR(1)), state);
    await nmr.arm(target, stake.interface.encodeFunctionData("fundRewards", [1n]));
    await expectGuarded(stake, () => stake.connect(operator).fundRewards(NMR(1)), state);
    // A refill moves owed rewards to the reserve before its transfer: the transfer cannot re-enter claimRewards.
    await nmr.arm(target, stake.interface.encodeFunctionData("claimRewards", [alice.address]));
    await expectGuarded(stake, () => stake.connect(operator).fundRewards(NMR(1)), state);

    // Settlement burns through the token: the callback re-enters settle.
    await nmr.arm(target, reenterSettle);
    await expectGuarded(stake, () => stake.settle(results), state);
    await nmr.arm(target, reenterSettle);
    await expectGuarded(stake, () => stake.settleBatch([results]), state);
    await nmr.arm(target, stake.interface.encodeFunctionData("settleBatch", [[results]]));
    await expectGuarded(stake, () => stake.settle(results), state);
    await nmr.arm(target, stake.interface.encodeFunctionData("settleSpans", [[]]));
    await expectGuarded(stake, () => stake.settle(results), state);

    // Settled normally, then a withdrawal whose payout re-enters.
    await nmr.arm(ethers.ZeroAddress, "0x");
    await stake.settle(results);
    await stake.connect(alice).requestWithdrawal(NMR(10));
    await time.increase(DEFAULT_PARAMS.withdrawalDelay);
    await nmr.arm(target, stake.interface.encodeFunctionData("claimWithdrawal"));
    await expectGuarded(stake, () => stake.connect(alice).claimWithdrawal(), state);
    await nmr.arm(ethers.ZeroAddress, "0x");
    await expect(stake.connect(alice).claimWithdrawal()).to.emit(stake, "WithdrawalClaimed");
  });
});
