/**
 * settleBatch calldata encoded in chunks (scripts/lib/settleCalldata.ts): byte for byte the contract interface's
 * encoding, and the event loop served while a production-size batch is encoded. No chain:
 * `node --import tsx --test scripts/lib/settleCalldata.test.ts`.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { PortfolioStake__factory } from "../../typechain-types";
import { accountRoundResult, buildRoundTree, unprovableRoundResult } from "@portfolio-stake/core/results";
import { callbacksDuring } from "./testing/eventLoop";
import { ENTRIES_PER_CHUNK, settleBatchCalldata } from "./settleCalldata";

const contract = PortfolioStake__factory.createInterface();
const id = (n: number) => "0x" + n.toString(16).padStart(32, "0");
const account = (n: number) => "0x" + (n + 1).toString(16).padStart(40, "0");

/** `accounts` accounts of two models each, `rounds` rounds each against a `leaves`-leaf tree (one unprovable). */
function batchOf(accounts: number, rounds: number, leaves: number) {
  const trees = Array.from({ length: rounds }, (_, r) =>
    buildRoundTree(
      100 + r,
      Array.from({ length: leaves }, (_, i) => ({
        modelId: id(i + 1),
        rate: BigInt(((i * 7919 + r) % 2001) - 1000),
        cumulative: 0n, // not proven here: only the rate leaves are
      })),
    ),
  );
  return Array.from({ length: accounts }, (_, a) => {
    const models = [id(2 * a + 1), id(2 * a + 2)];
    const results = trees.map((tree, r) =>
      a === 1 && r === 0 ? unprovableRoundResult(100) : accountRoundResult(100 + r, tree, models),
    );
    return { account: account(a), models, results };
  });
}

describe("settleBatch calldata in chunks", function () {
  it("equals the contract interface's encoding (empty, one account, many accounts of several rounds)", async function () {
    for (const batch of [[], batchOf(1, 1, 8), batchOf(9, 3, 300)]) {
      assert.equal(
        await settleBatchCalldata(contract, batch),
        contract.encodeFunctionData("settleBatch", [batch]),
        `${batch.length} account(s)`,
      );
    }
    // Cut batches (the keeper shrinks a batch to its gas budget) reuse what was encoded and still match.
    const batch = batchOf(6, 2, 100);
    await settleBatchCalldata(contract, batch);
    const cut = [...batch.slice(0, 3), { ...batch[3]!, results: batch[3]!.results.slice(0, 1) }];
    assert.equal(await settleBatchCalldata(contract, cut), contract.encodeFunctionData("settleBatch", [cut]));
  });

  it("yield to the event loop while a 64 account-round batch against a 4,000-leaf tree is encoded", async function () {
    const batch = batchOf(64, 1, 4_000);
    const { result, callbacks } = await callbacksDuring(() => settleBatchCalldata(contract, batch));
    assert.ok(result.length > 2 * 64 * 1_000, `${result.length / 2} bytes`); // ~1 kB of proof per account-round
    const chunks = Math.floor(batch.length / ENTRIES_PER_CHUNK);
    assert.ok(callbacks >= chunks - 1, `other callbacks ran ${callbacks} time(s) during ${chunks} chunks`);
  });
});
