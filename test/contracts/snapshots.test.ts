/**
 * The round-snapshot rule: a change during round r applies from r + 1 only; long histories, the 64-vector ring
 * (pruning, SettlementBehind).
 *
 * Conventions (test/helpers/unit.ts): every rejection is checked with its exact custom error (and arguments) AND an
 * unchanged snapshot of all observable state (`expectRejected`); rounds that must be settled are settled as rounds that
 * expired unpublished (empty results, counted as zero).
 */
import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { Prng } from "@portfolio-stake/core/prng";
import { NMR, deployFixture, openRound } from "../helpers/fixtures";
import { R0, BEFORE, expectRejected, settleExpired, toRegistryOrder, weightsAt, modelStakes } from "../helpers/unit";

describe("PortfolioStake", function () {
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
      const prng = new Prng(20240601);
      const rand = (n: number) => prng.int(0, n - 1);
      const randomVector = () => {
        const k = 1 + rand(4);
        const order = [0, 1, 2, 3];
        for (let i = order.length - 1; i > 0; i--) {
          const j = rand(i + 1);
          [order[i], order[j]] = [order[j]!, order[i]!];
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
        return { ids: order.map((i) => ids[i]!), bps };
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

    // (from the former PortfolioStake.staking.test.ts: the only test of gaps between vectors in a wrapped ring, for an
    // account that stakes and is kept settled)
    it("allocationAt is right at every round over a long history (67 vectors; the 256-vector ring wrapping is tested above)", async function () {
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
  });
});
