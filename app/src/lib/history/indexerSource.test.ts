import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Address } from "viem";
import type { IndexedEventKind } from "@portfolio-stake/core/history";
import { checkHistory } from "./conformance";
import { indexerHistorySource, toAccountEvents, type GraphQLFetch } from "./indexerSource";

const ALICE: Address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const BOB: Address = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const E18 = 10n ** 18n;
const MODEL_A = "0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const MODEL_B = "0xbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

type Row = Record<string, unknown> & { account: string; blockNumber?: string };
const hash = (block: number, logIndex: number) => `0x${(block * 100 + logIndex).toString(16).padStart(64, "0")}`;
/** An accountEvent row as the indexer stores it (ids are block-logIndex). */
const event = (
  block: number,
  logIndex: number,
  openRound: number,
  kind: IndexedEventKind | "something_new",
  fields: Record<string, unknown> = {},
): Row => ({
  id: `${block}-${logIndex}`,
  account: ALICE.toLowerCase(),
  kind,
  amount: null,
  balance: null,
  pendingWithdrawal: null,
  unpaidRewards: null,
  round: null,
  releaseAt: null,
  detail: null,
  openRound,
  blockNumber: String(block),
  logIndex,
  timestamp: String(1_700_000_000 + block * 12),
  txHash: hash(block, logIndex),
  ...fields,
});

const tables: Record<string, Row[]> = {
  accountEvents: [
    // Stored out of chain order on purpose: the source sorts (block, log index).
    event(6, 0, 1, "allocation-set", { round: 2, detail: `${ALICE}:7500,2500` }),
    event(4, 1, 1, "model-registered", { detail: `${MODEL_B}:1` }),
    event(4, 0, 1, "model-registered", { detail: `${MODEL_A}:0` }),
    event(5, 0, 1, "deposited", { amount: String(1000n * E18), balance: String(1000n * E18), round: 2 }),
    event(10, 1, 2, "manager-set", { detail: BOB }),
    event(20, 0, 3, "settled", {
      amount: String((25n * E18) / 10n),
      balance: String((10025n * E18) / 10n),
      round: 2,
    }),
    event(21, 0, 3, "withdrawal-requested", {
      amount: String(100n * E18),
      pendingWithdrawal: String(100n * E18),
      balance: String((9025n * E18) / 10n),
      round: 4,
      releaseAt: "9000",
    }),
    event(30, 0, 3, "withdrawal-claimed", { amount: String(100n * E18) }),
    event(32, 0, 3, "rewards-claimed", {
      amount: String(2n * E18),
      balance: String(904n * E18),
      unpaidRewards: String(E18 / 2n),
    }),
    event(33, 0, 3, "rewards-funded", { amount: String(10n * E18) }),
    event(40, 0, 4, "withdrawal-claimed", { amount: String(1n) }), // after the indexed head below: left out
    { ...event(7, 0, 1, "deposited", { amount: "5", balance: "5", round: 2 }), account: BOB.toLowerCase() }, // another account
  ],
  allocations: [
    {
      id: "6-0",
      account: ALICE.toLowerCase(),
      by: ALICE.toLowerCase(),
      effectiveRound: 2,
      weights: [7500, 2500],
      blockNumber: "6",
    },
  ],
  rewardsFundings: [
    {
      id: "33-0",
      account: ALICE.toLowerCase(), // the funder (the query filters on `from`)
      blockNumber: "33",
      amount: String(10n * E18),
      toOwed: String(1n * E18),
      pool: String(9n * E18),
      owedTotal: "0",
      owedFactor: String(10n ** 36n),
      owedEpoch: 1,
      owedScale: 0,
    },
  ],
  settlements: [
    {
      account: ALICE.toLowerCase(),
      round: 2,
      stakeAtRisk: String(1000n * E18),
      rates: [String(E18 / 100n), String(-(E18 / 50n))],
      delta: String((25n * E18) / 10n),
      paid: String((25n * E18) / 10n),
      burned: "0",
      unpaidRewards: "0",
      balance: String((10025n * E18) / 10n),
    },
  ],
};

/**
 * A stand-in for Ponder's GraphQL over `tables`: `_meta`, and list fields with `where: { account, blockNumber_lte }`,
 * `limit` and `after` cursors (pages of `limit` rows, cursor = index of the next row). Records every query.
 */
