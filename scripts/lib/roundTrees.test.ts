/**
 * Round trees built in chunks (scripts/lib/roundTrees.ts): the same tree as StandardMerkleTree.of, the event loop
 * served while a large tree is built, one index per tree, and proofs from an indexed tree. No chain:
 * `node --import tsx --test scripts/lib/roundTrees.test.ts`.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { callbacksDuring } from "./testing/eventLoop";
import { accountRoundResult, buildRoundTree, roundFile, type ModelRate } from "@portfolio-stake/core/results";
import {
  HASHES_PER_CHUNK,
  buildRoundTreeInChunks,
  indexRoundTree,
  indexedTreeFromFile,
  roundTreeCounters,
} from "./roundTrees";

const id = (n: number) => "0x" + n.toString(16).padStart(32, "0");
/** Rates of both signs, including int64's extremes. */
function rates(count: number): ModelRate[] {
  return Array.from({ length: count }, (_, i) => ({
    modelId: id(i + 1),
    rate: i === 0 ? -(2n ** 63n) : i === 1 ? 2n ** 63n - 1n : BigInt((i * 7919) % 20001) * 10n ** 13n - 10n ** 17n,
    cumulative: i === 0 ? -(2n ** 255n) : i === 1 ? 2n ** 255n - 1n : BigInt(i) * 10n ** 16n,
  }));
}

describe("round trees built in chunks", function () {
  it("equal StandardMerkleTree.of's tree (root, layout, leaf order) for 1, 2, 3 and 1,000 leaves", async function () {
    for (const count of [1, 2, 3, 1000]) {
      const expected = buildRoundTree(7n, rates(count));
      const built = await buildRoundTreeInChunks(7n, rates(count));
      assert.deepEqual(built.dump(), expected.dump(), `${count} leaves`);
    }
  });

  it("refuse what buildRoundTree refuses: no leaves, a model twice, a rate outside int64", async function () {
    await assert.rejects(buildRoundTreeInChunks(1n, []), /no model rates/);
    await assert.rejects(buildRoundTreeInChunks(1n, [...rates(2), rates(1)[0]!]), /appears twice/);
    await assert.rejects(
      buildRoundTreeInChunks(1n, [{ modelId: id(1), rate: 2n ** 63n, cumulative: 0n }]),
      /overflows int64/,
    );
    await assert.rejects(
      buildRoundTreeInChunks(1n, [{ modelId: id(1), rate: 0n, cumulative: 2n ** 255n }]),
      /overflows int256/,
    );
  });

  it("yield to the event loop while building a 14,300-model tree (other callbacks run between chunks)", async function () {
    const { result: tree, callbacks } = await callbacksDuring(() => buildRoundTreeInChunks(3n, rates(14_300)));
    assert.equal(tree.length, 2 * 14_300); // a rate leaf and a cumulative leaf per model
    const chunks = Math.floor((4 * 14_300) / HASHES_PER_CHUNK); // leaf hashes, then node hashes
    assert.ok(callbacks >= chunks - 2, `other callbacks ran ${callbacks} time(s) during ${chunks} chunks`);
  });

  it("index a tree once: proofs for many accounts use the same index, and match a bare tree's proofs", async function () {
    const bare = buildRoundTree(5n, rates(500));
    const registries = Array.from({ length: 50 }, (_, a) => [id(a * 3 + 1), id(a * 3 + 2), id(9999)]);
    const expected = registries.map((registry) => accountRoundResult(5n, bare, registry)); // indexes 50 times
    const before = { ...roundTreeCounters };
    const indexed = await indexedTreeFromFile(roundFile(5n, bare));
    assert.equal(roundTreeCounters.builds - before.builds, 1);
    assert.equal(roundTreeCounters.indexes - before.indexes, 1);
    registries.forEach((registry, a) => {
      const fromIndexed = accountRoundResult(5n, indexed, registry);
      assert.deepEqual(fromIndexed, expected[a]);
      assert.deepEqual([...fromIndexed.slots].sort(), [0, 1]); // the unknown model has no leaf
    });
    assert.equal(roundTreeCounters.indexes - before.indexes, 1, "accountRoundResult must not index the tree again");
  });

  it("refuse a leaf file whose leaves do not rebuild its root", async function () {
    const file = roundFile(5n, buildRoundTree(5n, rates(10)));
    file.leaves[3]!.rate = "1";
    await assert.rejects(indexedTreeFromFile(file), /leaves rebuild root/);
    assert.equal(indexRoundTree(5n, buildRoundTree(5n, rates(10))).leafIndexByModel.size, 10);
  });
});
