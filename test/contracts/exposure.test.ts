/**
 * No leverage (shared/DESIGN.md "Exposure: no leverage", issue 13): each round puts a slice of the stake at risk,
 * stake-at-opening / R, split by the vector, with rates clipped at up to 100% of the slice; the parameters keep
 * (rounds open at once) x cap / R <= 100%, and openRound lowers a round's cap when rounds opened under earlier
 * parameters leave less room; a round's gain and loss are measured on the same amount, limited to what earlier losses
 * left, so a wiped-out account wins nothing more; a hedged pair (a model and its mirror) takes nothing from the pool.
 *
 * Money is checked by its effect: the token's total supply (NMRLike burns through its `mint`), the contract's
 * balance, the accounts' balances and totals().
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import {
  DAY,
  NMR,
  RATE,
  DEFAULT_PARAMS,
  deploySystem,
  withStakers,
  openRound,
  stakeFactory,
} from "../helpers/fixtures";
import { accountRoundResult, buildRoundTree, withCumulatives, type RoundTree } from "@portfolio-stake/core/results";
import type { PortfolioStake } from "../../typechain-types";

const ONE = 10n ** 18n; // a rate of 100% of the slice
const HOUR = 3600n;

/** Numerai's 2026 rules: R = 64, a cap of 100% of the slice; daily rounds open 28 + 7 + 7 days: 43 at once, 67%. */
const NUMERAI_2026 = {
  ...DEFAULT_PARAMS,
  minRoundInterval: DAY,
  resolutionDelay: 28n * DAY,
  publishWindow: 7n * DAY,
  proofGracePeriod: 7n * DAY,
  rateCap: ONE,
  sliceDivisor: 64n,
};
/** Exactly 100% committed: 12-hour rounds open 1 + 1 + 1.5 days (8 at once), each 1/8 of the stake at 100%. */
const EXTREME = {
  ...DEFAULT_PARAMS,
  minRoundInterval: 12n * HOUR,
  resolutionDelay: DAY,
  publishWindow: DAY,
  proofGracePeriod: 36n * HOUR,
  rateCap: ONE,
  sliceDivisor: 8n,
};

async function system(params: Partial<typeof DEFAULT_PARAMS>) {
  return withStakers(await deploySystem({ params }));
}

/** Publishes `rates` (modelId -> rate) as round `round`, at its resolution time. */
async function publish(stake: PortfolioStake, operator: HardhatEthersSigner, round: bigint, rates: [string, bigint][]) {
  const { resolvesAt, rateCap } = await stake.roundInfo(round);
  const tree = buildRoundTree(
    round,
    withCumulatives(
      rates.map(([modelId, rate]) => ({ modelId, rate })),
      undefined, // only settle proves these rounds: their cumulatives are not chained
      rateCap,
    ),
  );
  if (BigInt(await time.latest()) < resolvesAt) await time.setNextBlockTimestamp(resolvesAt);
  await stake.connect(operator).publishRound(round, tree.root, "");
  return tree;
}

/**
 * Opens `count` rounds, publishing each with `rates(i)` as soon as it resolves (never late: an unpublished round
 * would count as zero), without settling anybody. Returns the rounds and their trees.
 */
async function openAndPublish(
  stake: PortfolioStake,
  operator: HardhatEthersSigner,
  count: number,
  rates: (i: number) => [string, bigint][],
) {
  const rounds: bigint[] = [];
  const trees = new Map<bigint, RoundTree>();
  const publishResolved = async (all: boolean) => {
    for (const [i, round] of rounds.entries()) {
      if (trees.has(round)) continue;
      const { resolvesAt } = await stake.roundInfo(round);
      if (!all && BigInt(await time.latest()) < resolvesAt) break;
      trees.set(round, await publish(stake, operator, round, rates(i)));
    }
  };
  for (let i = 0; i < count; i++) {
    rounds.push(await openRound(stake, operator));
    await publishResolved(false);
  }
  await publishResolved(true);
  return { rounds, trees };
}

/** Settles `account`'s rounds from..to with proofs from `trees`; returns the Settled events' args. */
async function settle(
  stake: PortfolioStake,
  keeper: HardhatEthersSigner,
  account: string,
  trees: Map<bigint, RoundTree>,
  from: bigint,
  to: bigint,
) {
  const models = [...(await stake.modelsOf(account))];
  const results = [];
  for (let r = from; r <= to; r++) results.push(accountRoundResult(r, trees.get(r) ?? null, models));
  const receipt = (await (await stake.connect(keeper).settle({ account, models, results })).wait())!;
  return receipt.logs
    .map((log) => {
      try {
        return stake.interface.parseLog(log);
      } catch {
        return null;
      }
    })
    .filter((e) => e?.name === "Settled")
    .map((e) => {
      const [stakeAtRisk, delta, paid, burned] = ["stakeAtRisk", "delta", "paid", "burned"].map(
        (field) => e!.args.getValue(field) as bigint,
      );
      return { stakeAtRisk: stakeAtRisk!, delta: delta!, paid: paid!, burned: burned! };
    });
}

