/**
 * Leaves grouped by account (scripts/lib/leafLayout.ts): the order, the leaf file's record of it, the root anyone
 * rebuilds from the file, and the smaller proofs. No chain: `node --import tsx --test scripts/lib/leafLayout.test.ts`.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import {
  accountGroups,
  fileLeafOrder,
  orderByAccount,
  sortsLeaves,
  type ModelPlace,
} from "@portfolio-stake/core/leafLayout";
import {
  LEAF_ENCODING,
  accountRoundResult,
  accountSpanBoundary,
  buildRoundTree,
  roundFile,
  treeFromFile,
  type ModelRate,
} from "@portfolio-stake/core/results";
import { buildRoundTreeInChunks, indexedTreeFromFile } from "./roundTrees";

const id = (n: number) => "0x" + n.toString(16).padStart(32, "0");
const account = (n: number) => "0x" + n.toString(16).padStart(40, "0");
const rateOf = (i: number) => BigInt((i * 7919) % 20001) * 10n ** 13n - 10n ** 17n;

/** `leaves` rates; accounts 1..accounts own `perAccount` models each, spread over the ID range; the rest are unowned. */
function population(leaves: number, accounts: number, perAccount: number) {
  const rates: ModelRate[] = Array.from({ length: leaves }, (_, i) => ({
    modelId: id(i + 1),
    rate: rateOf(i),
    cumulative: 3n * rateOf(i + 1),
  }));
  const places = new Map<string, ModelPlace>();
  const registries: string[][] = [];
  for (let a = 1; a <= accounts; a++) {
    const registry: string[] = [];
    for (let slot = 0; slot < perAccount; slot++) {
      const model = id(((a * 7 + slot * 131) % leaves) + 1); // an account's models far apart in ID order
      places.set(model, { account: account(a), slot });
      registry.push(model);
    }
    registries.push(registry);
  }
  return { rates, places, registries };
}

