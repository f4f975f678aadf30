/**
 * registerModels: the model registry (slots, owners, limits, operator role).
 *
 * Conventions (test/helpers/unit.ts): every rejection is checked with its exact custom error (and arguments) AND an
 * unchanged snapshot of all observable state (`expectRejected`); rounds that must be settled are settled as rounds that
 * expired unpublished (empty results, counted as zero).
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { deployFixture, modelId, modelIds } from "../helpers/fixtures";
import { expectRejected } from "../helpers/unit";

describe("PortfolioStake", function () {
  describe("registerModels", function () {
    it("binds models to slots in order: ModelRegistered, modelsOf, modelOwner, modelCount", async function () {
      const { stake, operator, outsider } = await loadFixture(deployFixture);
      const ids = modelIds("dave", 3);
      const tx = stake.connect(operator).registerModels(outsider.address, ids);
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
      await expect(stake.connect(operator).registerModels(alice.address, ids))
        .to.emit(stake, "ModelRegistered")
        .withArgs(alice.address, ids[0], 4)
        .and.to.emit(stake, "ModelRegistered")
        .withArgs(alice.address, ids[1], 5);
      expect(await stake.modelsOf(alice.address)).to.deep.equal([...models.alice, ...ids]);
      expect((await stake.accountOf(alice.address)).modelCount).to.equal(6n);
      expect(await stake.modelOwner(ids[1])).to.deep.equal([alice.address, 5n]);
    });

    it("accepts exactly 32 models in one call, and up to 32 by appending", async function () {
      const { stake, operator, outsider, alice } = await loadFixture(deployFixture);
      await stake.connect(operator).registerModels(outsider.address, modelIds("dave", 32));
      expect((await stake.accountOf(outsider.address)).modelCount).to.equal(32n);
      await stake.connect(operator).registerModels(alice.address, modelIds("alice-more", 28));
      expect((await stake.accountOf(alice.address)).modelCount).to.equal(32n);
      expect((await stake.modelsOf(alice.address)).length).to.equal(32);
    });

    it("an unknown model has no owner", async function () {
      const { stake } = await loadFixture(deployFixture);
      expect(await stake.modelOwner(modelId("nobody"))).to.deep.equal([ethers.ZeroAddress, 0n]);
    });

    it("rejects 33 models in one call (TooManyModels(33, 32))", async function () {
      const fx = await loadFixture(deployFixture);
      const ids = modelIds("dave", 33);
      await expectRejected(
        fx,
        () => fx.stake.connect(fx.operator).registerModels(fx.outsider.address, ids),
        "TooManyModels",
        [33, 32],
      );
      expect(await fx.stake.modelOwner(ids[0])).to.deep.equal([ethers.ZeroAddress, 0n]);
    });

    it("rejects appending beyond 32 (TooManyModels(33, 32))", async function () {
      const fx = await loadFixture(deployFixture);
      await expectRejected(
        fx,
        () => fx.stake.connect(fx.operator).registerModels(fx.alice.address, modelIds("alice-more", 29)),
        "TooManyModels",
        [33, 32],
      );
      await fx.stake.connect(fx.operator).registerModels(fx.alice.address, modelIds("alice-more", 28));
      await expectRejected(
        fx,
        () => fx.stake.connect(fx.operator).registerModels(fx.alice.address, [modelId("one-too-many")]),
        "TooManyModels",
        [33, 32],
      );
    });

    it("rejects a model already registered to the same or another account (ModelAlreadyRegistered(id, owner))", async function () {
      const fx = await loadFixture(deployFixture);
      const { stake, operator, alice, bob, models } = fx;
      await expectRejected(
        fx,
        () => stake.connect(operator).registerModels(alice.address, [models.alice[2]]),
        "ModelAlreadyRegistered",
        [models.alice[2], alice.address],
      );
      await expectRejected(
        fx,
        () => stake.connect(operator).registerModels(bob.address, [models.alice[0]]),
        "ModelAlreadyRegistered",
        [models.alice[0], alice.address],
      );
    });

    it("rejects a model repeated within one call, registering none of the call's models", async function () {
      const fx = await loadFixture(deployFixture);
      const [a, b] = modelIds("dave", 2);
      await expectRejected(
        fx,
        () => fx.stake.connect(fx.operator).registerModels(fx.outsider.address, [a, b, a]),
        "ModelAlreadyRegistered",
        [a, fx.outsider.address],
      );
      expect(await fx.stake.modelOwner(a)).to.deep.equal([ethers.ZeroAddress, 0n]);
      expect(await fx.stake.modelOwner(b)).to.deep.equal([ethers.ZeroAddress, 0n]);
    });

    it("rejects the zero model ID, anywhere in the list (InvalidModelId)", async function () {
      const fx = await loadFixture(deployFixture);
      const zero = "0x" + "00".repeat(16);
      const [a] = modelIds("dave", 1);
      await expectRejected(
        fx,
        () => fx.stake.connect(fx.operator).registerModels(fx.outsider.address, [zero]),
        "InvalidModelId",
        [],
      );
      await expectRejected(
        fx,
        () => fx.stake.connect(fx.operator).registerModels(fx.outsider.address, [a, zero]),
        "InvalidModelId",
        [],
      );
      expect(await fx.stake.modelOwner(a)).to.deep.equal([ethers.ZeroAddress, 0n]);
    });

    it("rejects an empty list (InvalidModelId)", async function () {
      const fx = await loadFixture(deployFixture);
      await expectRejected(
        fx,
        () => fx.stake.connect(fx.operator).registerModels(fx.outsider.address, []),
        "InvalidModelId",
        [],
      );
    });

    it("rejects the zero account (ZeroAddress)", async function () {
      const fx = await loadFixture(deployFixture);
      const ids = modelIds("nobody", 1);
      await expectRejected(
        fx,
        () => fx.stake.connect(fx.operator).registerModels(ethers.ZeroAddress, ids),
        "ZeroAddress",
        [],
        {
          accounts: [ethers.ZeroAddress],
        },
      );
      expect(await fx.stake.modelOwner(ids[0])).to.deep.equal([ethers.ZeroAddress, 0n]);
    });

    it("rejects callers without OPERATOR_ROLE, the admin included (AccessControlUnauthorizedAccount)", async function () {
      const fx = await loadFixture(deployFixture);
      const role = await fx.stake.OPERATOR_ROLE();
      for (const caller of [fx.admin, fx.pauser, fx.alice, fx.outsider]) {
        await expectRejected(
          fx,
          () => fx.stake.connect(caller).registerModels(caller.address, modelIds("self", 1)),
          "AccessControlUnauthorizedAccount",
          [caller.address, role],
        );
      }
    });

    it("works while paused", async function () {
      const { stake, operator, pauser, outsider } = await loadFixture(deployFixture);
      await stake.connect(pauser).pause();
      await expect(stake.connect(operator).registerModels(outsider.address, modelIds("dave", 1))).to.emit(
        stake,
        "ModelRegistered",
      );
    });
  });
});
