/**
 * NMRLike (contracts/mocks/NMRLike.sol): the test token written from shared/DESIGN.md's description of NMR. The other
 * suites run against it, so its quirks are pinned down here: no burn (an empty payable fallback swallows the call),
 * burns through `mint(v)` and `numeraiTransfer(from, v)` that return false instead of reverting, approve only from or
 * to zero, changeApproval, reverting transfers, exactly ABI-sized calldata, and decimals() as a uint256.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import type { Interface } from "ethers";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { NMR, namedSigners } from "../helpers/fixtures";

async function tokenFixture() {
  const { admin: owner, operator: spender, pauser: other } = await namedSigners();
  const nmr = await ethers.deployContract("NMRLike");
  await nmr.faucet(owner.address, NMR(1000));
  return { nmr, owner, spender, other, address: await nmr.getAddress() };
}

describe("NMRLike (a token that behaves like NMR)", function () {
  describe("no burn: the empty payable fallback", function () {
    it("a call to burn(uint256) succeeds and burns nothing", async function () {
      const { nmr, owner, address } = await loadFixture(tokenFixture);
      const burn = new ethers.Interface(["function burn(uint256)", "function burnFrom(address,uint256)"]);
      const supply = await nmr.totalSupply();
      await expect(owner.sendTransaction({ to: address, data: burn.encodeFunctionData("burn", [NMR(10)]) })).not.to.be
        .reverted;
      await expect(
        owner.sendTransaction({ to: address, data: burn.encodeFunctionData("burnFrom", [owner.address, NMR(10)]) }),
      ).not.to.be.reverted;
      expect(await nmr.totalSupply()).to.equal(supply);
      expect(await nmr.balanceOf(owner.address)).to.equal(NMR(1000));
    });

    it("any unknown function succeeds, with or without ether, and returns no data", async function () {
      const { owner, address } = await loadFixture(tokenFixture);
      const data = ethers.id("noSuchFunction()").slice(0, 10);
      expect(await ethers.provider.call({ to: address, data })).to.equal("0x");
      await expect(owner.sendTransaction({ to: address, data, value: 1n })).not.to.be.reverted;
      await expect(owner.sendTransaction({ to: address, value: 1n })).not.to.be.reverted;
      expect(await ethers.provider.getBalance(address)).to.equal(2n);
    });

    it("the artifact has no burn or burnFrom", async function () {
      const { nmr } = await loadFixture(tokenFixture);
      expect(nmr.interface.hasFunction("burn")).to.equal(false);
      expect(nmr.interface.hasFunction("burnFrom")).to.equal(false);
    });
  });

  describe("mint(v): NMR's burn of the caller's tokens", function () {
    it("burns v: balance and totalSupply fall, Transfer to zero, returns true", async function () {
      const { nmr, owner } = await loadFixture(tokenFixture);
      const supply = await nmr.totalSupply();
      expect(await nmr.mint.staticCall(NMR(40))).to.equal(true);
      await expect(nmr.mint(NMR(40)))
        .to.emit(nmr, "Transfer")
        .withArgs(owner.address, ethers.ZeroAddress, NMR(40));
      expect(await nmr.balanceOf(owner.address)).to.equal(NMR(960));
      expect(await nmr.totalSupply()).to.equal(supply - NMR(40));
    });

    it("returns false without reverting when the balance is short, and changes nothing", async function () {
      const { nmr, owner, spender } = await loadFixture(tokenFixture);
      const supply = await nmr.totalSupply();
      expect(await nmr.mint.staticCall(NMR(1000) + 1n)).to.equal(false);
      await expect(nmr.mint(NMR(1000) + 1n)).not.to.emit(nmr, "Transfer");
      expect(await nmr.connect(spender).mint.staticCall(1n)).to.equal(false);
      expect(await nmr.balanceOf(owner.address)).to.equal(NMR(1000));
      expect(await nmr.totalSupply()).to.equal(supply);
    });

    it("mint(0) returns an ABI-encoded true (what PortfolioStake's NumeraireMint probe relies on)", async function () {
      const { nmr, address, spender } = await loadFixture(tokenFixture);
      const raw = await ethers.provider.call({
        to: address,
        from: spender.address,
        data: nmr.interface.encodeFunctionData("mint", [0n]),
      });
      expect(raw).to.equal(ethers.zeroPadValue("0x01", 32));
    });
  });

  describe("numeraiTransfer(from, v): burn-from against the caller's allowance", function () {
    it("burns v of `from` and uses the allowance", async function () {
      const { nmr, owner, spender } = await loadFixture(tokenFixture);
      await nmr.approve(spender.address, NMR(100));
      const supply = await nmr.totalSupply();
      expect(await nmr.connect(spender).numeraiTransfer.staticCall(owner.address, NMR(30))).to.equal(true);
      await expect(nmr.connect(spender).numeraiTransfer(owner.address, NMR(30)))
        .to.emit(nmr, "Transfer")
        .withArgs(owner.address, ethers.ZeroAddress, NMR(30));
      expect(await nmr.allowance(owner.address, spender.address)).to.equal(NMR(70));
      expect(await nmr.balanceOf(owner.address)).to.equal(NMR(970));
      expect(await nmr.totalSupply()).to.equal(supply - NMR(30));
    });

    it("returns false without reverting when the allowance or the balance is short", async function () {
      const { nmr, owner, spender, other } = await loadFixture(tokenFixture);
      expect(await nmr.connect(spender).numeraiTransfer.staticCall(owner.address, 1n)).to.equal(false); // no allowance
      await nmr.connect(other).approve(spender.address, NMR(5));
      expect(await nmr.connect(spender).numeraiTransfer.staticCall(other.address, 1n)).to.equal(false); // no balance
      await expect(nmr.connect(spender).numeraiTransfer(owner.address, 1n)).not.to.emit(nmr, "Transfer");
      expect(await nmr.balanceOf(owner.address)).to.equal(NMR(1000));
      expect(await nmr.allowance(other.address, spender.address)).to.equal(NMR(5));
    });
  });

  describe("approve only from or to zero; changeApproval", function () {
    it("approve sets an allowance from zero, refuses non-zero to non-zero (reverts), allows back to zero", async function () {
      const { nmr, owner, spender } = await loadFixture(tokenFixture);
      await expect(nmr.approve(spender.address, NMR(10)))
        .to.emit(nmr, "Approval")
        .withArgs(owner.address, spender.address, NMR(10));
      await expect(nmr.approve(spender.address, NMR(20)))
        .to.be.revertedWithCustomError(nmr, "ApproveNonZeroToNonZero")
        .withArgs(spender.address, NMR(10), NMR(20));
      expect(await nmr.allowance(owner.address, spender.address)).to.equal(NMR(10));
      await nmr.approve(spender.address, 0n);
      expect(await nmr.allowance(owner.address, spender.address)).to.equal(0n);
      await nmr.approve(spender.address, NMR(20));
      expect(await nmr.allowance(owner.address, spender.address)).to.equal(NMR(20));
    });

    it("changeApproval(spender, old, new) changes a non-zero allowance when `old` is current, else returns false", async function () {
      const { nmr, owner, spender } = await loadFixture(tokenFixture);
      await nmr.approve(spender.address, NMR(10));
      expect(await nmr.changeApproval.staticCall(spender.address, NMR(9), NMR(20))).to.equal(false);
      await expect(nmr.changeApproval(spender.address, NMR(9), NMR(20))).not.to.emit(nmr, "Approval");
      expect(await nmr.allowance(owner.address, spender.address)).to.equal(NMR(10));
      expect(await nmr.changeApproval.staticCall(spender.address, NMR(10), NMR(20))).to.equal(true);
      await expect(nmr.changeApproval(spender.address, NMR(10), NMR(20)))
        .to.emit(nmr, "Approval")
        .withArgs(owner.address, spender.address, NMR(20));
      expect(await nmr.allowance(owner.address, spender.address)).to.equal(NMR(20));
    });
  });

  describe("transfers revert on failure", function () {
    it("transfer moves tokens and returns true; reverts on a short balance", async function () {
      const { nmr, owner, spender } = await loadFixture(tokenFixture);
      expect(await nmr.transfer.staticCall(spender.address, NMR(1))).to.equal(true);
      await expect(nmr.transfer(spender.address, NMR(1))).to.changeTokenBalances(
        nmr,
        [owner, spender],
        [-NMR(1), NMR(1)],
      );
      await expect(nmr.transfer(spender.address, NMR(1000)))
        .to.be.revertedWithCustomError(nmr, "InsufficientBalance")
        .withArgs(owner.address, NMR(999), NMR(1000));
    });

    it("transferFrom uses the allowance; reverts on a short allowance or balance", async function () {
      const { nmr, owner, spender, other } = await loadFixture(tokenFixture);
      await expect(nmr.connect(spender).transferFrom(owner.address, other.address, 1n))
        .to.be.revertedWithCustomError(nmr, "InsufficientAllowance")
        .withArgs(owner.address, spender.address, 0n, 1n);
      await nmr.approve(spender.address, ethers.MaxUint256);
      await expect(nmr.connect(spender).transferFrom(owner.address, other.address, NMR(5))).to.changeTokenBalances(
        nmr,
        [owner, other],
        [-NMR(5), NMR(5)],
      );
      expect(await nmr.allowance(owner.address, spender.address)).to.equal(ethers.MaxUint256 - NMR(5));
      await expect(nmr.connect(spender).transferFrom(owner.address, other.address, NMR(996)))
        .to.be.revertedWithCustomError(nmr, "InsufficientBalance")
        .withArgs(owner.address, NMR(995), NMR(996));
    });
  });

  describe("exactly ABI-sized calldata (onlyPayloadSize)", function () {
    it("refuses a call one byte longer (PayloadSize) or shorter than its arguments, for every function", async function () {
      const { nmr, owner, spender, address } = await loadFixture(tokenFixture);
      await nmr.approve(spender.address, NMR(1));
      await nmr.approve(owner.address, NMR(1)); // so that the well-sized transferFrom below succeeds
      const calls: [string, unknown[]][] = [
        ["transfer", [spender.address, 1n]],
        ["transferFrom", [owner.address, spender.address, 1n]],
        ["approve", [spender.address, 0n]],
        ["changeApproval", [spender.address, NMR(1), NMR(2)]],
        ["mint", [1n]],
        ["numeraiTransfer", [owner.address, 1n]],
        ["faucet", [owner.address, 1n]],
        ["balanceOf", [owner.address]],
        ["allowance", [owner.address, spender.address]],
        ["totalSupply", []],
        ["decimals", []],
        ["name", []],
        ["symbol", []],
      ];
      for (const [fn, args] of calls) {
        const data = (nmr.interface as unknown as Interface).encodeFunctionData(fn, args);
        // One byte more: the payload check refuses it.
        const longer = data + "00";
        await expect(owner.sendTransaction({ to: address, data: longer }), `${fn} with one byte more`)
          .to.be.revertedWithCustomError(nmr, "PayloadSize")
          .withArgs((data.length - 2) / 2, (longer.length - 2) / 2);
        // One byte less: the ABI decoder already refuses it (a 3-byte call is no function: it hits the fallback).
        if (args.length) {
          await expect(owner.sendTransaction({ to: address, data: data.slice(0, -2) }), `${fn} one byte short`).to.be
            .reverted;
        }
        await expect(owner.sendTransaction({ to: address, data }), `${fn} exactly sized`).not.to.be.reverted;
      }
    });
  });

  describe("metadata and the test faucet", function () {
    it("decimals() returns a uint256 18; name and symbol", async function () {
      const { nmr, address } = await loadFixture(tokenFixture);
      expect(await nmr.decimals()).to.equal(18n);
      expect(nmr.interface.getFunction("decimals").outputs[0]!.type).to.equal("uint256");
      const raw = await ethers.provider.call({ to: address, data: nmr.interface.encodeFunctionData("decimals") });
      expect(raw).to.equal(ethers.zeroPadValue("0x12", 32));
      expect(await nmr.symbol()).to.equal("NMR");
      expect(await nmr.name()).to.contain("Numeraire");
    });

    it("faucet(to, v) creates tokens: the supply grows, Transfer from zero", async function () {
      const { nmr, other } = await loadFixture(tokenFixture);
      const supply = await nmr.totalSupply();
      await expect(nmr.faucet(other.address, 7n))
        .to.emit(nmr, "Transfer")
        .withArgs(ethers.ZeroAddress, other.address, 7n);
      expect(await nmr.totalSupply()).to.equal(supply + 7n);
      expect(await nmr.balanceOf(other.address)).to.equal(7n);
    });
  });
});