describe("leaves grouped by account", function () {
  it("order each account's models by slot, accounts by address, then the unowned models by ID, whatever the input order", function () {
    const rates = [id(9), id(3), id(7), id(1), id(5)].map((modelId, i) => ({ modelId, rate: BigInt(i) }));
    const places = new Map<string, ModelPlace>([
      [id(7), { account: account(2), slot: 1 }],
      [id(1), { account: account(2), slot: 0 }],
      [id(9), { account: "0x" + "0".repeat(39) + "1", slot: 0 }],
    ]);
    const ordered = orderByAccount(rates, places).map((r) => r.modelId);
    assert.deepEqual(ordered, [id(9), id(1), id(7), id(3), id(5)]);
    assert.deepEqual(
      orderByAccount([...rates].reverse(), places).map((r) => r.modelId),
      ordered,
    );
    // Rates travel with their model.
    assert.equal(orderByAccount(rates, places)[0]!.rate, 0n);
  });

  it("a leaf file of an as-listed tree says so, and anyone rebuilds its root from the file (plain or in chunks)", async function () {
    const { rates, places } = population(300, 20, 3);
    const ordered = orderByAccount(rates, places);
    const groups = accountGroups(ordered, places);
    assert.deepEqual(groups.slice(0, 21), [...Array<number>(20).fill(3), 1]); // 20 accounts of 3, then one per model
    const tree = buildRoundTree(4n, ordered, { sortLeaves: false, groups });
    const file = roundFile(4n, tree);
    assert.equal(file.leafOrder, "as-listed");
    assert.deepEqual(file.leafGroups, groups);
    assert.equal(file.leaves[0]!.modelId, ordered[0]!.modelId);
    // What a third party does with the file and @openzeppelin/merkle-tree alone: each group's rate leaves (kind 0),
    // then its cumulative leaves (kind 1).
    const values: unknown[][] = [];
    let at = 0;
    for (const size of file.leafGroups) {
      const group = file.leaves.slice(at, at + size);
      at += size;
      for (const l of group) values.push([file.round, l.modelId, 0, l.rate]);
      for (const l of group) values.push([file.round, l.modelId, 1, l.cumulative]);
    }
    const rebuilt = StandardMerkleTree.of(values, [...LEAF_ENCODING], { sortLeaves: sortsLeaves(file.leafOrder) });
    assert.equal(rebuilt.root, tree.root);
    assert.equal(treeFromFile(file).root, tree.root);
    assert.equal((await indexedTreeFromFile(file)).tree.root, tree.root);
    const chunked = await buildRoundTreeInChunks(4n, ordered, { sortLeaves: false, groups });
    assert.deepEqual(chunked.dump(), tree.dump());
    // Without its groups, the file rebuilds another root.
    assert.throws(() => treeFromFile({ ...file, leafGroups: undefined }), /leaves rebuild root/);
  });

  it("an older leaf file (format version 1, no version field) is refused, naming the version", async function () {
    const { rates } = population(10, 1, 2);
    const file = roundFile(3n, buildRoundTree(3n, rates));
    assert.equal(file.version, 2);
    const v1 = { ...file, version: undefined as unknown as number };
    assert.throws(
      () => treeFromFile(v1),
      /leaf file format version 1 \(no version field\) is not supported.*version 2/,
    );
    await assert.rejects(indexedTreeFromFile(v1), /format version 1/);
    assert.throws(() => treeFromFile({ ...file, version: 3 }), /format version 3 is not supported/);
  });

  it("a sorted tree's file has no leafOrder (as before), and a file's leafOrder is needed to rebuild its root", function () {
    const { rates, places } = population(50, 5, 2);
    const sorted = roundFile(2n, buildRoundTree(2n, rates));
    assert.equal(sorted.leafOrder, undefined);
    assert.equal(treeFromFile(sorted).root, sorted.root);
    const listed = roundFile(2n, buildRoundTree(2n, orderByAccount(rates, places), { sortLeaves: false }));
    assert.throws(() => treeFromFile({ ...listed, leafOrder: undefined }), /leaves rebuild root/);
    assert.throws(() => treeFromFile({ ...listed, leafOrder: "shuffled" as never }), /unknown leafOrder "shuffled"/);
    // Leaves given in hash order build the same tree either way: its file says nothing of an order.
    const inHashOrder = buildRoundTree(2n, rates)
      .dump()
      .values.sort((a, b) => b.treeIndex - a.treeIndex) // leaf 0 sits last in the tree array
      .map(({ value }) => value);
    const sameTree = StandardMerkleTree.of(inHashOrder, [...LEAF_ENCODING], { sortLeaves: false });
    assert.equal(sameTree.root, sorted.root);
    assert.equal(fileLeafOrder(sameTree), "sorted-by-hash");
  });

  it("an account's proof is shorter grouped than sorted by hash, on a 14,300-leaf tree (4 models: 13 nodes, not 45)", async function () {
    const { rates, places, registries } = population(14_300, 50, 4);
    const ordered = orderByAccount(rates, places);
    const grouped = await buildRoundTreeInChunks(9n, ordered, {
      sortLeaves: false,
      groups: accountGroups(ordered, places),
    });
    const sorted = await buildRoundTreeInChunks(9n, rates);
    let groupedNodes = 0;
    let sortedNodes = 0;
    for (const registry of registries) {
      const g = accountRoundResult(9n, grouped, registry);
      const s = accountRoundResult(9n, sorted, registry);
      assert.deepEqual([...g.slots].sort(), [0, 1, 2, 3]);
      assert.deepEqual(
        g.slots.map((slot, k) => [slot, g.rates[k]]).sort(),
        s.slots.map((slot, k) => [slot, s.rates[k]]).sort(),
      );
      assert.ok(g.proof.length <= 15, `grouped: ${g.proof.length} proof nodes`);
      // The account's cumulatives sit together too: a span boundary's proof is as short.
      const span = accountSpanBoundary(9n, grouped, registry);
      assert.deepEqual([...span.slots].sort(), [0, 1, 2, 3]);
      assert.ok(span.proof.length <= 15, `grouped cumulatives: ${span.proof.length} proof nodes`);
      groupedNodes += g.proof.length;
      sortedNodes += s.proof.length;
    }
    assert.ok(groupedNodes * 3 < sortedNodes, `grouped ${groupedNodes} vs sorted ${sortedNodes} nodes in all`);
  });
});
