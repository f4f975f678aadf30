import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Address } from "viem";
import { caughtUpSource } from "./caughtUpSource";
import type { AccountHistory, HistorySource } from "@portfolio-stake/core/history";

const ALICE: Address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

/** A source that answers with an empty history up to `toBlock`, counting its reads (or failing when told). */
function fakeSource(name: string, toBlock: bigint, fail = false) {
  const source = {
    name,
    reads: 0,
    async accountHistory(account: Address): Promise<AccountHistory> {
      source.reads++;
      if (fail) throw new Error(`${name} failed`);
      return { account, events: [], toBlock };
    },
  };
  return source satisfies HistorySource;
}

/** A fake clock: sleep() moves it forward, so waiting costs no real time. */
function clock() {
  let t = 0;
  return { now: () => t, sleep: async (ms: number) => void (t += ms) };
}

describe("caughtUpSource: the indexer once it has the chain's head, chain logs before", () => {
  it("reads from the indexer when it has indexed the chain's head block", async () => {
    const indexer = fakeSource("indexer", 100n);
    const logs = fakeSource("chain logs", 100n);
    const source = caughtUpSource(indexer, logs, {
      indexedHead: async () => 100n,
      chainHead: async () => 100n,
      ...clock(),
    });
    const history = await source.accountHistory(ALICE);
    assert.equal(history.source, "indexer");
    assert.deepEqual([indexer.reads, logs.reads], [1, 0]);
  });

  it("waits for an indexer one block behind (a transaction just mined) and then reads from it", async () => {
    const indexer = fakeSource("indexer", 101n);
    const logs = fakeSource("chain logs", 101n);
    const c = clock();
    let looks = 0;
    const source = caughtUpSource(indexer, logs, {
      indexedHead: async () => (++looks < 4 ? 100n : 101n), // catches up on the 4th look, 300 ms later
      chainHead: async () => 101n,
      waitMs: 1000,
      pollMs: 100,
      ...c,
    });
    const history = await source.accountHistory(ALICE);
    assert.equal(history.source, "indexer");
    assert.equal(looks, 4);
    assert.equal(c.now(), 300);
    assert.equal(logs.reads, 0);
  });

  it("reads the chain's logs while the indexer is still backfilling, after waiting at most waitMs", async () => {
    const indexer = fakeSource("indexer", 40n);
    const logs = fakeSource("chain logs", 500n);
    const c = clock();
    const source = caughtUpSource(indexer, logs, {
      indexedHead: async () => 40n,
      chainHead: async () => 500n,
      waitMs: 1000,
      pollMs: 100,
      ...c,
    });
    const history = await source.accountHistory(ALICE);
    assert.equal(history.source, "chain logs");
    assert.equal(history.toBlock, 500n);
    assert.equal(indexer.reads, 0, "a lagging indexer is never read: its history would miss the newest blocks");
    assert.equal(c.now(), 1000);
  });

  it("reads the chain's logs when the indexer cannot be reached, or fails after its head was checked", async () => {
    const logs = fakeSource("chain logs", 7n);
    const unreachable = caughtUpSource(fakeSource("indexer", 7n), logs, {
      indexedHead: () => Promise.reject(new Error("connection refused")),
      chainHead: async () => 7n,
      ...clock(),
    });
    assert.equal((await unreachable.accountHistory(ALICE)).source, "chain logs");
    const failing = fakeSource("indexer", 7n, true);
    const midReadFailure = caughtUpSource(failing, logs, {
      indexedHead: async () => 7n,
      chainHead: async () => 7n,
      ...clock(),
    });
    assert.equal((await midReadFailure.accountHistory(ALICE)).source, "chain logs");
    assert.equal(failing.reads, 1);
    assert.equal(logs.reads, 2);
  });

  it("fails like the chain when the chain itself cannot be read", async () => {
    const source = caughtUpSource(fakeSource("indexer", 1n), fakeSource("chain logs", 1n, true), {
      indexedHead: async () => 1n,
      chainHead: () => Promise.reject(new Error("node down")),
      ...clock(),
    });
    await assert.rejects(source.accountHistory(ALICE), /node down/);
  });
});
