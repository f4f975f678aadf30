import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkHistory } from "./conformance";
import type { Hex } from "viem";
import type { AccountEvent, AccountHistory } from "@portfolio-stake/core/history";
import { at as itemAt } from "@portfolio-stake/core/checks";

const E18 = 10n ** 18n;
const ALICE = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" as const;
const at = (
  block: number,
  openRound: number,
  logIndex = 0,
): { blockNumber: bigint; logIndex: number; openRound: number; txHash: Hex } => ({
  blockNumber: BigInt(block),
  logIndex,
  openRound,
  txHash: `0x${block.toString(16).padStart(64, "0")}`,
});
const settled = (block: number, round: number, rates: bigint[]): AccountEvent => ({
  ...at(block, round + 1),
  kind: "settled",
  round,
  stakeAtRisk: 10n * E18,
  rates,
  delta: 0n,
  paid: 0n,
  burned: 0n,
  unpaidRewards: 0n,
  balance: 10n * E18,
});

function good(): AccountHistory {
  return {
    account: ALICE,
    toBlock: 50n,
    events: [
      { ...at(2, 0, 0), kind: "model-registered", modelId: "0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", slot: 0 },
      { ...at(2, 0, 1), kind: "model-registered", modelId: "0xbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", slot: 1 },
      { ...at(3, 0), kind: "deposited", amount: 10n * E18, balance: 10n * E18, effectiveRound: 1 },
      { ...at(4, 0), kind: "allocation-set", effectiveRound: 1, by: ALICE, weights: [4000, 6000] },
      settled(10, 1, [E18 / 100n, 0n]),
      settled(11, 2, [0n, 0n]),
    ],
  };
}

describe("history conformance (what any HistorySource must return)", () => {
  it("accepts a well-formed history", () => {
    assert.deepEqual(checkHistory(good()), []);
  });

  const event = (h: AccountHistory, i: number) => itemAt(h.events, i, "events");
  const broken: [string, (h: AccountHistory) => void, RegExp][] = [
    ["events out of order", (h) => h.events.reverse(), /oldest first/],
    ["a duplicate event", (h) => h.events.splice(1, 0, event(h, 0)), /oldest first/],
    ["an event after toBlock", (h) => (h.toBlock = 10n), /after toBlock/],
    ["a lower-case account", (h) => (h.account = ALICE.toLowerCase() as never), /checksummed/],
    [
      "weights not totalling 10,000",
      (h) => ((event(h, 3) as { weights: number[] }).weights = [4000, 5999]),
      /9999 bps/,
    ],
    [
      "a skipped slot",
      (h) => ((event(h, 1) as { slot: number }).slot = 2),
      /slot 2, expected a freed slot or the next new one 1/,
    ],
    [
      "an upper-case model id",
      (h) => ((event(h, 0) as { modelId: string }).modelId = "0xAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
      /lower-case bytes16/,
    ],
    [
      "a gap between settled rounds",
      (h) => ((event(h, 5) as { round: number }).round = 3),
      /settled round 3 after round 1/,
    ],
    [
      "rates for the wrong number of models",
      (h) => ((event(h, 4) as { rates: bigint[] }).rates = [1n]),
      /1 rates for 2/,
    ],
    ["the open round going back", (h) => (event(h, 5).openRound = 1), /went back/],
    ["an allocation effective in the open round", (h) => (event(h, 3).openRound = 1), /not after the open round/],
    ["a bad tx hash", (h) => (event(h, 2).txHash = "0x1234"), /32-byte hash/],
  ];
  it("accepts a freed slot reused by a newly accepted model", () => {
    const h = good();
    h.events.push(
      { ...at(40, 9, 0), kind: "model-unbound", modelId: "0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", slot: 0, by: ALICE },
      { ...at(41, 9, 0), kind: "model-registered", modelId: "0xcccccccccccccccccccccccccccccccc", slot: 0 },
    );
    assert.deepEqual(checkHistory(h), []);
    h.events.push({
      ...at(42, 9, 0),
      kind: "model-registered",
      modelId: "0xdddddddddddddddddddddddddddddddd",
      slot: 0,
    });
    assert.ok(checkHistory(h).some((p) => /slot 0, expected a freed slot or the next new one 2/.test(p)));
  });

  it("accepts rounds settled together (settleSpans) between per-round settlements, and checks their order", () => {
    const span = (block: number, fromRound: number, toRound: number): AccountEvent => ({
      ...at(block, toRound + 1),
      kind: "span-settled",
      fromRound,
      toRound,
      stakeAtRisk: 10n * E18,
      rateSums: [E18 / 10n, 0n],
      delta: E18 / 25n,
      paid: E18 / 25n,
      burned: 0n,
      unpaidRewards: 0n,
      balance: 10n * E18 + E18 / 25n,
    });
    const h = good();
    h.events.push(span(20, 3, 9), settled(21, 10, [0n, 0n]), span(22, 11, 30));
    assert.deepEqual(checkHistory(h), []);
    const gap = good();
    gap.events.push(span(20, 4, 9));
    assert.ok(checkHistory(gap).some((p) => /rounds 4-9 settled after round 2/.test(p)));
    const after = good();
    after.events.push(span(20, 3, 9), settled(21, 9, [0n, 0n]));
    assert.ok(checkHistory(after).some((p) => /settled round 9 after round 9/.test(p)));
    const sums = good();
    sums.events.push({ ...span(20, 3, 9), rateSums: [0n] } as AccountEvent);
    assert.ok(checkHistory(sums).some((p) => /1 rate sums for 2/.test(p)));
  });

  for (const [what, breakIt, expected] of broken) {
    it(`reports ${what}`, () => {
      const h = good();
      breakIt(h);
      const problems = checkHistory(h);
      assert.ok(
        problems.some((p) => expected.test(p)),
        problems.join("\n") || "no problem reported",
      );
    });
  }
});
