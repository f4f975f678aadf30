/**
 * Burns on the real NMR token (review finding "Burns do nothing on real NMR"): the burn mode is explicit and
 * immutable (NumeraireMint: NMR's `mint(v)`; ERC20Burn: `burn(uint256)`; Sink: a transfer to a fixed address), the
 * constructor refuses a token/mode pair whose burns cannot work, and every burn is checked by its effect: the
 * contract's balance (and, when burning, the token's totalSupply) must fall by exactly the burned amount.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { BrokenBurnToken, PortfolioStake } from "../../typechain-types";
import { accountRoundResult, buildRoundTree, withCumulatives } from "@portfolio-stake/core/results";
import {
  BurnMode,
  DEFAULT_PARAMS,
  FIRST_ROUND,
  NMR,
  RATE,
  deploySystem,
  mintTo,
  namedSigners,
  openRound,
  signerAt,
  stakeFactory,
  withStakers,
  type AnyToken,
  type TokenName,
} from "../helpers/fixtures";

const R0 = FIRST_ROUND;
/** BrokenBurnToken.Quirk */
const Quirk = {
  None: 0,
  ReturnFalse: 1,
  ReturnNothing: 2,
  NoEffect: 3,
  BurnLess: 4,
  MoveInstead: 5,
  BurnFromOther: 6,
  Revert: 7,
} as const;
const DEAD = "0x000000000000000000000000000000000000dEaD";

/** Deploys `token` and tries to deploy PortfolioStake on it with `mode` and `sink`. */
async function tryDeploy(token: string, mode: bigint, sink = ethers.ZeroAddress) {
  const { admin } = await namedSigners();
  const factory = await stakeFactory();
  return { factory, deploy: () => factory.deploy(token, mode, sink, admin.address, FIRST_ROUND, DEFAULT_PARAMS) };
}

async function tokenAddress(name: TokenName | "BrokenBurnToken", setup?: (t: BrokenBurnToken) => Promise<unknown>) {
  const token = await ethers.deployContract(name);
  if (setup) await setup(token as unknown as BrokenBurnToken);
  return token.getAddress();
}

/**
 * alice stakes 1,000 NMR at 70/30 on two models, round R0 opens and is published at -5% / -4%: settling it burns
 * 700 x 5% + 300 x 4% = 47 NMR.
 */
async function lossSystem(token: TokenName, burnMode: bigint, sink = ethers.ZeroAddress) {
  const fx = await withStakers(await deploySystem<AnyToken>({ token, burnMode, burnSink: sink }));
  const { stake, operator, alice, models } = fx;
  await stake.connect(alice).deposit(NMR(1000));
  await stake.connect(alice).setAllocation(models.alice, [7000, 3000, 0, 0]);
  await openRound(stake, operator);
  const tree = buildRoundTree(
    R0,
    withCumulatives(
      models.alice.map((modelId, i) => ({ modelId, rate: [RATE("-0.05"), RATE("-0.04"), 0n, 0n][i] ?? 0n })),
      undefined,
      DEFAULT_PARAMS.rateCap,
    ),
  );
  await time.increase(DEFAULT_PARAMS.resolutionDelay);
  await stake.connect(operator).publishRound(R0, tree.root, "");
  const results = {
    account: alice.address,
    models: models.alice,
    results: [accountRoundResult(R0, tree, models.alice)],
  };
  return { ...fx, results, loss: NMR(47), sink };
}

// Named fixtures (loadFixture needs stable functions).
const SINK_INDEX = 9;
const sinkAddress = async () => (await signerAt(SINK_INDEX)).address;
const nmrLikeLoss = () => lossSystem("NMRLike", BurnMode.NumeraireMint);
const mockNmrLoss = () => lossSystem("MockNMR", BurnMode.ERC20Burn);
const noBurnSinkLoss = async () => lossSystem("MockERC20NoBurn", BurnMode.Sink, await sinkAddress());
const brokenMintLoss = () => lossSystem("BrokenBurnToken", BurnMode.NumeraireMint);
const brokenBurnLoss = () => lossSystem("BrokenBurnToken", BurnMode.ERC20Burn);
const brokenSinkLoss = async () => lossSystem("BrokenBurnToken", BurnMode.Sink, await sinkAddress());

