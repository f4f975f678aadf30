/**
 * Indexer correctness. A demo history (deposits, vectors, a manager, withdrawals, published and settled rounds) is
 * indexed by a fresh Ponder (backfill); then a seeded random sequence of actions runs while Ponder follows the chain
 * live: reallocations (by stakers and by a manager, and a burst of more than 64 in one round), deposits, newcomers,
 * new models, withdrawal requests and claims, days passing with rounds opened, resolved rounds published (leaf files
 * and roots from core's payout formula, as the operator job writes them) and settled by the keeper job, run as the
 * script it is deployed as (scripts/keeper.ts): nothing outside the indexer package but core is imported. Then, for
 * every account and every round, what the indexer rebuilt must equal the contract's own views and receipts:
 *   accounts    accountOf (balance, pending withdrawal, rewards, burned, unpaid, model count, manager), modelsOf
 *   vectors     allocationAt(account, r) for every round r, through /accounts/:a/vector/:r
 *   by model    /rounds/:r/allocations?model= for every model at sampled rounds, against allocationAt
 *   settlements every Settled event's fields, stakeAt(account, r) for each settled round; every SpanSettled (rounds
 *               the keeper settled together) against the span_settlement table
 *   model rates /models/:id/performance: one row per (weighted model, settled round), rate and stake from Settled
 *   rounds      roundInfo (times, cap, root) and the round totals (sum of that round's Settled events, and the
 *               accounts and slices of the spans over it)
 *   app history app/scripts/compare-history-sources.ts: the app's indexer-backed history equals its log history
 * Then a reorg (evm_snapshot / evm_revert to before an indexed reallocation, another branch mined) must leave the
 * indexer on the new branch.
 *
 *   npm test -w indexer     runs it twice: on embedded PGlite, then on a throw-away PostgreSQL server
 *                           (INDEXER_TEST_DATABASE=postgres; see harness.ts and postgres.ts)
 *   options: INDEXER_TEST_SEED, INDEXER_TEST_ACTIONS, INDEXER_TEST_PORT, INDEXER_TEST_PONDER_PORT,
 *            INDEXER_TEST_DATABASE (pglite | postgres), INDEXER_TEST_PG_PORT, INDEXER_TEST_DATABASE_URL
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import {
  createWalletClient,
  encodeFunctionData,
  http,
  maxUint256,
  parseEther,
  type Abi,
  type Address,
  type Hex,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { portfolioStakeAbi } from "@portfolio-stake/core/abi/portfolioStakeAbi";
import { parseDemoFile } from "@portfolio-stake/core/demoFile";
import { DEV_ACCOUNTS } from "@portfolio-stake/core/devAccounts";
import { portsFromEnv, refuseTakenPorts } from "@portfolio-stake/core/devChain";
import { PRESETS, payoutRate } from "@portfolio-stake/core/payout";
import { Prng } from "@portfolio-stake/core/prng";
import { isOpenRound } from "@portfolio-stake/core/exposure";
import {
  buildRoundTree,
  cumulativesOf,
  roundFile,
  treeFromFile,
  withCumulatives,
  type RoundFile,
} from "@portfolio-stake/core/results";
import type { AccountView } from "@portfolio-stake/core/views";
import {
  DATABASE_KIND,
  ROOT,
  createTokensFunction,
  deployDemo,
  getJson,
  gql,
  log,
  runKeeper,
  startChain,
  startPonder,
  stopAll,
  testTokenAbi,
  waitIndexed,
  work,
} from "./harness";

const SEED = Number(process.env.INDEXER_TEST_SEED ?? 7);
const ACTIONS = Number(process.env.INDEXER_TEST_ACTIONS ?? 90);
const PORTS = { chain: ["INDEXER_TEST_PORT", 8552], ponder: ["INDEXER_TEST_PONDER_PORT", 42071] } as const;
const { chain: PORT, ponder: PONDER_PORT } = portsFromEnv(PORTS);
const DEMO_ROUNDS = 30;
const DAY = 86_400;
/** More reallocations in one round than the contract's VECTOR_HISTORY (64), while older rounds are unsettled. */
const BURST = 70;
const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";
const ZERO_MODEL = "0x00000000000000000000000000000000";

/**
 * A random vector over `models` (modelsOf: the zero ID at a freed slot, which must get 0): a random non-empty subset
 * of the bound models, whole bps summing to exactly 10,000.
 */
function randomVector(models: readonly Hex[], random: () => number): number[] {
  const n = models.length;
  const bound = (i: number) => models[i] !== ZERO_MODEL;
  const raw: number[] = Array.from({ length: n }, (_, i) => (random() < 0.35 || !bound(i) ? 0 : random()));
  if (!raw.some((x) => x > 0)) raw[models.findIndex((_, i) => bound(i))] = 1;
  if (!raw.some((x) => x > 0)) raw[Math.floor(random() * n)] = 1;
  const sum = raw.reduce((a, b) => a + b, 0);
  const bps = raw.map((x) => Math.floor((x / sum) * 10_000));
  bps[raw.findIndex((x) => x > 0)]! += 10_000 - bps.reduce((a, b) => a + b, 0);
  return bps;
}

const randomId = (random: () => number): Hex =>
  `0x${Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16)).join("")}`;

