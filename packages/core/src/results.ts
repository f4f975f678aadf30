/**
 * Round results: from per-model scores to rates, Merkle trees, leaf files and settlement proofs.
 *
 * A leaf is (uint32 round, bytes16 modelId, int64 rate) hashed by @openzeppelin/merkle-tree's StandardMerkleTree
 * (double keccak of the ABI encoding), exactly what PortfolioStake verifies. Rates are 18-decimal fractions of the
 * stake a round puts at risk, its slice (0.05e18 = +5% of the slice). How scores become rates is the operator's
 * per-round configuration (packages/core/src/payout.ts), never the contract's.
 */
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { fileLeafOrder, sortsLeaves, type FileLeafOrder } from "./leafLayout";
import { TOTAL_BPS } from "./bps";
import type { PayoutConfig } from "./payout";

export const LEAF_ENCODING = ["uint32", "bytes16", "int64"] as const;
export const RATE_DECIMALS = 18;
const SCALE = 10n ** 18n;

/** An exact decimal: units / 10^scale (scale >= 0). Parsing a score or a multiplier into one loses nothing. */
export interface ExactDecimal {
  units: bigint;
  scale: number;
}

/** A value quoted in an error message, cut short if absurdly long. */
const shown = (text: string) => (text.length > 40 ? `${text.slice(0, 40)}… (${text.length} characters)` : text);

/** Digits a decimal may have: far more than any score, rate or multiplier needs (18 decimals). */
export const MAX_DECIMAL_DIGITS = 100;

