/**
 * The weight vector set directly: setAllocation and setAllocationFor (canonical, reordered, subset, by the staker or
 * its manager), the bad-vector matrix on every path (setAllocation, setAllocationFor, setAllocationBySig), and accounts
 * with 16 to 32 models (one or two packed words).
 *
 * Conventions (test/helpers/unit.ts): every rejection is checked with its exact custom error (and arguments) AND an
 * unchanged snapshot of all observable state (`expectRejected`); rounds that must be settled are settled as rounds that
 * expired unpublished (empty results, counted as zero).
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { NMR, bindModels, deployFixture, evenBps, modelId, modelIds, openRound, signerAt } from "../helpers/fixtures";
import { signAllocation } from "../helpers/eip712";
import {
  type Fixture,
  R0,
  BEFORE,
  FAR_FUTURE,
  expectRejected,
  expectTotals,
  distinctBps,
  toRegistryOrder,
  weightsAt,
  modelStakes,
  registerAccount,
} from "../helpers/unit";

describe("PortfolioStake", function () {
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
      await expectTotals(stake, nmr, {});
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

    it("works while paused: a pause never stops a reallocation (DESIGN.md, exits nothing can block)", async function () {
      const { stake, alice, pauser, models } = await loadFixture(deployFixture);
      await stake.connect(pauser).pause();
      const bps = [4000, 3000, 2000, 1000];
      await expect(stake.connect(alice).setAllocation(models.alice, bps))
        .to.emit(stake, "AllocationSet")
        .withArgs(alice.address, R0, alice.address, bps);
      const [, stored] = await stake.allocationAt(alice.address, R0);
      expect(stored).to.deep.equal(bps.map(BigInt));
    });
  });

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

    it("works for the staker and its manager while paused", async function () {
      const { stake, alice, manager, pauser, models } = await loadFixture(deployFixture);
      await stake.connect(alice).setManager(manager.address);
      await stake.connect(pauser).pause();
      for (const [caller, bps] of [
        [alice, [1000, 2000, 3000, 4000]],
        [manager, [2500, 2500, 2500, 2500]],
      ] as const) {
        await expect(stake.connect(caller).setAllocationFor(alice.address, models.alice, [...bps]))
          .to.emit(stake, "AllocationSet")
          .withArgs(alice.address, R0, caller.address, [...bps]);
        const [, stored] = await stake.allocationAt(alice.address, R0);
        expect(stored).to.deep.equal(bps.map(BigInt));
      }
    });
  });

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

  describe("accounts with 16 to 64 models (one to four packed words)", function () {
    for (const [offset, count] of [16, 17, 24, 31, 32, 33, 48, 50, 64].entries()) {
      it(`${count} models: canonical, reordered and subset vectors round-trip through every slot`, async function () {
        const fx = await loadFixture(deployFixture);
        const { stake, operator } = fx;
        const signer = await signerAt(10 + offset);
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
        await expect(stake.connect(signer).setAllocation([ids[count - 1]!], [10_000]))
          .to.emit(stake, "AllocationSet")
          .withArgs(signer.address, r + 1n, signer.address, toRegistryOrder(ids, [ids[count - 1]!], [10_000]));
        expect(await weightsAt(stake, signer.address, r + 1n)).to.deep.equal(
          toRegistryOrder(ids, [ids[count - 1]!], [10_000]),
        );
        expect(await weightsAt(stake, signer.address, r)).to.deep.equal(reversedBps.map(BigInt));
      });
    }

    it("a new vector clears the second word: no stale weights survive on slots 16..31", async function () {
      const fx = await loadFixture(deployFixture);
      const { stake, operator } = fx;
      const signer = await signerAt(20);
      const ids = await registerAccount(fx, signer, "stale", 20);
      const word1Only = [ids[16]!, ids[19]!];
      await stake.connect(signer).setAllocation(word1Only, [4000, 6000]);
      // Same round, canonical path: everything on slot 0.
      const allOnFirst = ids.map((_, i) => (i === 0 ? 10_000 : 0));
      await stake.connect(signer).setAllocation(ids, allOnFirst);
      expect(await weightsAt(stake, signer.address, R0)).to.deep.equal(allOnFirst.map(BigInt));
      // Next round, subset path after a word-1 vector.
      const r = await openRound(stake, operator);
      await stake.connect(signer).setAllocation(word1Only, [4000, 6000]);
      const r2 = await openRound(stake, operator);
      await stake.connect(signer).setAllocation([ids[1]!], [10_000]);
      expect(await weightsAt(stake, signer.address, r + 1n)).to.deep.equal(
        toRegistryOrder(ids, word1Only, [4000, 6000]),
      );
      expect(await weightsAt(stake, signer.address, r2 + 1n)).to.deep.equal(toRegistryOrder(ids, [ids[1]!], [10_000]));
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
      const signer = await signerAt(30);
      await registerAccount(fx, signer, "full", 64);
      const extra = modelId("sixty-fifth");
      await fx.stake.connect(fx.operator).proposeModels(signer.address, [extra]);
      await expectRejected(fx, () => fx.stake.connect(signer).acceptModels([extra]), "TooManyModels", [65, 64], {
        accounts: [signer.address],
      });
    });

    it("rejects a 65-entry vector on a 64-model account (TooManyModels(65, 64))", async function () {
      const fx = await loadFixture(deployFixture);
      const signer = await signerAt(30);
      const ids = await registerAccount(fx, signer, "full", 64);
      await fx.stake.connect(signer).setAllocation(ids, distinctBps(64));
      await expectRejected(
        fx,
        () => fx.stake.connect(signer).setAllocation([...ids, ids[0]!], evenBps(65)),
        "TooManyModels",
        [65, 64],
        { accounts: [signer.address] },
      );
      expect(await weightsAt(fx.stake, signer.address, R0)).to.deep.equal(distinctBps(64).map(BigInt));
    });

    it("a weight of 10,000 fits every slot, the last one of each word included (14-bit packing)", async function () {
      const fx = await loadFixture(deployFixture);
      const signer = await signerAt(31);
      const ids = await registerAccount(fx, signer, "edge", 64);
      for (const slot of [0, 15, 16, 31, 32, 47, 48, 63]) {
        const bps = ids.map((_, i) => (i === slot ? 10_000 : 0));
        await fx.stake.connect(signer).setAllocation(ids, bps);
        expect(await weightsAt(fx.stake, signer.address, R0)).to.deep.equal(bps.map(BigInt));
      }
    });
  });
});
