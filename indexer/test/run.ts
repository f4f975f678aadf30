/**
 * Indexer correctness: a demo history plus a seeded random sequence of actions on a local chain, then every
 * account and round rebuilt by the indexer must equal the contract's own views (accountOf, modelsOf, allocationAt,
 * stakeAt, roundInfo). Then a reorg (evm_snapshot / evm_revert) must leave the indexer on the new branch.
 *
 *   npm test -w indexer          (INDEXER_TEST_SEED, INDEXER_TEST_ACTIONS, INDEXER_TEST_PORT to change the run)
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createWalletClient, http, maxUint256, parseEther, type Address, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { nmrAbi } from "../../app/src/generated/nmrAbi";
import { portfolioStakeAbi } from "../../app/src/generated/portfolioStakeAbi";
import { DEV_ACCOUNTS } from "../../app/src/lib/devWallet/keys";
import { deployDemo, getJson, gql, log, startChain, startPonder, stopAll, waitIndexed } from "./harness";

const SEED = Number(process.env.INDEXER_TEST_SEED ?? 7);
const ACTIONS = Number(process.env.INDEXER_TEST_ACTIONS ?? 60);
const PORT = Number(process.env.INDEXER_TEST_PORT ?? 8552);
const PONDER_PORT = Number(process.env.INDEXER_TEST_PONDER_PORT ?? 42071);

/** mulberry32: small, seeded, reproducible. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random vector over n models: a random non-empty subset, whole bps summing to exactly 10,000. */
function randomVector(n: number, random: () => number): number[] {
  const raw = Array.from({ length: n }, () => (random() < 0.35 ? 0 : random()));
  if (raw.every((x) => x === 0)) raw[Math.floor(random() * n)] = 1;
  const sum = raw.reduce((a, b) => a + b, 0);
  const bps = raw.map((x) => Math.floor((x / sum) * 10_000));
  bps[raw.findIndex((x) => x > 0)] += 10_000 - bps.reduce((a, b) => a + b, 0);
  return bps;
}