describe("No leverage: per-round stake slices", function () {
  describe("a round puts stake / R at risk", function () {
    it("worked example (README, NatSpec): 6,400 NMR at R = 64 on two models 75/25, rates +20% and -100%: -10 NMR", async function () {
      const fx = await system(NUMERAI_2026);
      const { stake, nmr, alice, operator, keeper, models } = fx;
      await stake.connect(alice).deposit(NMR(6_400));
      await stake.connect(alice).setAllocation(models.alice, [7_500, 2_500, 0, 0]);
      const round = await openRound(stake, operator);
      expect(await stake.sliceAt(alice.address, round)).to.equal(NMR(100));
      expect(await stake.modelStakesAt(alice.address, round)).to.deep.equal([NMR(4_800), NMR(1_600), 0n, 0n]);
      const tree = await publish(stake, operator, round, [
        [models.alice[0], RATE("0.2")],
        [models.alice[1], -ONE],
      ]);
      const supply = await nmr.totalSupply();
      const held = await nmr.balanceOf(await stake.getAddress());
      const [e] = await settle(stake, keeper, alice.address, new Map([[round, tree]]), round, round);
      expect(e!.stakeAtRisk).to.equal(NMR(100));
      expect(e!.delta).to.equal(-NMR(10));
      expect(e!.burned).to.equal(NMR(10));
      expect((await stake.accountOf(alice.address)).balance).to.equal(NMR(6_390));
      expect(supply - (await nmr.totalSupply())).to.equal(NMR(10), "the loss left the supply");
      expect(held - (await nmr.balanceOf(await stake.getAddress()))).to.equal(NMR(10));
    });

    it("rounds opened while the stake changes keep their own slice; R is fixed per round when it opens", async function () {
      const fx = await system(NUMERAI_2026);
      const { stake, alice, admin, operator } = fx;
      await stake.connect(alice).deposit(NMR(640));
      const first = await openRound(stake, operator);
      await stake.connect(alice).deposit(NMR(640));
      await stake.connect(admin).setSliceDivisor(128);
      const second = await openRound(stake, operator);
      expect((await stake.roundInfo(first)).sliceDivisor).to.equal(64n);
      expect((await stake.roundInfo(second)).sliceDivisor).to.equal(128n);
      expect(await stake.sliceAt(alice.address, first)).to.equal(NMR(10));
      expect(await stake.sliceAt(alice.address, second)).to.equal(NMR(10));
      // A round not yet opened: the current parameter.
      expect(await stake.sliceAt(alice.address, second + 1n)).to.equal(NMR(10));
    });
  });

  describe("parameters: (rounds open at once) x cap / R <= 100%", function () {
    it("the constructor refuses 43 open rounds at 1/42 each (ExposureTooHigh) and accepts 1/64", async function () {
      // The factory is read before the deployment starts: reading it after would leave the deployment's rejection
      // unhandled for a moment, which mocha reports as an uncaught error when the revert comes first.
      const factory = await stakeFactory();
      await expect(deploySystem({ params: { ...NUMERAI_2026, sliceDivisor: 42n } }))
        .to.be.revertedWithCustomError(factory, "ExposureTooHigh")
        .withArgs(43n, ONE, 42n);
      const ok = await deploySystem({ params: NUMERAI_2026 });
      expect((await ok.stake.parameters()).sliceDivisor).to.equal(64n);
      // The bound is exact: 8 rounds open at once x 100% / 8 = 100% is accepted.
      const exact = await deploySystem({ params: EXTREME });
      expect((await exact.stake.parameters()).sliceDivisor).to.equal(8n);
      await expect(deploySystem({ params: { ...EXTREME, rateCap: ONE - 7n, sliceDivisor: 7n } }))
        .to.be.revertedWithCustomError(factory, "ExposureTooHigh")
        .withArgs(8n, ONE - 7n, 7n);
    });

    it("every setter that could break the rule refuses with ExposureTooHigh and changes nothing", async function () {
      const { stake, admin } = await system(NUMERAI_2026); // 43 open at once, R = 64, cap 100%: 67%
      const before = await stake.parameters();
      const cases: [() => Promise<unknown>, bigint, bigint][] = [
        [() => stake.connect(admin).setSliceDivisor(42), 43n, 42n], // 43 x 1/42
        [() => stake.connect(admin).setMinRoundInterval(12n * HOUR), 85n, 64n], // 42 days / 12 h + 1
        [() => stake.connect(admin).setResolutionDelay(51n * DAY), 66n, 64n], // 65 days / 1 day + 1
        [() => stake.connect(admin).setPublishWindow(30n * DAY), 66n, 64n],
        [() => stake.connect(admin).setProofGracePeriod(30n * DAY), 66n, 64n],
      ];
      for (const [call, openRounds, divisor] of cases) {
        await expect(call()).to.be.revertedWithCustomError(stake, "ExposureTooHigh").withArgs(openRounds, ONE, divisor);
      }
      // A lower cap makes room: 66 open rounds at 90% / 64 = 92.8%.
      await stake.connect(admin).setRateCap(RATE("0.9"));
      await expect(stake.connect(admin).setResolutionDelay(51n * DAY)).to.emit(stake, "ParameterUpdated");
      await expect(stake.connect(admin).setRateCap(ONE))
        .to.be.revertedWithCustomError(stake, "ExposureTooHigh")
        .withArgs(66n, ONE, 64n);
      const after = await stake.parameters();
      expect(after.sliceDivisor).to.equal(before.sliceDivisor);
      expect(after.minRoundInterval).to.equal(before.minRoundInterval);
      expect(after.rateCap).to.equal(RATE("0.9"));
    });

    it("bounds: sliceDivisor 1..1024, rateCap up to 100% of the slice (ParameterOutOfBounds)", async function () {
      const { stake, admin } = await system(NUMERAI_2026);
      await expect(stake.connect(admin).setSliceDivisor(0))
        .to.be.revertedWithCustomError(stake, "ParameterOutOfBounds")
        .withArgs(ethers.encodeBytes32String("sliceDivisor"), 0n, 1n, 1024n);
      await expect(stake.connect(admin).setSliceDivisor(1025))
        .to.be.revertedWithCustomError(stake, "ParameterOutOfBounds")
        .withArgs(ethers.encodeBytes32String("sliceDivisor"), 1025n, 1n, 1024n);
      await expect(stake.connect(admin).setRateCap(ONE + 1n))
        .to.be.revertedWithCustomError(stake, "ParameterOutOfBounds")
        .withArgs(ethers.encodeBytes32String("rateCap"), ONE + 1n, RATE("0.001"), ONE);
      await expect(stake.connect(admin).setSliceDivisor(1024))
        .to.emit(stake, "ParameterUpdated")
        .withArgs(ethers.encodeBytes32String("sliceDivisor"), 64n, 1024n);
    });

    it("after a parameter change, openRound lowers a new round's cap to the room older open rounds leave", async function () {
      // Daily rounds open 7 days (8 at once) at 1/8 each: 100%. Then 12-hour rounds open 3 days (7 at once, 87.5%)
      // while the daily rounds are still open: they close one a day while two new ones open, which would commit
      // more than 100% in all from the third new round on.
      const params = {
        ...DEFAULT_PARAMS,
        minRoundInterval: DAY,
        resolutionDelay: 5n * DAY,
        publishWindow: DAY,
        proofGracePeriod: DAY,
        rateCap: ONE,
        sliceDivisor: 8n,
      };
      const { stake, admin, operator } = await system(params);
      const opened: bigint[] = [];
      for (let i = 0; i < 8; i++) opened.push(await openRound(stake, operator));
      await stake.connect(admin).setResolutionDelay(DAY);
      await stake.connect(admin).setMinRoundInterval(12n * HOUR);
      const share = (cap: bigint, r: bigint) => (cap + r - 1n) / r;
      const caps: bigint[] = [];
      for (let i = 0; i < 16; i++) {
        const round = await openRound(stake, operator);
        opened.push(round);
        const now = BigInt(await time.latest());
        let open = 0n;
        for (const r of opened) {
          const info = await stake.roundInfo(r);
          if (info.proofDeadline >= now) open += share(info.rateCap, info.sliceDivisor);
        }
        expect(open).to.be.at.most(ONE, `round ${round}: the open rounds commit ${open} of a stake`);
        const { rateCap } = await stake.roundInfo(round);
        caps.push(rateCap);
      }
      // The contract closes rounds oldest first and stops at the first still open, so a short-lived new round behind
      // a long-lived old one counts until that one closes: in a transition it may lower a cap more than needed, never
      // less.
      expect(caps.filter((c) => c < ONE).length).to.be.greaterThan(0, "the transition lowered some caps");
      expect(caps[0]).to.equal(ONE, "the first new round still fits");
      // Once the daily rounds closed, new rounds open with the full cap again.
      expect(caps[caps.length - 1]).to.equal(ONE);
    });
  });

  describe("gains and losses on the same amount", function () {
    it("an account wiped out by earlier rounds wins nothing in its later rounds (no free option)", async function () {
      // R = 8 = rounds open at once, cap 100%. Alice never settles while 16 rounds open on her 800 NMR snapshot: the
      // first 8 lose 100% of their slice (her whole stake), the next 8 win 100%. She must end at zero, not +800.
      const fx = await system(EXTREME);
      const { stake, nmr, alice, operator, keeper, models } = fx;
      await stake.connect(alice).deposit(NMR(800));
      await stake.connect(alice).setAllocation(models.alice, [10_000, 0, 0, 0]);
      await stake.connect(operator).fundRewards(NMR(10_000));
      const { rounds, trees } = await openAndPublish(stake, operator, 16, (i) => [
        [models.alice[0], i < 8 ? -ONE : ONE],
      ]);
      const supply = await nmr.totalSupply();
      const pool = (await stake.totals()).rewardsPool;
      const events = await settle(stake, keeper, alice.address, trees, rounds[0]!, rounds[15]!);
      expect(events).to.have.length(16);
      // The first 8 rounds each took their whole slice, 100 NMR: her whole stake.
      expect(events.slice(0, 8).map((e) => e.stakeAtRisk)).to.deep.equal(Array<bigint>(8).fill(NMR(100)));
      expect(events.slice(0, 8).map((e) => e.burned)).to.deep.equal(Array<bigint>(8).fill(NMR(100)));
      // The next 8 opened on the same 800 NMR snapshot (she had not settled), but nothing was left to lose: nothing
      // at risk, so nothing won. Measuring the gain on the snapshot would have paid her 800 NMR from the pool.
      expect(events.slice(8).map((e) => e.stakeAtRisk)).to.deep.equal(Array<bigint>(8).fill(0n));
      expect(events.slice(8).map((e) => e.paid)).to.deep.equal(Array<bigint>(8).fill(0n));
      expect((await stake.accountOf(alice.address)).balance).to.equal(0n);
      expect(supply - (await nmr.totalSupply())).to.equal(NMR(800), "her 800 NMR left the supply");
      expect((await stake.totals()).rewardsPool).to.equal(pool, "the pool paid nothing");
    });
  });

  describe("the hedged pair: a model and its mirror take nothing from the pool", function () {
    for (const [label, params, openAtOnce] of [
      ["Numerai 2026 (R = 64, cap 100%, 43 rounds open at once)", NUMERAI_2026, 43],
      ["extreme bound (R = 8 = rounds open at once, cap 100%)", EXTREME, 8],
    ] as const) {
      it(`${label}: a run of -cap rounds on the model; the pool pays the mirror exactly what the model burned`, async function () {
        const fx = await system(params);
        const { stake, nmr, alice, bob, operator, keeper, models } = fx;
        // Alice stakes 100 NMR on her model, bob 100 NMR on his, whose results are exactly the opposite.
        for (const [signer, ids] of [
          [alice, models.alice],
          [bob, models.bob],
        ] as const) {
          await stake.connect(signer).deposit(NMR(100));
          await stake.connect(signer).setAllocation(ids, [10_000, 0, 0, 0]);
        }
        await stake.connect(operator).fundRewards(NMR(1_000));
        const { rounds, trees } = await openAndPublish(stake, operator, openAtOnce, () => [
          [models.alice[0], -ONE],
          [models.bob[0], ONE],
        ]);
        const heldBefore = await nmr.balanceOf(await stake.getAddress());
        const supplyBefore = await nmr.totalSupply();
        const poolBefore = (await stake.totals()).rewardsPool;
        const lost = await settle(stake, keeper, alice.address, trees, rounds[0]!, rounds[rounds.length - 1]!);
        const won = await settle(stake, keeper, bob.address, trees, rounds[0]!, rounds[rounds.length - 1]!);
        const burned = lost.reduce((s, e) => s + e.burned, 0n);
        const paid = won.reduce((s, e) => s + e.paid, 0n);
        const slice = NMR(100) / params.sliceDivisor;
        expect(burned).to.equal(slice * BigInt(openAtOnce), "the model lost its slice in every open round");
        expect(paid).to.equal(burned, "the mirror won exactly that");
        const a = await stake.accountOf(alice.address);
        const b = await stake.accountOf(bob.address);
        expect(a.balance + b.balance).to.equal(NMR(200), "the pair neither gained nor lost");
        expect(poolBefore - (await stake.totals()).rewardsPool).to.equal(paid);
        expect(supplyBefore - (await nmr.totalSupply())).to.equal(burned);
        expect(heldBefore - (await nmr.balanceOf(await stake.getAddress()))).to.equal(burned);
        expect(a.balance).to.be.at.least(0n);
      });
    }
  });
});