function fakeIndexer(data: Record<string, Row[]>, head: number, chainId = 31337) {
  const queries: string[] = [];
  const gql: GraphQLFetch = async (query) => {
    queries.push(query);
    if (query.includes("_meta"))
      return { _meta: { status: { local: { id: chainId, block: { number: head, timestamp: 0 } } } } };
    const [, field, where, limit, after] =
      /^\{ (\w+)\(where: \{ (.*?) \}, limit: (\d+)(?:, after: "(\d+)")?\)/.exec(query) ?? [];
    if (!field || where === undefined) throw new Error(`unexpected query ${query}`);
    const account = /(?:account|from): "(0x[0-9a-f]{40})"/.exec(where)?.[1];
    const upTo = /blockNumber_lte: "(\d+)"/.exec(where)?.[1];
    const rows = (data[field] ?? []).filter(
      (r) => r.account === account && (upTo === undefined || BigInt(r.blockNumber!) <= BigInt(upTo)),
    );
    const start = Number(after ?? 0);
    const items = rows.slice(start, start + Number(limit));
    const hasNextPage = start + items.length < rows.length;
    return {
      [field]: { items, pageInfo: { hasNextPage, endCursor: hasNextPage ? String(start + items.length) : null } },
    };
  };
  return { gql, queries };
}

describe("history from the indexer", () => {
  it("gives every event of the account up to the indexed head, typed and in chain order, with round and time", async () => {
    const { gql } = fakeIndexer(tables, 35);
    const history = await indexerHistorySource("http://indexer", { chainId: 31337 }, gql).accountHistory(
      ALICE.toLowerCase() as Address,
    );
    assert.equal(history.account, ALICE);
    assert.equal(history.toBlock, 35n);
    assert.deepEqual(
      history.events.map((e) => [e.kind, Number(e.blockNumber), e.logIndex, e.openRound, e.timestamp]),
      [
        ["model-registered", 4, 0, 1, 1_700_000_048],
        ["model-registered", 4, 1, 1, 1_700_000_048],
        ["deposited", 5, 0, 1, 1_700_000_060],
        ["allocation-set", 6, 0, 1, 1_700_000_072],
        ["manager-set", 10, 1, 2, 1_700_000_120],
        ["settled", 20, 0, 3, 1_700_000_240],
        ["withdrawal-requested", 21, 0, 3, 1_700_000_252],
        ["withdrawal-claimed", 30, 0, 3, 1_700_000_360],
        ["rewards-claimed", 32, 0, 3, 1_700_000_384],
        ["rewards-funded", 33, 0, 3, 1_700_000_396],
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
        settled.paid,
        settled.burned,
        settled.unpaidRewards,
        settled.balance,
      ],
      [2, 1000n * E18, [E18 / 100n, -(E18 / 50n)], (25n * E18) / 10n, (25n * E18) / 10n, 0n, 0n, (10025n * E18) / 10n],
    );
    assert.deepEqual(
      request?.kind === "withdrawal-requested" && [
        request.amount,
        request.pendingWithdrawal,
        request.balance,
        request.lastAtRiskRound,
        request.releaseAt,
      ],
      [100n * E18, 100n * E18, (9025n * E18) / 10n, 4, 9000],
    );
    assert.equal(claim?.kind === "withdrawal-claimed" && claim.amount, 100n * E18);
    assert.equal(claim?.txHash, hash(30, 0));
    assert.deepEqual(checkHistory(history), []);
  });

  it("follows the indexer's pages for accounts with more than a page of events", async () => {
    const many = Array.from({ length: 2_345 }, (_, i) =>
      event(100 + i, 0, 1, "deposited", { amount: "1", balance: String(i + 1), round: 2 }),
    );
    const { gql, queries } = fakeIndexer({ ...tables, accountEvents: many }, 10_000);
    const history = await indexerHistorySource("http://indexer", { chainId: 31337 }, gql).accountHistory(ALICE);
    assert.equal(history.events.length, 2_345);
    assert.deepEqual(
      history.events.map((e) => (e.kind === "deposited" ? Number(e.balance) : -1)),
      many.map((_, i) => i + 1),
    );
    assert.equal(queries.filter((q) => q.startsWith("{ accountEvents")).length, 3);
  });

  it("gives proposals, unbindings and invalidateNonces; NonceUsed rows beside another event are left out", async () => {
    const rows = [
      event(2, 5, 0, "model-proposed", { detail: MODEL_B }),
      event(2, 6, 0, "model-proposal-cancelled", { detail: MODEL_B }),
      event(30, 5, 3, "model-unbound", { detail: `${MODEL_B}:1:${ALICE.toLowerCase()}` }),
      event(31, 0, 3, "nonce-used", { detail: "41" }), // alone in its transaction: invalidateNonces
      { ...event(31, 2, 3, "nonce-used", { detail: "42" }), txHash: hash(30, 0) }, // beside a claim: an echo
    ];
    const source = (data: Record<string, Row[]>) =>
      indexerHistorySource("http://indexer", { chainId: 31337 }, fakeIndexer(data, 35).gql);
    const plain = await source(tables).accountHistory(ALICE);
    const more = await source({ ...tables, accountEvents: [...(tables.accountEvents ?? []), ...rows] }).accountHistory(
      ALICE,
    );
    const added = more.events.filter(
      (e) => !plain.events.some((p) => p.blockNumber === e.blockNumber && p.logIndex === e.logIndex),
    );
    assert.deepEqual(
      added.map((e) => e.kind),
      ["model-proposed", "model-proposal-cancelled", "model-unbound", "nonces-invalidated"],
    );
    const unbound = added[2];
    assert.deepEqual(unbound?.kind === "model-unbound" && [unbound.modelId, unbound.slot, unbound.by], [
      MODEL_B,
      1,
      ALICE,
    ]);
    const invalidated = added[3];
    assert.equal(invalidated?.kind === "nonces-invalidated" && invalidated.nonce, 41n);
  });

  it("gives rounds settled together (span-settled) with their span_settlement row", async () => {
    const spanRow = event(34, 0, 30, "span-settled", {
      amount: String(-3n * E18),
      balance: String(901n * E18),
      round: 3,
      detail: "24",
    });
    const spanSettlements = [
      {
        account: ALICE.toLowerCase(),
        fromRound: 3,
        toRound: 24,
        stakeAtRisk: String(14n * E18),
        rateSums: [String(-(E18 / 5n)), "0"],
        delta: String(-3n * E18),
        paid: "0",
        burned: String(3n * E18),
        unpaidRewards: "0",
        balance: String(901n * E18),
      },
    ];
    const data = { ...tables, accountEvents: [...(tables.accountEvents ?? []), spanRow], spanSettlements };
    const history = await indexerHistorySource(
      "http://indexer",
      { chainId: 31337 },
      fakeIndexer(data, 35).gql,
    ).accountHistory(ALICE);
    const span = history.events[history.events.length - 1];
    assert.deepEqual(
      span?.kind === "span-settled" && [
        span.fromRound,
        span.toRound,
        span.stakeAtRisk,
        span.rateSums,
        span.delta,
        span.paid,
        span.burned,
        span.unpaidRewards,
        span.balance,
        span.openRound,
      ],
      [3, 24, 14n * E18, [-(E18 / 5n), 0n], -3n * E18, 0n, 3n * E18, 0n, 901n * E18, 30],
    );
    assert.deepEqual(checkHistory(history), []);
    await assert.rejects(
      indexerHistorySource(
        "http://indexer",
        { chainId: 31337 },
        fakeIndexer({ ...data, spanSettlements: [] }, 35).gql,
      ).accountHistory(ALICE),
      /span-settled at block 34\/0: the span from round 3 is not in the spanSettlement table/,
    );
  });

  it("refuses an indexer that follows another chain, a bad address, and rows that do not fit together", async () => {
    const source = (data: Record<string, Row[]>, chainId = 31337) =>
      indexerHistorySource("http://indexer", { chainId: 31337 }, fakeIndexer(data, 35, chainId).gql);
    await assert.rejects(source(tables, 1).accountHistory(ALICE), /follows 1, not this app's chain 31337/);
    await assert.rejects(source(tables).accountHistory("0x1234"), /is not an address/);
    await assert.rejects(
      source({ ...tables, allocations: [] }).accountHistory(ALICE),
      /allocation-set at block 6\/0: its vector is not in the allocation table/,
    );
    await assert.rejects(
      source({ ...tables, settlements: [] }).accountHistory(ALICE),
      /round 2's settlement is not in the settlement table/,
    );
    await assert.rejects(
      source({ ...tables, rewardsFundings: [] }).accountHistory(ALICE),
      /rewards-funded at block 33\/0: its refill is not in the rewardsFunding table/,
    );
    await assert.rejects(
      source({ ...tables, accountEvents: [event(3, 0, 0, "something_new")] }).accountHistory(ALICE),
      /unknown kind of event "something_new"/,
    );
    assert.throws(
      () =>
        toAccountEvents(
          [event(3, 0, 0, "withdrawal-requested", { amount: "1", balance: "1", round: 2, releaseAt: "9" }) as never],
          [],
          [],
        ),
      /no valid pending withdrawal/,
    );
  });
});
