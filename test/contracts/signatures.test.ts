/**
 * setAllocationBySig (EIP-712): the domain (ERC-5267) and type table, signatures by the staker or its manager,
 * nonces, deadlines, wrong signers, domains and vectors, malleated signatures, pause.
 *
 * Conventions (test/helpers/unit.ts): every rejection is checked with its exact custom error (and arguments) AND an
 * unchanged snapshot of all observable state (`expectRejected`); rounds that must be settled are settled as rounds that
 * expired unpublished (empty results, counted as zero).
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { deployFixture, evenBps } from "../helpers/fixtures";
import {
  ACCEPT_MODELS_TYPES,
  SET_ALLOCATION_TYPES,
  readEip712Domain,
  stakeDomain,
  typeHash,
} from "@portfolio-stake/core/eip712";
import { malleate, signAllocation } from "../helpers/eip712";
import { type Fixture, R0, FAR_FUTURE, expectRejected, toRegistryOrder, weightsAt } from "../helpers/unit";

describe("PortfolioStake", function () {
  describe("EIP-712 domain (ERC-5267) and type table", function () {
    it("has the EIP-712 domain {PortfolioStake, 1, chainId, itself}", async function () {
      const { stake } = await loadFixture(deployFixture);
      const { chainId } = await ethers.provider.getNetwork();
      const domain = await stake.eip712Domain();
      expect(domain.name).to.equal("PortfolioStake");
      expect(domain.version).to.equal("1");
      expect(domain.chainId).to.equal(chainId);
      expect(domain.verifyingContract).to.equal(await stake.getAddress());
    });

    it("core's type tables hash to SET_ALLOCATION_TYPEHASH and ACCEPT_MODELS_TYPEHASH; its domain is the one the contract reports", async function () {
      const { stake } = await loadFixture(deployFixture);
      expect(typeHash(SET_ALLOCATION_TYPES)).to.equal(await stake.SET_ALLOCATION_TYPEHASH());
      expect(typeHash(ACCEPT_MODELS_TYPES)).to.equal(await stake.ACCEPT_MODELS_TYPEHASH());
      // ethers' encoding of the tables (what signTypedData hashes) agrees with core's.
      for (const [name, table] of [
        ["SetAllocation", SET_ALLOCATION_TYPES],
        ["AcceptModels", ACCEPT_MODELS_TYPES],
      ] as const)
        expect(ethers.id(ethers.TypedDataEncoder.from(table).encodeType(name))).to.equal(typeHash(table));
      const { chainId } = await ethers.provider.getNetwork();
      expect(await readEip712Domain(stake)).to.deep.equal(stakeDomain(chainId, await stake.getAddress()));
    });
  });

  describe("setAllocationBySig (EIP-712)", function () {
    async function signedFixture() {
      const fx = await loadFixture(deployFixture);
      // setManager uses alice's nonce 0: the next signature is for nonce 1.
      await fx.stake.connect(fx.alice).setManager(fx.manager.address);
      const message = {
        account: fx.alice.address,
        modelIds: fx.models.alice,
        bps: [1000, 2000, 3000, 4000],
        nonce: 1n,
        deadline: FAR_FUTURE,
      };
      return { ...fx, message };
    }

    function submit(
      fx: Fixture,
      m: { account: string; modelIds: string[]; bps: number[]; nonce: bigint; deadline: bigint },
      signature: string,
    ) {
      return fx.stake
        .connect(fx.keeper)
        .setAllocationBySig(m.account, m.modelIds, m.bps, m.nonce, m.deadline, signature);
    }

    it("signed by the staker, relayed by anyone: applies the vector, `by` = staker, nonce consumed", async function () {
      const fx = await signedFixture();
      const sig = await signAllocation(fx.stake, fx.alice, fx.message);
      await expect(submit(fx, fx.message, sig))
        .to.emit(fx.stake, "AllocationSet")
        .withArgs(fx.alice.address, R0, fx.alice.address, [1000, 2000, 3000, 4000]);
      expect(await fx.stake.nonces(fx.alice.address)).to.equal(2n);
      expect(await weightsAt(fx.stake, fx.alice.address, R0)).to.deep.equal([1000n, 2000n, 3000n, 4000n]);
      expect(await fx.stake.nonces(fx.keeper.address)).to.equal(0n);
    });

    it("signed by the manager: `by` = manager, the account's nonce consumed", async function () {
      const fx = await signedFixture();
      const sig = await signAllocation(fx.stake, fx.manager, fx.message);
      await expect(submit(fx, fx.message, sig))
        .to.emit(fx.stake, "AllocationSet")
        .withArgs(fx.alice.address, R0, fx.manager.address, [1000, 2000, 3000, 4000]);
      expect(await fx.stake.nonces(fx.alice.address)).to.equal(2n);
      expect(await fx.stake.nonces(fx.manager.address)).to.equal(0n);
    });

    it("staker and manager share one nonce sequence 1, 2, 3 (setManager used 0)", async function () {
      const fx = await signedFixture();
      const m = fx.models.alice;
      const steps = [
        { signer: fx.alice, ids: m, bps: [10_000, 0, 0, 0] },
        { signer: fx.manager, ids: [m[1]], bps: [10_000] },
        { signer: fx.alice, ids: [m[3], m[2]], bps: [6000, 4000] },
      ];
      for (const [i, s] of steps.entries()) {
        const message = { ...fx.message, modelIds: s.ids, bps: s.bps, nonce: BigInt(i + 1) };
        await expect(submit(fx, message, await signAllocation(fx.stake, s.signer, message)))
          .to.emit(fx.stake, "AllocationSet")
          .withArgs(fx.alice.address, R0, s.signer.address, toRegistryOrder(m, s.ids, s.bps));
        expect(await fx.stake.nonces(fx.alice.address)).to.equal(BigInt(i + 2));
      }
      expect(await weightsAt(fx.stake, fx.alice.address, R0)).to.deep.equal([0n, 0n, 4000n, 6000n]);
    });

    it("a reordered subset is signed as given and stored in registry order", async function () {
      const fx = await signedFixture();
      const m = fx.models.alice;
      const message = { ...fx.message, modelIds: [m[3], m[0]], bps: [9000, 1000] };
      await expect(submit(fx, message, await signAllocation(fx.stake, fx.alice, message)))
        .to.emit(fx.stake, "AllocationSet")
        .withArgs(fx.alice.address, R0, fx.alice.address, [1000, 0, 0, 9000]);
    });

    it("accepts a signature in the block whose timestamp equals its deadline", async function () {
      const fx = await signedFixture();
      const deadline = BigInt(await time.latest()) + 100n;
      const message = { ...fx.message, deadline };
      const sig = await signAllocation(fx.stake, fx.alice, message);
      await time.setNextBlockTimestamp(deadline);
      await expect(submit(fx, message, sig)).to.emit(fx.stake, "AllocationSet");
      expect(await fx.stake.nonces(fx.alice.address)).to.equal(2n);
    });

    it("rejects a signature one second past its deadline (SignatureExpired)", async function () {
      const fx = await signedFixture();
      const deadline = BigInt(await time.latest()) + 100n;
      const message = { ...fx.message, deadline };
      const sig = await signAllocation(fx.stake, fx.alice, message);
      await time.increaseTo(deadline);
      await expectRejected(fx, () => submit(fx, message, sig), "SignatureExpired", [deadline]);
    });

    it("rejects a replayed signature (InvalidNonce(2, 1))", async function () {
      const fx = await signedFixture();
      const sig = await signAllocation(fx.stake, fx.alice, fx.message);
      await submit(fx, fx.message, sig);
      await expectRejected(fx, () => submit(fx, fx.message, sig), "InvalidNonce", [2n, 1n]);
    });

    it("rejects a signature for a future nonce (InvalidNonce(1, 2))", async function () {
      const fx = await signedFixture();
      const message = { ...fx.message, nonce: 2n };
      const sig = await signAllocation(fx.stake, fx.alice, message);
      await expectRejected(fx, () => submit(fx, message, sig), "InvalidNonce", [1n, 2n]);
    });

    for (const who of ["outsider", "bob", "keeper"] as const) {
      it(`rejects a signature by ${who}, neither staker nor manager (InvalidSignature)`, async function () {
        const fx = await signedFixture();
        const sig = await signAllocation(fx.stake, fx[who], fx.message);
        await expectRejected(fx, () => submit(fx, fx.message, sig), "InvalidSignature", []);
      });
    }

    it("rejects a revoked manager's signature (InvalidNonce for an older one, InvalidSignature for a new one)", async function () {
      const fx = await signedFixture();
      const sig = await signAllocation(fx.stake, fx.manager, fx.message);
      await fx.stake.connect(fx.alice).setManager(ethers.ZeroAddress); // uses nonce 1
      await expectRejected(fx, () => submit(fx, fx.message, sig), "InvalidNonce", [2n, 1n]);
      const fresh = { ...fx.message, nonce: 2n };
      const freshSig = await signAllocation(fx.stake, fx.manager, fresh);
      await expectRejected(fx, () => submit(fx, fresh, freshSig), "InvalidSignature", []);
    });

    it("rejects a signature for another account (alice's signature submitted for bob)", async function () {
      const fx = await signedFixture();
      const message = { ...fx.message, modelIds: fx.models.bob, bps: evenBps(4), nonce: 0n }; // bob's nonce
      const sig = await signAllocation(fx.stake, fx.alice, message);
      await expectRejected(fx, () => submit(fx, { ...message, account: fx.bob.address }, sig), "InvalidSignature", []);
    });

    it("rejects a signature of another vector: other weights, other order, other subset, other deadline", async function () {
      const fx = await signedFixture();
      const m = fx.models.alice;
      const sig = await signAllocation(fx.stake, fx.alice, fx.message);
      const altered = [
        { ...fx.message, bps: [4000, 3000, 2000, 1000] },
        { ...fx.message, modelIds: [m[1], m[0], m[2], m[3]], bps: [2000, 1000, 3000, 4000] },
        { ...fx.message, modelIds: [m[2], m[3]], bps: [5000, 5000] },
        { ...fx.message, deadline: FAR_FUTURE - 1n },
      ];
      for (const message of altered) {
        await expectRejected(fx, () => submit(fx, message, sig), "InvalidSignature", []);
      }
    });

    it("rejects signatures over a wrong domain: chain id, contract, name, version", async function () {
      const fx = await signedFixture();
      const wrong = [
        { chainId: 1n },
        { verifyingContract: await fx.nmr.getAddress() },
        { name: "PortfolioStak3" },
        { version: "2" },
      ];
      for (const domain of wrong) {
        const sig = await signAllocation(fx.stake, fx.alice, fx.message, domain);
        await expectRejected(fx, () => submit(fx, fx.message, sig), "InvalidSignature", []);
      }
    });

    it("rejects malformed and malleated (high-s) signatures", async function () {
      const fx = await signedFixture();
      const good = await signAllocation(fx.stake, fx.alice, fx.message);
      for (const sig of ["0x", "0x1234", ethers.ZeroHash + "00".repeat(33), malleate(good)]) {
        await expectRejected(fx, () => submit(fx, fx.message, sig), "InvalidSignature", []);
      }
    });

    it("rejects anything for the zero account (InvalidSignature)", async function () {
      const fx = await signedFixture();
      const message = { ...fx.message, account: ethers.ZeroAddress, nonce: 0n };
      const sig = await signAllocation(fx.stake, fx.alice, message);
      await expectRejected(fx, () => submit(fx, message, sig), "InvalidSignature", []);
      await expectRejected(fx, () => submit(fx, message, "0x" + "00".repeat(65)), "InvalidSignature", []);
    });

    it("accepts a valid signature while paused (a pause never stops a reallocation) and uses its nonce", async function () {
      const fx = await signedFixture();
      const sig = await signAllocation(fx.stake, fx.alice, fx.message);
      await fx.stake.connect(fx.pauser).pause();
      const nonce = await fx.stake.nonces(fx.alice.address);
      await expect(submit(fx, fx.message, sig)).to.emit(fx.stake, "AllocationSet");
      expect(await fx.stake.nonces(fx.alice.address)).to.equal(nonce + 1n);
    });
  });
});
