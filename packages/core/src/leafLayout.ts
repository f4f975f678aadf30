/**
 * The order of a round tree's leaves. Any order proves the same rates (the contract only checks a multiproof against
 * the root), but the order sets the proof's size: an account proves all its weighted models of a round in one
 * multiproof, and leaves next to each other share their proof nodes. Sorted by hash (StandardMerkleTree's default),
 * an account's models are scattered over the tree and each needs its own path; grouped by account, they sit under
 * one small subtree and need about one path between them (measured at 14,300 leaves: `npm run gas:scale`).
 *
 * A model has two leaves (its rate and its cumulative rate: results.ts). Grouped by account, a group lists the account's
 * rate leaves, then its cumulative leaves in the same order ([rates of its models][cumulatives of the same]): settle
 * proves an account's rates of a round together, settleSpans its cumulatives together, and each set sits in its own
 * small subtree.
 *
 * A leaf file records its order (`leafOrder`): "as-listed" means the tree is StandardMerkleTree.of(values, encoding,
 * { sortLeaves: false }) over the values results.ts roundLeafValues lists from the file's models in the file's order
 * and its `leafGroups`, so anyone rebuilds the root from the file alone; a file without the field is sorted by hash.
 */
import type { PlainRate, RoundTree } from "./results";

/** How the operator orders a round's leaves: grouped by owning account (the default) or by leaf hash. */
export type LeafOrder = "by-account" | "by-hash";
/** What a leaf file records: its leaves as listed, or sorted by hash (absent: sorted, the older files). */
export type FileLeafOrder = "as-listed" | "sorted-by-hash";

/** A registered model's place: the account whose registry holds it, and its slot there. */
export interface ModelPlace {
  account: string;
  slot: number;
}

/** Whether a tree of this order sorts its leaves by hash (StandardMerkleTree's sortLeaves). */
export const sortsLeaves = (order: LeafOrder | FileLeafOrder | undefined): boolean =>
  order !== "by-account" && order !== "as-listed";

/**
 * The rates ordered for the "by-account" layout: models with a place grouped by account (accounts in address order),
 * by slot within an account; then the models without one (unregistered or unbound), by model ID. Deterministic: the
 * same rates and places always give the same order, so a re-run rebuilds the same root.
 */
export function orderByAccount<T extends PlainRate>(rates: readonly T[], places: ReadonlyMap<string, ModelPlace>): T[] {
  const placed: { rate: T; account: string; slot: number }[] = [];
  const rest: T[] = [];
  for (const rate of rates) {
    const place = places.get(rate.modelId.toLowerCase());
    if (place) placed.push({ rate, account: place.account.toLowerCase(), slot: place.slot });
    else rest.push(rate);
  }
  placed.sort((a, b) => compareText(a.account, b.account) || a.slot - b.slot);
  rest.sort((a, b) => compareText(a.modelId.toLowerCase(), b.modelId.toLowerCase()));
  return [...placed.map((p) => p.rate), ...rest];
}

/**
 * The leaf groups of rates ordered by orderByAccount: one group per account (its models, consecutive), one per model
 * without a place. Pass them to buildRoundTree's `groups`.
 */
export function accountGroups(ordered: readonly PlainRate[], places: ReadonlyMap<string, ModelPlace>): number[] {
  const groups: number[] = [];
  let last: string | undefined;
  for (const rate of ordered) {
    const account = places.get(rate.modelId.toLowerCase())?.account.toLowerCase();
    if (account !== undefined && account === last) groups[groups.length - 1]!++;
    else groups.push(1);
    last = account;
  }
  return groups;
}

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * What a leaf file must say about `tree`'s order: "as-listed" when its leaves sit in the tree in the order it lists
 * them and that is not also hash order (a tree whose listed order is hash order rebuilds the same either way, so its
 * file stays as files were before leafOrder existed).
 */
export function fileLeafOrder(tree: RoundTree): FileLeafOrder {
  const { tree: nodes, values } = tree.dump();
  const last = nodes.length - 1;
  if (!values.every((v, i) => v.treeIndex === last - i)) return "sorted-by-hash";
  for (let i = 1; i < values.length; i++) if (nodes[last - i]! < nodes[last - i + 1]!) return "as-listed";
  return "sorted-by-hash";
}
