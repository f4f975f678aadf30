/**
 * Gas per operation, measured from receipts on the in-process Hardhat network (Prague rules), with NMRLike (the token
 * that behaves like NMR; burns go through its `mint`, checked by their effect).
 * Run: npm run gas   (writes the table to stdout and to gas-report.md)
 *
 * "Floor" is what any design must pay for the same effect: 21,000 base + the calldata + writing the new vector's
 * storage words (22,100 each for a fresh slot, 5,000 when overwritten) + the event that carries the vector.
 * Steady state: after VECTOR_HISTORY (256) reallocations in successive rounds every new vector overwrites a ring slot.
 */
import { writeFileSync } from "node:fs";
import { ethers, network } from "hardhat";
import { setAllowance } from "./lib/allowance";
import { evenSplit } from "@portfolio-stake/core/bps";
import { at } from "@portfolio-stake/core/checks";
import { accountRoundResult, buildRoundTree, cumulativesOf, withCumulatives } from "@portfolio-stake/core/results";
import {
  DAY,
  benchModelIds,
  deployGasBench,
  gasBenchParams,
  gasOf,
  stakeBenchAccount,
  steadyStateReallocations,
} from "./bench/gasBench";

const PARAMS = gasBenchParams(ethers);
const SIZES = [1, 4, 8, 16, 32, 50, 64];
const NUMERAIRE_MINT = 0; // IPortfolioStake.BurnMode

function calldataGas(data: string): number {
  const bytes = ethers.getBytes(data);
  let gas = 0;
  for (const b of bytes) gas += b === 0 ? 4 : 16;
  return gas;
}

const ids = (owner: string, n: number) => benchModelIds(ethers, owner, n);

/** Floor for a reallocation of n models: base + calldata + vector words + the AllocationSet log. */
function allocationFloor(n: number, data: string, freshSlot: boolean): number {
  const words = Math.ceil(n / 16);
  const storage = words * (freshSlot ? 22_100 : 5_000);
  const log = 375 + 4 * 375 + 8 * (64 + 32 * n); // LOG4, data = offset + length + n weights
  return 21_000 + calldataGas(data) + storage + log;
}

