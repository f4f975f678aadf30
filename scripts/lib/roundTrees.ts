/**
 * Round trees at production size (14,300 leaves and more) without long synchronous blocks: the tree is built in
 * chunks that yield to the event loop (a keeper's open keep-alive sockets and timers keep being served), and each
 * tree is indexed once (model ID -> leaf index), not once per account-round.
 *
 * The tree is exactly StandardMerkleTree.of's (same leaf hash, sorted leaves, same layout; a test compares them), so
 * proofs come from the library; only the hashing is ours, to be able to pause between chunks.
 */
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { concat, getBytes, keccak256, toBeHex, toTwos, zeroPadBytes } from "ethers";
import {
  LEAF_ENCODING,
  LEAF_KIND,
  fileRates,
  fileTreeOptions,
  roundLeafValues,
  roundTreeCounters,
  type LeafValue,
  type ModelRate,
  type RoundFile,
  type RoundTree,
} from "@portfolio-stake/core/results";

/** Hashes computed between two yields: a few milliseconds of work. */
export const HASHES_PER_CHUNK = 256;

export { roundTreeCounters };

/** A round tree with its model -> leaf index maps, built once. */
export interface IndexedRoundTree {
  round: bigint;
  tree: RoundTree;
  leafIndexByModel: ReadonlyMap<string, number>; // lower-case bytes16 -> index in tree.entries() of its rate leaf
  cumulativeIndexByModel: ReadonlyMap<string, number>; // ... of its cumulative leaf
}

export function indexRoundTree(round: bigint, tree: RoundTree): IndexedRoundTree {
  roundTreeCounters.indexes++;
  const leafIndexByModel = new Map<string, number>();
  const cumulativeIndexByModel = new Map<string, number>();
  for (const [i, [, id, kind]] of tree.entries()) {
    if (Number(kind) === LEAF_KIND.rate) leafIndexByModel.set(id.toLowerCase(), i);
    else cumulativeIndexByModel.set(id.toLowerCase(), i);
  }
  return { round, tree, leafIndexByModel, cumulativeIndexByModel };
}

/** Lets the protected constructor take a tree array we hashed ourselves. */
class PrebuiltStandardTree extends StandardMerkleTree<LeafValue> {
  static fromParts(tree: string[], values: { value: LeafValue; treeIndex: number }[]) {
    return new PrebuiltStandardTree(tree, values, [...LEAF_ENCODING]);
  }
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** keccak256(keccak256(abi.encode(uint32 round, bytes16 id, uint8 kind, int256 value))): StandardMerkleTree's leaf
 * hash. */
function leafHash([round, id, kind, value]: LeafValue): string {
  const encoded = concat([
    toBeHex(round, 32),
    zeroPadBytes(id, 32),
    toBeHex(kind, 32),
    toBeHex(toTwos(value, 256), 32),
  ]);
  return keccak256(getBytes(keccak256(encoded)));
}

/** StandardMerkleTree's node hash: the pair sorted (equal-length lower-case hex sorts like bytes). */
function nodeHash(a: string, b: string): string {
  return keccak256(a < b ? concat([a, b]) : concat([b, a]));
}

/**
 * Builds the round's tree like buildRoundTree (same checks, same root, same `sortLeaves` option), yielding to the
 * event loop every HASHES_PER_CHUNK hashes.
 */
export async function buildRoundTreeInChunks(
  round: bigint,
  rates: readonly ModelRate[],
  options: { sortLeaves?: boolean; groups?: readonly number[] } = {},
): Promise<RoundTree> {
  const leafValues = roundLeafValues(round, rates, options.groups);
  roundTreeCounters.builds++;
  const hashed: { value: LeafValue; valueIndex: number; hash: string }[] = [];
  for (const [valueIndex, value] of leafValues.entries()) {
    hashed.push({ value, valueIndex, hash: leafHash(value) });
    if (valueIndex % HASHES_PER_CHUNK === HASHES_PER_CHUNK - 1) await yieldToEventLoop();
  }
  if (options.sortLeaves ?? true) hashed.sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0));
  const tree = new Array<string>(2 * hashed.length - 1);
  hashed.forEach((h, i) => (tree[tree.length - 1 - i] = h.hash));
  for (let i = tree.length - 1 - hashed.length, n = 0; i >= 0; i--, n++) {
    tree[i] = nodeHash(tree[2 * i + 1]!, tree[2 * i + 2]!);
    if (n % HASHES_PER_CHUNK === HASHES_PER_CHUNK - 1) await yieldToEventLoop();
  }
  const values = leafValues.map(() => ({ value: [0n, "", 0, 0n] as LeafValue, treeIndex: 0 }));
  hashed.forEach((h, leafIndex) => (values[h.valueIndex] = { value: h.value, treeIndex: tree.length - 1 - leafIndex }));
  return PrebuiltStandardTree.fromParts(tree, values);
}

/** A leaf file's tree, rebuilt in chunks and indexed once; throws if it does not rebuild the file's own root (or is of
 * another format version). */
export async function indexedTreeFromFile(file: RoundFile): Promise<IndexedRoundTree> {
  const round = BigInt(file.round);
  const tree = await buildRoundTreeInChunks(round, fileRates(file), fileTreeOptions(file));
  if (tree.root !== file.root)
    throw new Error(`round ${file.round}: leaves rebuild root ${tree.root}, file says ${file.root}`);
  return indexRoundTree(round, tree);
}
