import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { encodeAbiParameters, encodeEventTopics, numberToHex, padHex, type Address, type Hex } from "viem";
import { portfolioStakeAbi } from "@portfolio-stake/core/abi/portfolioStakeAbi";
import { at } from "@portfolio-stake/core/checks";
import { checkHistory } from "./conformance";
import { blockRanges, logHistorySource, REORG_DEPTH, type LogRpc, type RpcLog } from "./logSource";

const STAKE: Address = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const ALICE: Address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const BOB: Address = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const E18 = 10n ** 18n;
const MODEL_A: Hex = "0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const MODEL_B: Hex = "0xbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

type EventName = Extract<(typeof portfolioStakeAbi)[number], { type: "event" }>["name"];

/** A real ABI-encoded log of `eventName` (indexed args in topics, the rest in data), as a node returns it. */
function log(
  eventName: EventName,
  args: Record<string, unknown>,
  block: number,
  logIndex = 0,
): RpcLog & { address: Address } {
  const event = portfolioStakeAbi.find((x) => x.type === "event" && x.name === eventName) as {
    inputs: readonly { name: string; type: string; indexed?: boolean }[];
  };
  const topics = encodeEventTopics({ abi: portfolioStakeAbi, eventName, args }) as Hex[];
  const plain = event.inputs.filter((i) => !i.indexed);
  const data = encodeAbiParameters(plain as never, plain.map((i) => args[i.name]) as never);
  return {
    address: STAKE,
    data,
    topics,
    blockNumber: numberToHex(block),
    logIndex: numberToHex(logIndex),
    transactionHash: padHex(numberToHex(block * 100 + logIndex), { size: 32 }),
  };
}

/** A node that answers eth_getLogs like a real one: address, block range and topic filters (null = any, array = OR). */
function fakeNode(logs: (RpcLog & { address: Address })[], head: number) {
  const requests: [bigint, bigint][] = [];
  const node = { logs, head };
  const rpc: LogRpc = {
    blockNumber: async () => BigInt(node.head),
    getLogs: async ({ address, topics, fromBlock, toBlock }) => {
      requests.push([fromBlock, toBlock]);
      return node.logs.filter((l) => {
        const block = BigInt(l.blockNumber!);
        if (l.address !== address || block < fromBlock || block > toBlock) return false;
        return topics.every((t, i) => {
          const topic = l.topics[i];
          return t === null || (Array.isArray(t) ? topic !== undefined && t.includes(topic) : t === topic);
        });
      });
    },
  };
  return { rpc, requests, node };
}