async function main() {
  if (network.name !== "hardhat") throw new Error("Run the benchmark on the in-process network: npm run gas");
  const signers = await ethers.getSigners();
  const admin = at(signers, 0, "signers");
  const bench = await deployGasBench(ethers, network, admin);
  const { nmr, stake, libraries, nextRound } = bench;

  const rows: [operation: string, gas: string][] = [];
  /** setAllocation gas for one account of `models` models, and the floor each case cannot go below. */
  const allocRows: {
    models: number;
    newRound: number; // first vector of a new round (fresh slot)
    newRoundFloor: number;
    again: number; // a second vector in the same round
    againFloor: number;
    shuffled: number; // the same models in another order
    first: number; // the account's first vector ever
  }[] = [];
  const accounts = new Map<number, { signer: (typeof signers)[number]; models: string[] }>();

  // One account per size: register, deposit, then reallocate.
  for (const [k, n] of SIZES.entries()) {
    const signer = at(signers, k + 1, "signers");
    const models = ids(signer.address, n);
    accounts.set(n, { signer, models });
    const { proposed, accepted, deposit, first, again, next, shuffled } = await stakeBenchAccount(bench, ethers, {
      signer,
      models,
    });
    rows.push([`proposeModels + acceptModels (${n} models)`, `${proposed.gas} + ${accepted.gas}`]);
    if (n === 1) rows.push(["deposit (first)", String(deposit.gas)]);
    allocRows.push({
      models: n,
      newRound: next.gas,
      newRoundFloor: allocationFloor(n, next.data, true),
      again: again.gas,
      againFloor: allocationFloor(n, again.data, false),
      shuffled: shuffled.gas,
      first: first.gas,
    });
  }
  const { signer: s1 } = accounts.get(1)!;
  rows.push(["deposit (top-up)", String((await gasOf(stake.connect(s1).deposit(ethers.parseEther("10")))).gas)]);
  rows.push([
    "requestWithdrawal",
    String((await gasOf(stake.connect(s1).requestWithdrawal(ethers.parseEther("5")))).gas),
  ]);
  rows.push(["setManager", String((await gasOf(stake.connect(s1).setManager(admin.address))).gas)]);
  rows.push(["invalidateNonces", String((await gasOf(stake.connect(s1).invalidateNonces(100))).gas)]);
  rows.push(["openRound", String((await nextRound()).gas)]);

  // Settlement: one published round with every model's rate, then one account-round per size.
  const round = await stake.currentRound();
  const allModels = SIZES.flatMap((n) => accounts.get(n)!.models);
  const rates = allModels.map((modelId, i) => ({ modelId, rate: ethers.parseEther(String(((i % 11) - 5) / 100)) }));
  // A realistic tree: ~500 models in the round, not only ours.
  const others = ids("others", 500).map((modelId, i) => ({
    modelId,
    rate: ethers.parseEther(String(((i % 7) - 3) / 100)),
  }));
  const tree = buildRoundTree(round, withCumulatives([...rates, ...others], undefined, PARAMS.rateCap));
  // Earlier rounds (before the measured one) are unpublished: let their deadlines pass and settle them as zero.
  await network.provider.send("evm_increaseTime", [27 * DAY + DAY / 2]);
  await network.provider.send("evm_mine", []);
  rows.push([
    "publishRound (any number of models/accounts)",
    String((await gasOf(stake.publishRound(round, tree.root, "ipfs://bafy.../round.json"))).gas),
  ]);
  for (const n of SIZES) {
    const { signer, models } = accounts.get(n)!;
    const acc = await stake.accountOf(signer.address);
    const empty = [];
    for (let r = acc.nextSettleRound; r < round; r++) empty.push(accountRoundResult(r, null, models));
    if (empty.length) await stake.settle({ account: signer.address, models, results: empty });
    const settled = await gasOf(
      stake.settle({ account: signer.address, models, results: [accountRoundResult(round, tree, models)] }),
    );
    rows.push([`settle 1 account-round (${n} models, 506-leaf tree)`, String(settled.gas)]);
  }

  // Batch: 20 accounts x 4 models settling one published round, and one account settling 20 rounds.
  const batchStakers = signers.slice(8, 28).map((signer) => ({ signer, models: ids(signer.address, 4) }));
  for (const { signer: s, models } of batchStakers) {
    await stake.proposeModels(s.address, models);
    await stake.connect(s).acceptModels(models);
    await nmr.faucet(s.address, ethers.parseEther("1000"));
    await setAllowance(nmr, s, await stake.getAddress(), ethers.MaxUint256);
    await stake.connect(s).deposit(ethers.parseEther("1000"));
    await stake.connect(s).setAllocation(models, evenSplit(4));
  }
  const trees = new Map<bigint, ReturnType<typeof buildRoundTree>>();
  const firstBatchRound = (await stake.currentRound()) + 1n;
  let cumulatives = cumulativesOf(tree);
  for (let k = 0; k < 20; k++) {
    await nextRound();
    const r = await stake.currentRound();
    const plain = [...batchStakers.flatMap((b) => b.models), ...allModels].map((modelId, j) => ({
      modelId,
      rate: ethers.parseEther(String((((j + k) % 9) - 4) / 100)),
    }));
    const t = buildRoundTree(r, withCumulatives(plain, cumulatives, PARAMS.rateCap));
    cumulatives = cumulativesOf(t);
    trees.set(r, t);
  }
  for (const [r, t] of trees) {
    const { resolvesAt } = await stake.roundInfo(r);
    const now = (await ethers.provider.getBlock("latest"))!.timestamp;
    if (now < resolvesAt) await network.provider.send("evm_setNextBlockTimestamp", [Number(resolvesAt)]);
    await stake.publishRound(r, t.root, "");
  }
  const settleUpTo = async (s: (typeof signers)[number], models: string[], lastRound: bigint) => {
    const acc = await stake.accountOf(s.address);
    const results = [];
    for (let r = acc.nextSettleRound; r <= lastRound; r++)
      results.push(accountRoundResult(r, trees.get(r) ?? null, models));
    return { account: s.address, models, results };
  };
  // Bring everyone to the first batch round, then measure.
  for (const { signer: s, models } of batchStakers) {
    const pre = await settleUpTo(s, models, firstBatchRound - 1n);
    if (pre.results.length) await stake.settle(pre);
  }
  const batch = [];
  for (const { signer: s, models } of batchStakers.slice(0, 19))
    batch.push(await settleUpTo(s, models, firstBatchRound));
  const b = await gasOf(stake.settleBatch(batch));
  rows.push([`settleBatch 19 accounts x 1 round (4 models)`, `${b.gas} (${Math.round(b.gas / 19)} per account-round)`]);
  const last = at(batchStakers, 19, "batch stakers");
  const many = await settleUpTo(last.signer, last.models, firstBatchRound + 19n);
  const m = await gasOf(stake.settle(many));
  rows.push([
    `settle 1 account x ${many.results.length} rounds (4 models)`,
    `${m.gas} (${Math.round(m.gas / many.results.length)} per account-round)`,
  ]);
  await network.provider.send("evm_increaseTime", [8 * DAY]);
  rows.push([
    "claimWithdrawal",
    String(
      (
        await gasOf(
          stake
            .connect(s1)
            .claimWithdrawal()
            .catch(async () => {
              const acc = await stake.accountOf(s1.address);
              const results = [];
              for (let r = acc.nextSettleRound; r <= (await stake.currentRound()); r++)
                results.push(accountRoundResult(r, trees.get(r) ?? null, accounts.get(1)!.models));
              await stake.settle({ account: s1.address, models: accounts.get(1)!.models, results });
              return stake.connect(s1).claimWithdrawal();
            }),
        )
      ).gas,
    ),
  ]);

  // Steady state: after VECTOR_HISTORY reallocations in successive rounds the ring wraps and every new vector
  // overwrites an old slot. The keeper has settled the rounds that are past their deadline (unpublished: zero).
  // (scripts/bench/gasBench.ts; test/integration/gas.test.ts measures the 16-model case the same way and fails over 60k)
  const published = new Map([...trees, [round, tree]]);
  const steadyGas = await steadyStateReallocations(
    bench,
    SIZES.map((n) => accounts.get(n)!),
    published,
  );
  const steady = new Map(SIZES.map((n, i) => [n, steadyGas[i]!]));

  // Owed rewards, on a second deployment whose pool is short: a gain the pool cannot pay is owed, a refill pays part
  // of it (pro rata, through the index: the same cost for any number of owed accounts), the account claims.
  const short = await ethers.deployContract(
    "PortfolioStake",
    [await nmr.getAddress(), NUMERAIRE_MINT, ethers.ZeroAddress, admin.address, 1, PARAMS],
    { libraries },
  );
  await short.grantRole(await short.OPERATOR_ROLE(), admin.address);
  await setAllowance(nmr, admin, await short.getAddress(), ethers.MaxUint256);
  const owedSigner = at(signers, 28, "signers");
  const owedModels = ids(owedSigner.address, 4);
  await short.proposeModels(owedSigner.address, owedModels);
  await short.connect(owedSigner).acceptModels(owedModels);
  await nmr.faucet(owedSigner.address, ethers.parseEther("6400"));
  await setAllowance(nmr, owedSigner, await short.getAddress(), ethers.MaxUint256);
  await short.connect(owedSigner).deposit(ethers.parseEther("6400"));
  await short.connect(owedSigner).setAllocation(owedModels, evenSplit(4));
  await short.fundRewards(ethers.parseEther("1")); // the pool: far less than the gain below
  await network.provider.send("evm_increaseTime", [DAY]);
  await short.openRound();
  const owedRound = await short.currentRound();
  const owedTree = buildRoundTree(
    owedRound,
    withCumulatives(
      owedModels.map((modelId) => ({ modelId, rate: ethers.parseEther("0.5") })),
      undefined,
      PARAMS.rateCap,
    ),
  );
  const { resolvesAt: owedResolves } = await short.roundInfo(owedRound);
  await network.provider.send("evm_setNextBlockTimestamp", [Number(owedResolves)]);
  await short.publishRound(owedRound, owedTree.root, "");
  const owedSettle = await gasOf(
    short.settle({
      account: owedSigner.address,
      models: owedModels,
      results: [accountRoundResult(owedRound, owedTree, owedModels)],
    }),
  );
  rows.push(["settle 1 account-round, pool short (4 models; the rest is owed)", String(owedSettle.gas)]);
  const owed = (await short.accountOf(owedSigner.address)).unpaidRewards;
  rows.push([
    "fundRewards paying part of what is owed (pro rata, any number of accounts)",
    String((await gasOf(short.fundRewards(owed / 2n))).gas),
  ]);
  rows.push(["claimRewards", String((await gasOf(short.claimRewards(owedSigner.address))).gas)]);
  rows.push([
    "fundRewards paying everything owed (new epoch) and the pool",
    String((await gasOf(short.fundRewards(owed))).gas),
  ]);

  const allocTable = [
    "| models | new round, first 256 vectors | floor (fresh slot) | new round, steady state | floor (reused slot) | same round again | reordered list (per-model checks) | first ever |",
    "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...allocRows.map(
      (r) =>
        `| ${r.models} | ${r.newRound} | ${r.newRoundFloor} | **${steady.get(r.models) ?? "n/a"}** | ${r.againFloor} | ${r.again} | ${r.shuffled} | ${r.first} |`,
    ),
  ].join("\n");
  const opsTable = ["| operation | gas |", "|---|---:|", ...rows.map(([op, gas]) => `| ${op} | ${gas} |`)].join("\n");
  const report = `## setAllocation by number of models\n\n${allocTable}\n\n## Other operations\n\n${opsTable}\n`;
  console.log(report);
  writeFileSync("gas-report.md", report);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
