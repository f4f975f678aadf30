/**
 * Signatures can be cancelled (review finding "Signatures can't be cancelled"): every newer choice of the staker uses
 * its nonce (a direct setAllocation or setAllocationFor, a setManager, an explicit invalidateNonces), so an older
 * signature is refused with InvalidNonce; a revoked-then-re-authorised manager's signatures do not come back. Every
 * use is a NonceUsed(staker, nonce) event, from which an indexer rebuilds `nonces`.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { FIRST_ROUND, bindModels, deployFixture, evenBps, modelIds } from "../helpers/fixtures";
import { ACCEPT_MODELS_TYPES, stakeDomain } from "@portfolio-stake/core/eip712";
import { signAllocation } from "../helpers/eip712";

type Fixture = Awaited<ReturnType<typeof deployFixture>>;
const FAR = 2n ** 40n;
const R0 = FIRST_ROUND;

/** A signed reallocation of alice's vector to [10, 20, 30, 40]% by `signer` for alice's current nonce. */
async function signed(fx: Fixture, signer: HardhatEthersSigner) {
  const nonce = await fx.stake.nonces(fx.alice.address);
  const message = {
    account: fx.alice.address,
    modelIds: fx.models.alice,
    bps: [1000, 2000, 3000, 4000],
    nonce,
    deadline: FAR,
  };
  const signature = await signAllocation(fx.stake, signer, message);
  const submit = () =>
    fx.stake
      .connect(fx.keeper)
      .setAllocationBySig(message.account, message.modelIds, message.bps, message.nonce, message.deadline, signature);
  return { nonce, submit };
}

async function managedFixture() {
  const fx = await deployFixture();
  await fx.stake.connect(fx.alice).setManager(fx.manager.address); // nonce 0
  return fx;
}

/** nonces(account) rebuilt from NonceUsed events alone (what an indexer does). */
async function noncesFromEvents(fx: Fixture, account: string): Promise<bigint> {
  const events = await fx.stake.queryFilter(fx.stake.filters.NonceUsed(account));
  return events.length ? events[events.length - 1]!.args.nonce + 1n : 0n;
}

