/**
 * Owed rewards (shared/DESIGN.md "Settlement", issue 13): a gain the rewards pool cannot pay is owed; every refill
 * pays owed rewards first, the same fraction of every account's owed amount (pro rata), whoever settles or claims
 * first afterwards; claimRewards credits what refills paid to the account's stake without waiting for a new round;
 * totals() and the events carry the total owed.
 *
 * Unit fixture: R = 1 and a 5% cap, so a round's result is stake x weight x rate. Money is checked by its effect:
 * token balances, the contract's holdings against totals() (held = staked + pending + pool + owedReserve).
 */
import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { NMR, RATE, deployFixture, openRound, DEFAULT_PARAMS } from "../helpers/fixtures";
import {
  accountRoundResult,
  buildRoundTree,
  emptyRoundResult,
  type RoundTree,
  withCumulatives,
} from "@portfolio-stake/core/results";
import type { PortfolioStake } from "../../typechain-types";

const FACTOR_ONE = 10n ** 36n;

type Fx = Awaited<ReturnType<typeof deployFixture>>;

/** Alice, bob and carol stake 1,000 NMR each on their first model; round R0 opens; nothing in the pool. */
async function stakedFixture() {
  const fx = await deployFixture();
  const { stake, models, operator } = fx;
  await stakeOnFirstModels(fx, NMR(1_000));
  const round = await openRound(stake, operator);
  // alice +5% (50 NMR), bob +2% (20 NMR), carol +3% (30 NMR)
  const tree = buildRoundTree(
    round,
    withCumulatives(
      [
        { modelId: models.alice[0], rate: RATE("0.05") },
        { modelId: models.bob[0], rate: RATE("0.02") },
        { modelId: models.carol[0], rate: RATE("0.03") },
      ],
      undefined,
      DEFAULT_PARAMS.rateCap,
    ),
  );
  await time.increaseTo((await stake.roundInfo(round)).resolvesAt);
  await stake.connect(operator).publishRound(round, tree.root, "");
  return { ...fx, round, tree };
}

/** Alice, bob and carol each deposit `amount` and put all of it on their first model. */
async function stakeOnFirstModels(fx: Fx, amount: bigint) {
  for (const name of ["alice", "bob", "carol"] as const) {
    await fx.stake.connect(fx[name]).deposit(amount);
    await fx.stake.connect(fx[name]).setAllocation(fx.models[name], [10_000, 0, 0, 0]);
  }
}

async function settleRound(fx: Fx, who: HardhatEthersSigner, round: bigint, tree: RoundTree | null, by = fx.keeper) {
  const models = [...(await fx.stake.modelsOf(who.address))];
  const result = tree ? accountRoundResult(round, tree, models) : emptyRoundResult(round);
  return fx.stake.connect(by).settle({ account: who.address, models, results: [result] });
}

/** NMR held by the contract equals staked + pending + pool + owedReserve (invariant 1). */
async function expectSolvent(stake: PortfolioStake, nmr: Fx["nmr"]) {
  const t = await stake.totals();
  expect(await nmr.balanceOf(await stake.getAddress())).to.equal(
    t.staked + t.pendingWithdrawals + t.rewardsPool + t.owedReserve,
  );
}

async function owed(stake: PortfolioStake, who: HardhatEthersSigner) {
  const v = await stake.accountOf(who.address);
  return { unpaid: v.unpaidRewards, claimable: v.claimableRewards, balance: v.balance };
}

