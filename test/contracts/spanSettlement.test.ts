/**
 * settleSpans (IPortfolioStake): a segment of rounds over which an account's stake and vector did not change settles
 * from two proven cumulative rates per weighted model. Checked against the per-round path on the same state (an EVM
 * snapshot settled both ways) and against the reference model's span rule (test/helpers/reference.ts settleSpan,
 * written from the rule, not from the contract); every refusal with its error and the state unchanged; idempotence;
 * two segments across a stake change; burns by their effect; gas on a large tree.
 */
import { expect } from "chai";
import hre, { ethers } from "hardhat";
import { loadFixture, takeSnapshot } from "@nomicfoundation/hardhat-network-helpers";
import { Prng } from "@portfolio-stake/core/prng";
import {
  accountSpanBoundary,
  buildRoundTree,
  cumulativesOf,
  withCumulatives,
  type PlainRate,
} from "@portfolio-stake/core/results";
import { DEFAULT_PARAMS, NMR, RATE, bindModels, deploySystem, modelIds, withStakers } from "../helpers/fixtures";
import { SettlementHarness } from "../helpers/settlement";

/** R = 16, cap 50%: 18 rounds open at once x 50% / 16 = 56% of a stake; a 25-round span needs 13.5 slices <= 16. */
const PARAMS = { sliceDivisor: 16n, rateCap: RATE("0.5") };
const CAP = PARAMS.rateCap;
const OTHERS = modelIds("other-participant", 12);
const ROUNDS = 26; // R0 (settled per round in the fixture) + spans of up to 25 rounds
const EXTRA = modelIds("alice-extra", 12); // alice's models 5..16

/** Rates within +-cap for alice's models (one in ten beyond it, applied at the cap), different per round. */
function ratesFor(models: readonly string[], round: bigint, seed: number): PlainRate[] {
  const prng = new Prng(seed * 1_000 + Number(round % 1_000n));
  const mine = models.map((modelId) => ({
    modelId,
    rate: prng.float() < 0.1 ? (prng.float() < 0.5 ? -2n : 2n) * CAP : prng.bigint(-CAP, CAP),
  }));
  return [...mine, ...OTHERS.map((modelId, i) => ({ modelId, rate: BigInt(i - 6) * 10n ** 16n }))];
}

/**
 * Opens `count` rounds, publishing each (ratesFor) once it resolves, in order; `between` runs before each opening
 * (deposits, reallocations).
 */
async function runRounds(
  h: SettlementHarness,
  models: () => readonly string[],
  count: number,
  seed: number,
  between: (k: number) => Promise<void> = async () => {},
  publish: (round: bigint) => Promise<unknown> = (r) => h.publish(r, ratesFor(models(), r, seed)),
): Promise<bigint[]> {
  const opened: bigint[] = [];
  const pending: bigint[] = [];
  const now = async () => BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
  for (let k = 0; k < count; k++) {
    await between(k);
    const round = await h.open();
    opened.push(round);
    pending.push(round);
    while (pending.length && (await h.stake.roundInfo(pending[0]!)).resolvesAt <= (await now())) {
      await publish(pending.shift()!);
    }
  }
  for (const r of pending) await publish(r);
  return opened;
}

/** Evenly split weights over the first `weighted` of `total` models (the rest zero). */
function weights(weighted: number, total: number): number[] {
  const w = Array.from({ length: total }, (_, i) => (i < weighted ? Math.floor(10_000 / weighted) : 0));
  w[0]! += 10_000 - w.reduce((s, x) => s + x, 0);
  return w;
}

/**
 * alice (4 or 16 models, `weighted` of them weighted) and bob (4 models) stake 1,000 NMR each from R0; ROUNDS rounds
 * opened and published; R0 settled per round for both (so their next span starts at boundary R0).
 */
