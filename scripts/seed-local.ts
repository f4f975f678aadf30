/**
 * Seeds the local chain with demo stakers: three accounts (4, 6 and 17 models), deposits, weight vectors, a manager,
 * a pending withdrawal, a funded rewards pool and open rounds. Idempotent: skipped when the demo models exist.
 *   npx hardhat run scripts/seed-local.ts --network localhost
 */
import hre from "hardhat";
import { chainDeployments } from "./lib/deployments";
import type { MockNMR, PortfolioStake } from "../typechain-types";

const { ethers } = hre;

function demoModels(owner: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => ethers.dataSlice(ethers.id(`demo:${owner}:${i}`), 0, 16));
}

function evenBps(n: number): number[] {
  const base = Math.floor(10_000 / n);
  return Array.from({ length: n }, (_, i) => base + (i < 10_000 - base * n ? 1 : 0));
}

async function main() {
  const chainId = (await ethers.provider.getNetwork()).chainId;
  const contracts = chainDeployments(chainId);
  const [deployer, alice, bob, carol, manager] = await ethers.getSigners();
  const stake = (await ethers.getContractAt("PortfolioStake", contracts.PortfolioStake.address)) as unknown as PortfolioStake;
  const nmr = (await ethers.getContractAt("MockNMR", contracts.NMR.address)) as unknown as MockNMR;
  const accounts = [
    { signer: alice, models: demoModels("alice", 4), deposit: "5000" },
    { signer: bob, models: demoModels("bob", 6), deposit: "12000" },
    { signer: carol, models: demoModels("carol", 17), deposit: "30000" },
  ];
  if ((await stake.modelsOf(alice.address)).length > 0) {
    console.log("demo stakers already seeded");
    return;
  }
  await (await nmr.mint(deployer.address, ethers.parseEther("1000000"))).wait();
  await (await nmr.approve(await stake.getAddress(), ethers.MaxUint256)).wait();
  await (await stake.fundRewards(ethers.parseEther("100000"))).wait();
  for (const { signer, models, deposit } of accounts) {
    await (await stake.registerModels(signer.address, models)).wait();
    await (await nmr.mint(signer.address, ethers.parseEther("100000"))).wait();
    await (await nmr.connect(signer).approve(await stake.getAddress(), ethers.MaxUint256)).wait();
    await (await stake.connect(signer).deposit(ethers.parseEther(deposit))).wait();
    await (await stake.connect(signer).setAllocation(models, evenBps(models.length))).wait();
    console.log(`${signer.address}: ${models.length} models, ${deposit} NMR, even weights`);
  }
  await (await stake.connect(bob).setManager(manager.address)).wait();
  for (let i = 0; i < 3; i++) {
    await ethers.provider.send("evm_increaseTime", [86_400]);
    await (await stake.openRound()).wait();
  }
  await (await stake.connect(manager).setAllocationFor(bob.address, demoModels("bob", 6).slice(0, 2), [7000, 3000])).wait();
  await (await stake.connect(alice).requestWithdrawal(ethers.parseEther("500"))).wait();
  console.log(`round ${await stake.currentRound()} open; bob's manager ${manager.address} moved bob to 70/30 from the next round; alice withdraws 500 NMR`);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
