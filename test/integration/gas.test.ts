/**
 * Gas guard (issue 12, point 8): a 16-model reallocation stays <= 60,000 gas in steady state, measured as
 * `npm run gas` measures it (scripts/bench/gasBench.ts, shared with scripts/gas-benchmark.ts): an account of 16
 * models with its first vectors, then VECTOR_HISTORY + 1 reallocations in successive rounds, the keeper settling it
 * up to 30 rounds back, so that each new vector overwrites a slot of its ring. Uninstrumented (integration stage):
 * under solidity-coverage every figure would be higher. GAS_LIMIT_STEADY_16 lowers the limit (to see it fail).
 */
import { expect } from "chai";
import { ethers, network } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { at } from "@portfolio-stake/core/checks";
import {
  benchModelIds,
  deployGasBench,
  stakeBenchAccount,
  steadyStateReallocations,
} from "../../scripts/bench/gasBench";

const LIMIT = Number(process.env.GAS_LIMIT_STEADY_16 ?? 60_000);

async function sixteenModelAccount() {
  const signers = await ethers.getSigners();
  const bench = await deployGasBench(ethers, network, at(signers, 0, "signers"));
  const signer = at(signers, 4, "signers"); // the benchmark's 16-model account (same address, same model ids)
  const account = { signer, models: benchModelIds(ethers, signer.address, 16) };
  await stakeBenchAccount(bench, ethers, account);
  return { bench, account };
}

describe("gas: steady-state reallocation", function () {
  it(`a 16-model reallocation in steady state costs at most ${LIMIT} gas`, async function () {
    const { bench, account } = await loadFixture(sixteenModelAccount);
    const ring = await bench.stake.VECTOR_HISTORY();
    const [gas] = await steadyStateReallocations(bench, [account]);
    console.log(`      16-model reallocation, steady state (ring of ${ring}): ${gas} gas (limit ${LIMIT})`);
    expect(gas).to.be.a("number");
    expect(gas!).to.be.at.most(LIMIT);
  });
});
