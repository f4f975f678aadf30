/**
 * The model registry: proposeModels + acceptModels (slots, owners, limits, operator role). The consent rules
 * themselves (cancel, decline, unbind, freed slots, acceptModelsBySig) are in registryConsent.test.ts.
 *
 * Conventions (test/helpers/unit.ts): every rejection is checked with its exact custom error (and arguments) AND an
 * unchanged snapshot of all observable state (`expectRejected`); rounds that must be settled are settled as rounds that
 * expired unpublished (empty results, counted as zero).
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { bindModels, deployFixture, modelId, modelIds } from "../helpers/fixtures";
import { expectRejected } from "../helpers/unit";

describe("PortfolioStake", function () {
  // (was "registerModels": binding now needs the operator's proposal and the staker's acceptance)
  describe("registry: proposeModels + acceptModels", function () {
    it("binds accepted models to slots in order: ModelRegistered, modelsOf, modelOwner, modelCount", async function () {
      const { stake, operator, outsider } = await loadFixture(deployFixture);
      const ids = modelIds("dave", 3);
      await stake.connect(operator).proposeModels(outsider.address, ids);
      const tx = stake.connect(outsider).acceptModels(ids);
      for (const [slot, id] of ids.entries()) {
        await expect(tx).to.emit(stake, "ModelRegistered").withArgs(outsider.address, id, slot);
      }
      expect(await stake.modelsOf(outsider.address)).to.deep.equal(ids);
      for (const [slot, id] of ids.entries()) {
        expect(await stake.modelOwner(id)).to.deep.equal([outsider.address, BigInt(slot)]);
      }
      expect((await stake.accountOf(outsider.address)).modelCount).to.equal(3n);
    });

    it("appends to an existing list: new slots follow the old ones", async function () {
      const { stake, operator, alice, models } = await loadFixture(deployFixture);
      const ids = modelIds("alice-more", 2);
      await expect(bindModels(stake, operator, alice, ids))
        .to.emit(stake, "ModelRegistered")
        .withArgs(alice.address, ids[0], 4)
        .and.to.emit(stake, "ModelRegistered")
        .withArgs(alice.address, ids[1], 5);
      expect(await stake.modelsOf(alice.address)).to.deep.equal([...models.alice, ...ids]);
      expect((await stake.accountOf(alice.address)).modelCount).to.equal(6n);
      expect(await stake.modelOwner(ids[1])).to.deep.equal([alice.address, 5n]);
    });

    it("accepts exactly 64 models in one call, and up to 64 by appending", async function () {
      const { stake, operator, outsider, alice } = await loadFixture(deployFixture);
      await bindModels(stake, operator, outsider, modelIds("dave", 64));
      expect((await stake.accountOf(outsider.address)).modelCount).to.equal(64n);
      await bindModels(stake, operator, alice, modelIds("alice-more", 60));
      expect((await stake.accountOf(alice.address)).modelCount).to.equal(64n);
      expect((await stake.modelsOf(alice.address)).length).to.equal(64);
    });

    it("an unknown model has no owner", async function () {
      const { stake } = await loadFixture(deployFixture);
      expect(await stake.modelOwner(modelId("nobody"))).to.deep.equal([ethers.ZeroAddress, 0n]);
    });

    it("rejects accepting 65 models in one call (TooManyModels(65, 64))", async function () {
      const fx = await loadFixture(deployFixture);
      const ids = modelIds("dave", 65);
      await fx.stake.connect(fx.operator).proposeModels(fx.outsider.address, ids);
      await expectRejected(fx, () => fx.stake.connect(fx.outsider).acceptModels(ids), "TooManyModels", [65, 64]);
      expect(await fx.stake.modelOwner(ids[0])).to.deep.equal([ethers.ZeroAddress, 0n]);
    });

    it("rejects accepting beyond 64 (TooManyModels(65, 64))", async function () {
      const fx = await loadFixture(deployFixture);
      const more = modelIds("alice-more", 61);
      await fx.stake.connect(fx.operator).proposeModels(fx.alice.address, more);
      await expectRejected(fx, () => fx.stake.connect(fx.alice).acceptModels(more), "TooManyModels", [65, 64]);
      await fx.stake.connect(fx.alice).acceptModels(more.slice(0, 60));
      await expectRejected(fx, () => fx.stake.connect(fx.alice).acceptModels([more[60]]), "TooManyModels", [65, 64]);
    });

    it("rejects proposing a model bound to the same or another account (ModelAlreadyRegistered(id, owner))", async function () {
      const fx = await loadFixture(deployFixture);
      const { stake, operator, alice, bob, models } = fx;
      await expectRejected(
        fx,
        () => stake.connect(operator).proposeModels(alice.address, [models.alice[2]]),
        "ModelAlreadyRegistered",
        [models.alice[2], alice.address],
      );
      await expectRejected(
        fx,
        () => stake.connect(operator).proposeModels(bob.address, [models.alice[0]]),
        "ModelAlreadyRegistered",
        [models.alice[0], alice.address],
      );
    });

    it("rejects a model repeated within one acceptance, binding none of the call's models", async function () {
      const fx = await loadFixture(deployFixture);
      const [a, b] = modelIds("dave", 2);
      await fx.stake.connect(fx.operator).proposeModels(fx.outsider.address, [a, b, a]);
      await expectRejected(fx, () => fx.stake.connect(fx.outsider).acceptModels([a, b, a]), "ModelNotProposed", [
        a,
        fx.outsider.address,
      ]);
      expect(await fx.stake.modelOwner(a)).to.deep.equal([ethers.ZeroAddress, 0n]);
      expect(await fx.stake.modelOwner(b)).to.deep.equal([ethers.ZeroAddress, 0n]);
    });

    it("rejects the zero model ID, anywhere in the list (InvalidModelId)", async function () {
      const fx = await loadFixture(deployFixture);
      const zero = "0x" + "00".repeat(16);
      const [a] = modelIds("dave", 1);
      await expectRejected(
        fx,
        () => fx.stake.connect(fx.operator).proposeModels(fx.outsider.address, [zero]),
        "InvalidModelId",
        [],
      );
      await expectRejected(
        fx,
        () => fx.stake.connect(fx.operator).proposeModels(fx.outsider.address, [a, zero]),
        "InvalidModelId",
        [],
      );
      expect(await fx.stake.modelProposal(a)).to.equal(ethers.ZeroAddress);
    });

    it("rejects an empty list (InvalidModelId), to propose and to accept", async function () {
      const fx = await loadFixture(deployFixture);
      await expectRejected(
        fx,
        () => fx.stake.connect(fx.operator).proposeModels(fx.outsider.address, []),
        "InvalidModelId",
        [],
      );
      await expectRejected(fx, () => fx.stake.connect(fx.outsider).acceptModels([]), "InvalidModelId", []);
    });

    it("rejects the zero account (ZeroAddress)", async function () {
      const fx = await loadFixture(deployFixture);
      const ids = modelIds("nobody", 1);
      await expectRejected(
        fx,
        () => fx.stake.connect(fx.operator).proposeModels(ethers.ZeroAddress, ids),
        "ZeroAddress",
        [],
        {
          accounts: [ethers.ZeroAddress],
        },
      );
      expect(await fx.stake.modelProposal(ids[0])).to.equal(ethers.ZeroAddress);
    });

    it("rejects proposals by callers without OPERATOR_ROLE, the admin included (AccessControlUnauthorizedAccount)", async function () {
      const fx = await loadFixture(deployFixture);
      const role = await fx.stake.OPERATOR_ROLE();
      for (const caller of [fx.admin, fx.pauser, fx.alice, fx.outsider]) {
        await expectRejected(
          fx,
          () => fx.stake.connect(caller).proposeModels(caller.address, modelIds("self", 1)),
          "AccessControlUnauthorizedAccount",
          [caller.address, role],
        );
      }
    });

    it("works while paused", async function () {
      const { stake, operator, pauser, outsider } = await loadFixture(deployFixture);
      await stake.connect(pauser).pause();
      await expect(bindModels(stake, operator, outsider, modelIds("dave", 1))).to.emit(stake, "ModelRegistered");
    });
  });
});
