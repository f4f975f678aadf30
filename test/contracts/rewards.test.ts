/**
 * fundRewards: the rewards pool (how settlement pays from it is in settlement.test.ts).
 *
 * Conventions (test/helpers/unit.ts): every rejection is checked with its exact custom error (and arguments) AND an
 * unchanged snapshot of all observable state (`expectRejected`); rounds that must be settled are settled as rounds that
 * expired unpublished (empty results, counted as zero).
 */
import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { NMR, deployFixture } from "../helpers/fixtures";
import { expectRejected, expectTotals } from "../helpers/unit";

/** OwedRewards.FACTOR_ONE: the owed-rewards factor while nothing owed was ever paid in part. */
const FACTOR_ONE = 10n ** 36n;

describe("PortfolioStake", function () {
  describe("fundRewards", function () {
    it("with nothing owed, adds it all to the pool: RewardsFunded(from, amount, toOwed 0, pool, 0, factor, epoch), transfer, totals; anyone may fund", async function () {
      const { stake, nmr, operator, alice } = await loadFixture(deployFixture);
      const tx = stake.connect(operator).fundRewards(NMR(1000));
      await expect(tx)
        .to.emit(stake, "RewardsFunded")
        .withArgs(operator.address, NMR(1000), 0n, NMR(1000), 0n, FACTOR_ONE, 0n, 0n);
      await expect(tx).to.changeTokenBalances(nmr, [operator, stake], [-NMR(1000), NMR(1000)]);
      const tx2 = stake.connect(alice).fundRewards(NMR(5));
      await expect(tx2)
        .to.emit(stake, "RewardsFunded")
        .withArgs(alice.address, NMR(5), 0n, NMR(1005), 0n, FACTOR_ONE, 0n, 0n);
      await expect(tx2).to.changeTokenBalances(nmr, [alice, stake], [-NMR(5), NMR(5)]);
      await expectTotals(stake, nmr, { rewardsPool: NMR(1005) });
      expect((await stake.accountOf(alice.address)).balance).to.equal(0n);
    });

    it("rejects a zero amount (ZeroAmount)", async function () {
      const fx = await loadFixture(deployFixture);
      await expectRejected(fx, () => fx.stake.connect(fx.operator).fundRewards(0), "ZeroAmount", []);
    });

    it("works while paused", async function () {
      const { stake, nmr, operator, pauser } = await loadFixture(deployFixture);
      await stake.connect(pauser).pause();
      await expect(stake.connect(operator).fundRewards(NMR(1))).to.changeTokenBalance(nmr, stake, NMR(1));
      await expectTotals(stake, nmr, { rewardsPool: NMR(1) });
    });
  });
});