describe("Nonces: any newer choice of the staker voids older signatures", function () {
  const CHOICES: [string, (fx: Fixture) => Promise<unknown>][] = [
    ["a direct setAllocation", (fx) => fx.stake.connect(fx.alice).setAllocation(fx.models.alice, evenBps(4))],
    [
      "a setAllocationFor by the staker",
      (fx) => fx.stake.connect(fx.alice).setAllocationFor(fx.alice.address, fx.models.alice, evenBps(4)),
    ],
    [
      "a setAllocationFor by the manager",
      (fx) => fx.stake.connect(fx.manager).setAllocationFor(fx.alice.address, fx.models.alice, evenBps(4)),
    ],
    ["a setManager (even to the same manager)", (fx) => fx.stake.connect(fx.alice).setManager(fx.manager.address)],
    [
      "an explicit invalidateNonces",
      async (fx) => fx.stake.connect(fx.alice).invalidateNonces((await fx.stake.nonces(fx.alice.address)) + 1n),
    ],
  ];

  for (const [what, choice] of CHOICES) {
    for (const who of ["staker", "manager"] as const) {
      it(`after ${what}, an older signature of the ${who} is refused (InvalidNonce) and changes nothing`, async function () {
        const fx = await loadFixture(managedFixture);
        const { nonce, submit } = await signed(fx, who === "staker" ? fx.alice : fx.manager);
        await choice(fx);
        const current = await fx.stake.nonces(fx.alice.address);
        expect(current).to.equal(nonce + 1n);
        const before = [...(await fx.stake.allocationAt(fx.alice.address, R0))[1]];
        await expect(submit()).to.be.revertedWithCustomError(fx.stake, "InvalidNonce").withArgs(current, nonce);
        expect([...(await fx.stake.allocationAt(fx.alice.address, R0))[1]]).to.deep.equal(before);
      });
    }
  }

  it("without a newer choice the same signature goes through (the control)", async function () {
    const fx = await loadFixture(managedFixture);
    const { nonce, submit } = await signed(fx, fx.manager);
    await expect(submit()).to.emit(fx.stake, "NonceUsed").withArgs(fx.alice.address, nonce);
    expect(await fx.stake.nonces(fx.alice.address)).to.equal(nonce + 1n);
  });

  it("a revoked, then re-authorised manager's signatures do not come back", async function () {
    const fx = await loadFixture(managedFixture);
    const { nonce, submit } = await signed(fx, fx.manager);
    await fx.stake.connect(fx.alice).setManager(ethers.ZeroAddress);
    await fx.stake.connect(fx.alice).setManager(fx.manager.address);
    await expect(submit())
      .to.be.revertedWithCustomError(fx.stake, "InvalidNonce")
      .withArgs(nonce + 2n, nonce);
  });

  it("an old signature can no longer overwrite the staker's newer vector", async function () {
    const fx = await loadFixture(managedFixture);
    const { submit } = await signed(fx, fx.alice); // [10, 20, 30, 40]% signed, not sent
    await fx.stake.connect(fx.alice).setAllocation(fx.models.alice, [10_000, 0, 0, 0]); // her newer choice
    await expect(submit()).to.be.revertedWithCustomError(fx.stake, "InvalidNonce");
    expect([...(await fx.stake.allocationAt(fx.alice.address, R0))[1]]).to.deep.equal([10_000n, 0n, 0n, 0n]);
  });

  describe("invalidateNonces", function () {
    it("voids pre-signed future nonces too: everything below the new nonce", async function () {
      const fx = await loadFixture(managedFixture);
      const n = await fx.stake.nonces(fx.alice.address);
      const sigs = [];
      for (let k = 0n; k < 3n; k++) {
        const message = {
          account: fx.alice.address,
          modelIds: fx.models.alice,
          bps: evenBps(4),
          nonce: n + k,
          deadline: FAR,
        };
        sigs.push({ message, signature: await signAllocation(fx.stake, fx.alice, message) });
      }
      await expect(fx.stake.connect(fx.alice).invalidateNonces(n + 3n))
        .to.emit(fx.stake, "NonceUsed")
        .withArgs(fx.alice.address, n + 2n);
      expect(await fx.stake.nonces(fx.alice.address)).to.equal(n + 3n);
      for (const { message: m, signature } of sigs) {
        await expect(
          fx.stake.setAllocationBySig(m.account, m.modelIds, m.bps, m.nonce, m.deadline, signature),
        ).to.be.revertedWithCustomError(fx.stake, "InvalidNonce");
      }
    });

    it("moves forward by 1 to 65,535 only (InvalidNonceJump otherwise), and only the caller's own nonce", async function () {
      const fx = await loadFixture(managedFixture);
      const n = await fx.stake.nonces(fx.alice.address);
      for (const bad of [n, n - 1n, n + 65_536n]) {
        await expect(fx.stake.connect(fx.alice).invalidateNonces(bad))
          .to.be.revertedWithCustomError(fx.stake, "InvalidNonceJump")
          .withArgs(n, bad);
      }
      await fx.stake.connect(fx.alice).invalidateNonces(n + 65_535n);
      expect(await fx.stake.nonces(fx.alice.address)).to.equal(n + 65_535n);
      expect(await fx.stake.MAX_NONCE_JUMP()).to.equal(65_535n);
      await fx.stake.connect(fx.manager).invalidateNonces(1n);
      expect(await fx.stake.nonces(fx.manager.address)).to.equal(1n);
      expect(await fx.stake.nonces(fx.alice.address)).to.equal(n + 65_535n);
    });
  });

  describe("NonceUsed events rebuild nonces", function () {
    it("every use is one NonceUsed(staker, nonce); an indexer replaying them gets nonces()", async function () {
      const fx = await loadFixture(managedFixture);
      const { stake, alice, manager, keeper, models } = fx;
      const steps: [string, () => Promise<unknown>][] = [
        ["setAllocation", () => stake.connect(alice).setAllocation(models.alice, evenBps(4))],
        ["setAllocationFor", () => stake.connect(manager).setAllocationFor(alice.address, [models.alice[0]], [10_000])],
        ["setAllocationBySig", async () => (await signed(fx, manager)).submit()],
        ["setManager", () => stake.connect(alice).setManager(keeper.address)],
        [
          "invalidateNonces",
          async () => stake.connect(alice).invalidateNonces((await stake.nonces(alice.address)) + 7n),
        ],
        ["setAllocation", () => stake.connect(alice).setAllocation(models.alice, evenBps(4))],
      ];
      for (const [what, step] of steps) {
        const before = await stake.nonces(alice.address);
        const tx = await step();
        const after = await stake.nonces(alice.address);
        await expect(tx, what)
          .to.emit(stake, "NonceUsed")
          .withArgs(alice.address, after - 1n);
        expect(after > before, what).to.equal(true);
        expect(await noncesFromEvents(fx, alice.address)).to.equal(after);
      }
      // The staker is an indexed topic.
      const [event] = await stake.queryFilter(stake.filters.NonceUsed(alice.address));
      expect(event!.topics[1]).to.equal(ethers.zeroPadValue(alice.address.toLowerCase(), 32));
    });

    it("a rejected call uses no nonce", async function () {
      const fx = await loadFixture(managedFixture);
      const n = await fx.stake.nonces(fx.alice.address);
      await expect(fx.stake.connect(fx.alice).setAllocation(fx.models.alice, [1, 2, 3, 4])).to.be.reverted;
      await expect(fx.stake.connect(fx.outsider).setAllocationFor(fx.alice.address, fx.models.alice, evenBps(4))).to.be
        .reverted;
      expect(await fx.stake.nonces(fx.alice.address)).to.equal(n);
    });
  });

  it("signed model acceptances share the nonce sequence (a direct choice voids them too)", async function () {
    const fx = await loadFixture(managedFixture);
    const { stake, operator, alice, keeper } = fx;
    const ids = modelIds("alice-signed", 2);
    await stake.connect(operator).proposeModels(alice.address, ids);
    const nonce = await stake.nonces(alice.address);
    const { chainId } = await ethers.provider.getNetwork();
    const signature = await alice.signTypedData(stakeDomain(chainId, await stake.getAddress()), ACCEPT_MODELS_TYPES, {
      account: alice.address,
      modelIds: ids,
      nonce,
      deadline: FAR,
    });
    await stake.connect(alice).setAllocation(fx.models.alice, evenBps(4));
    await expect(stake.connect(keeper).acceptModelsBySig(alice.address, ids, nonce, FAR, signature))
      .to.be.revertedWithCustomError(stake, "InvalidNonce")
      .withArgs(nonce + 1n, nonce);
    // A direct acceptance needs no signature and uses no nonce; other accounts' nonces are untouched.
    await bindModels(stake, operator, fx.bob, modelIds("bob-more", 1));
    expect(await stake.nonces(fx.bob.address)).to.equal(0n);
  });
});
