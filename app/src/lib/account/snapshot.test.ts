import assert from "node:assert/strict";
import { test } from "node:test";
import { type AccountSnapshot, withdrawalStatus } from "./snapshot";

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
