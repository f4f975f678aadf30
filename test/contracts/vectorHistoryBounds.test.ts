/**
 * The vector history can never block a staker whose settleable rounds are all settled (review finding "Reallocation
 * blocked for weeks within allowed parameters"): VECTOR_HISTORY (256) is sized from the parameter bounds. A round
 * stays unsettleable at most resolutionDelay + publishWindow + proofGracePeriod <= 60 + 30 + 30 days after it opens,
 * rounds open at least 12 hours apart, so at most 120 days / 12 hours + 1 = 241 opened rounds are unsettled at once
 * for such a staker, and a reallocation is refused (SettlementBehind) only beyond VECTOR_HISTORY - 1 = 255.
 *
 * The extreme is simulated: every parameter at its worst bound, rounds opened every 12 hours, each published as late
 * as possible with a tree that lacks the staker's leaves (settleable only as unprovable, after its proof deadline),
 * the staker settling everything settleable and reallocating after every opening, past the point where the ring wraps.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import {
  buildRoundTree,
  emptyRoundResult,
  unprovableRoundResult,
  withCumulatives,
} from "@portfolio-stake/core/results";
import { DAY, NMR, RATE, deploySystem, modelIds, withStakers, DEFAULT_PARAMS } from "../helpers/fixtures";

const HOUR = 3600n;
/**
 * Every time parameter at its worst bound for the ring. The exposure rule then needs a slice small enough for the 241
 * rounds open at once: at the 100% cap, R = 256 commits 241 / 256 = 94% of a stake (R = 1 would be refused with
 * ExposureTooHigh(241, 1e18, 1), see constructor.test.ts). Neither the cap nor R changes which rounds are unsettled.
 */
const WORST = {
  withdrawalDelay: 60n * DAY,
  minRoundInterval: 12n * HOUR,
  resolutionDelay: 60n * DAY,
  publishWindow: 30n * DAY,
  rateCap: RATE("1"),
  proofGracePeriod: 30n * DAY,
  sliceDivisor: 256n,
};
const OTHERS = modelIds("other-participant", 3);

async function worstFixture() {
  const fx = await withStakers(await deploySystem({ params: WORST }));
  await fx.stake.connect(fx.alice).deposit(NMR(1000));
  await fx.stake.connect(fx.alice).setAllocation(fx.models.alice, [2500, 2500, 2500, 2500]);
  return fx;
}

type Fx = Awaited<ReturnType<typeof worstFixture>>;

/**
 * Opens `rounds` rounds 12 hours apart. After each opening: the operator publishes (if `publish`) every round whose
 * deadline falls before the next opening, at the last moment and without alice's leaves; alice settles everything
 * settleable (unprovable rounds after their proof deadline, unpublished ones after their deadline) and reallocates.
 * Returns the largest number of opened rounds alice had unsettled when she reallocated.
 */
async function simulate(fx: Fx, rounds: number, publish: boolean): Promise<number> {
  const { stake, operator, alice, keeper, models } = fx;
  let maxUnsettled = 0;
  let published = (await stake.currentRound()) + 1n;
  for (let k = 0; k < rounds; k++) {
    await time.increase(WORST.minRoundInterval);
    await stake.connect(operator).openRound();
    const current = await stake.currentRound();
    const now = BigInt(await time.latest());
    if (publish) {
      for (; published <= current; published++) {
        const info = await stake.roundInfo(published);
        if (info.deadline >= now + WORST.minRoundInterval) break; // not its last chance yet
        const tree = buildRoundTree(
          published,
          withCumulatives(
            OTHERS.map((modelId) => ({ modelId, rate: RATE("0.01") })),
            undefined, // no account proves these rounds' cumulatives
            DEFAULT_PARAMS.rateCap,
          ),
        );
        await stake.connect(operator).publishRound(published, tree.root, "");
      }
    }
    // Settle everything settleable now (at the next block's time).
    const at = BigInt(await time.latest()) + 1n;
    const { nextSettleRound } = await stake.accountOf(alice.address);
    const results = [];
    for (let r = nextSettleRound; r <= current && results.length < 256; r++) {
      const info = await stake.roundInfo(r);
      if (info.root !== ethers.ZeroHash && at > info.proofDeadline) results.push(unprovableRoundResult(r));
      else if (info.root === ethers.ZeroHash && at > info.deadline) results.push(emptyRoundResult(r));
      else break;
    }
    if (results.length) await stake.connect(keeper).settle({ account: alice.address, models: [], results });
    const next = (await stake.accountOf(alice.address)).nextSettleRound;
    maxUnsettled = Math.max(maxUnsettled, Number(current - next + 1n));
    // The reallocation must go through, every time.
    const bps = k % 2 ? [7000, 1000, 1000, 1000] : [1000, 1000, 1000, 7000];
    await expect(stake.connect(alice).setAllocation(models.alice, bps), `round ${current}`).to.emit(
      stake,
      "AllocationSet",
    );
  }
  return maxUnsettled;
}

describe("The vector history never blocks a staker that settled everything it can", function () {
  it("VECTOR_HISTORY covers every round that can be unsettleable at once under the parameter bounds", async function () {
    const { stake } = await loadFixture(worstFixture);
    const horizon =
      (await stake.MAX_RESOLUTION_DELAY()) +
      (await stake.MAX_PUBLISH_WINDOW()) +
      (await stake.MAX_PROOF_GRACE_PERIOD());
    const unsettled = horizon / (await stake.MIN_ROUND_INTERVAL_FLOOR()) + 1n; // rounds opened in that window
    expect(unsettled).to.equal(241n);
    // A reallocation is refused only when more than VECTOR_HISTORY - 1 opened rounds are unsettled.
    expect(unsettled <= (await stake.VECTOR_HISTORY()) - 1n).to.equal(true);
  });

  it("worst bounds, every round published at the last moment without the staker's leaves: she reallocates after each of 300 openings", async function () {
    this.timeout(900_000);
    const fx = await loadFixture(worstFixture);
    const max = await simulate(fx, 300, true);
    // The simulation reaches the extreme (241 unsettled opened rounds in theory; the few seconds each block adds to the
    // 12-hour intervals make it 240 here), past the ring's wrap (256 vectors).
    expect(max).to.be.within(240, 241);
    expect((await fx.stake.accountOf(fx.alice.address)).allocationCount).to.equal(301n);
  });

  it("worst bounds, rounds never published (each counts as zero only after its deadline): the same", async function () {
    this.timeout(900_000);
    const fx = await loadFixture(worstFixture);
    const max = await simulate(fx, 270, false);
    expect(max).to.be.within(180, 181); // 90 days / 12 hours + 1, less the drift of block times
    expect((await fx.stake.accountOf(fx.alice.address)).allocationCount).to.equal(271n);
  });
});