const chainLogs = [
  log(
    "RoundOpened",
    {
      round: 1,
      openedAt: 1000n,
      resolvesAt: 2000n,
      deadline: 3000n,
      proofDeadline: 3500n,
      rateCap: E18 / 4n,
      sliceDivisor: 64,
    },
    3,
  ),
  log("ModelRegistered", { account: ALICE, modelId: MODEL_A, slot: 0 }, 4, 0),
  log("ModelRegistered", { account: ALICE, modelId: MODEL_B, slot: 1 }, 4, 1),
  log("ModelRegistered", { account: BOB, modelId: "0xcccccccccccccccccccccccccccccccc", slot: 0 }, 4, 2),
  log("Deposited", { staker: ALICE, amount: 1000n * E18, balance: 1000n * E18, effectiveRound: 2 }, 5),
  log("AllocationSet", { staker: ALICE, effectiveRound: 2, by: ALICE, weights: [7500, 2500] }, 6),
  log("Deposited", { staker: BOB, amount: 5n * E18, balance: 5n * E18, effectiveRound: 2 }, 7),
  log(
    "RoundOpened",
    {
      round: 2,
      openedAt: 2000n,
      resolvesAt: 3000n,
      deadline: 4000n,
      proofDeadline: 4500n,
      rateCap: E18 / 4n,
      sliceDivisor: 64,
    },
    10,
  ),
  log("ManagerSet", { staker: ALICE, manager: BOB }, 10, 1), // same block, after the opening
  log(
    "RoundOpened",
    {
      round: 3,
      openedAt: 3000n,
      resolvesAt: 4000n,
      deadline: 5000n,
      proofDeadline: 5500n,
      rateCap: E18 / 4n,
      sliceDivisor: 64,
    },
    19,
  ),
  log(
    "Settled",
    {
      staker: ALICE,
      round: 2,
      stakeAtRisk: 1000n * E18,
      rates: [E18 / 100n, -(E18 / 50n)],
      delta: (25n * E18) / 10n,
      paid: (25n * E18) / 10n,
      burned: 0n,
      unpaidRewards: 0n,
      balance: (10025n * E18) / 10n,
      unprovable: false,
    },
    20,
  ),
  log(
    "WithdrawalRequested",
    {
      staker: ALICE,
      amount: 100n * E18,
      pendingWithdrawal: 100n * E18,
      balance: (9025n * E18) / 10n,
      lastAtRiskRound: 4,
      releaseAt: 9000n,
    },
    21,
  ),
  log("WithdrawalClaimed", { staker: ALICE, amount: 100n * E18 }, 30),
  // Owed rewards: bob refills (not in alice's history), alice claims what it paid her, then alice refills.
  log(
    "RewardsFunded",
    {
      from: BOB,
      amount: 3n * E18,
      toOwed: 3n * E18,
      pool: 0n,
      owedTotal: 1n * E18,
      owedFactor: 25n * 10n ** 34n,
      owedEpoch: 0,
      owedScale: 0,
    },
    31,
  ),
  log("RewardsClaimed", { staker: ALICE, amount: 2n * E18, unpaidRewards: E18 / 2n, balance: 904n * E18 }, 32),
  log(
    "RewardsFunded",
    {
      from: ALICE,
      amount: 10n * E18,
      toOwed: 1n * E18,
      pool: 9n * E18,
      owedTotal: 0n,
      owedFactor: 10n ** 36n,
      owedEpoch: 1,
      owedScale: 0,
    },
    33,
  ),
];