async function moneyState(stake: PortfolioStake, token: AnyToken, holders: [string, ...string[]]) {
  const stakeAddress = await stake.getAddress();
  const a = await stake.accountOf(holders[0]);
  return {
    held: await token.balanceOf(stakeAddress),
    supply: await token.totalSupply(),
    balances: await Promise.all(holders.map((h) => token.balanceOf(h))),
    totals: [...(await stake.totals())],
    account: [a.balance, a.pendingWithdrawal, a.nextSettleRound, a.totalBurned],
  };
}

describe("Burn modes: losses leave the system for real, checked by their effect", function () {
  describe("constructor: explicit, immutable mode; token/mode pairs that cannot burn are refused", function () {
    it("NumeraireMint on NMRLike: deploys, exposes burnMode() and emits BurnConfigured", async function () {
      const { deploy } = await tryDeploy(await tokenAddress("NMRLike"), BurnMode.NumeraireMint);
      const stake = await deploy();
      expect(await stake.burnMode()).to.equal(BurnMode.NumeraireMint);
      expect(await stake.burnSink()).to.equal(ethers.ZeroAddress);
      await expect(stake.deploymentTransaction())
        .to.emit(stake, "BurnConfigured")
        .withArgs(BurnMode.NumeraireMint, ethers.ZeroAddress);
    });

    it("ERC20Burn on NMRLike is refused: its empty fallback would make burn() succeed without burning (the review's finding)", async function () {
      const { factory, deploy } = await tryDeploy(await tokenAddress("NMRLike"), BurnMode.ERC20Burn);
      await expect(deploy()).to.be.revertedWithCustomError(factory, "BurnModeUnsupported").withArgs(BurnMode.ERC20Burn);
    });

    it("ERC20Burn on a token with burn(uint256) and no fallback (MockNMR) deploys", async function () {
      const { deploy } = await tryDeploy(await tokenAddress("MockNMR"), BurnMode.ERC20Burn);
      expect(await (await deploy()).burnMode()).to.equal(BurnMode.ERC20Burn);
    });

    it("ERC20Burn is refused on a token without burn, and on one with burn but a permissive fallback", async function () {
      const noBurn = await tryDeploy(await tokenAddress("MockERC20NoBurn"), BurnMode.ERC20Burn);
      await expect(noBurn.deploy())
        .to.be.revertedWithCustomError(noBurn.factory, "BurnModeUnsupported")
        .withArgs(BurnMode.ERC20Burn);
      const permissive = await tryDeploy(
        await tokenAddress("BrokenBurnToken", (t) => t.setPermissiveFallback(true)),
        BurnMode.ERC20Burn,
      );
      await expect(permissive.deploy())
        .to.be.revertedWithCustomError(permissive.factory, "BurnModeUnsupported")
        .withArgs(BurnMode.ERC20Burn);
      const reverting = await tryDeploy(
        await tokenAddress("BrokenBurnToken", (t) => t.setBurnQuirk(Quirk.Revert)),
        BurnMode.ERC20Burn,
      );
      await expect(reverting.deploy()).to.be.revertedWithCustomError(reverting.factory, "BurnModeUnsupported");
    });

    it("NumeraireMint is refused unless mint(0) returns an ABI-encoded true", async function () {
      const cases: [string, string][] = [
        ["MockNMR (no mint(uint256), no fallback)", await tokenAddress("MockNMR")],
        ["MockERC20NoBurn", await tokenAddress("MockERC20NoBurn")],
        ["mint returns false", await tokenAddress("BrokenBurnToken", (t) => t.setBurnQuirk(Quirk.ReturnFalse))],
        ["mint returns nothing", await tokenAddress("BrokenBurnToken", (t) => t.setBurnQuirk(Quirk.ReturnNothing))],
        ["mint reverts", await tokenAddress("BrokenBurnToken", (t) => t.setBurnQuirk(Quirk.Revert))],
        ["an account without code", ethers.Wallet.createRandom().address],
      ];
      for (const [what, token] of cases) {
        const { factory, deploy } = await tryDeploy(token, BurnMode.NumeraireMint);
        await expect(deploy(), what)
          .to.be.revertedWithCustomError(factory, "BurnModeUnsupported")
          .withArgs(BurnMode.NumeraireMint);
      }
    });

    it("Sink needs a non-zero sink that is not the contract itself; the other modes need a zero sink", async function () {
      const { admin: deployer } = await namedSigners();
      const token = await tokenAddress("MockERC20NoBurn");
      const zero = await tryDeploy(token, BurnMode.Sink);
      await expect(zero.deploy())
        .to.be.revertedWithCustomError(zero.factory, "InvalidBurnSink")
        .withArgs(ethers.ZeroAddress);
      const self = await tryDeploy(token, BurnMode.Sink, ethers.ZeroAddress);
      const selfAddress = ethers.getCreateAddress({ from: deployer.address, nonce: await deployer.getNonce() });
      const { admin } = await namedSigners();
      await expect(self.factory.deploy(token, BurnMode.Sink, selfAddress, admin.address, FIRST_ROUND, DEFAULT_PARAMS))
        .to.be.revertedWithCustomError(self.factory, "InvalidBurnSink")
        .withArgs(selfAddress);
      const sink = ethers.Wallet.createRandom().address;
      const ok = await tryDeploy(token, BurnMode.Sink, sink);
      const stake = await ok.deploy();
      expect([await stake.burnMode(), await stake.burnSink()]).to.deep.equal([BurnMode.Sink, sink]);
      for (const [name, mode] of [
        ["NMRLike", BurnMode.NumeraireMint],
        ["MockNMR", BurnMode.ERC20Burn],
      ] as const) {
        const withSink = await tryDeploy(await tokenAddress(name), mode, sink);
        await expect(withSink.deploy())
          .to.be.revertedWithCustomError(withSink.factory, "InvalidBurnSink")
          .withArgs(sink);
      }
    });

    it("a mode outside the enum is refused", async function () {
      const { deploy } = await tryDeploy(await tokenAddress("NMRLike"), 3n);
      await expect(deploy()).to.be.reverted;
    });
  });

  describe("every burn is checked by its effect", function () {
    it("NumeraireMint on NMRLike: the contract's NMR and the token's totalSupply fall by exactly the loss", async function () {
      const fx = await loadFixture(nmrLikeLoss);
      const stakeAddress = await fx.stake.getAddress();
      const before = await moneyState(fx.stake, fx.nmr, [fx.alice.address]);
      const tx = fx.stake.connect(fx.keeper).settle(fx.results);
      await expect(tx).to.emit(fx.nmr, "Transfer").withArgs(stakeAddress, ethers.ZeroAddress, fx.loss);
      const after = await moneyState(fx.stake, fx.nmr, [fx.alice.address]);
      expect(before.held - after.held).to.equal(fx.loss);
      expect(before.supply - after.supply).to.equal(fx.loss);
      expect(after.account).to.deep.equal([NMR(1000) - fx.loss, 0n, R0 + 1n, fx.loss]);
      expect(after.held).to.equal(after.totals[0]! + after.totals[1]! + after.totals[2]!);
    });

    it("ERC20Burn on MockNMR: the same through burn(uint256)", async function () {
      const fx = await loadFixture(mockNmrLoss);
      const before = await moneyState(fx.stake, fx.nmr, [fx.alice.address]);
      await fx.stake.connect(fx.keeper).settle(fx.results);
      const after = await moneyState(fx.stake, fx.nmr, [fx.alice.address]);
      expect(before.held - after.held).to.equal(fx.loss);
      expect(before.supply - after.supply).to.equal(fx.loss);
    });

    it("Sink on a token without burn: the sink receives exactly the loss, the supply is unchanged", async function () {
      const sink = await sinkAddress();
      const fx = await loadFixture(noBurnSinkLoss);
      const before = await moneyState(fx.stake, fx.nmr, [fx.alice.address, sink]);
      await fx.stake.connect(fx.keeper).settle(fx.results);
      const after = await moneyState(fx.stake, fx.nmr, [fx.alice.address, sink]);
      expect(before.held - after.held).to.equal(fx.loss);
      expect(after.balances[1]! - before.balances[1]!).to.equal(fx.loss);
      expect(after.supply).to.equal(before.supply);
    });

    const NMR_MINT_FAILURES: [string, number][] = [
      ["mint returns false (NMR's failure mode)", Quirk.ReturnFalse],
      ["mint returns no data", Quirk.ReturnNothing],
      ["mint returns true and burns nothing", Quirk.NoEffect],
      ["mint burns one wei less", Quirk.BurnLess],
      ["mint moves the tokens instead (balance falls, supply does not)", Quirk.MoveInstead],
      ["mint burns someone else's tokens (supply falls, balance does not)", Quirk.BurnFromOther],
    ];
    for (const [what, quirk] of NMR_MINT_FAILURES) {
      it(`NumeraireMint: ${what} → BurnFailed(amount), nothing settled`, async function () {
        const fx = await loadFixture(brokenMintLoss);
        const token = fx.nmr as unknown as BrokenBurnToken;
        await mintTo(fx.nmr, DEAD, NMR(100));
        await token.setBurnQuirk(quirk);
        const before = await moneyState(fx.stake, fx.nmr, [fx.alice.address]);
        await expect(fx.stake.connect(fx.keeper).settle(fx.results))
          .to.be.revertedWithCustomError(fx.stake, "BurnFailed")
          .withArgs(fx.loss);
        expect(await moneyState(fx.stake, fx.nmr, [fx.alice.address])).to.deep.equal(before);
        // The same token burning honestly again: the round settles.
        await token.setBurnQuirk(Quirk.None);
        await fx.stake.connect(fx.keeper).settle(fx.results);
        expect((await moneyState(fx.stake, fx.nmr, [fx.alice.address])).supply).to.equal(before.supply - fx.loss);
      });
    }

    it("NumeraireMint: a reverting mint bubbles its reason up (and settles nothing)", async function () {
      const fx = await loadFixture(brokenMintLoss);
      const token = fx.nmr as unknown as BrokenBurnToken;
      await token.setBurnQuirk(Quirk.Revert);
      await expect(fx.stake.connect(fx.keeper).settle(fx.results)).to.be.revertedWithCustomError(token, "Refused");
      expect((await fx.stake.accountOf(fx.alice.address)).nextSettleRound).to.equal(R0);
    });

    for (const [what, quirk] of [
      ["burn burns nothing", Quirk.NoEffect],
      ["burn burns one wei less", Quirk.BurnLess],
      ["burn moves the tokens instead", Quirk.MoveInstead],
      ["burn burns someone else's tokens", Quirk.BurnFromOther],
    ] as const) {
      it(`ERC20Burn: ${what} → BurnFailed(amount)`, async function () {
        const fx = await loadFixture(brokenBurnLoss);
        await mintTo(fx.nmr, DEAD, NMR(100));
        await (fx.nmr as unknown as BrokenBurnToken).setBurnQuirk(quirk);
        const before = await moneyState(fx.stake, fx.nmr, [fx.alice.address]);
        await expect(fx.stake.connect(fx.keeper).settleBatch([fx.results]))
          .to.be.revertedWithCustomError(fx.stake, "BurnFailed")
          .withArgs(fx.loss);
        expect(await moneyState(fx.stake, fx.nmr, [fx.alice.address])).to.deep.equal(before);
      });
    }

    it("Sink: a transfer that returns true and moves nothing → BurnFailed(amount)", async function () {
      const sink = await sinkAddress();
      const fx = await loadFixture(brokenSinkLoss);
      await (fx.nmr as unknown as BrokenBurnToken).setTransferQuirk(Quirk.NoEffect);
      const before = await moneyState(fx.stake, fx.nmr, [fx.alice.address, sink]);
      await expect(fx.stake.connect(fx.keeper).settle(fx.results))
        .to.be.revertedWithCustomError(fx.stake, "BurnFailed")
        .withArgs(fx.loss);
      expect(await moneyState(fx.stake, fx.nmr, [fx.alice.address, sink])).to.deep.equal(before);
    });

    it("a settlement without losses never calls the burn (a broken burn cannot block gains or zero rounds)", async function () {
      const fx = await loadFixture(brokenMintLoss);
      const { stake, operator, keeper, alice, models } = fx;
      await (fx.nmr as unknown as BrokenBurnToken).setBurnQuirk(Quirk.Revert);
      await expect(stake.connect(keeper).settle(fx.results)).to.be.reverted; // R0 is a loss
      // R0 + 1 gains; R0 stays the next round to settle, so settle both only after the burn works again: instead,
      // show that a zero round (expired, unpublished) settles while the burn is broken.
      await (fx.nmr as unknown as BrokenBurnToken).setBurnQuirk(Quirk.None);
      await stake.connect(keeper).settle(fx.results);
      await (fx.nmr as unknown as BrokenBurnToken).setBurnQuirk(Quirk.Revert);
      await openRound(stake, operator);
      const { deadline } = await stake.roundInfo(R0 + 1n);
      await time.increaseTo(deadline + 1n);
      await expect(
        stake.connect(keeper).settle({
          account: alice.address,
          models: models.alice,
          results: [accountRoundResult(R0 + 1n, null, models.alice)],
        }),
      ).to.emit(stake, "Settled");
    });
  });
});
