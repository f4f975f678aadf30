import assert from "node:assert/strict";
import { test } from "node:test";
import {
  type AccountSnapshot,
  needsSetup,
  newWithdrawalWindow,
  pendingWithdrawalWindow,
  withdrawalStatus,
} from "./snapshot";

const E = 10n ** 18n;

function snapshot(account: Partial<AccountSnapshot["account"]>, chainTime: number): AccountSnapshot {
  return {
    chainTime,
    account: {
      balance: 100n * E,
      pendingWithdrawal: 0n,
      withdrawalLastRound: 0,
      withdrawalReleaseAt: 0,
      nextSettleRound: 1,
      ...account,
    },
  } as AccountSnapshot;
}

test("no pending withdrawal", () => assert.deepEqual(withdrawalStatus(snapshot({}, 1000)), { state: "none" }));

test("before the release date it waits for time, whatever the settlement", () => {
  const s = snapshot(
    { pendingWithdrawal: 40n * E, withdrawalReleaseAt: 2000, withdrawalLastRound: 30, nextSettleRound: 31 },
    1999,
  );
  assert.deepEqual(withdrawalStatus(s), {
    state: "waiting-time",
    amount: 40n * E,
    releaseAt: 2000,
    settledThrough: 30,
    lastRound: 30,
  });
});

test("after the release date it waits until the last at-risk round is settled", () => {
  const s = snapshot(
    { pendingWithdrawal: 40n * E, withdrawalReleaseAt: 2000, withdrawalLastRound: 30, nextSettleRound: 30 },
    2000,
  );
  assert.equal(withdrawalStatus(s).state, "waiting-settlement");
});

test("released and settled through the last at-risk round: claimable", () => {
  const s = snapshot(
    { pendingWithdrawal: 40n * E, withdrawalReleaseAt: 2000, withdrawalLastRound: 30, nextSettleRound: 31 },
    2000,
  );
  assert.deepEqual(withdrawalStatus(s), { state: "claimable", amount: 40n * E });
});

test("a request made now is at risk through the current round; its window starts no earlier than the delay", () => {
  const DAY = 86_400;
  const now = 1_800_000_000;
  const s = {
    ...snapshot({ balance: 100n * E, nextSettleRound: 39 }, now),
    currentRound: 40,
    parameters: { withdrawalDelay: 7 * DAY } as AccountSnapshot["parameters"],
    openRoundSchedules: [
      {
        round: 40,
        resolvesAt: now + 30 * DAY,
        deadline: now + 40 * DAY,
        proofDeadline: now + 50 * DAY,
        published: false,
      },
      {
        round: 39,
        resolvesAt: now + 29 * DAY,
        deadline: now + 39 * DAY,
        proofDeadline: now + 49 * DAY,
        published: false,
      },
    ],
  } as AccountSnapshot;
  assert.deepEqual(newWithdrawalWindow(s), {
    earliest: now + 30 * DAY,
    latest: now + 50 * DAY,
    limitedBy: { kind: "round", round: 40 },
    latestRound: 40,
  });
  // The pending request's window reads the account's own fields: here at risk only through round 39.
  const pending = {
    ...s,
    account: { ...s.account, pendingWithdrawal: 5n * E, withdrawalLastRound: 39, withdrawalReleaseAt: now + 7 * DAY },
  };
  assert.deepEqual(pendingWithdrawalWindow(pending), {
    earliest: now + 29 * DAY,
    latest: now + 49 * DAY,
    limitedBy: { kind: "round", round: 39 },
    latestRound: 39,
  });
});

test("needsSetup: until models are registered, NMR is staked and a full vector is saved", () => {
  const FREE = `0x${"0".repeat(32)}` as const;
  const MODEL = `0x${"a".repeat(32)}` as const;
  const setUp = (models: `0x${string}`[], balance: bigint, pendingWithdrawal: bigint, bps: number[]) =>
    needsSetup({
      ...snapshot({ balance, pendingWithdrawal }, 0),
      models,
      next: { bps } as AccountSnapshot["next"],
    });
  assert.equal(setUp([], 0n, 0n, []), true);
  assert.equal(setUp([FREE], 10n, 0n, [0]), true, "a freed slot is not a model");
  assert.equal(setUp([MODEL], 0n, 0n, [10_000]), true, "nothing staked");
  assert.equal(setUp([MODEL], 10n, 0n, [0]), true, "no vector");
  assert.equal(setUp([MODEL], 10n, 0n, [10_000]), false);
  assert.equal(setUp([MODEL], 0n, 5n, [10_000]), false, "a pending withdrawal is still stake");
});