async function spanFixture(weighted: number, pool: bigint, seed: number) {
  const fx = await withStakers(await deploySystem({ params: PARAMS }));
  const { alice, bob, operator, stake, models } = fx;
  if (weighted > 4) await bindModels(stake, operator, alice, EXTRA);
  const aliceModels = weighted > 4 ? [...models.alice, ...EXTRA] : [...models.alice];
  const h = await SettlementHarness.attach(fx, [alice.address, bob.address]);
  await h.fund(operator, pool);
  await h.deposit(alice, NMR(1000));
  await h.deposit(bob, NMR(1000));
  await h.allocate(alice, weights(weighted, aliceModels.length));
  await h.allocate(bob, [4000, 3000, 2000, 1000]);
  const rounds = await runRounds(h, () => [...aliceModels, ...models.bob], ROUNDS, seed);
  const R0 = rounds[0]!;
  await h.settle(alice.address, R0);
  await h.settle(bob.address, R0);
  return { ...fx, h, R0, aliceModels };
}

const fixtureOf = (weighted: number, pool: bigint, seed: number) => {
  const f = () => spanFixture(weighted, pool, seed);
  Object.defineProperty(f, "name", { value: `span_${weighted}_${pool}_${seed}` });
  return f;
};
const LARGE_POOL = NMR(1_000_000);
const fixtures = {
  one: fixtureOf(1, LARGE_POOL, 1),
  four: fixtureOf(4, LARGE_POOL, 2),
  sixteen: fixtureOf(16, LARGE_POOL, 3),
  short: fixtureOf(4, NMR(1), 4),
};

async function balanceAndOwed(h: SettlementHarness, account: string) {
  const v = await h.stake.accountOf(account);
  return { balance: v.balance, owed: v.unpaidRewards + v.claimableRewards };
}