async function main() {
  const t0 = Date.now();
  const prng = new Prng(SEED);
  const random = () => prng.float();
  await refuseTakenPorts(PORTS);
  const { rpc, client } = await startChain(PORT);
  log(`chain on ${rpc}; deploying and generating ${DEMO_ROUNDS} rounds of demo history`);
  const deployed = await deployDemo(rpc, DEMO_ROUNDS, SEED);
  const demo = parseDemoFile(readFileSync(deployed.demoJson, "utf8"), deployed.demoJson);
  const stake = deployed.stake.address;
  const fromBlock = deployed.stake.deployBlock;

  // Backfill: the demo history is indexed by a fresh Ponder; everything after it is indexed live.
  const ponder = await startPonder({ rpc, deploymentsFile: deployed.deploymentsFile, port: PONDER_PORT });
  log(
    `ponder (on ${DATABASE_KIND}) backfilled the demo in ${(ponder.readyAfterMs / 1000).toFixed(1)} s; random actions follow, indexed live`,
  );

  const wallet = (address: Address) => {
    const key = DEV_ACCOUNTS.find((a) => a.address.toLowerCase() === address.toLowerCase())!.privateKey;
    return createWalletClient({ account: privateKeyToAccount(key), chain: hardhat, transport: http(rpc) });
  };
  const send = async (
    from: Address,
    functionName: string,
    args: readonly unknown[],
    address: Address = stake,
    abi: typeof portfolioStakeAbi | typeof testTokenAbi = portfolioStakeAbi,
  ) => {
    try {
      const { request } = await client.simulateContract({
        account: wallet(from).account,
        address,
        abi,
        functionName,
        args,
      } as never);
      const hash = await wallet(from).writeContract(request as never);
      return (await client.waitForTransactionReceipt({ hash })).status === "success";
    } catch {
      return false; // a revert the contract is right to give (e.g. a claim before release): nothing changed
    }
  };
  const anyFunctionAbi: Abi = portfolioStakeAbi; // function names and arguments given as plain strings and values
  const read = <T>(functionName: string, args: readonly unknown[] = []) =>
    client.readContract({ address: stake, abi: anyFunctionAbi, functionName, args }) as Promise<T>;

  /** Test tokens, and an unlimited allowance under NMR's rule: approve from zero, changeApproval otherwise. */
  const fund = async (who: Address, amount: bigint) => {
    const token = deployed.nmr.address;
    await send(who, createTokensFunction, [who, amount], token, testTokenAbi);
    const allowance = await client.readContract({
      address: token,
      abi: testTokenAbi,
      functionName: "allowance",
      args: [who, stake],
    });
    if (allowance >= amount) return;
    count(
      allowance === 0n ? "approve (from zero)" : "changeApproval",
      allowance === 0n
        ? await send(who, "approve", [stake, maxUint256], token, testTokenAbi)
        : await send(who, "changeApproval", [stake, allowance, maxUint256], token, testTokenAbi),
    );
  };

  const roundsDir = demo.roundsDir;
  /** The operator publishes round `r`'s tree, its leaf file written first (as the operator job does). */
  // Each published tree's cumulatives continue the previous one's (rounds are published in order here).
  let lastCumulatives: Map<string, bigint> | undefined;
  const publish = async (r: number, tree: ReturnType<typeof buildRoundTree>, file: object, uri: string) => {
    lastCumulatives = cumulativesOf(tree);
    writeFileSync(path.join(roundsDir, `round-${r}.json`), JSON.stringify(file));
    assert.ok(await send(demo.operator, "publishRound", [r, tree.root, uri]), `round ${r} is published`);
  };
  const nextDay = async () => {
    await client.request<{ Parameters: [number]; ReturnType: unknown }>({ method: "evm_increaseTime", params: [DAY] });
    await client.request<{ Parameters: undefined; ReturnType: unknown }>({ method: "evm_mine" });
    return send(demo.operator, "openRound", []);
  };
  /** Publishes every resolved, unpublished round (random per-model scores), then lets the keeper settle. */
  const publishAndSettle = async () => {
    const current = await read<number>("currentRound");
    const now = BigInt((await client.getBlock()).timestamp);
    const models = (
      await client.getContractEvents({
        address: stake,
        abi: portfolioStakeAbi,
        eventName: "ModelRegistered",
        fromBlock: BigInt(fromBlock),
      })
    ).map((e) => e.args.modelId!);
    let published = 0;
    for (let r = 1; r <= current; r++) {
      const info = await read<{ resolvesAt: number; deadline: number; root: Hex }>("roundInfo", [r]);
      if (info.root !== `0x${"0".repeat(64)}` || now < BigInt(info.resolvesAt) || now > BigInt(info.deadline)) continue;
      const { rateCap: cap, sliceDivisor } = await read<{ rateCap: bigint; sliceDivisor: number }>("roundInfo", [r]);
      const demoFile = path.join(roundsDir, `round-${r - 1}.json`); // the demo's last round, published by the operator
      if (lastCumulatives === undefined && existsSync(demoFile))
        lastCumulatives = cumulativesOf(treeFromFile(JSON.parse(readFileSync(demoFile, "utf8")) as RoundFile));
      // The owed-rewards round: every model at the round's cap (+100% of the slice), so the whales' gains exceed the
      // pool and are owed.
      if (r === owedScenario.round) {
        const tree = buildRoundTree(
          BigInt(r),
          withCumulatives(
            models.map((modelId) => ({ modelId, rate: cap })),
            lastCumulatives,
            cap,
          ),
        );
        await publish(r, tree, roundFile(BigInt(r), tree), "file://every-model-at-the-cap");
        published++;
        continue;
      }
      // Once, a tree without a model carol weights (published directly: the operator job gives every registered
      // model a leaf): nobody can prove that round for her; after its proof deadline the keeper settles it as zero.
      if (unprovableRound === undefined) {
        const [ids, bps] = await read<[readonly Hex[], readonly number[]]>("allocationAt", [stakers[2]!, r]);
        const left = ids.find((id, slot) => bps[slot]! > 0 && id !== ZERO_MODEL);
        if (left) {
          unprovableRound = r;
          const tree = buildRoundTree(
            BigInt(r),
            withCumulatives(
              models
                .filter((m) => m.toLowerCase() !== left.toLowerCase())
                .map((modelId) => ({ modelId, rate: BigInt(Math.round(random() * 40_000 - 20_000)) * 10n ** 12n })),
              lastCumulatives,
              cap,
            ),
          );
          await publish(r, tree, roundFile(BigInt(r), tree), "file://incomplete");
          log(`round ${r} is published without carol's model ${left}: unprovable for her`);
          published++;
          continue;
        }
      }
      // Random scores through the 2024 multipliers and clip on whatever slice the round puts at risk: every registered
      // model a leaf, its scores in the leaf file, as the operator job writes it.
      const config = { ...PRESETS["numerai-2024"]!, sliceDivisor };
      const scoresByModel = new Map(
        models.map((model) => [
          model,
          { CORR: (random() * 0.1 - 0.05).toFixed(10), MMC: (random() * 0.04 - 0.02).toFixed(10) },
        ]),
      );
      const tree = buildRoundTree(
        BigInt(r),
        withCumulatives(
          [...scoresByModel].map(([modelId, scores]) => ({ modelId, rate: payoutRate(scores, config).rate })),
          lastCumulatives,
          cap,
        ),
      );
      await publish(r, tree, roundFile(BigInt(r), tree, config, scoresByModel), `file://${roundsDir}/round-${r}.json`);
      published++;
    }
    const report = await runKeeper({ rpc, deploymentsFile: deployed.deploymentsFile, roundsDir });
    keeperUnprovableLines.push(...report.lines.filter((line) => /cannot prove|as unprovable/.test(line)));
    if (process.env.INDEXER_TEST_DEBUG) for (const line of report.lines) log(line);
    return `${published} published, ${report.settledAccountRounds} account-rounds settled`;
  };

  let unprovableRound: number | undefined;
  /** The round whose every model is published at the cap (set once the whales staked). */
  const owedScenario: { round?: number } = {};
  const keeperUnprovableLines: string[] = [];
  const stakers: Address[] = demo.accounts.map((a) => a.address);
  const newcomers: Address[] = [DEV_ACCOUNTS[6]!.address, DEV_ACCOUNTS[7]!.address];
  const modelsOf = (who: Address) => read<readonly Hex[]>("modelsOf", [who]);
  const done: Record<string, number> = {};
  const count = (kind: string, ok: boolean) => {
    const key = `${kind}${ok ? "" : " (reverted)"}`;
    done[key] = (done[key] ?? 0) + 1;
  };

  // The extra proposal's fate takes turns (withdrawn, declined, left pending) rather than a draw, so every seed
  // leaves some proposal pending for the checks below.
  let proposals = 0;
  for (let i = 0; i < ACTIONS; i++) {
    const who = stakers[Math.floor(random() * stakers.length)]!;
    const pick = random();
    if (i === Math.floor(ACTIONS / 3)) {
      // Burst: BURST reallocations of one account in one transaction, all for the same next round.
      const models = await modelsOf(stakers[0]!);
      const calls = Array.from({ length: BURST }, () =>
        encodeFunctionData({
          abi: portfolioStakeAbi,
          functionName: "setAllocation",
          args: [models, randomVector(models, random)],
        }),
      );
      count(`burst of ${BURST} setAllocation`, await send(stakers[0]!, "multicall", [calls]));
    } else if (pick < 0.3) {
      const models = await modelsOf(who);
      const bps = randomVector(models, random);
      count(
        "setAllocation",
        await send(who, "setAllocation", [models.filter((_, m) => bps[m]! > 0), bps.filter((w) => w > 0)]),
      );
    } else if (pick < 0.36) {
      const bob = stakers[1]!;
      const models = await modelsOf(bob);
      count(
        "setAllocationFor (manager)",
        await send(demo.manager, "setAllocationFor", [bob, models, randomVector(models, random)]),
      );
    } else if (pick < 0.45) {
      const amount = parseEther(String(1 + Math.floor(random() * 500)));
      await fund(who, amount);
      count("deposit", await send(who, "deposit", [amount]));
    } else if (pick < 0.5) {
      // New models: proposed by the operator, accepted by the account (a newcomer, who then stakes, or a staker);
      // one more is proposed and then withdrawn or declined, or left pending.
      const newcomer = newcomers[Math.floor(random() * newcomers.length)]!;
      const target = random() < 0.5 ? newcomer : who;
      const ids = Array.from({ length: 1 + Math.floor(random() * 3) }, () => randomId(random));
      const extra = randomId(random);
      count("proposeModels", await send(demo.operator, "proposeModels", [target, [...ids, extra]]));
      count("acceptModels", await send(target, "acceptModels", [ids]));
      const fate = proposals++ % 3;
      if (fate === 0)
        count("cancelModelProposals (operator)", await send(demo.operator, "cancelModelProposals", [[extra]]));
      else if (fate === 1)
        count("cancelModelProposals (declined)", await send(target, "cancelModelProposals", [[extra]]));
      if (target === newcomer && !stakers.includes(newcomer)) {
        const amount = parseEther(String(100 + Math.floor(random() * 900)));
        await fund(newcomer, amount);
        const ok = await send(newcomer, "deposit", [amount]);
        count("newcomer deposit", ok);
        if (ok) stakers.push(newcomer);
      }
    } else if (pick < 0.55) {
      // Unbinding a model without weight (by the account or the operator), then a new model in its freed slot.
      const models = await modelsOf(who);
      const [, bps] = await read<[readonly Hex[], readonly number[]]>("allocationAt", [
        who,
        (await read<number>("currentRound")) + 1,
      ]);
      const free = models.filter((id, slot) => id !== ZERO_MODEL && !(bps[slot]! > 0));
      const pickModel = free[Math.floor(random() * free.length)];
      const by = random() < 0.5 ? who : demo.operator;
      // A model weighted in a vector some unsettled round still uses cannot leave (ModelWeighted): then a fresh
      // model, accepted after the latest vector (so weightless), is unbound instead.
      let ok = pickModel !== undefined && (await send(by, "unbindModels", [who, [pickModel]]));
      count("unbindModels", ok);
      if (!ok) {
        const fresh = randomId(random);
        await send(demo.operator, "proposeModels", [who, [fresh]]);
        await send(who, "acceptModels", [[fresh]]);
        ok = await send(by, "unbindModels", [who, [fresh]]);
        count("unbindModels (a fresh model)", ok);
      }
      if (ok) {
        const id = randomId(random);
        count("slot reuse: proposeModels", await send(demo.operator, "proposeModels", [who, [id]]));
        count("slot reuse: acceptModels", await send(who, "acceptModels", [[id]]));
      }
    } else if (pick < 0.58) {
      // Nonces: setManager and invalidateNonces use them (a direct reallocation does too).
      if (random() < 0.5 && who !== stakers[1]) {
        count("setManager", await send(who, "setManager", [random() < 0.5 ? demo.manager : ZERO_ADDRESS]));
      } else {
        const nonce = await read<bigint>("nonces", [who]);
        count(
          "invalidateNonces",
          await send(who, "invalidateNonces", [nonce + 1n + BigInt(Math.floor(random() * 100))]),
        );
      }
    } else if (pick < 0.64) {
      count(
        "requestWithdrawal",
        await send(who, "requestWithdrawal", [parseEther(String(1 + Math.floor(random() * 50)))]),
      );
    } else if (pick < 0.7) {
      count("claimWithdrawal", await send(who, "claimWithdrawal", []));
    } else if (pick < 0.92) {
      count("day passes + openRound", await nextDay());
    } else {
      const what = await publishAndSettle();
      count(`publish + settle (${what})`, true);
    }
  }
  // Then days pass (rounds opened, published, settled) until pending withdrawals can be claimed, and are.
  // (Past the unprovable round's proof deadline too, so that the keeper settles it as zero.)
  const unprovableSettled = async () =>
    (
      await client.getContractEvents({
        address: stake,
        abi: portfolioStakeAbi,
        eventName: "Settled",
        args: { staker: stakers[2]! },
        fromBlock: BigInt(fromBlock),
      })
    ).some((e) => e.args.unprovable);
  let days = 0;
  for (; days < 45 && (days < 3 || !done["claimWithdrawal"] || !(await unprovableSettled())); days++) {
    await nextDay();
    if (days % 4 === 3) await publishAndSettle();
    for (const who of stakers) if (await send(who, "claimWithdrawal", [])) count("claimWithdrawal", true);
  }
  log(`random actions (seed ${SEED}): ${JSON.stringify(done)}; then ${days} days; last: ${await publishAndSettle()}`);

  // Owed rewards. Two whales stake so much that one round at +100% of their slices pays each more than the whole
  // pool: the pool runs short and both are owed. Then a partial refill (paid pro rata), a claim by a third party, a
  // full refill (a new epoch), and a later settlement that credits what the refill paid (RewardsClaimed from
  // settle). After each step the indexer's owed and claimable amounts must equal accountOf and totals().
  type Totals = readonly [bigint, bigint, bigint, bigint, bigint];
  const chainTotals = () => read<Totals>("totals");
  const whales = [DEV_ACCOUNTS[8]!.address, DEV_ACCOUNTS[9]!.address];
  const sliceDivisor = BigInt((await read<{ sliceDivisor: number }>("parameters")).sliceDivisor);
  const poolAtStart = (await chainTotals())[2];
  for (const [k, whale] of whales.entries()) {
    const id = randomId(random);
    assert.ok(await send(demo.operator, "proposeModels", [whale, [id]]), "a whale's model is proposed");
    assert.ok(await send(whale, "acceptModels", [[id]]), "and accepted");
    const stakeAmount = (poolAtStart * sliceDivisor * (k === 0 ? 15n : 12n)) / 10n; // slices of 1.5 and 1.2 pools
    await fund(whale, stakeAmount);
    assert.ok(await send(whale, "deposit", [stakeAmount]), "a whale deposits");
    assert.ok(await send(whale, "setAllocation", [[id], [10_000]]), "a whale allocates");
    stakers.push(whale);
  }
  await nextDay();
  const owedRound = await read<number>("currentRound");
  owedScenario.round = owedRound;
  const settledPast = async (who: Address, r: number) =>
    (await read<AccountView>("accountOf", [who])).nextSettleRound > r;
  const whalesSettled = async () =>
    (await settledPast(whales[0]!, owedRound)) && (await settledPast(whales[1]!, owedRound));
  for (let d = 0; d < 40 && !(await whalesSettled()); d++) {
    await nextDay();
    if (d >= 27 || d % 4 === 3) await publishAndSettle();
  }
  const owedOf = async (who: Address) => {
    const v = await read<AccountView>("accountOf", [who]);
    return { balance: v.balance, owed: v.unpaidRewards, claimable: v.claimableRewards };
  };
  const owedChecks: string[] = [];
  /** The indexer's owed rewards, per account and in all, equal the contract's at this point. */
  const compareOwed = async (step: string) => {
    await waitIndexed(ponder.url, await client.getBlockNumber({ cacheTime: 0 }));
    for (const a of stakers) {
      const view = await owedOf(a);
      const { account } = await gql<{ account: { balance: string; unpaidRewards: string; claimableRewards: string } }>(
        ponder.url,
        `{ account(address: "${a.toLowerCase()}") { balance unpaidRewards claimableRewards } }`,
      );
      assert.deepEqual(
        {
          balance: BigInt(account.balance),
          owed: BigInt(account.unpaidRewards),
          claimable: BigInt(account.claimableRewards),
        },
        view,
        `${step}: ${a}'s balance, owed and claimable rewards`,
      );
    }
    const [, , rewardsPool, owedRewards, owedReserve] = await chainTotals();
    const indexed = await getJson<{ rewardsPool: string; owedTotal: string; owedReserve: string }>(
      `${ponder.url}/rewards`,
    );
    assert.deepEqual(
      {
        rewardsPool: BigInt(indexed.rewardsPool),
        owedRewards: BigInt(indexed.owedTotal),
        owedReserve: BigInt(indexed.owedReserve),
      },
      { rewardsPool, owedRewards, owedReserve },
      `${step}: totals() rewards pool, owed and reserve`,
    );
    owedChecks.push(step);
  };

  const [, , poolShort, owedShort, reserveShort] = await chainTotals();
  const whaleOwed = await Promise.all(whales.map(owedOf));
  assert.equal(poolShort, 0n, "the whales' gains emptied the pool");
  assert.ok(whaleOwed.every((w) => w.owed > 0n) && owedShort > 0n, "both whales are owed rewards");
  assert.equal(reserveShort, 0n);
  await compareOwed("pool short");

  // Partial refill: 40% of what is owed, from alice. Each owed account is paid the same fraction of its owed amount.
  const [alice, bob] = [stakers[0]!, stakers[1]!];
  const partial = (owedShort * 4n) / 10n;
  await fund(alice, partial);
  assert.ok(await send(alice, "fundRewards", [partial]), "partial refill");
  const afterPartial = await Promise.all(whales.map(owedOf));
  for (const [k, w] of afterPartial.entries()) {
    assert.ok(w.claimable > 0n && w.owed > 0n, `whale ${k} was paid part of what it is owed`);
    assert.equal(w.balance, whaleOwed[k]!.balance, "a refill credits no stake by itself");
  }
  assert.equal((await chainTotals())[4], partial, "the refill went to the owed reserve");
  await compareOwed("partial refill");

  // A claim, sent by bob for the first whale (permissionless): its stake grows by exactly its claimable amount.
  assert.ok(await send(bob, "claimRewards", [whales[0]!]), "claimRewards for the first whale");
  const claimed = await owedOf(whales[0]!);
  assert.equal(claimed.balance, afterPartial[0]!.balance + afterPartial[0]!.claimable, "claim credited the stake");
  assert.equal(claimed.claimable, 0n);
  assert.equal(claimed.owed, afterPartial[0]!.owed, "a claim leaves what is still owed");
  assert.equal(await send(bob, "claimRewards", [whales[0]!]), false, "nothing left to claim: NothingToClaim");
  await compareOwed("claim");

  // Full refill: everything owed and 1,000 NMR more to the pool; a new epoch (older records read zero owed).
  const owedBeforeFull = (await chainTotals())[3];
  const full = owedBeforeFull + parseEther("1000");
  await fund(alice, full);
  assert.ok(await send(alice, "fundRewards", [full]), "full refill");
  const [, , poolFull, owedFull] = await chainTotals();
  assert.deepEqual([poolFull, owedFull], [parseEther("1000"), 0n], "everything owed was paid, the rest is pooled");
  const afterFull = await Promise.all(whales.map(owedOf));
  assert.equal(afterFull[1]!.claimable, afterPartial[1]!.claimable + afterPartial[1]!.owed, "second whale: all of it");
  await compareOwed("full refill");

  // The second whale does not claim: its next settlement credits what the refills paid (RewardsClaimed, then Settled).
  for (let d = 0; d < 6 && (await owedOf(whales[1]!)).claimable > 0n; d++) {
    await nextDay();
    await publishAndSettle();
  }
  const syncedBySettlement = await client.getContractEvents({
    address: stake,
    abi: portfolioStakeAbi,
    eventName: "RewardsClaimed",
    args: { staker: whales[1]! },
    fromBlock: BigInt(fromBlock),
  });
  assert.equal(syncedBySettlement.length, 1, "the second whale's settlement credited its paid owed rewards");
  const receipt = await client.getTransactionReceipt({ hash: syncedBySettlement[0]!.transactionHash });
  assert.ok(receipt.logs.length > 1, "... inside a settlement transaction");
  await compareOwed("settlement after the refill");
  log(`owed rewards: indexer == accountOf and totals() after ${owedChecks.join(", ")}`);
  assert.ok(done["claimWithdrawal"], "a withdrawal was claimed during the run");
  assert.ok(done["unbindModels"] || done["unbindModels (a fresh model)"], "a model was unbound during the run");
  assert.ok(done["slot reuse: acceptModels"], "a freed slot was reused");
  assert.ok(unprovableRound !== undefined && (await unprovableSettled()), "a round was settled as unprovable");
  assert.ok(
    keeperUnprovableLines.some((line) => line.includes(`round ${unprovableRound}`)),
    `the keeper reported the round it could not prove:\n${keeperUnprovableLines.join("\n")}`,
  );
  log(`keeper on the unprovable round:\n  ${keeperUnprovableLines.slice(0, 3).join("\n  ")}`);

  const head = await client.getBlockNumber({ cacheTime: 0 });
  await waitIndexed(ponder.url, head);
  log(`ponder indexed up to head block ${head}`);
  const checks = {
    accounts: 0,
    proposals: 0,
    vectors: 0,
    byModel: 0,
    settlements: 0,
    spanSettlements: 0,
    unprovable: 0,
    modelRates: 0,
    rounds: 0,
    exposure: 0,
  };
  /** modelsOf at a block: which model a slot held then (a freed slot may be reused by another model later). */
  const modelsAt = (who: Address, blockNumber: bigint) =>
    client.readContract({
      address: stake,
      abi: anyFunctionAbi,
      functionName: "modelsOf",
      args: [who],
      blockNumber,
    }) as Promise<readonly Hex[]>;
  const since = { address: stake, abi: portfolioStakeAbi, fromBlock: BigInt(fromBlock) } as const;
  const proposedEvents = await client.getContractEvents({ ...since, eventName: "ModelProposed" });
  const registeredEvents = await client.getContractEvents({ ...since, eventName: "ModelRegistered" });
  const vectorsSet = await client.getContractEvents({ ...since, eventName: "AllocationSet" });

  // 0. Proposals: every model ever proposed, pending or not, as modelProposal(id) says.
  const proposedIds = [...new Set(proposedEvents.map((e) => e.args.modelId!.toLowerCase() as Hex))];
  const pending = await gql<{ modelProposals: { items: { id: Hex; account: Hex }[] } }>(
    ponder.url,
    "{ modelProposals(limit: 1000) { items { id account } } }",
  );
  const expectedPending = [];
  for (const id of proposedIds) {
    const to = await read<Address>("modelProposal", [id]);
    if (to !== ZERO_ADDRESS) expectedPending.push({ id, account: to.toLowerCase() });
    checks.proposals++;
  }
  const byId = (x: { id: string }, y: { id: string }) => x.id.localeCompare(y.id);
  assert.deepEqual(pending.modelProposals.items.sort(byId), expectedPending.sort(byId), "pending proposals");
  assert.ok(expectedPending.length > 0, "some proposals are left pending");

  // 1. Every account: counters, balances, manager, models.
  const current = await read<number>("currentRound");
  const accountsIndexed = await gql<{ accounts: { items: { address: Address }[] } }>(
    ponder.url,
    "{ accounts(limit: 1000) { items { address } } }",
  );
  assert.deepEqual(
    new Set(accountsIndexed.accounts.items.map((a) => a.address)),
    new Set(stakers.map((a) => a.toLowerCase())),
    "the indexer knows exactly the accounts that staked",
  );
  const vectorAt = new Map<string, number[]>(); // `${account}:${round}` → allocationAt weights
  for (const a of stakers) {
    const lower = a.toLowerCase();
    const view = await read<AccountView>("accountOf", [a]);
    const { account } = await gql<{ account: Record<string, string | number | string[] | null> }>(
      ponder.url,
      `{ account(address: "${lower}") { balance pendingWithdrawal manager nonce modelCount models totalPaid totalBurned unpaidRewards claimableRewards lastSettledRound } }`,
    );
    assert.equal(BigInt(account.nonce as string), await read<bigint>("nonces", [a]), `${a}: nonce`);
    const registry = await getJson<{ nonce: string; models: Hex[]; proposals: Hex[] }>(
      `${ponder.url}/accounts/${lower}/registry`,
    );
    assert.equal(BigInt(registry.nonce), await read<bigint>("nonces", [a]), `${a}: nonce (REST)`);
    assert.deepEqual(
      registry.proposals.sort(),
      expectedPending
        .filter((p) => p.account === lower)
        .map((p) => p.id)
        .sort(),
      `${a}: proposals (REST)`,
    );
    assert.equal(BigInt(account.balance as string), view.balance, `${a}: balance`);
    assert.equal(BigInt(account.pendingWithdrawal as string), view.pendingWithdrawal, `${a}: pending withdrawal`);
    assert.equal(BigInt(account.totalPaid as string), view.totalRewarded, `${a}: total rewarded`);
    assert.equal(BigInt(account.totalBurned as string), view.totalBurned, `${a}: total burned`);
    assert.equal(BigInt(account.unpaidRewards as string), view.unpaidRewards, `${a}: unpaid rewards`);
    assert.equal(BigInt(account.claimableRewards as string), view.claimableRewards, `${a}: claimable rewards`);
    assert.equal(account.modelCount, view.modelCount, `${a}: model count`);
    assert.equal((account.manager as string | null) ?? ZERO_ADDRESS, view.manager.toLowerCase(), `${a}: manager`);
    const models = await modelsOf(a);
    assert.deepEqual(
      account.models,
      models.map((m) => m.toLowerCase()),
      `${a}: models by slot (modelsOf, freed slots as the zero ID)`,
    );
    assert.deepEqual(registry.models, account.models, `${a}: models (REST)`);
    const indexed = await gql<{ models: { items: { id: Hex; slot: number }[] } }>(
      ponder.url,
      `{ models(where: { account: "${lower}" }, orderBy: "slot", limit: 100) { items { id slot } } }`,
    );
    assert.deepEqual(
      indexed.models.items.map((m) => [m.id, m.slot]),
      models.flatMap((m, slot) => (m === ZERO_MODEL ? [] : [[m.toLowerCase(), slot]])),
      `${a}: bound models`,
    );
    checks.accounts += 13;

    // 2. Every round: the vector in force (allocationAt).
    for (let r = 1; r <= current + 1; r++) {
      const [, bps] = await read<[readonly Hex[], readonly number[]]>("allocationAt", [a, r]);
      const expected = bps.map(Number);
      vectorAt.set(`${lower}:${r}`, expected);
      const vector = await getJson<{ weights: number[] }>(`${ponder.url}/accounts/${lower}/vector/${r}`);
      assert.deepEqual(
        expected.map((_, i) => vector.weights[i] ?? 0),
        expected,
        `${a}: vector of round ${r}`,
      );
      checks.vectors++;
    }

    // 3. Settlements: every Settled event, field by field, and the stake at risk it used.
    const settled = await gql<{ settlements: { items: Record<string, string | number | boolean | string[]>[] } }>(
      ponder.url,
      `{ settlements(where: { account: "${lower}" }, orderBy: "round", limit: 1000) { items { round stakeAtRisk rates delta paid burned unpaidRewards balance unprovable txHash } } }`,
    );
    const events = await client.getContractEvents({
      address: stake,
      abi: portfolioStakeAbi,
      eventName: "Settled",
      args: { staker: a },
      fromBlock: BigInt(fromBlock),
    });
    assert.equal(settled.settlements.items.length, events.length, `${a}: one settlement row per Settled event`);
    const spanEvents = await client.getContractEvents({
      address: stake,
      abi: portfolioStakeAbi,
      eventName: "SpanSettled",
      args: { staker: a },
      fromBlock: BigInt(fromBlock),
    });
    if (events.length || spanEvents.length)
      assert.equal(account.lastSettledRound, view.nextSettleRound - 1, `${a}: last settled round`);
    // Rounds settled together (the keeper's settleSpans): every SpanSettled event, field by field, and its slice.
    const spans = await gql<{ spanSettlements: { items: Record<string, string | number | string[]>[] } }>(
      ponder.url,
      `{ spanSettlements(where: { account: "${lower}" }, orderBy: "fromRound", limit: 1000) { items { fromRound toRound stakeAtRisk rateSums delta paid burned unpaidRewards balance txHash } } }`,
    );
    assert.equal(spans.spanSettlements.items.length, spanEvents.length, `${a}: one span row per SpanSettled event`);
    for (const [i, e] of spanEvents.entries()) {
      const row = spans.spanSettlements.items[i]!;
      const { fromRound, toRound, stakeAtRisk, rateSums, delta, paid, burned, unpaidRewards, balance } = e.args;
      assert.deepEqual(
        {
          fromRound: row.fromRound,
          toRound: row.toRound,
          stakeAtRisk: BigInt(row.stakeAtRisk as string),
          rateSums: (row.rateSums as string[]).map(BigInt),
          delta: BigInt(row.delta as string),
          paid: BigInt(row.paid as string),
          burned: BigInt(row.burned as string),
          unpaidRewards: BigInt(row.unpaidRewards as string),
          balance: BigInt(row.balance as string),
          txHash: row.txHash,
        },
        {
          fromRound,
          toRound,
          stakeAtRisk,
          rateSums: [...rateSums!],
          delta,
          paid,
          burned,
          unpaidRewards,
          balance,
          txHash: e.transactionHash,
        },
        `${a}: rounds ${fromRound}-${toRound} settled together`,
      );
      for (const r of [fromRound!, toRound!])
        assert.equal(stakeAtRisk, await read<bigint>("sliceAt", [a, r]), `${a}: slice at risk in round ${r} (span)`);
      checks.spanSettlements += 2;
    }
    for (const [i, e] of events.entries()) {
      const row = settled.settlements.items[i]!;
      const got = {
        round: row.round,
        stakeAtRisk: BigInt(row.stakeAtRisk as string),
        rates: (row.rates as string[]).map(BigInt),
        delta: BigInt(row.delta as string),
        paid: BigInt(row.paid as string),
        burned: BigInt(row.burned as string),
        unpaidRewards: BigInt(row.unpaidRewards as string),
        balance: BigInt(row.balance as string),
        unprovable: row.unprovable,
        txHash: row.txHash,
      };
      const { round, stakeAtRisk, rates, delta, paid, burned, unpaidRewards, balance, unprovable } = e.args;
      if (unprovable) checks.unprovable++;
      assert.deepEqual(
        got,
        {
          round,
          stakeAtRisk,
          rates: [...rates!],
          delta,
          paid,
          burned,
          unpaidRewards,
          balance,
          unprovable,
          txHash: e.transactionHash,
        },
        `${a}: settlement of round ${round}`,
      );
      // The round's slice (stake / R); settlement would lower it only after losses took more than the rest of the
      // stake, which no account here comes near.
      assert.equal(got.stakeAtRisk, await read<bigint>("sliceAt", [a, round]), `${a}: slice at risk in round ${round}`);
      checks.settlements += 2;
    }
  }
  assert.ok(checks.settlements > 0, "the run settled rounds");
  assert.ok(checks.spanSettlements > 0, "the keeper settled some rounds together (settleSpans)");

  // 4. Per model: one performance row per (weighted model, settled round), with the Settled rate and stake share.
  const expectedRates = new Map<Hex, Map<number, { rate: bigint; weight: number; stakeAtRisk: bigint }>>();
  for (const e of await client.getContractEvents({
    address: stake,
    abi: portfolioStakeAbi,
    eventName: "Settled",
    fromBlock: BigInt(fromBlock),
  })) {
    const { staker, round, rates, stakeAtRisk } = e.args;
    const weights = vectorAt.get(`${staker!.toLowerCase()}:${round}`)!;
    const models = await modelsAt(staker!, e.blockNumber);
    models.forEach((m, slot) => {
      const weight = weights[slot] ?? 0;
      if (weight === 0 || m === ZERO_MODEL) return;
      const id = m.toLowerCase() as Hex;
      if (!expectedRates.has(id)) expectedRates.set(id, new Map());
      expectedRates
        .get(id)!
        .set(round!, { rate: rates![slot]!, weight, stakeAtRisk: (stakeAtRisk! * BigInt(weight)) / 10_000n });
    });
  }
  const everBound = [...new Set(registeredEvents.map((e) => e.args.modelId!.toLowerCase() as Hex))];
  for (const id of everBound) {
    const perf = await getJson<{ rounds: { round: number; rate: string; weight: number; stakeAtRisk: string }[] }>(
      `${ponder.url}/models/${id}/performance`,
    );
    const got = perf.rounds.map((x) => [
      x.round,
      { rate: BigInt(x.rate), weight: x.weight, stakeAtRisk: BigInt(x.stakeAtRisk) },
    ]);
    assert.deepEqual(
      got,
      [...(expectedRates.get(id) ?? new Map()).entries()].sort(([a], [b]) => a - b),
      `model ${id}: performance rows`,
    );
    checks.modelRates += got.length;
  }

  // 5. Every model's allocations at sampled rounds: the vector in force (allocationAt), each weight on the model its
  // slot held when that vector was set (modelsOf at that block: a slot freed later may hold another model now).
  const modelOwner = new Map<Hex, { account: Address; slot: number }>();
  const ownersAt = async (r: number) => {
    modelOwner.clear();
    for (const a of stakers) {
      const set = vectorsSet.filter((e) => e.args.staker === a && e.args.effectiveRound! <= r).at(-1);
      if (!set) continue;
      (await modelsAt(a, set.blockNumber)).forEach((m, slot) => {
        if (m !== ZERO_MODEL) modelOwner.set(m.toLowerCase() as Hex, { account: a, slot });
      });
    }
  };
  for (let r = 1; r <= current + 1; r += 4) {
    await ownersAt(r);
    const { allocations } = await getJson<{ allocations: { account: string; model: Hex; bps: number }[] }>(
      `${ponder.url}/rounds/${r}/allocations`,
    );
    const expected = [...modelOwner.entries()]
      .map(([model, { account, slot }]) => ({
        account: account.toLowerCase(),
        model,
        bps: vectorAt.get(`${account.toLowerCase()}:${r}`)![slot] ?? 0,
      }))
      .filter((x) => x.bps > 0);
    const key = (x: { account: string; model: string }) => `${x.account}:${x.model}`;
    assert.deepEqual(
      allocations
        .map((x) => ({ account: x.account, model: x.model, bps: x.bps }))
        .sort((x, y) => key(x).localeCompare(key(y))),
      expected.sort((x, y) => key(x).localeCompare(key(y))),
      `allocations at round ${r}`,
    );
    const [oneModel] = [...modelOwner.keys()].filter((_, i) => i === r % modelOwner.size);
    const filtered = await getJson<{ allocations: { model: Hex; bps: number }[] }>(
      `${ponder.url}/rounds/${r}/allocations?model=${oneModel}`,
    );
    assert.deepEqual(
      filtered.allocations.map((x) => x.bps),
      expected.filter((x) => x.model === oneModel).map((x) => x.bps),
      `allocations to ${oneModel} at round ${r}`,
    );
    checks.byModel += 2;
  }

  // 6. Every round: opening times, cap, published root, and totals of its settlements.
  const settledEvents = await client.getContractEvents({
    address: stake,
    abi: portfolioStakeAbi,
    eventName: "Settled",
    fromBlock: BigInt(fromBlock),
  });
  const spanEvents = await client.getContractEvents({
    address: stake,
    abi: portfolioStakeAbi,
    eventName: "SpanSettled",
    fromBlock: BigInt(fromBlock),
  });
  for (let r = 1; r <= current; r++) {
    const info = await read<{
      openedAt: number;
      resolvesAt: number;
      deadline: number;
      proofDeadline: number;
      rateCap: bigint;
      root: Hex;
      sliceDivisor: number;
    }>("roundInfo", [r]);
    const totals = await getJson<Record<string, string | number | null>>(`${ponder.url}/rounds/${r}/totals`);
    const ofRound = settledEvents.filter((e) => e.args.round === r);
    // A span counts its account and its slice in each of its rounds; its net delta, paid and burned stay with the span.
    const spansOver = spanEvents.filter((e) => e.args.fromRound! <= r && r <= e.args.toRound!);
    const sum = (f: (e: (typeof ofRound)[number]) => bigint) => ofRound.reduce((s, e) => s + f(e), 0n);
    assert.deepEqual(
      {
        openedAt: BigInt(totals.openedAt!),
        resolvesAt: BigInt(totals.resolvesAt!),
        deadline: BigInt(totals.deadline!),
        proofDeadline: BigInt(totals.proofDeadline!),
        rateCap: BigInt(totals.rateCap!),
        sliceDivisor: totals.sliceDivisor,
        root: totals.root ?? `0x${"0".repeat(64)}`,
      },
      {
        openedAt: BigInt(info.openedAt),
        resolvesAt: BigInt(info.resolvesAt),
        deadline: BigInt(info.deadline),
        proofDeadline: BigInt(info.proofDeadline),
        rateCap: info.rateCap,
        sliceDivisor: info.sliceDivisor,
        root: info.root,
      },
      `round ${r}: roundInfo`,
    );
    assert.deepEqual(
      {
        settledAccounts: totals.settledAccounts,
        stakeAtRisk: BigInt(totals.stakeAtRisk!),
        delta: BigInt(totals.delta!),
        paid: BigInt(totals.paid!),
        burned: BigInt(totals.burned!),
        unprovableAccounts: totals.unprovableAccounts,
      },
      {
        settledAccounts: ofRound.length + spansOver.length,
        stakeAtRisk: sum((e) => e.args.stakeAtRisk!) + spansOver.reduce((s, e) => s + e.args.stakeAtRisk!, 0n),
        delta: sum((e) => e.args.delta!),
        paid: sum((e) => e.args.paid!),
        burned: sum((e) => e.args.burned!),
        unprovableAccounts: ofRound.filter((e) => e.args.unprovable).length,
      },
      `round ${r}: totals`,
    );
    checks.rounds += 2;
  }
  // 6a. Every account's exposure (/accounts/:a/exposure, from indexed events) against the contract's views at the
  // chain's time: the next round's slice (sliceAt, not yet opened: the current R) at parameters().rateCap, and each
  // open round (roundInfo: opened, proof deadline not passed) with sliceAt and its rateCap, N and Y = sum slice x cap.
  const chainTime = Number((await client.getBlock({ blockTag: "latest" })).timestamp);
  const params = await read<{ rateCap: bigint; sliceDivisor: number }>("parameters");
  const roundInfos = new Map<
    number,
    { openedAt: number; proofDeadline: number; rateCap: bigint; sliceDivisor: number }
  >();
  for (let r = 1; r <= current; r++) roundInfos.set(r, await read("roundInfo", [r]));
  let exposedAccounts = 0;
  for (const a of stakers) {
    const open: { round: number; slice: bigint; sliceDivisor: number; rateCap: bigint; proofDeadline: number }[] = [];
    for (const [r, info] of roundInfos) {
      const times = { openedAt: Number(info.openedAt), proofDeadline: Number(info.proofDeadline) };
      if (!isOpenRound(times, chainTime)) continue;
      open.push({
        round: r,
        slice: await read<bigint>("sliceAt", [a, r]),
        sliceDivisor: info.sliceDivisor,
        rateCap: info.rateCap,
        proofDeadline: times.proofDeadline,
      });
    }
    const nextSlice = await read<bigint>("sliceAt", [a, current + 1]);
    const want = {
      currentRound: current,
      next: {
        round: current + 1,
        slice: nextSlice,
        sliceDivisor: Number(params.sliceDivisor),
        rateCap: params.rateCap,
        maxLoss: (nextSlice * params.rateCap) / 10n ** 18n,
      },
      open: open.sort((x, y) => y.round - x.round).map((r) => ({ ...r, maxLoss: (r.slice * r.rateCap) / 10n ** 18n })),
      openMaxLoss: open.reduce((sum, r) => sum + (r.slice * r.rateCap) / 10n ** 18n, 0n),
    };
    type Risk = { round: number; slice: string; sliceDivisor: number; rateCap: string; maxLoss: string };
    const got = await getJson<{
      at: number;
      currentRound: number;
      next: Risk;
      open: (Risk & { proofDeadline: number })[];
      openRounds: number;
      openMaxLoss: string;
    }>(`${ponder.url}/accounts/${a.toLowerCase()}/exposure?at=${chainTime}`);
    const risk = (r: Risk) => ({
      ...r,
      slice: BigInt(r.slice),
      rateCap: BigInt(r.rateCap),
      maxLoss: BigInt(r.maxLoss),
    });
    assert.equal(got.at, chainTime, `${a}: exposure judged at the time asked`);
    assert.equal(got.openRounds, got.open.length, `${a}: N is the number of open rounds`);
    assert.deepEqual(
      {
        currentRound: got.currentRound,
        next: risk(got.next),
        open: got.open.map(risk),
        openMaxLoss: BigInt(got.openMaxLoss),
      },
      want,
      `${a}: exposure (next round's slice, open rounds' slices and caps, N and Y) = sliceAt / roundInfo`,
    );
    if (want.open.length > 0 && want.openMaxLoss > 0n) exposedAccounts++;
    // Without ?at=, the newest block time the indexer has seen: never ahead of the chain.
    const byDefault = await getJson<{ at: number }>(`${ponder.url}/accounts/${a.toLowerCase()}/exposure`);
    assert.ok(byDefault.at > 0 && byDefault.at <= chainTime, `${a}: default exposure time ${byDefault.at}`);
    checks.exposure++;
  }
  assert.ok(exposedAccounts > 0, "some account has open rounds that risk something");

  // 6b. Every refill as RewardsFunded says, and the contract's totals from the indexed accounts and rewards row.
  const funded = await client.getContractEvents({ ...since, eventName: "RewardsFunded" });
  const fundingRows = await gql<{ rewardsFundings: { items: Record<string, string | number>[] } }>(
    ponder.url,
    `{ rewardsFundings(orderBy: "blockNumber", limit: 1000) { items { from amount toOwed pool owedTotal owedFactor owedEpoch owedScale txHash } } }`,
  );
  assert.deepEqual(
    fundingRows.rewardsFundings.items.map((x) => ({
      from: x.from,
      amount: BigInt(x.amount!),
      toOwed: BigInt(x.toOwed!),
      pool: BigInt(x.pool!),
      owedTotal: BigInt(x.owedTotal!),
      owedFactor: BigInt(x.owedFactor!),
      owedEpoch: x.owedEpoch,
      owedScale: x.owedScale,
      txHash: x.txHash,
    })),
    funded.map((e) => ({ ...e.args, from: e.args.from!.toLowerCase(), txHash: e.transactionHash })),
    "every RewardsFunded, field by field",
  );
  assert.ok(
    funded.some((e) => e.args.toOwed! > 0n && e.args.owedTotal! > 0n),
    "a refill paid owed rewards in part",
  );
  assert.ok(
    funded.some((e) => e.args.toOwed! > 0n && e.args.owedTotal === 0n),
    "a refill paid everything owed",
  );
  const everyAccount = await gql<{ accounts: { items: { balance: string; pendingWithdrawal: string }[] } }>(
    ponder.url,
    "{ accounts(limit: 1000) { items { balance pendingWithdrawal } } }",
  );
  const [staked, pendingWithdrawals] = await chainTotals();
  assert.equal(
    everyAccount.accounts.items.reduce((sum, x) => sum + BigInt(x.balance), 0n),
    staked,
    "totals().staked = the indexed balances",
  );
  assert.equal(
    everyAccount.accounts.items.reduce((sum, x) => sum + BigInt(x.pendingWithdrawal), 0n),
    pendingWithdrawals,
    "totals().pendingWithdrawals = the indexed pending withdrawals",
  );
  await compareOwed("the end");

  log(
    `state rebuilt by the indexer equals the contract's views and receipts (${stakers.length} accounts, ${current} rounds): ${JSON.stringify(checks)}`,
  );

  // 7. The web app's indexer-backed history equals its chain-log history, account by account.
  const compare = spawnSync(process.execPath, ["--import", "tsx", "scripts/compare-history-sources.ts"], {
    cwd: path.join(ROOT, "app"),
    env: { ...process.env, RPC_URL: rpc, INDEXER_URL: ponder.url, DEPLOYMENTS_FILE: deployed.deploymentsFile },
    encoding: "utf8",
  });
  assert.equal(compare.status, 0, `app history sources differ:\n${compare.stdout}${compare.stderr}`);
  log(compare.stdout.trim());

  // 8. A reorg: a reallocation is indexed, then the chain reverts to before it and takes another branch.
  const dave = stakers[3]!;
  const daveModels = await modelsOf(dave);
  const snapshot = await client.request<{ Parameters: undefined; ReturnType: Hex }>({ method: "evm_snapshot" });
  const branchA = randomVector(daveModels, random);
  assert.ok(await send(dave, "setAllocation", [daveModels, branchA]));
  await waitIndexed(ponder.url, await client.getBlockNumber({ cacheTime: 0 }));
  const before = await gql<{ account: { currentWeights: number[] } }>(
    ponder.url,
    `{ account(address: "${dave.toLowerCase()}") { currentWeights } }`,
  );
  assert.deepEqual(before.account.currentWeights, branchA, "branch A indexed");
  await client.request<{ Parameters: [Hex]; ReturnType: boolean }>({ method: "evm_revert", params: [snapshot] });
  const firstBound = daveModels.findIndex((m) => m !== ZERO_MODEL);
  const branchB = daveModels.map((_, i) => (i === firstBound ? 10_000 : 0));
  assert.ok(await send(dave, "setAllocation", [daveModels, branchB]));
  for (let i = 0; i < 3; i++)
    await client.request<{ Parameters: undefined; ReturnType: unknown }>({ method: "evm_mine" });
  await waitIndexed(ponder.url, await client.getBlockNumber({ cacheTime: 0 }));
  // Ponder notices the reorg on a later poll of the chain, which on a busy machine (npm test runs this beside other
  // stages) can take longer than any fixed pause: read until the account shows branch B (at most 60 s), then check.
  type After = { account: { currentWeights: number[] }; allocations: { items: { weights: number[] }[] } };
  const afterQuery = `{ account(address: "${dave.toLowerCase()}") { currentWeights } allocations(where: { account: "${dave.toLowerCase()}" }, orderBy: "blockNumber", orderDirection: "desc", limit: 2) { items { weights } } }`;
  let after = await gql<After>(ponder.url, afterQuery);
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; after = await gql<After>(ponder.url, afterQuery)) {
    if (JSON.stringify(after.account.currentWeights) === JSON.stringify(branchB)) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.deepEqual(after.account.currentWeights, branchB, "after the reorg the account shows branch B's vector");
  assert.deepEqual(after.allocations.items[0]!.weights, branchB, "the newest stored vector is branch B's");
  assert.ok(
    !after.allocations.items.some((x) => JSON.stringify(x.weights) === JSON.stringify(branchA)),
    "branch A's vector is gone",
  );
  // ... through Ponder's reorg handling (parent hash mismatch, rows of the dropped blocks reverted), not by chance.
  assert.match(
    readFileSync(path.join(work, "ponder.log"), "utf8"),
    /Reorged block/,
    "Ponder logged the reorganisation",
  );
  log(
    `reorg: branch A's vector was indexed, then replaced by branch B's after evm_revert (${((Date.now() - t0) / 1000).toFixed(1)} s in all; logs in ${work})`,
  );
}

main().then(
  async () => {
    await stopAll(false);
    log(`PASS (on ${DATABASE_KIND})`);
  },
  async (error) => {
    console.error(error);
    await stopAll(true);
    process.exitCode = 1;
  },
);
