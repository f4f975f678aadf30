/**
 * Indexing throughput: a local chain with at least 10,000 contract events (reallocations in multicalls, plus the
 * registrations and deposits), then a fresh `ponder start` backfills it; prints events per second.
 *
 *   npm run bench -w indexer      (THROUGHPUT_EVENTS to change the target, default 10,000;
 *                                  INDEXER_TEST_DATABASE_URL=postgresql://… to measure on Postgres)
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { createWalletClient, encodeFunctionData, http, maxUint256, parseEther, type Address, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { portfolioStakeAbi } from "@portfolio-stake/core/abi/portfolioStakeAbi";
import { DEV_ACCOUNTS } from "@portfolio-stake/core/devAccounts";
import { at, defined } from "@portfolio-stake/core/checks";
import {
  createTokensFunction,
  deployDemo,
  gql,
  log,
  startChain,
  startPonder,
  stopAll,
  testTokenAbi,
  waitIndexed,
  work,
} from "./harness";

const TARGET = Number(process.env.THROUGHPUT_EVENTS ?? 10_000);
const ACCOUNTS = 16;
const MODELS = 8;
const CALLS_PER_TX = 100;

async function main() {
  const { rpc, client } = await startChain(Number(process.env.THROUGHPUT_PORT ?? 8553));
  const deployed = await deployDemo(rpc, 0, 1);
  const stake = deployed.stake.address;
  const wallet = (i: number) =>
    createWalletClient({
      account: privateKeyToAccount(at(DEV_ACCOUNTS, i, "dev accounts").privateKey),
      chain: hardhat,
      transport: http(rpc),
    });
  const wait = (hash: Hex) => client.waitForTransactionReceipt({ hash });
  const operator = wallet(0);
  const stakers: Address[] = DEV_ACCOUNTS.slice(1, 1 + ACCOUNTS).map((a) => a.address);
  const modelsOf = new Map<Address, Hex[]>();
  for (const [i, s] of stakers.entries()) {
    const ids = Array.from(
      { length: MODELS },
      (_, m) => `0x${(i + 1).toString(16).padStart(16, "0")}${(m + 1).toString(16).padStart(16, "0")}` as Hex,
    );
    modelsOf.set(s, ids);
    await wait(
      await operator.writeContract({
        address: stake,
        abi: portfolioStakeAbi,
        functionName: "proposeModels",
        args: [s, ids],
      }),
    );
    const w = wallet(i + 1);
    await wait(
      await w.writeContract({ address: stake, abi: portfolioStakeAbi, functionName: "acceptModels", args: [ids] }),
    );
    await wait(
      await w.writeContract({
        address: deployed.nmr.address,
        abi: testTokenAbi,
        functionName: createTokensFunction,
        args: [s, parseEther("1000")],
      }),
    );
    await wait(
      await w.writeContract({
        address: deployed.nmr.address,
        abi: testTokenAbi,
        functionName: "approve", // from zero: a fresh account
        args: [stake, maxUint256],
      }),
    );
    await wait(
      await w.writeContract({
        address: stake,
        abi: portfolioStakeAbi,
        functionName: "deposit",
        args: [parseEther("1000")],
      }),
    );
  }
  let events = (await client.getLogs({ address: stake, fromBlock: 0n })).length;
  let k = 0;
  while (events < TARGET) {
    const i = k++ % stakers.length;
    const staker = at(stakers, i, "stakers");
    const ids = defined(modelsOf.get(staker), `model ids of ${staker}`);
    const calls = Array.from({ length: CALLS_PER_TX }, (_, c) => {
      const bps = ids.map((_, m) => (m === c % MODELS ? 10_000 - 1000 * (MODELS - 1) : 1000));
      return encodeFunctionData({ abi: portfolioStakeAbi, functionName: "setAllocation", args: [ids, bps] });
    });
    await wait(
      await wallet(i + 1).writeContract({
        address: stake,
        abi: portfolioStakeAbi,
        functionName: "multicall",
        args: [calls],
        gas: 16_000_000n,
      }),
    );
    events += CALLS_PER_TX;
  }
  const head = await client.getBlockNumber();
  let counted = 0; // counted on chain, in small ranges (a single response would exceed viem's 10 MB limit)
  let allocationEvents = 0;
  for (let from = 0n; from <= head; from += 20n) {
    const logs = await client.getContractEvents({
      address: stake,
      abi: portfolioStakeAbi,
      fromBlock: from,
      toBlock: from + 19n,
    });
    counted += logs.length;
    allocationEvents += logs.filter((l) => l.eventName === "AllocationSet").length;
  }
  log(`chain: ${counted} PortfolioStake events in ${head} blocks; starting a fresh ponder`);
  const ponder = await startPonder({
    rpc,
    deploymentsFile: deployed.deploymentsFile,
    port: Number(process.env.THROUGHPUT_PONDER_PORT ?? 42072),
  });
  const seconds = ponder.readyAfterMs / 1000;
  // The backfill alone, as Ponder logs it (fetching the logs from the node and running the indexing functions).
  const ponderLog = readFileSync(path.join(work, "ponder.log"), "utf8");
  const loggedSeconds = (message: string) => {
    const time = new RegExp(`^(\\d\\d):(\\d\\d):(\\d\\d\\.\\d+) .*${message}`, "m").exec(ponderLog);
    if (!time) throw new Error(`no "${message}" line in ${path.join(work, "ponder.log")}`);
    return Number(time[1]) * 3600 + Number(time[2]) * 60 + Number(time[3]);
  };
  const backfillSeconds =
    loggedSeconds("Completed backfill indexing across all chains") - loggedSeconds("Started backfill indexing");
  // Not a broken index: one allocation row per AllocationSet, one account event per account event on chain.
  await waitIndexed(ponder.url, head);
  const indexed = await gql<{ allocations: { totalCount: number } }>(ponder.url, "{ allocations { totalCount } }");
  assert.equal(indexed.allocations.totalCount, allocationEvents, "every AllocationSet indexed");
  log(
    `indexed ${counted} events: backfill ${backfillSeconds.toFixed(1)} s (Ponder's log, first to last line of the backfill) = ${(counted / backfillSeconds).toFixed(0)} events/s; ` +
      `${seconds.toFixed(1)} s from process start to /ready (database set-up included) = ${(counted / seconds).toFixed(0)} events/s`,
  );
}

main().then(
  async () => {
    await stopAll(false);
  },
  async (error) => {
    console.error(error);
    await stopAll(true);
    process.exitCode = 1;
  },
);
