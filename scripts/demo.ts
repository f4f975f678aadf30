/**
 * Deploys PortfolioStake on the local node (Ignition, mock NMR) and generates the demo history: four stakers, their
 * models, deposits, vectors changing over time, a manager, withdrawals, and DEMO_ROUNDS daily rounds with realistic
 * results, published (leaf files in DEMO_DIR/rounds) and settled. `npm start` runs it; on its own:
 *
 *   npx hardhat node &                                          # 127.0.0.1:8545
 *   npx hardhat run scripts/demo.ts --network localhost
 *
 * DEMO_ROUNDS  rounds to open (default 80: ~60 published and settled, the newest ~20 still open)
 * DEMO_SEED    seed of the generated results (default 1): the same seed gives the same history
 * DEMO_DIR     where leaf files (rounds/) and demo.json (addresses, accounts, models) go (default .demo)
 * Run it once per chain: on a chain that already has the demo it only prints the summary.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import hre from "hardhat";
import { at } from "@portfolio-stake/core/checks";
import { DEMO_FILE_NAME, type DemoFile } from "@portfolio-stake/core/demoFile";
import { hexAddress, modelIdHex } from "@portfolio-stake/core/hex";
import { connect } from "./lib/connect";
import { deployPortfolioStake } from "./lib/deploy";
import { DEFAULT_DEMO_ROUNDS, DEMO_ACCOUNTS, generateDemoHistory } from "./lib/demo";

const { ethers } = hre;

async function main() {
  const started = Date.now();
  const rounds = Number(process.env.DEMO_ROUNDS ?? DEFAULT_DEMO_ROUNDS);
  const seed = Number(process.env.DEMO_SEED ?? 1);
  const dir = path.resolve(process.env.DEMO_DIR ?? ".demo");
  const roundsDir = path.join(dir, "rounds");
  const summaryFile = path.join(dir, DEMO_FILE_NAME);

  const deployed = await deployPortfolioStake(hre);
  console.log(`PortfolioStake ${deployed.stake.address}, mock NMR ${deployed.nmr.address} (${deployed.file})`);
  const { stake, nmr } = await connect(hre, { file: deployed.file });
  const signers = await ethers.getSigners();
  const operator = at(signers, 0, "signers");
  const rest = signers.slice(1);
  const stakers = rest.slice(0, DEMO_ACCOUNTS.length);
  const manager = at(rest, DEMO_ACCOUNTS.length, "signers");

  if ((await stake.modelsOf(at(stakers, 0, "stakers").address)).length > 0) {
    console.log(`The demo history is already on this chain (round ${await stake.currentRound()}); nothing generated.`);
    if (existsSync(summaryFile)) console.log(`Accounts and models: ${summaryFile}; leaf files: ${roundsDir}`);
    return;
  }
  rmSync(roundsDir, { recursive: true, force: true });
  mkdirSync(roundsDir, { recursive: true });
  console.log(`Generating ${rounds} rounds (seed ${seed})…`);
  const summary = await generateDemoHistory(
    { stake, nmr, operator, stakers, manager, provider: ethers.provider, fromBlock: deployed.stake.deployBlock },
    { rounds, seed, roundsDir, log: console.log },
  );

  const fmt = (wei: bigint) => Number(ethers.formatEther(wei)).toLocaleString("en-US", { maximumFractionDigits: 2 });
  const open = summary.lastRound - (summary.published.at(-1) ?? summary.firstRound - 1n);
  console.log(
    `\nDemo ready in ${((Date.now() - started) / 1000).toFixed(1)} s (chain time ${new Date(summary.chainTime * 1000).toISOString()})`,
  );
  console.log(
    `  rounds ${summary.firstRound}-${summary.lastRound} opened; ${summary.published.length} published and settled (${summary.settledAccountRounds} account-rounds in ${summary.keeperTransactions} keeper transactions); ${open} still open`,
  );
  console.log(`  rewards pool ${fmt(summary.rewardsPool)} NMR; leaf files in ${summary.roundsDir}`);
  console.log(`  operator/admin ${operator.address}; bob's manager ${manager.address}`);
  for (const a of summary.accounts) {
    console.log(
      `  ${a.name.padEnd(6)} ${a.address}  ${String(a.models.length).padStart(2)} models  stake ${fmt(a.balance).padStart(9)} NMR` +
        `  rewarded ${fmt(a.totalRewarded)}  burned ${fmt(a.totalBurned)}` +
        (a.pendingWithdrawal > 0n ? `  pending withdrawal ${fmt(a.pendingWithdrawal)}` : ""),
    );
  }
  const json: DemoFile = {
    chainId: 31337,
    generatedAt: new Date().toISOString(),
    seed,
    stake: deployed.stake.address,
    nmr: deployed.nmr.address,
    operator: hexAddress(operator.address),
    manager: hexAddress(manager.address),
    firstRound: Number(summary.firstRound),
    lastRound: Number(summary.lastRound),
    publishedRounds: summary.published.map(Number),
    roundsDir: summary.roundsDir,
    accounts: summary.accounts.map((a) => ({
      name: a.name,
      address: hexAddress(a.address),
      models: a.models.map((m) => ({ id: modelIdHex(m.id), name: m.name })),
    })),
    actions: summary.actions,
  };
  writeFileSync(summaryFile, JSON.stringify(json, null, 2) + "\n");
  console.log(`  accounts, models (with names) and what happened: ${summaryFile}`);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