/** Parses a decimal string (plain or scientific, e.g. "-5.92e-18") exactly. Throws `"x" is not a number`. */
export function parseExactDecimal(text: string): ExactDecimal {
  const match = /^\s*([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?\s*$/.exec(text);
  if (!match || (match[2] === "" && (match[3] ?? "") === "")) throw new Error(`"${shown(text)}" is not a number`);
  const [, sign, intPart, fracPart = "", expPart = "0"] = match;
  // Bounded before any BigInt work: a million digits (or 10^huge) would stall the job for seconds or minutes.
  if ((intPart ?? "").length + fracPart.length > MAX_DECIMAL_DIGITS)
    throw new Error(`"${shown(text)}" is out of range`);
  const exponent = Number(expPart);
  if (!Number.isSafeInteger(exponent) || Math.abs(exponent) > 1000) throw new Error(`"${shown(text)}" is out of range`);
  const digits = BigInt((intPart + fracPart).replace(/^0+(?=\d)/, "") || "0");
  const scale = fracPart.length - exponent; // value = digits / 10^scale
  const units = scale >= 0 ? digits : digits * 10n ** BigInt(-scale);
  return { units: sign === "-" ? -units : units, scale: Math.max(scale, 0) };
}

/** `value` as an integer with `decimals` decimals, rounded toward zero (BigInt division truncates toward zero). */
export function toFixedUnits(value: ExactDecimal, decimals = RATE_DECIMALS): bigint {
  const shift = decimals - value.scale;
  return shift >= 0 ? value.units * 10n ** BigInt(shift) : value.units / 10n ** BigInt(-shift);
}

/** Parses a decimal string into an integer with `decimals` decimals, rounding toward zero. Exact otherwise. */
export function parseDecimal(text: string, decimals = RATE_DECIMALS): bigint {
  return toFixedUnits(parseExactDecimal(text), decimals);
}

/** Formats an 18-decimal rate as a percentage string, e.g. 12345n*10n**12n -> "1.2345%". */
export function formatRate(rate: bigint): string {
  const sign = rate < 0n ? "-" : "";
  const abs = rate < 0n ? -rate : rate;
  const hundredths = abs * 100n; // percent with 18 decimals
  const whole = hundredths / SCALE;
  const frac = (hundredths % SCALE).toString().padStart(18, "0").replace(/0+$/, "").slice(0, 6);
  return `${sign}${whole}${frac ? "." + frac : ""}%`;
}

export interface ModelRate {
  modelId: string; // bytes16 hex
  rate: bigint;
}

export type RoundTree = StandardMerkleTree<[bigint, string, bigint]>;

/**
 * Builds the Merkle tree of one round's per-model rates. Rejects duplicate models and rates outside int64. Leaves are
 * sorted by hash unless `sortLeaves` is false (then they stay in the given order: see leafLayout.ts).
 */
export function buildRoundTree(
  round: bigint | number,
  rates: ModelRate[],
  options: { sortLeaves?: boolean } = {},
): RoundTree {
  if (rates.length === 0) throw new Error(`round ${round}: no model rates to publish`);
  const seen = new Set<string>();
  const values = rates.map(({ modelId, rate }) => {
    const id = normaliseModelId(modelId);
    if (seen.has(id)) throw new Error(`round ${round}: model ${id} appears twice`);
    seen.add(id);
    if (rate < -(2n ** 63n) || rate >= 2n ** 63n)
      throw new Error(`round ${round}: rate ${rate} of ${id} overflows int64`);
    return [BigInt(round), id, rate] as [bigint, string, bigint];
  });
  return StandardMerkleTree.of(values, [...LEAF_ENCODING], { sortLeaves: options.sortLeaves ?? true });
}

/** One leaf of a leaf file; `scores` are the inputs its rate was computed from (absent for zero-filled models). */
export interface LeafEntry {
  modelId: string;
  rate: string;
  scores?: Record<string, string | null>;
}

/**
 * The JSON file published next to a root: anyone can rebuild the tree from `leaves` and check the root, and, with
 * `payout` (the round's score configuration) and each leaf's `scores`, recompute every rate.
 */
export interface RoundFile {
  round: number;
  root: string;
  leafEncoding: string[];
  leaves: LeafEntry[];
  leafOrder?: FileLeafOrder; // "as-listed": the tree keeps the leaves in this order; absent: sorted by hash
  payout?: PayoutConfig;
}

export function roundFile(
  round: bigint | number,
  tree: RoundTree,
  payout?: PayoutConfig,
  scoresByModel?: ReadonlyMap<string, Record<string, string | null>>,
): RoundFile {
  const leaves = [...tree.entries()].map(([, [, modelId, rate]]): LeafEntry => {
    const scores = scoresByModel?.get(modelId);
    return { modelId, rate: rate.toString(), ...(scores ? { scores } : {}) };
  });
  return {
    round: Number(round),
    root: tree.root,
    leafEncoding: [...LEAF_ENCODING],
    leaves,
    ...(fileLeafOrder(tree) === "as-listed" ? { leafOrder: "as-listed" as const } : {}),
    ...(payout ? { payout } : {}),
  };
}

/** Rebuilds a tree from a leaf file and checks it matches the stated root. */
export function treeFromFile(file: RoundFile): RoundTree {
  const tree = buildRoundTree(
    file.round,
    file.leaves.map((l) => ({ modelId: l.modelId, rate: BigInt(l.rate) })),
    { sortLeaves: sortsLeaves(checkedLeafOrder(file)) },
  );
  if (tree.root !== file.root)
    throw new Error(`round ${file.round}: leaves rebuild root ${tree.root}, file says ${file.root}`);
  return tree;
}

/** A leaf file's leafOrder, refused when it is not one this code knows (the root would not rebuild). */
export function checkedLeafOrder(file: Pick<RoundFile, "round" | "leafOrder">): FileLeafOrder | undefined {
  const order = file.leafOrder;
  if (order === undefined || order === "as-listed" || order === "sorted-by-hash") return order;
  throw new Error(
    `round ${file.round}: unknown leafOrder "${String(order)}" (expected "as-listed" or "sorted-by-hash")`,
  );
}

/** Lower-case 0x-prefixed bytes16. */
export function normaliseModelId(id: string): string {
  const hex = id.toLowerCase();
  if (!/^0x[0-9a-f]{32}$/.test(hex)) throw new Error(`"${id}" is not a bytes16 model ID`);
  return hex;
}

/** A tree with its model ID -> leaf index map (scripts/lib/roundTrees.ts builds these once per tree). */
export interface IndexedTree {
  tree: RoundTree;
  leafIndexByModel: ReadonlyMap<string, number>;
}

/** How often round trees were built and indexed in this process: tests assert "once per tree" with it. */
export const roundTreeCounters = { builds: 0, indexes: 0 };

function indexTree(tree: RoundTree): IndexedTree {
  roundTreeCounters.indexes++;
  const leafIndexByModel = new Map<string, number>();
  for (const [i, [, id]] of tree.entries()) leafIndexByModel.set(id, i);
  return { tree, leafIndexByModel };
}

/** The calldata struct PortfolioStake.settle expects for one round. */
export interface RoundResultArg {
  round: bigint;
  slots: number[];
  rates: bigint[];
  proof: string[];
  proofFlags: boolean[];
  unprovable: boolean; // settle a published round as zero for the account (only after its proofDeadline)
}

/**
 * One account's result for one round: every registry model (by slot) that has a leaf in the tree, with a
 * multiproof. Models whose weight is non-zero must have a leaf (else the contract reverts MissingModelResult);
 * zero-weight models are included when present so their rates reach the Settled event (performance history).
 * Pass `onlyWeighted` with the round's weights to prove only the weighted models (cheaper).
 */
export function accountRoundResult(
  round: bigint | number,
  treeOrIndexed: RoundTree | IndexedTree | null,
  registry: string[],
  onlyWeighted?: readonly (number | bigint)[],
): RoundResultArg {
  if (treeOrIndexed === null) return emptyRoundResult(round);
  // An indexed tree (the keeper's) is indexed once per run; a bare tree is indexed here, for one-off callers.
  const { tree, leafIndexByModel: indexById } =
    "leafIndexByModel" in treeOrIndexed ? treeOrIndexed : indexTree(treeOrIndexed);
  const slots: number[] = [];
  const treeIndices: number[] = [];
  registry.forEach((id, slot) => {
    if (onlyWeighted && BigInt(onlyWeighted[slot] ?? 0) === 0n) return;
    const index = indexById.get(normaliseModelId(id));
    if (index === undefined) return;
    slots.push(slot);
    treeIndices.push(index);
  });
  if (treeIndices.length === 0) return emptyRoundResult(round);
  const multi = tree.getMultiProof(treeIndices);
  // The contract hashes leaves in the order of `slots`; getMultiProof reorders leaves, so follow its order.
  const order = multi.leaves.map(([, id]) => registry.findIndex((m) => normaliseModelId(m) === id));
  return {
    round: BigInt(round),
    slots: order,
    rates: multi.leaves.map(([, , rate]) => BigInt(rate)),
    proof: multi.proof,
    proofFlags: multi.proofFlags,
    unprovable: false,
  };
}

/** No rates, no proof: an expired unpublished round, or a round in which the account had nothing at risk. */
export function emptyRoundResult(round: bigint | number): RoundResultArg {
  return { round: BigInt(round), slots: [], rates: [], proof: [], proofFlags: [], unprovable: false };
}

/**
 * A published round settled as zero for an account that cannot prove it (its leaves missing from the tree, a lost
 * leaf file, a bad tree): accepted by the contract only after the round's proofDeadline.
 */
export function unprovableRoundResult(round: bigint | number): RoundResultArg {
  return { ...emptyRoundResult(round), unprovable: true };
}

/**
 * The contract's arithmetic, independently: each model's term is (atRisk x w / 10,000) x rate / 1e18, rounded toward
 * zero (BigInt division truncates toward zero, like Solidity's signed division). `atRisk` is what the round put at
 * risk for the account (its slice: the stake it opened with / R, limited to what earlier losses left).
 */
export function roundDelta(
  atRisk: bigint,
  weights: readonly (number | bigint)[],
  ratesBySlot: readonly bigint[],
): bigint {
  let delta = 0n;
  weights.forEach((w, slot) => {
    const modelStake = (atRisk * BigInt(w)) / BigInt(TOTAL_BPS);
    delta += (modelStake * (ratesBySlot[slot] ?? 0n)) / SCALE;
  });
  return delta;
}