describe("settleSpans", function () {
  describe("equals the per-round path on the same state, and the reference rule exactly", function () {
    const LENGTHS = [1, 2, 3, 5, 8, 13, 20, 25];
    for (const [name, weighted] of [
      ["one", 1],
      ["four", 4],
      ["sixteen", 16],
    ] as const) {
      it(`${weighted} weighted model(s), spans of ${LENGTHS.join(", ")} rounds, pool large`, async function () {
        const fx = await loadFixture(fixtures[name]);
        for (const n of LENGTHS) {
          const y = fx.R0 + BigInt(n);
          const snapshot = await takeSnapshot();
          const perRound = fx.h.fork();
          await perRound.settle(fx.alice.address, y);
          const a = await balanceAndOwed(perRound, fx.alice.address);
          await snapshot.restore();
          const span = fx.h.fork();
          const { events } = await span.settleSpans([{ account: fx.alice.address, boundaries: [fx.R0, y] }]);
          expect(events).to.have.length(1);
          const b = await balanceAndOwed(span, fx.alice.address);
          const diff = a.balance + a.owed - (b.balance + b.owed);
          expect(diff < 0n ? -diff : diff).to.be.at.most(BigInt(n * weighted), `${n} rounds`);
          expect(b.owed).to.equal(0n);
          await snapshot.restore();
        }
      });
    }

    it("pool short: balance + owed equal within the bound; the span owes only the net gain", async function () {
      const fx = await loadFixture(fixtures.short);
      for (const n of [1, 4, 12, 25]) {
        const y = fx.R0 + BigInt(n);
        const snapshot = await takeSnapshot();
        const perRound = fx.h.fork();
        await perRound.settle(fx.alice.address, y);
        const a = await balanceAndOwed(perRound, fx.alice.address);
        await snapshot.restore();
        const span = fx.h.fork();
        await span.settleSpans([{ account: fx.alice.address, boundaries: [fx.R0, y] }]);
        const b = await balanceAndOwed(span, fx.alice.address);
        const diff = a.balance + a.owed - (b.balance + b.owed);
        expect(diff < 0n ? -diff : diff).to.be.at.most(BigInt(n * 4), `${n} rounds`);
        await snapshot.restore();
      }
    });
  });

  describe("two segments in one call", function () {
    it("across a stake change (a deposit in between), and several accounts in one batch", async function () {
      const fx = await withStakers(await deploySystem({ params: PARAMS }));
      const { alice, bob, operator, models } = fx;
      const h = await SettlementHarness.attach(fx, [alice.address, bob.address]);
      await h.fund(operator, LARGE_POOL);
      await h.deposit(alice, NMR(1000));
      await h.deposit(bob, NMR(2000));
      await h.allocate(alice, [2500, 2500, 2500, 2500]);
      await h.allocate(bob, [10_000, 0, 0, 0]);
      const rounds = await runRounds(
        h,
        () => [...models.alice, ...models.bob],
        14,
        7,
        async (k) => {
          if (k === 7) await h.deposit(alice, NMR(500)); // alice's stake changes from the 8th round
        },
      );
      const R0 = rounds[0]!;
      await h.settle(alice.address, R0);
      await h.settle(bob.address, R0);
      // The stake changes at rounds[7]: one segment can't cross it, two can.
      await expect(
        fx.stake.settleSpans([h.spanResults(alice.address, [R0, rounds[12]!])]),
      ).to.be.revertedWithCustomError(fx.stake, "SpanStakeChanged");
      const { events, receipt } = await h.settleSpans([
        { account: alice.address, boundaries: [R0, rounds[6]!, rounds[12]!] },
        { account: bob.address, boundaries: [R0, rounds[3]!, rounds[12]!] },
      ]);
      expect(events.map((e) => [e.fromRound, e.toRound])).to.deep.equal([
        [R0 + 1n, rounds[6]!],
        [rounds[7]!, rounds[12]!],
        [R0 + 1n, rounds[3]!],
        [rounds[4]!, rounds[12]!],
      ]);
      expect(events[1]!.stakeAtRisk).to.be.above(events[0]!.stakeAtRisk);
      console.log(`      two accounts x two segments: ${receipt.gasUsed} gas`);
    });
  });

  describe("refusals (each with its error, the state unchanged)", function () {
    async function refused(fx: Awaited<ReturnType<typeof spanFixture>>, args: unknown[], error: string) {
      const before = await fx.stake.accountOf(fx.alice.address);
      const tx = fx.stake.connect(fx.keeper).settleSpans(args as never);
      await expect(tx).to.be.revertedWithCustomError(fx.stake, error);
      expect(await fx.stake.accountOf(fx.alice.address)).to.deep.equal(before);
    }

    it("a: a round of the segment (or the one before it) unpublished, or another cap: SpanNotPublished", async function () {
      const fx = await loadFixture(fixtures.four);
      const { stake, R0, alice, admin } = fx;
      const h = fx.h.fork();
      // The newest round opened is not published yet.
      await h.open();
      const unpublished = await stake.currentRound();
      const args = h.spanResults(alice.address, [R0, R0 + 3n]);
      const tree = buildRoundTree(
        unpublished,
        withCumulatives(ratesFor(fx.aliceModels, unpublished, 9), undefined, CAP),
      );
      const boundary = accountSpanBoundary(unpublished, tree, fx.aliceModels);
      await refused(fx, [{ ...args, boundaries: [args.boundaries[0], boundary] }], "SpanNotPublished");
      // A round under another cap breaks the run: publishedRun starts again at 1.
      await stake.connect(admin).setRateCap(RATE("0.25"));
      await h.open();
      const other = await stake.currentRound();
      await h.publish(unpublished, ratesFor(fx.aliceModels, unpublished, 9));
      await h.publish(other, ratesFor(fx.aliceModels, other, 9));
      expect((await stake.roundInfo(unpublished)).publishedRun).to.equal(BigInt(unpublished - R0 + 1n));
      expect((await stake.roundInfo(other)).publishedRun).to.equal(1n);
      await refused(fx, [h.spanResults(alice.address, [R0, other])], "SpanNotPublished");
    });

    it("b: the stake changes inside the segment: SpanStakeChanged; c: the vector changes, or none: SpanVectorChanged", async function () {
      const fx = await withStakers(await deploySystem({ params: PARAMS }));
      const { alice, bob, carol, operator, models } = fx;
      const h = await SettlementHarness.attach(fx, [alice.address, bob.address, carol.address]);
      await h.fund(operator, LARGE_POOL);
      for (const s of [alice, bob, carol]) await h.deposit(s, NMR(1000));
      await h.allocate(alice, [2500, 2500, 2500, 2500]);
      await h.allocate(bob, [2500, 2500, 2500, 2500]);
      const rounds = await runRounds(
        h,
        () => [...models.alice, ...models.bob, ...models.carol],
        8,
        5,
        async (k) => {
          if (k === 4) {
            await h.deposit(alice, NMR(1)); // alice's stake changes at rounds[4]
            await h.allocate(bob, [1000, 2000, 3000, 4000]); // bob's vector changes at rounds[4]
          }
        },
      );
      const R0 = rounds[0]!;
      for (const s of [alice, bob, carol]) await h.settle(s.address, R0);
      const fxA = { ...fx, h, R0, aliceModels: models.alice };
      await refused(fxA, [h.spanResults(alice.address, [R0, rounds[6]!])], "SpanStakeChanged");
      await expect(fx.stake.settleSpans([h.spanResults(bob.address, [R0, rounds[6]!])]))
        .to.be.revertedWithCustomError(fx.stake, "SpanVectorChanged")
        .withArgs(R0 + 1n, rounds[6]!);
      // carol never set a vector.
      await expect(fx.stake.settleSpans([h.spanResults(carol.address, [R0, rounds[2]!])]))
        .to.be.revertedWithCustomError(fx.stake, "SpanVectorChanged")
        .withArgs(R0 + 1n, rounds[2]!);
      // Up to the change, and from it, they settle.
      await h.settleSpans([
        { account: alice.address, boundaries: [R0, rounds[3]!, rounds[6]!] },
        { account: bob.address, boundaries: [R0, rounds[3]!, rounds[6]!] },
      ]);
    });

    it("d: the balance below a slice plus the segment's worst loss: SpanTooRisky", async function () {
      const fx = await loadFixture(fixtures.four);
      const { R0, alice } = fx;
      const h = fx.h.fork();
      // A withdrawal request after the rounds opened leaves their stake (and slice) as it was, the balance lower.
      await h.requestWithdrawal(alice, NMR(600));
      const { balance } = await fx.stake.accountOf(alice.address);
      const slice = (await fx.stake.stakeAt(alice.address, R0 + 1n)) / 16n;
      const needed = slice + (20n * slice * CAP + 10n ** 18n - 1n) / 10n ** 18n;
      await expect(fx.stake.settleSpans([h.spanResults(alice.address, [R0, R0 + 20n])]))
        .to.be.revertedWithCustomError(fx.stake, "SpanTooRisky")
        .withArgs(balance, needed);
      // A shorter segment fits.
      await h.settleSpans([{ account: alice.address, boundaries: [R0, R0 + 3n] }]);
    });

    it("e: proofs, slots and lists: InvalidProof, MissingModelResult, InvalidModelSlot, DuplicateModelResult, LengthMismatch, ModelListMismatch", async function () {
      const fx = await loadFixture(fixtures.four);
      const { R0, alice } = fx;
      const h = fx.h.fork();
      const good = h.spanResults(alice.address, [R0, R0 + 5n]);
      const [start, end] = good.boundaries as ReturnType<typeof accountSpanBoundary>[];
      const withEnd = (b: object) => [{ ...good, boundaries: [start, { ...end!, ...b }] }];
      await refused(
        fx,
        withEnd({ cumulatives: end!.cumulatives.map((c, i) => (i === 0 ? c + 1n : c)) }),
        "InvalidProof",
      );
      const missing = accountSpanBoundary(R0 + 5n, h.trees.get(R0 + 5n)!, fx.aliceModels, [1, 1, 1, 0]);
      await refused(fx, withEnd(missing), "MissingModelResult");
      await refused(fx, withEnd({ slots: end!.slots.map((s, i) => (i === 0 ? 9 : s)) }), "InvalidModelSlot");
      await refused(
        fx,
        withEnd({ slots: end!.slots.map((s, i) => (i === 1 ? end!.slots[0]! : s)) }),
        "DuplicateModelResult",
      );
      await refused(fx, withEnd({ cumulatives: end!.cumulatives.slice(1) }), "LengthMismatch");
      await refused(fx, [{ ...good, models: [...good.models].reverse() }], "ModelListMismatch");
      await refused(fx, [{ ...good, models: good.models.slice(1) }], "ModelListMismatch");
    });

    it("e: a slot freed by unbinding is no model: InvalidModelSlot", async function () {
      const fx = await loadFixture(fixtures.one); // alice weights only her first model
      const { R0, alice, stake, aliceModels } = fx;
      const h = fx.h.fork();
      await stake.connect(alice).unbindModels(alice.address, [aliceModels[3]!]);
      const models = [...(await stake.modelsOf(alice.address))];
      expect(models[3]).to.equal(ethers.ZeroHash.slice(0, 34)); // freed: the list keeps a zero at its index
      const good = h.spanResults(alice.address, [R0, R0 + 5n]);
      const [start, end] = good.boundaries as ReturnType<typeof accountSpanBoundary>[];
      const freed = { ...end!, slots: [...end!.slots.slice(0, 1), 3], cumulatives: end!.cumulatives.slice(0, 2) };
      await refused(fx, [{ ...good, models, boundaries: [start, freed] }], "InvalidModelSlot");
    });

    for (const [side, sign] of [
      ["up", 1n],
      ["down", -1n],
    ] as const)
      it(`f: a published cumulative that moves more than rounds x cap (${side}): SpanResultOutOfBounds`, async function () {
        const fx = await loadFixture(fixtures.four);
        const { alice, stake, operator } = fx;
        const h = fx.h.fork();
        await h.open();
        const round = await stake.currentRound();
        // The operator publishes a tree whose cumulative for alice's first model jumps far beyond the round's cap.
        const previous = cumulativesOf(h.trees.get(round - 1n)!);
        const rates = withCumulatives(ratesFor(fx.aliceModels, round, 9), previous, CAP);
        rates[0]!.cumulative += sign * 100n * CAP;
        const tree = buildRoundTree(round, rates);
        const { resolvesAt } = await stake.roundInfo(round);
        await ethers.provider.send("evm_setNextBlockTimestamp", [Number(resolvesAt)]);
        await stake.connect(operator).publishRound(round, tree.root, "");
        await h.settle(alice.address, round - 1n);
        const args = h.spanResults(alice.address, [round - 1n, round - 1n]); // its first boundary: round - 1's
        const bad = accountSpanBoundary(round, tree, fx.aliceModels);
        await expect(stake.settleSpans([{ ...args, boundaries: [args.boundaries[0]!, bad] }]))
          .to.be.revertedWithCustomError(stake, "SpanResultOutOfBounds")
          .withArgs(0);
      });

    it("shape: one boundary (SpanTooShort), a start after the next round or boundaries not increasing (RoundOutOfOrder), an account that never staked (AccountNotStaking), too many boundaries (BatchTooLarge)", async function () {
      const fx = await loadFixture(fixtures.four);
      const { R0, alice, outsider, stake } = fx;
      const h = fx.h.fork();
      const good = h.spanResults(alice.address, [R0, R0 + 2n, R0 + 4n]);
      await refused(fx, [{ ...good, boundaries: good.boundaries.slice(0, 1) }], "SpanTooShort");
      await refused(fx, [{ ...good, boundaries: good.boundaries.slice(1) }], "RoundOutOfOrder");
      const b = good.boundaries;
      await refused(fx, [{ ...good, boundaries: [b[0], b[2], b[1]] }], "RoundOutOfOrder");
      await expect(
        stake.settleSpans([{ account: outsider.address, models: [], boundaries: [] }]),
      ).to.be.revertedWithCustomError(stake, "AccountNotStaking");
      const many = Array.from({ length: 129 }, () => good.boundaries[0]!);
      await expect(
        stake.settleSpans([
          { ...good, boundaries: many },
          { ...good, boundaries: many },
        ]),
      )
        .to.be.revertedWithCustomError(stake, "BatchTooLarge")
        .withArgs(258, 256);
    });
  });

  describe("a segment that nets to zero", function () {
    it("pays nothing and burns nothing: balance, pool and supply unchanged", async function () {
      const fx = await loadFixture(fixtures.four);
      const { alice, stake, nmr, aliceModels, models } = fx;
      const h = fx.h.fork();
      const round = await h.open();
      // alice's models score zero in the new round: its cumulatives equal the round before's.
      await h.publish(
        round,
        [...aliceModels, ...models.bob].map((modelId) => ({ modelId, rate: 0n })),
      );
      await h.settle(alice.address, round - 1n);
      const before = await stake.accountOf(alice.address);
      const pool = (await stake.totals()).rewardsPool;
      const supply = await nmr.totalSupply();
      const { receipt } = await h.settleSpans([{ account: alice.address, boundaries: [round - 1n, round] }]);
      const settled = receipt.logs.map((l) => stake.interface.parseLog(l)).find((e) => e?.name === "SpanSettled");
      expect(settled?.args.delta).to.equal(0n);
      expect(settled?.args.paid).to.equal(0n);
      expect(settled?.args.burned).to.equal(0n);
      const after = await stake.accountOf(alice.address);
      expect(after.balance).to.equal(before.balance);
      expect(after.nextSettleRound).to.equal(round + 1n);
      expect((await stake.totals()).rewardsPool).to.equal(pool);
      expect(await nmr.totalSupply()).to.equal(supply);
    });
  });

  describe("idempotence", function () {
    it("an entry overtaken by settle is a no-op, alone or in a batch with an entry that settles", async function () {
      const fx = await loadFixture(fixtures.four);
      const { R0, alice, bob } = fx;
      const h = fx.h.fork();
      const args = h.spanResults(alice.address, [R0, R0 + 6n]);
      await h.settle(alice.address, R0 + 2n); // the front-run
      const before = await fx.stake.accountOf(alice.address);
      const receipt = await (await fx.stake.connect(fx.keeper).settleSpans([args])).wait();
      expect(receipt!.logs).to.have.length(0);
      expect(await fx.stake.accountOf(alice.address)).to.deep.equal(before);
      // In a batch: alice's stale entry is skipped, bob's settles.
      const supply = await fx.nmr.totalSupply();
      const bobArgs = h.spanResults(bob.address, [R0, R0 + 6n]);
      const tx = await fx.stake.connect(fx.keeper).settleSpans([args, bobArgs]);
      await expect(tx).to.emit(fx.stake, "SpanSettled");
      expect(await fx.stake.accountOf(alice.address)).to.deep.equal(before);
      expect((await fx.stake.accountOf(bob.address)).nextSettleRound).to.equal(R0 + 7n);
      expect(await fx.nmr.totalSupply()).to.be.at.most(supply);
      // Replayed whole: nothing more.
      const again = await (await fx.stake.connect(fx.keeper).settleSpans([args, bobArgs])).wait();
      expect(again!.logs).to.have.length(0);
    });
  });

  describe("stake history lookup", function () {
    it("finds the checkpoint in force past the newest few (binary search over older ones)", async function () {
      const fx = await withStakers(await deploySystem({ params: PARAMS }));
      const { alice, operator, models } = fx;
      const h = await SettlementHarness.attach(fx, [alice.address]);
      await h.fund(operator, LARGE_POOL);
      await h.allocate(alice, [2500, 2500, 2500, 2500]);
      // Deposits before rounds 0, 1, 2 (checkpoints at R0, R0+1, R0+2), none for rounds 3..6, then one before each of
      // rounds 7..11: five newer checkpoints than round 6.
      const rounds = await runRounds(
        h,
        () => models.alice,
        12,
        11,
        async (k) => {
          if (k < 3 || (k >= 7 && k <= 11)) await h.deposit(alice, NMR(1000));
        },
      );
      const R0 = rounds[0]!;
      await h.settle(alice.address, rounds[2]);
      await h.settleSpans([{ account: alice.address, boundaries: [rounds[2]!, rounds[6]!] }]);
      // A span that reaches a later checkpoint is refused, found the same way.
      await expect(
        fx.stake.settleSpans([h.spanResults(alice.address, [rounds[6]!, rounds[8]!])]),
      ).to.be.revertedWithCustomError(fx.stake, "SpanStakeChanged");
      expect(R0).to.be.above(0n);
    });
  });

  describe("gas on a large tree", function () {
    const LARGE = 14_300;
    it(`20 rounds of a 4-model account in one settleSpans on a ${LARGE.toLocaleString("en-US")}-model tree: <= 200k`, async function () {
      this.timeout(600_000);
      const fx = await withStakers(await deploySystem({ params: PARAMS }));
      const { alice, operator, models } = fx;
      const h = await SettlementHarness.attach(fx, [alice.address]);
      await h.fund(operator, LARGE_POOL);
      await h.deposit(alice, NMR(1000));
      await h.allocate(alice, [2500, 2500, 2500, 2500]);
      const crowd = modelIds("tournament", LARGE - 4);
      // The boundary rounds' trees hold the whole tournament in the operator's by-account layout (each account's
      // [rates][cumulatives] adjacent; the crowd in accounts of 4); the rounds between hold a few models.
      let first = 0n;
      const rounds = await runRounds(
        h,
        () => models.alice,
        21,
        13,
        undefined,
        async (round) => {
          if (first === 0n) first = round;
          const k = Number(round - first);
          const mine = ratesFor(models.alice, round, 13);
          if (k !== 0 && k !== 10 && k !== 20) return h.publish(round, mine);
          const all = [
            ...mine.slice(0, 4),
            ...crowd.map((modelId, i) => ({ modelId, rate: BigInt(i % 7) * 10n ** 15n })),
          ];
          return h.publish(round, all, "", { sortLeaves: false, groups: Array<number>(LARGE / 4).fill(4) });
        },
      );
      const R0 = rounds[0]!;
      expect(h.trees.get(R0)!.length).to.equal(2 * LARGE);
      await h.settle(alice.address, R0);
      const snapshot = await takeSnapshot();
      const one = await h
        .fork()
        .settleSpans([{ account: alice.address, boundaries: [R0, rounds[20]!], onlyWeighted: true }]);
      await snapshot.restore();
      const two = await h
        .fork()
        .settleSpans([{ account: alice.address, boundaries: [R0, rounds[10]!, rounds[20]!], onlyWeighted: true }]);
      const proof = h.spanResults(alice.address, [R0, rounds[20]!], true).boundaries[1]!;
      console.log(
        `      settleSpans, 4 models, ${LARGE.toLocaleString("en-US")}-model trees (${(proof.proof as string[]).length} ` +
          `proof nodes per boundary): 20 rounds in 1 segment ${one.receipt.gasUsed} gas, ` +
          `in 2 segments ${two.receipt.gasUsed} gas`,
      );
      // solidity-coverage's instrumented build costs more gas: the bound holds for the real build.
      if (!(hre as unknown as { __SOLIDITY_COVERAGE_RUNNING?: boolean }).__SOLIDITY_COVERAGE_RUNNING)
        expect(one.receipt.gasUsed).to.be.at.most(200_000n);
    });
  });

  it("DEFAULT_PARAMS stay the unit suites' (R = 1): a span there is always too risky", function () {
    expect(DEFAULT_PARAMS.sliceDivisor).to.equal(1n);
  });
});
