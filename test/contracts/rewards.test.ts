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
import { expectRejected } from "../helpers/unit";

describe("PortfolioStake", function () {
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
});