describe("Owed rewards: paid pro rata by refills, claimable at once", function () {
  it("a short pool: the gains are owed, in Settled, accountOf and totals(); nothing leaves the pool", async function () {
    const fx = await loadFixture(stakedFixture);
    const { stake, nmr, alice, bob, round, tree } = fx;
    await expect(settleRound(fx, alice, round, tree))
      .to.emit(stake, "Settled")
      .withArgs(
        alice.address,
        round,
        NMR(1_000),
        [RATE("0.05"), 0n, 0n, 0n],
        NMR(50),
        0n,
        0n,
        NMR(50),
        NMR(1_000),
        false,
      );
    await settleRound(fx, bob, round, tree);
    expect(await owed(stake, alice)).to.deep.equal({ unpaid: NMR(50), claimable: 0n, balance: NMR(1_000) });
    expect(await owed(stake, bob)).to.deep.equal({ unpaid: NMR(20), claimable: 0n, balance: NMR(1_000) });
    const t = await stake.totals();
    expect([t.rewardsPool, t.owedRewards, t.owedReserve]).to.deep.equal([0n, NMR(70), 0n]);
    await expectSolvent(stake, nmr);
  });

  it("a partial refill pays every owed account the same fraction, whoever claims first; a late account waits its turn", async function () {
    const fx = await loadFixture(stakedFixture);
    const { stake, nmr, alice, bob, carol, operator, outsider, round, tree } = fx;
    await settleRound(fx, alice, round, tree);
    await settleRound(fx, bob, round, tree);
    // Half of the 70 NMR owed: alice and bob each get half of what they are owed.
    await expect(stake.connect(operator).fundRewards(NMR(35)))
      .to.emit(stake, "RewardsFunded")
      .withArgs(operator.address, NMR(35), NMR(35), 0n, NMR(35), FACTOR_ONE / 2n, 0n, 0n);
    expect(await owed(stake, alice)).to.deep.equal({ unpaid: NMR(25), claimable: NMR(25), balance: NMR(1_000) });
    expect(await owed(stake, bob)).to.deep.equal({ unpaid: NMR(10), claimable: NMR(10), balance: NMR(1_000) });
    await expectSolvent(stake, nmr);

    // Carol settles her +30 NMR after the refill: the pool is empty (the refill went to what was owed), so she is
    // owed too, and takes nothing of alice's and bob's shares (no race to settle first after a refill).
    await expect(settleRound(fx, carol, round, tree))
      .to.emit(stake, "Settled")
      .withArgs(
        carol.address,
        round,
        NMR(1_000),
        [RATE("0.03"), 0n, 0n, 0n],
        NMR(30),
        0n,
        0n,
        NMR(30),
        NMR(1_000),
        false,
      );
    expect(await owed(stake, alice)).to.deep.equal({ unpaid: NMR(25), claimable: NMR(25), balance: NMR(1_000) });
    expect((await stake.totals()).owedRewards).to.equal(NMR(65));

    // Anyone may credit bob's share to bob's stake, at once (no new round needed); the caller gets nothing.
    const outsiderBefore = await nmr.balanceOf(outsider.address);
    await expect(stake.connect(outsider).claimRewards(bob.address))
      .to.emit(stake, "RewardsClaimed")
      .withArgs(bob.address, NMR(10), NMR(10), NMR(1_010));
    expect(await nmr.balanceOf(outsider.address)).to.equal(outsiderBefore);
    expect(await owed(stake, bob)).to.deep.equal({ unpaid: NMR(10), claimable: 0n, balance: NMR(1_010) });
    expect(await stake.stakeAt(bob.address, (await stake.currentRound()) + 1n)).to.equal(NMR(1_010));
    await expect(stake.claimRewards(bob.address)).to.be.revertedWithCustomError(stake, "NothingToClaim");
    await expectSolvent(stake, nmr);

    // The next refill pays alice 25, bob 10 and carol 30 in the same proportion: 13/65 = 20% of each.
    await stake.connect(operator).fundRewards(NMR(13));
    expect(await owed(stake, alice)).to.deep.equal({ unpaid: NMR(20), claimable: NMR(30), balance: NMR(1_000) });
    expect(await owed(stake, bob)).to.deep.equal({ unpaid: NMR(8), claimable: NMR(2), balance: NMR(1_010) });
    expect(await owed(stake, carol)).to.deep.equal({ unpaid: NMR(24), claimable: NMR(6), balance: NMR(1_000) });
    await expectSolvent(stake, nmr);
  });

  it("a refill larger than everything owed pays it all (a new epoch) and the rest goes to the pool", async function () {
    const fx = await loadFixture(stakedFixture);
    const { stake, nmr, alice, bob, carol, operator, round, tree } = fx;
    for (const who of [alice, bob, carol]) await settleRound(fx, who, round, tree);
    const held = await nmr.balanceOf(await stake.getAddress());
    await expect(stake.connect(operator).fundRewards(NMR(40)))
      .to.emit(stake, "RewardsFunded")
      .withArgs(operator.address, NMR(40), NMR(40), 0n, NMR(60), (FACTOR_ONE * 60n) / 100n, 0n, 0n);
    await expect(stake.connect(operator).fundRewards(NMR(160)))
      .to.emit(stake, "RewardsFunded")
      .withArgs(operator.address, NMR(160), NMR(60), NMR(100), 0n, FACTOR_ONE, 1n, 0n);
    expect(await nmr.balanceOf(await stake.getAddress())).to.equal(held + NMR(200), "the refills arrived");
    for (const [who, gain] of [
      [alice, NMR(50)],
      [bob, NMR(20)],
      [carol, NMR(30)],
    ] as const) {
      expect(await owed(stake, who)).to.deep.equal({ unpaid: 0n, claimable: gain, balance: NMR(1_000) });
    }
    const t = await stake.totals();
    expect([t.rewardsPool, t.owedRewards, t.owedReserve]).to.deep.equal([NMR(100), 0n, NMR(100)]);
    await expectSolvent(stake, nmr);

    // Alice's next settlement credits her share first (RewardsClaimed), then settles the round.
    const next = await openRound(stake, operator);
    await time.increaseTo((await stake.roundInfo(next)).deadline + 1n);
    await expect(settleRound(fx, alice, next, null))
      .to.emit(stake, "RewardsClaimed")
      .withArgs(alice.address, NMR(50), 0n, NMR(1_050));
    expect(await owed(stake, alice)).to.deep.equal({ unpaid: 0n, claimable: 0n, balance: NMR(1_050) });
    // Bob and carol claim; the reserve ends at exactly zero.
    await stake.claimRewards(bob.address);
    await stake.claimRewards(carol.address);
    expect((await stake.totals()).owedReserve).to.equal(0n);
    expect((await stake.accountOf(bob.address)).totalRewarded).to.equal(NMR(20));
    await expectSolvent(stake, nmr);
  });

  it("the factor keeps its precision through any number of deep partial refills (rescaled, owedScale)", async function () {
    // Regression: with the factor alone, refills each 1 wei short of everything owed drove it from 1e36 to 1, after
    // which no partial refill paid anyone anything while totals() said it had.
    const fx = await loadFixture(deployFixture);
    const { stake, nmr, alice, bob, carol, operator, keeper, models } = fx;
    await stakeOnFirstModels(fx, NMR(1_000));
    const rounds: bigint[] = [];
    for (let i = 0; i < 4; i++) rounds.push(await openRound(stake, operator));
    // Carol gains in the first round only and is not settled again: her owed amount stays stored at scale 0.
    const trees = rounds.map((round, i) =>
      buildRoundTree(
        round,
        withCumulatives(
          [
            { modelId: models.alice[0], rate: RATE("0.05") },
            { modelId: models.bob[0], rate: RATE("0.05") },
            { modelId: models.carol[0], rate: i === 0 ? RATE("0.03") : 0n },
          ],
          undefined, // only settle proves these rounds: their cumulatives are not chained
          DEFAULT_PARAMS.rateCap,
        ),
      ),
    );
    await time.increaseTo((await stake.roundInfo(rounds[3]!)).resolvesAt);
    for (const [i, round] of rounds.entries()) await stake.connect(operator).publishRound(round, trees[i]!.root, "");
    const settleBoth = async (i: number) => {
      for (const who of [alice, bob]) await settleRound(fx, who, rounds[i]!, trees[i]!, keeper);
    };
    await settleRound(fx, carol, rounds[0]!, trees[0]!, keeper); // owed 30 NMR
    // Three refills each 1 wei short of everything owed: the factor falls by ~1e-20 each time (a scale step each).
    for (let i = 0; i < 3; i++) {
      await settleBoth(i); // +50 NMR owed to each (and what the last refill paid credited first)
      const { owedRewards } = await stake.totals();
      await stake.connect(operator).fundRewards(owedRewards - 1n);
    }
    await settleBoth(3);
    const { owedRewards } = await stake.totals();
    const before = await owed(stake, alice);
    await stake.connect(operator).fundRewards(owedRewards / 2n);
    const after = await owed(stake, alice);
    // Half of what she is owed is paid: 25 NMR and a wei or two of rounding, never more than half.
    expect(after.claimable).to.be.at.most(before.unpaid / 2n + 1n);
    expect(after.claimable).to.be.at.least(before.unpaid / 2n - 2n);
    expect(after.claimable + after.unpaid).to.be.at.least(before.unpaid);
    const t = await stake.totals();
    const sumOwed = (await owed(stake, alice)).unpaid + (await owed(stake, bob)).unpaid;
    expect(sumOwed - t.owedRewards).to.be.at.most(4n, "totals() agrees with the accounts to a few wei");
    await stake.claimRewards(alice.address);
    await stake.claimRewards(bob.address);
    // Carol's 30 NMR, stored three scale steps ago, are paid but for at most 1 wei (her exact share left is ~1e-42).
    expect(await owed(stake, carol)).to.deep.equal({ unpaid: 1n, claimable: NMR(30) - 1n, balance: NMR(1_000) });
    await expect(stake.claimRewards(carol.address))
      .to.emit(stake, "RewardsClaimed")
      .withArgs(carol.address, NMR(30) - 1n, 1n, NMR(1_030) - 1n);
    await expectSolvent(stake, nmr);
  });

  it("rounding never pays more than the exact share: 1 wei among three accounts owed 1 wei each", async function () {
    const fx = await loadFixture(deployFixture);
    const { stake, nmr, alice, bob, carol, operator, keeper, models } = fx;
    const firsts = [models.alice[0], models.bob[0], models.carol[0]];
    await stakeOnFirstModels(fx, NMR(1));
    // A rate of 1e-18 on 1 NMR: a gain of exactly 1 wei each.
    const round = await openRound(stake, operator);
    const tree = buildRoundTree(
      round,
      withCumulatives(
        firsts.map((modelId) => ({ modelId, rate: 1n })),
        undefined,
        DEFAULT_PARAMS.rateCap,
      ),
    );
    await time.increaseTo((await stake.roundInfo(round)).resolvesAt);
    await stake.connect(operator).publishRound(round, tree.root, "");
    for (const who of [alice, bob, carol]) await settleRound(fx, who, round, tree, keeper);
    expect((await stake.totals()).owedRewards).to.equal(3n);
    await stake.connect(operator).fundRewards(1n);
    for (const who of [alice, bob, carol]) {
      const o = await owed(stake, who);
      expect(o.unpaid + o.claimable).to.equal(1n);
      expect(o.claimable).to.equal(0n, "a third of a wei rounds to nothing paid");
    }
    await expect(stake.claimRewards(alice.address)).to.be.revertedWithCustomError(stake, "NothingToClaim");
    await stake.connect(operator).fundRewards(2n); // what is left of the 3 wei: everything, a new epoch
    for (const who of [alice, bob, carol]) expect((await owed(stake, who)).claimable).to.equal(1n);
    for (const who of [alice, bob, carol]) await stake.claimRewards(who.address);
    expect((await stake.totals()).owedReserve).to.equal(0n);
    expect((await stake.totals()).owedRewards).to.equal(0n);
    await expectSolvent(stake, nmr);
  });
});