describe("history from chain logs", () => {
  it("splits from..to into inclusive ranges of at most N blocks", () => {
    assert.deepEqual(blockRanges(5n, 14n, 4n), [
      [5n, 8n],
      [9n, 12n],
      [13n, 14n],
    ]);
    assert.deepEqual(blockRanges(5n, 5n, 100n), [[5n, 5n]]);
    assert.deepEqual(blockRanges(6n, 5n, 100n), []);
    assert.throws(() => blockRanges(0n, 5n, 0n), /positive/);
  });

  for (const range of [1n, 4n, 50_000n]) {
    it(`reads every event of the account once, in chain order, with the round open at each (ranges of ${range} blocks)`, async () => {
      const { rpc, requests } = fakeNode(chainLogs, 34);
      const history = await logHistorySource(
        { stake: { address: STAKE, abi: portfolioStakeAbi, deployBlock: 2n } },
        rpc,
        range,
      ).accountHistory(ALICE.toLowerCase() as Address);
      assert.equal(history.account, ALICE);
      assert.equal(history.toBlock, 34n);
      // Ranges cover deploy block..head exactly, two requests (account events, round openings) per range.
      const ranges = blockRanges(2n, 34n, range);
      assert.equal(requests.length, 2 * ranges.length);
      assert.deepEqual(requests[0]?.[0], 2n);
      assert.deepEqual(requests.at(-1)?.[1], 34n);
      assert.deepEqual(
        history.events.map((e) => [e.kind, Number(e.blockNumber), e.openRound]),
        [
          ["model-registered", 4, 1],
          ["model-registered", 4, 1],
          ["deposited", 5, 1],
          ["allocation-set", 6, 1],
          ["manager-set", 10, 2],
          ["settled", 20, 3],
          ["withdrawal-requested", 21, 3],
          ["withdrawal-claimed", 30, 3],
          ["rewards-claimed", 32, 3],
          ["rewards-funded", 33, 3],
        ],
      );
      const [a, b, deposit, allocation, manager, settled, request, claim, rewardsClaimed, funded] = history.events;
      assert.deepEqual(
        rewardsClaimed?.kind === "rewards-claimed" && [
          rewardsClaimed.amount,
          rewardsClaimed.unpaidRewards,
          rewardsClaimed.balance,
        ],
        [2n * E18, E18 / 2n, 904n * E18],
      );
      assert.deepEqual(
        funded?.kind === "rewards-funded" && [
          funded.amount,
          funded.toOwed,
          funded.pool,
          funded.owedTotal,
          funded.owedFactor,
          funded.owedEpoch,
          funded.owedScale,
        ],
        [10n * E18, 1n * E18, 9n * E18, 0n, 10n ** 36n, 1, 0],
      );
      assert.deepEqual(
        a?.kind === "model-registered" && b?.kind === "model-registered" && [a.modelId, a.slot, b.modelId, b.slot],
        [MODEL_A, 0, MODEL_B, 1],
      );
      assert.deepEqual(deposit?.kind === "deposited" && [deposit.amount, deposit.balance, deposit.effectiveRound], [
        1000n * E18,
        1000n * E18,
        2,
      ]);
      assert.deepEqual(
        allocation?.kind === "allocation-set" && [allocation.effectiveRound, allocation.by, allocation.weights],
        [2, ALICE, [7500, 2500]],
      );
      assert.equal(manager?.kind === "manager-set" && manager.manager, BOB);
      assert.deepEqual(
        settled?.kind === "settled" && [
          settled.round,
          settled.stakeAtRisk,
          settled.rates,
          settled.delta,
          settled.balance,
        ],
        [2, 1000n * E18, [E18 / 100n, -(E18 / 50n)], (25n * E18) / 10n, (10025n * E18) / 10n],
      );
      assert.deepEqual(
        request?.kind === "withdrawal-requested" && [request.amount, request.lastAtRiskRound, request.releaseAt],
        [100n * E18, 4, 9000],
      );
      assert.equal(claim?.kind === "withdrawal-claimed" && claim.amount, 100n * E18);
      assert.equal(claim?.txHash, padHex(numberToHex(3000), { size: 32 }));
      assert.deepEqual(checkHistory(history), []);
    });
  }

  it("reads proposals, unbinding, unprovable settlements and invalidateNonces; NonceUsed of other calls is left out", async () => {
    const logs = [
      log(
        "RoundOpened",
        {
          round: 1,
          openedAt: 1000n,
          resolvesAt: 2000n,
          deadline: 3000n,
          proofDeadline: 3500n,
          rateCap: E18 / 4n,
          sliceDivisor: 64,
        },
        3,
      ),
      log("ModelProposed", { account: ALICE, modelId: MODEL_A }, 4, 0),
      log("ModelProposalCancelled", { account: ALICE, modelId: MODEL_B }, 4, 1),
      log("ModelRegistered", { account: ALICE, modelId: MODEL_A, slot: 0 }, 5, 0),
      log("AllocationSet", { staker: ALICE, effectiveRound: 2, by: ALICE, weights: [10000] }, 6, 0),
      log("NonceUsed", { staker: ALICE, nonce: 0n }, 6, 1), // the same transaction as the AllocationSet: left out
      log("NonceUsed", { staker: ALICE, nonce: 99n }, 7, 0), // invalidateNonces(100)
      log("ModelUnbound", { account: ALICE, modelId: MODEL_A, slot: 0, by: BOB }, 8, 0),
      log(
        "Settled",
        {
          staker: ALICE,
          round: 1,
          stakeAtRisk: 10n * E18,
          rates: [0n],
          delta: 0n,
          paid: 0n,
          burned: 0n,
          unpaidRewards: 0n,
          balance: 10n * E18,
          unprovable: true,
        },
        9,
      ),
    ];
    // The same transaction hash for block 6's two logs.
    const sameTx = logs[4]!.transactionHash;
    logs[5] = { ...logs[5]!, transactionHash: sameTx };
    const { rpc } = fakeNode(logs, 10);
    const history = await logHistorySource(
      { stake: { address: STAKE, abi: portfolioStakeAbi, deployBlock: 0n } },
      rpc,
    ).accountHistory(ALICE);
    assert.deepEqual(
      history.events.map((e) => e.kind),
      [
        "model-proposed",
        "model-proposal-cancelled",
        "model-registered",
        "allocation-set",
        "nonces-invalidated",
        "model-unbound",
        "settled",
      ],
    );
    const [proposed, , , , nonces, unbound, settled] = history.events;
    assert.equal(proposed?.kind === "model-proposed" && proposed.modelId, MODEL_A);
    assert.equal(nonces?.kind === "nonces-invalidated" && nonces.nonce, 99n);
    assert.deepEqual(unbound?.kind === "model-unbound" && [unbound.modelId, unbound.slot, unbound.by], [
      MODEL_A,
      0,
      BOB,
    ]);
    assert.equal(settled?.kind === "settled" && settled.unprovable, true);
  });

  it("reads nothing before the deploy block and refuses pending logs", async () => {
    const { rpc } = fakeNode(chainLogs, 31);
    const late = await logHistorySource(
      { stake: { address: STAKE, abi: portfolioStakeAbi, deployBlock: 21n } },
      rpc,
    ).accountHistory(ALICE);
    assert.deepEqual(
      late.events.map((e) => e.kind),
      ["withdrawal-requested", "withdrawal-claimed"],
    );
    const deposit = at(chainLogs, 4);
    const pending = fakeNode([{ ...deposit, blockNumber: null }], 31);
    pending.rpc.getLogs = async () => [{ ...deposit, blockNumber: null }];
    await assert.rejects(
      logHistorySource(
        { stake: { address: STAKE, abi: portfolioStakeAbi, deployBlock: 0n } },
        pending.rpc,
      ).accountHistory(ALICE),
      /pending log/,
    );
  });

  it("on a refresh re-reads only the new blocks (and the last few, for reorganisations); a chain that went back is read again", async () => {
    const { rpc, requests, node } = fakeNode(chainLogs.slice(0, 12), 25); // up to the withdrawal request (block 21)
    const source = logHistorySource({ stake: { address: STAKE, abi: portfolioStakeAbi, deployBlock: 2n } }, rpc, 100n);
    const first = await source.accountHistory(ALICE);
    assert.deepEqual(
      first.events.map((e) => Number(e.blockNumber)),
      [4, 4, 5, 6, 10, 20, 21],
    );
    // Reorganisation: the withdrawal request (block 21) is gone; a claim and a new round arrive.
    node.logs = [
      ...chainLogs.slice(0, 11),
      log(
        "RoundOpened",
        {
          round: 4,
          openedAt: 4000n,
          resolvesAt: 5000n,
          deadline: 6000n,
          proofDeadline: 6500n,
          rateCap: E18 / 4n,
          sliceDivisor: 64,
        },
        29,
      ),
      at(chainLogs, 12),
    ];
    node.head = 40;
    requests.length = 0;
    const second = await source.accountHistory(ALICE);
    assert.deepEqual(requests, [
      [26n - REORG_DEPTH, 40n],
      [26n - REORG_DEPTH, 40n],
    ]);
    assert.deepEqual(
      second.events.map((e) => [Number(e.blockNumber), e.openRound]),
      [
        [4, 1],
        [4, 1],
        [5, 1],
        [6, 1],
        [10, 2],
        [20, 3],
        [30, 4],
      ],
    );
    const fresh = await logHistorySource(
      { stake: { address: STAKE, abi: portfolioStakeAbi, deployBlock: 2n } },
      rpc,
      100n,
    ).accountHistory(ALICE);
    assert.deepEqual(second, fresh);
    // A restarted node (head below the last read): everything is read again from the deploy block.
    node.logs = chainLogs.slice(0, 5);
    node.head = 8;
    requests.length = 0;
    const restarted = await source.accountHistory(ALICE);
    assert.deepEqual(requests, [
      [2n, 8n],
      [2n, 8n],
    ]);
    assert.deepEqual(
      restarted.events.map((e) => e.kind),
      ["model-registered", "model-registered", "deposited"],
    );
  });
});
