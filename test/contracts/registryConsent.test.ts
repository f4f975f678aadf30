/**
 * The model registry with consent (review finding "The registry is permanent and unconsented"): the operator
 * proposes, the staker accepts (directly or by EIP-712 signature) and only accepted models are bound; proposals can be
 * replaced, withdrawn or declined and never fill an account; a model without weight in any unsettled round or the
 * current/pending vector can be unbound (by the operator or the staker), freeing its index for the next accepted
 * model. Up to 64 models per account work end to end.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { accountRoundResult, buildRoundTree, roundDelta, withCumulatives } from "@portfolio-stake/core/results";
import {
  DEFAULT_PARAMS,
  FIRST_ROUND,
  NMR,
  RATE,
  bindModels,
  deployFixture,
  evenBps,
  modelId,
  modelIds,
  openRound,
  signerAt,
} from "../helpers/fixtures";
import { distinctBps, registerAccount, settleExpired } from "../helpers/unit";
import { ACCEPT_MODELS_TYPES, stakeDomain } from "@portfolio-stake/core/eip712";

type Fixture = Awaited<ReturnType<typeof deployFixture>>;
const R0 = FIRST_ROUND;
const ZERO_ID = "0x" + "00".repeat(16);
const FAR = 2n ** 40n;

const topicOf = (address: string) => ethers.zeroPadValue(address.toLowerCase(), 32);

async function signAcceptance(
  fx: Fixture,
  signer: HardhatEthersSigner,
  account: string,
  ids: string[],
  nonce: bigint,
  deadline = FAR,
) {
  const { chainId } = await ethers.provider.getNetwork();
  return signer.signTypedData(stakeDomain(chainId, await fx.stake.getAddress()), ACCEPT_MODELS_TYPES, {
    account,
    modelIds: ids,
    nonce,
    deadline,
  });
}

describe("Registry with consent", function () {
  describe("proposals bind nothing; acceptance does", function () {
    it("a proposal binds nothing: no owner, no slot, not allocatable; the account's acceptance binds it", async function () {
      const { stake, operator, alice, models } = await loadFixture(deployFixture);
      const id = modelId("alice-fifth");
      const tx = await stake.connect(operator).proposeModels(alice.address, [id]);
      await expect(tx).to.emit(stake, "ModelProposed").withArgs(alice.address, id);
      const receipt = (await tx.wait())!;
      expect(receipt.logs[0]!.topics[1]).to.equal(topicOf(alice.address)); // the staker is indexed
      expect(await stake.modelProposal(id)).to.equal(alice.address);
      expect(await stake.modelOwner(id)).to.deep.equal([ethers.ZeroAddress, 0n]);
      expect(await stake.modelsOf(alice.address)).to.deep.equal(models.alice);
      await expect(stake.connect(alice).setAllocation([id], [10_000]))
        .to.be.revertedWithCustomError(stake, "UnknownModel")
        .withArgs(id);

      await expect(stake.connect(alice).acceptModels([id]))
        .to.emit(stake, "ModelRegistered")
        .withArgs(alice.address, id, 4);
      expect(await stake.modelProposal(id)).to.equal(ethers.ZeroAddress);
      expect(await stake.modelOwner(id)).to.deep.equal([alice.address, 4n]);
      expect(await stake.modelsOf(alice.address)).to.deep.equal([...models.alice, id]);
      await expect(stake.connect(alice).setAllocation([id], [10_000])).to.emit(stake, "AllocationSet");
    });

    it("only the account a model is proposed to can accept it (ModelNotProposed)", async function () {
      const { stake, operator, alice, bob, outsider } = await loadFixture(deployFixture);
      const id = modelId("alice-fifth");
      await stake.connect(operator).proposeModels(alice.address, [id]);
      for (const other of [bob, outsider, operator]) {
        await expect(stake.connect(other).acceptModels([id]))
          .to.be.revertedWithCustomError(stake, "ModelNotProposed")
          .withArgs(id, other.address);
      }
      await expect(stake.connect(alice).acceptModels([modelId("never-proposed")]))
        .to.be.revertedWithCustomError(stake, "ModelNotProposed")
        .withArgs(modelId("never-proposed"), alice.address);
    });

    it("junk proposals cannot fill an account: 200 proposed, none bound; the account still accepts 60 real models (64 in all)", async function () {
      const { stake, operator, alice, models } = await loadFixture(deployFixture);
      const junk = modelIds("junk", 200);
      for (let i = 0; i < junk.length; i += 100) {
        await stake.connect(operator).proposeModels(alice.address, junk.slice(i, i + 100));
      }
      expect(await stake.modelsOf(alice.address)).to.deep.equal(models.alice);
      expect((await stake.accountOf(alice.address)).modelCount).to.equal(4n);
      const real = modelIds("alice-real", 60);
      await bindModels(stake, operator, alice, real);
      expect((await stake.accountOf(alice.address)).modelCount).to.equal(64n);
      expect(await stake.modelsOf(alice.address)).to.deep.equal([...models.alice, ...real]);
    });

    it("a proposal is replaced by a proposal of the same model to another account (ModelProposalCancelled + ModelProposed)", async function () {
      const { stake, operator, alice, bob } = await loadFixture(deployFixture);
      const id = modelId("contested");
      await stake.connect(operator).proposeModels(alice.address, [id]);
      await expect(stake.connect(operator).proposeModels(bob.address, [id]))
        .to.emit(stake, "ModelProposalCancelled")
        .withArgs(alice.address, id)
        .and.to.emit(stake, "ModelProposed")
        .withArgs(bob.address, id);
      await expect(stake.connect(alice).acceptModels([id])).to.be.revertedWithCustomError(stake, "ModelNotProposed");
      await expect(stake.connect(bob).acceptModels([id]))
        .to.emit(stake, "ModelRegistered")
        .withArgs(bob.address, id, 4);
      // Once bound it cannot be proposed again.
      await expect(stake.connect(operator).proposeModels(alice.address, [id]))
        .to.be.revertedWithCustomError(stake, "ModelAlreadyRegistered")
        .withArgs(id, bob.address);
      // Re-proposing to the same account is a no-op beyond its event.
      const again = modelId("again");
      await stake.connect(operator).proposeModels(alice.address, [again]);
      await expect(stake.connect(operator).proposeModels(alice.address, [again]))
        .to.emit(stake, "ModelProposed")
        .and.not.to.emit(stake, "ModelProposalCancelled");
    });

    it("proposals are withdrawn by the operator or declined by the account; nobody else may cancel them", async function () {
      const { stake, operator, alice, bob, outsider } = await loadFixture(deployFixture);
      const [a, b] = modelIds("pending", 2);
      await stake.connect(operator).proposeModels(alice.address, [a, b]);
      await expect(stake.connect(outsider).cancelModelProposals([a]))
        .to.be.revertedWithCustomError(stake, "NotOperatorOrAccount")
        .withArgs(outsider.address, alice.address);
      await expect(stake.connect(bob).cancelModelProposals([a]))
        .to.be.revertedWithCustomError(stake, "NotOperatorOrAccount")
        .withArgs(bob.address, alice.address);
      await expect(stake.connect(operator).cancelModelProposals([a]))
        .to.emit(stake, "ModelProposalCancelled")
        .withArgs(alice.address, a);
      await expect(stake.connect(alice).cancelModelProposals([b]))
        .to.emit(stake, "ModelProposalCancelled")
        .withArgs(alice.address, b);
      for (const id of [a, b]) expect(await stake.modelProposal(id)).to.equal(ethers.ZeroAddress);
      await expect(stake.connect(operator).cancelModelProposals([a]))
        .to.be.revertedWithCustomError(stake, "ModelNotProposed")
        .withArgs(a, ethers.ZeroAddress);
      await expect(stake.connect(alice).acceptModels([a, b])).to.be.revertedWithCustomError(stake, "ModelNotProposed");
    });

    it("acceptModelsBySig: the account's own EIP-712 signature (not its manager's), with deadline and nonce", async function () {
      const fx = await loadFixture(deployFixture);
      const { stake, operator, alice, manager, keeper } = fx;
      await stake.connect(alice).setManager(manager.address); // nonce 0
      const ids = modelIds("alice-signed", 2);
      await stake.connect(operator).proposeModels(alice.address, ids);
      const nonce = await stake.nonces(alice.address);
      expect(await stake.ACCEPT_MODELS_TYPEHASH()).to.equal(
        ethers.id("AcceptModels(address account,bytes16[] modelIds,uint256 nonce,uint256 deadline)"),
      );
      const byManager = await signAcceptance(fx, manager, alice.address, ids, nonce);
      await expect(
        stake.connect(keeper).acceptModelsBySig(alice.address, ids, nonce, FAR, byManager),
      ).to.be.revertedWithCustomError(stake, "InvalidSignature");
      const good = await signAcceptance(fx, alice, alice.address, ids, nonce);
      await expect(stake.connect(keeper).acceptModelsBySig(alice.address, ids, nonce + 1n, FAR, good))
        .to.be.revertedWithCustomError(stake, "InvalidNonce")
        .withArgs(nonce, nonce + 1n);
      await expect(
        stake.connect(keeper).acceptModelsBySig(alice.address, [ids[0]], nonce, FAR, good),
      ).to.be.revertedWithCustomError(stake, "InvalidSignature");
      const deadline = BigInt(await time.latest()) + 10n;
      const expiring = await signAcceptance(fx, alice, alice.address, ids, nonce, deadline);
      await time.increaseTo(deadline + 1n);
      await expect(stake.connect(keeper).acceptModelsBySig(alice.address, ids, nonce, deadline, expiring))
        .to.be.revertedWithCustomError(stake, "SignatureExpired")
        .withArgs(deadline);
      await expect(stake.connect(keeper).acceptModelsBySig(alice.address, ids, nonce, FAR, good))
        .to.emit(stake, "ModelRegistered")
        .withArgs(alice.address, ids[0], 4)
        .and.to.emit(stake, "NonceUsed")
        .withArgs(alice.address, nonce);
      expect(await stake.nonces(alice.address)).to.equal(nonce + 1n);
      await expect(
        stake.connect(keeper).acceptModelsBySig(alice.address, ids, nonce, FAR, good),
      ).to.be.revertedWithCustomError(stake, "InvalidNonce");
    });
  });

  describe("unbinding a model that carries no weight", function () {
    it("the operator unbinds a never-weighted model: ModelUnbound, its index reads zero, the ID is free for anyone", async function () {
      const { stake, operator, alice, bob, models } = await loadFixture(deployFixture);
      const tx = await stake.connect(operator).unbindModels(alice.address, [models.alice[1]]);
      await expect(tx).to.emit(stake, "ModelUnbound").withArgs(alice.address, models.alice[1], 1, operator.address);
      expect((await tx.wait())!.logs[0]!.topics[1]).to.equal(topicOf(alice.address));
      expect(await stake.modelOwner(models.alice[1])).to.deep.equal([ethers.ZeroAddress, 0n]);
      expect(await stake.modelsOf(alice.address)).to.deep.equal([
        models.alice[0],
        ZERO_ID,
        models.alice[2],
        models.alice[3],
      ]);
      expect((await stake.accountOf(alice.address)).modelCount).to.equal(4n);
      // The wrongly bound model moves to its real owner.
      await expect(bindModels(stake, operator, bob, [models.alice[1]]))
        .to.emit(stake, "ModelRegistered")
        .withArgs(bob.address, models.alice[1], 4);
    });

    it("the staker may unbind its own models; outsiders may not; unknown, foreign, repeated and empty lists are refused", async function () {
      const { stake, alice, bob, outsider, models } = await loadFixture(deployFixture);
      await expect(stake.connect(outsider).unbindModels(alice.address, [models.alice[0]]))
        .to.be.revertedWithCustomError(stake, "NotOperatorOrAccount")
        .withArgs(outsider.address, alice.address);
      await expect(stake.connect(bob).unbindModels(alice.address, [models.alice[0]]))
        .to.be.revertedWithCustomError(stake, "NotOperatorOrAccount")
        .withArgs(bob.address, alice.address);
      const unknown = modelId("nobody");
      await expect(stake.connect(alice).unbindModels(alice.address, [unknown]))
        .to.be.revertedWithCustomError(stake, "UnknownModel")
        .withArgs(unknown);
      await expect(stake.connect(alice).unbindModels(alice.address, [models.bob[0]]))
        .to.be.revertedWithCustomError(stake, "ModelNotOwned")
        .withArgs(models.bob[0], bob.address);
      await expect(stake.connect(alice).unbindModels(alice.address, [models.alice[0], models.alice[0]]))
        .to.be.revertedWithCustomError(stake, "DuplicateModel")
        .withArgs(models.alice[0]);
      await expect(stake.connect(alice).unbindModels(alice.address, [])).to.be.revertedWithCustomError(
        stake,
        "InvalidModelId",
      );
      await expect(stake.connect(alice).unbindModels(alice.address, [models.alice[0], models.alice[3]]))
        .to.emit(stake, "ModelUnbound")
        .withArgs(alice.address, models.alice[3], 3, alice.address);
    });

    it("a model weighted in the pending vector is refused (ModelWeighted); reallocated away in the same round, it goes", async function () {
      const { stake, operator, alice, models } = await loadFixture(deployFixture);
      await stake.connect(alice).deposit(NMR(100));
      await stake.connect(alice).setAllocation(models.alice, [4000, 3000, 2000, 1000]);
      await expect(stake.connect(operator).unbindModels(alice.address, [models.alice[3]]))
        .to.be.revertedWithCustomError(stake, "ModelWeighted")
        .withArgs(models.alice[3], R0);
      await stake.connect(alice).setAllocation(models.alice, [5000, 3000, 2000, 0]); // replaces the pending vector
      await expect(stake.connect(operator).unbindModels(alice.address, [models.alice[3]])).to.emit(
        stake,
        "ModelUnbound",
      );
    });

    it("a model weighted in a vector an unsettled round uses is refused until that round is settled", async function () {
      const { stake, operator, keeper, alice, models } = await loadFixture(deployFixture);
      await stake.connect(alice).deposit(NMR(100));
      await stake.connect(alice).setAllocation(models.alice, [4000, 3000, 2000, 1000]);
      await openRound(stake, operator); // R0 puts model 3 at risk
      await stake.connect(alice).setAllocation(models.alice, [5000, 3000, 2000, 0]); // from R0 + 1
      await expect(stake.connect(alice).unbindModels(alice.address, [models.alice[3]]))
        .to.be.revertedWithCustomError(stake, "ModelWeighted")
        .withArgs(models.alice[3], R0);
      await openRound(stake, operator);
      await expect(stake.connect(alice).unbindModels(alice.address, [models.alice[3]])).to.be.revertedWithCustomError(
        stake,
        "ModelWeighted",
      );
      await settleExpired(stake, keeper, alice.address, R0, R0); // R0 expired unpublished: settled as zero
      await expect(stake.connect(alice).unbindModels(alice.address, [models.alice[3]]))
        .to.emit(stake, "ModelUnbound")
        .withArgs(alice.address, models.alice[3], 3, alice.address);
      // Models weighted in the vector still in force stay bound.
      await expect(stake.connect(alice).unbindModels(alice.address, [models.alice[0]]))
        .to.be.revertedWithCustomError(stake, "ModelWeighted")
        .withArgs(models.alice[0], R0 + 1n);
    });

    it("an account that never staked: only the current and pending vectors count", async function () {
      const { stake, operator, bob, models } = await loadFixture(deployFixture);
      await stake.connect(bob).setAllocation(models.bob, [10_000, 0, 0, 0]);
      await openRound(stake, operator);
      await expect(stake.connect(bob).unbindModels(bob.address, [models.bob[0]]))
        .to.be.revertedWithCustomError(stake, "ModelWeighted")
        .withArgs(models.bob[0], R0);
      await stake.connect(bob).setAllocation(models.bob, [0, 10_000, 0, 0]);
      await openRound(stake, operator);
      await expect(stake.connect(bob).unbindModels(bob.address, [models.bob[0]])).to.emit(stake, "ModelUnbound");
    });

    it("a freed index: zero ID with weight 0 in the canonical list, WeightOnUnboundSlot with weight; reused by the next accepted model", async function () {
      const { stake, operator, alice, models } = await loadFixture(deployFixture);
      await stake.connect(alice).unbindModels(alice.address, [models.alice[1], models.alice[2]]);
      const list = [...(await stake.modelsOf(alice.address))];
      expect(list).to.deep.equal([models.alice[0], ZERO_ID, ZERO_ID, models.alice[3]]);
      await expect(stake.connect(alice).setAllocation(list, [5000, 0, 0, 5000]))
        .to.emit(stake, "AllocationSet")
        .withArgs(alice.address, R0, alice.address, [5000, 0, 0, 5000]);
      await expect(stake.connect(alice).setAllocation(list, [5000, 1, 0, 4999]))
        .to.be.revertedWithCustomError(stake, "WeightOnUnboundSlot")
        .withArgs(1);
      await expect(stake.connect(alice).setAllocation([ZERO_ID], [10_000]))
        .to.be.revertedWithCustomError(stake, "UnknownModel")
        .withArgs(ZERO_ID);
      // The lowest freed index is reused first, then the next; then the list grows.
      const [x, y, z] = modelIds("alice-new", 3);
      await stake.connect(operator).proposeModels(alice.address, [x, y, z]);
      await expect(stake.connect(alice).acceptModels([x, y, z]))
        .to.emit(stake, "ModelRegistered")
        .withArgs(alice.address, x, 1)
        .and.to.emit(stake, "ModelRegistered")
        .withArgs(alice.address, y, 2)
        .and.to.emit(stake, "ModelRegistered")
        .withArgs(alice.address, z, 4);
      expect(await stake.modelsOf(alice.address)).to.deep.equal([models.alice[0], x, y, models.alice[3], z]);
      // The reused slot starts at weight zero in the vector already stored.
      expect([...(await stake.allocationAt(alice.address, R0))[1]]).to.deep.equal([5000n, 0n, 0n, 5000n, 0n]);
    });

    it("settlement after unbinding and reuse proves the new models at their slots; a freed slot cannot be proven", async function () {
      const fx = await loadFixture(deployFixture);
      const { stake, nmr, operator, keeper, alice, models } = fx;
      await stake.connect(alice).unbindModels(alice.address, [models.alice[1]]);
      const x = modelId("alice-x");
      await bindModels(stake, operator, alice, [x]); // takes slot 1
      await stake.connect(alice).unbindModels(alice.address, [models.alice[2]]); // slot 2 stays free
      const list = [...(await stake.modelsOf(alice.address))];
      await stake.connect(alice).deposit(NMR(1000));
      const weights = [2000, 8000, 0, 0];
      await stake.connect(alice).setAllocation(list, weights);
      await openRound(stake, operator);
      const rateOf: Record<string, bigint> = {
        [models.alice[0]]: RATE("-0.02"),
        [x]: RATE("-0.03"),
        [models.alice[3]]: RATE("0.01"),
      };
      const tree = buildRoundTree(
        R0,
        withCumulatives(
          Object.entries(rateOf).map(([modelId, rate]) => ({ modelId, rate })),
          undefined,
          DEFAULT_PARAMS.rateCap,
        ),
      );
      await time.increase(DEFAULT_PARAMS.resolutionDelay);
      await stake.connect(operator).publishRound(R0, tree.root, "");
      // The registry list with its zero ID: the freed slot has no leaf, so it is simply not proven.
      const proven = accountRoundResult(R0, tree, list);
      expect([...proven.slots].sort()).to.deep.equal([0, 1, 3]);
      await expect(
        stake.connect(keeper).settle({
          account: alice.address,
          models: list,
          results: [{ ...proven, slots: [...proven.slots, 2], rates: [...proven.rates, 0n] }],
        }),
      )
        .to.be.revertedWithCustomError(stake, "InvalidModelSlot")
        .withArgs(2);
      const expectedDelta = roundDelta(
        NMR(1000),
        weights,
        list.map((id) => rateOf[id] ?? 0n),
      );
      const supply = await nmr.totalSupply();
      await expect(stake.connect(keeper).settle({ account: alice.address, models: list, results: [proven] }))
        .to.emit(stake, "Settled")
        .withArgs(
          alice.address,
          R0,
          NMR(1000),
          list.map((id) => rateOf[id] ?? 0n),
          expectedDelta,
          0,
          -expectedDelta,
          0,
          NMR(1000) + expectedDelta,
          false,
        );
      expect(supply - (await nmr.totalSupply())).to.equal(-expectedDelta);
    });
  });

  describe("64 models end to end", function () {
    for (const count of [50, 64]) {
      it(`${count} models: accepted, allocated with pairwise distinct weights, settled with a multiproof to the wei`, async function () {
        const fx = await loadFixture(deployFixture);
        const { stake, nmr, operator, keeper } = fx;
        const signer = await signerAt(count === 64 ? 20 : 21);
        const ids = await registerAccount(fx, signer, `big-${count}`, count);
        expect((await stake.accountOf(signer.address)).modelCount).to.equal(BigInt(count));
        await stake.connect(signer).deposit(NMR(6400));
        const bps = distinctBps(count);
        await expect(stake.connect(signer).setAllocation(ids, bps))
          .to.emit(stake, "AllocationSet")
          .withArgs(signer.address, R0, signer.address, bps);
        await openRound(stake, operator);
        const rates = ids.map((_, i) => (RATE("0.05") * BigInt((i % 11) - 5)) / 5n);
        const tree = buildRoundTree(
          R0,
          withCumulatives(
            [
              ...ids.map((modelId, i) => ({ modelId, rate: rates[i]! })),
              ...modelIds("others", 100).map((modelId, i) => ({ modelId, rate: BigInt(i) })),
            ],
            undefined,
            DEFAULT_PARAMS.rateCap,
          ),
        );
        await time.increase(DEFAULT_PARAMS.resolutionDelay);
        await stake.connect(operator).publishRound(R0, tree.root, "");
        const delta = roundDelta(NMR(6400), bps, rates);
        const supply = await nmr.totalSupply();
        const tx = stake
          .connect(keeper)
          .settle({ account: signer.address, models: ids, results: [accountRoundResult(R0, tree, ids)] });
        await expect(tx)
          .to.emit(stake, "Settled")
          .withArgs(
            signer.address,
            R0,
            NMR(6400),
            rates,
            delta,
            0,
            delta < 0n ? -delta : 0n,
            delta > 0n ? delta : 0n,
            NMR(6400) + (delta < 0n ? delta : 0n),
            false,
          );
        expect((await stake.accountOf(signer.address)).balance).to.equal(NMR(6400) + (delta < 0n ? delta : 0n));
        if (delta < 0n) expect(supply - (await nmr.totalSupply())).to.equal(-delta);
        // And the next reallocation over all of them (a different vector) goes through.
        await expect(stake.connect(signer).setAllocation(ids, evenBps(count))).to.emit(stake, "AllocationSet");
      });
    }
  });
});