async function main() {
  const t0 = Date.now();
  const random = rng(SEED);
  const { rpc, client } = await startChain(PORT);
  log(`chain on ${rpc}; deploying and generating the demo history`);
  const deployed = deployDemo(rpc, 24, SEED);
  const demo = JSON.parse(readFileSync(deployed.demoJson, "utf8")) as { accounts: { name: string; address: Address }[]; manager: Address };
  const stake = deployed.stake.address;
  const wallet = (address: Address) => {
    const key = DEV_ACCOUNTS.find((a) => a.address.toLowerCase() === address.toLowerCase())!.privateKey;
    return createWalletClient({ account: privateKeyToAccount(key), chain: hardhat, transport: http(rpc) });
  };
  const accounts = demo.accounts.map((a) => a.address);
  const send = async (from: Address, functionName: string, args: readonly unknown[], address: Address = stake, abi: typeof portfolioStakeAbi | typeof nmrAbi = portfolioStakeAbi) => {
    try {
      const { request } = await client.simulateContract({ account: wallet(from).account, address, abi, functionName, args } as never);
      const hash = await wallet(from).writeContract(request as never);
      await client.waitForTransactionReceipt({ hash });
      return true;
    } catch {
      return false; // a revert the contract is right to give (e.g. a second withdrawal): nothing changed
    }
  };

  // Random actions on top of the demo: reallocations (by the staker or bob's manager), deposits, withdrawals.
  const done: Record<string, number> = {};
  for (let i = 0; i < ACTIONS; i++) {
    const who = accounts[Math.floor(random() * accounts.length)];
    const models = await client.readContract({ address: stake, abi: portfolioStakeAbi, functionName: "modelsOf", args: [who] });
    const pick = random();
    let kind: string;
    let ok: boolean;
    if (pick < 0.5) {
      kind = "setAllocation";
      const bps = randomVector(models.length, random);
      const ids = models.filter((_, m) => bps[m] > 0);
      ok = await send(who, "setAllocation", [ids, bps.filter((w) => w > 0)]);
    } else if (pick < 0.6 && who === demo.accounts[1].address) {
      kind = "setAllocationFor (manager)";
      ok = await send(demo.manager, "setAllocationFor", [who, models, randomVector(models.length, random)]);
    } else if (pick < 0.85) {
      kind = "deposit";
      const amount = parseEther(String(1 + Math.floor(random() * 500)));
      await send(who, "mint", [who, amount], deployed.nmr.address, nmrAbi);
      await send(who, "approve", [stake, maxUint256], deployed.nmr.address, nmrAbi);
      ok = await send(who, "deposit", [amount]);
    } else {
      kind = "requestWithdrawal";
      ok = await send(who, "requestWithdrawal", [parseEther(String(1 + Math.floor(random() * 50)))]);
    }
    done[`${kind}${ok ? "" : " (reverted)"}`] = (done[`${kind}${ok ? "" : " (reverted)"}`] ?? 0) + 1;
  }
  log(`random actions (seed ${SEED}): ${JSON.stringify(done)}`);

  const head = await client.getBlockNumber();
  const ponder = await startPonder({ rpc, deploymentsFile: deployed.deploymentsFile, port: PONDER_PORT });
  await waitIndexed(ponder.url, head);
  log(`ponder ready after ${(ponder.readyAfterMs / 1000).toFixed(1)} s, head block ${head}`);

  // 1. Every account: its models, balances and counters.
  const current = await client.readContract({ address: stake, abi: portfolioStakeAbi, functionName: "currentRound" });
  let checks = 0;
  for (const a of accounts) {
    const lower = a.toLowerCase();
    const view = await client.readContract({ address: stake, abi: portfolioStakeAbi, functionName: "accountOf", args: [a] });
    const { account } = await gql<{ account: Record<string, string | number | null> }>(
      ponder.url,
      `{ account(address: "${lower}") { balance pendingWithdrawal manager modelCount totalPaid totalBurned unpaidRewards } }`,
    );
    assert.equal(BigInt(account.balance as string), view.balance, `${a}: balance`);
    assert.equal(BigInt(account.pendingWithdrawal as string), view.pendingWithdrawal, `${a}: pending withdrawal`);
    assert.equal(BigInt(account.totalPaid as string), view.totalRewarded, `${a}: total rewarded`);
    assert.equal(BigInt(account.totalBurned as string), view.totalBurned, `${a}: total burned`);
    assert.equal(BigInt(account.unpaidRewards as string), view.unpaidRewards, `${a}: unpaid rewards`);
    assert.equal(account.modelCount, view.modelCount, `${a}: model count`);
    assert.equal((account.manager as string | null) ?? "0x0000000000000000000000000000000000000000", view.manager.toLowerCase(), `${a}: manager`);
    const models = await client.readContract({ address: stake, abi: portfolioStakeAbi, functionName: "modelsOf", args: [a] });
    const indexed = await gql<{ models: { items: { id: Hex; slot: number }[] } }>(
      ponder.url,
      `{ models(where: { account: "${lower}" }, orderBy: "slot", limit: 100) { items { id slot } } }`,
    );
    assert.deepEqual(indexed.models.items.map((m) => m.id), models.map((m) => m.toLowerCase()), `${a}: models`);
    checks += 8;

    // 2. Every round: the vector in force (allocationAt) and, for settled rounds, the stake at risk (stakeAt).
    for (let r = 1; r <= current + 1; r++) {
      const [, bps] = await client.readContract({ address: stake, abi: portfolioStakeAbi, functionName: "allocationAt", args: [a, r] });
      const vector = await getJson<{ weights: number[] }>(`${ponder.url}/accounts/${lower}/vector/${r}`);
      const expected = bps.map(Number);
      const got = expected.map((_, i) => vector.weights[i] ?? 0);
      assert.deepEqual(got, expected, `${a}: vector of round ${r}`);
      checks++;
    }
    const settled = await gql<{ settlements: { items: { round: number; stakeAtRisk: string; balance: string }[] } }>(
      ponder.url,
      `{ settlements(where: { account: "${lower}" }, orderBy: "round", limit: 1000) { items { round stakeAtRisk balance } } }`,
    );
    const events = await client.getContractEvents({ address: stake, abi: portfolioStakeAbi, eventName: "Settled", args: { staker: a }, fromBlock: 0n });
    assert.deepEqual(settled.settlements.items.map((s) => s.round), events.map((e) => Number(e.args.round)), `${a}: settled rounds`);
    if (events.length) assert.equal(settled.settlements.items.at(-1)!.round, view.nextSettleRound - 1, `${a}: last settled round`);
    for (const s of settled.settlements.items) {
      const atRisk = await client.readContract({ address: stake, abi: portfolioStakeAbi, functionName: "stakeAt", args: [a, s.round] });
      assert.equal(BigInt(s.stakeAtRisk), atRisk, `${a}: stake at risk in round ${s.round}`);
      checks++;
    }
  }

  // 3. Every round: opening times, cap and published root.
  for (let r = 1; r <= current; r++) {
    const info = await client.readContract({ address: stake, abi: portfolioStakeAbi, functionName: "roundInfo", args: [r] });
    const totals = await getJson<{ openedAt: string; deadline: string; rateCap: string; root: Hex | null }>(`${ponder.url}/rounds/${r}/totals`);
    assert.equal(BigInt(totals.openedAt), BigInt(info.openedAt), `round ${r}: openedAt`);
    assert.equal(BigInt(totals.deadline), BigInt(info.deadline), `round ${r}: deadline`);
    assert.equal(BigInt(totals.rateCap), info.rateCap, `round ${r}: rate cap`);
    assert.equal(totals.root ?? `0x${"0".repeat(64)}`, info.root, `round ${r}: root`);
    checks += 4;
  }
  log(`state rebuilt by the indexer equals the contract's views: ${checks} checks over ${accounts.length} accounts and ${current} rounds`);

  // 4. A reorg: a reallocation is indexed, then the chain reverts to before it and takes another branch.
  const dave = accounts[3];
  const daveModels = await client.readContract({ address: stake, abi: portfolioStakeAbi, functionName: "modelsOf", args: [dave] });
  const snapshot = (await client.request({ method: "evm_snapshot" as never })) as Hex;
  const branchA = randomVector(daveModels.length, random);
  assert.ok(await send(dave, "setAllocation", [daveModels, branchA]));
  await waitIndexed(ponder.url, await client.getBlockNumber());
  const before = await gql<{ account: { currentWeights: number[] } }>(ponder.url, `{ account(address: "${dave.toLowerCase()}") { currentWeights } }`);
  assert.deepEqual(before.account.currentWeights, branchA, "branch A indexed");
  await client.request({ method: "evm_revert" as never, params: [snapshot] as never });
  const branchB = daveModels.map((_, i) => (i === 0 ? 10_000 : 0));
  assert.ok(await send(dave, "setAllocation", [daveModels, branchB]));
  for (let i = 0; i < 3; i++) await client.request({ method: "evm_mine" as never });
  await waitIndexed(ponder.url, await client.getBlockNumber());
  await new Promise((r) => setTimeout(r, 1500));
  const after = await gql<{ account: { currentWeights: number[] }; allocations: { items: { weights: number[] }[] } }>(
    ponder.url,
    `{ account(address: "${dave.toLowerCase()}") { currentWeights } allocations(where: { account: "${dave.toLowerCase()}" }, orderBy: "blockNumber", orderDirection: "desc", limit: 2) { items { weights } } }`,
  );
  assert.deepEqual(after.account.currentWeights, branchB, "after the reorg the account shows branch B's vector");
  assert.deepEqual(after.allocations.items[0].weights, branchB, "the newest stored vector is branch B's");
  assert.ok(!after.allocations.items.some((x) => JSON.stringify(x.weights) === JSON.stringify(branchA)), "branch A's vector is gone");
  log(`reorg: branch A's vector was indexed, then replaced by branch B's after evm_revert (${((Date.now() - t0) / 1000).toFixed(1)} s in all)`);
}

main().then(
  () => {
    stopAll(false);
    log("PASS");
  },
  (error) => {
    console.error(error);
    stopAll(true);
    process.exitCode = 1;
  },
);
