/**
 * Round results: from per-model scores to rates, Merkle trees, leaf files and settlement proofs.
 *
 * A leaf is (uint32 round, bytes16 modelId, uint8 kind, int256 value) hashed by @openzeppelin/merkle-tree's
 * StandardMerkleTree (double keccak of the ABI encoding), exactly what PortfolioStake verifies. A round's tree holds two
 * leaves per model: kind 0, the model's rate in the round (an int64: what settle proves); kind 1, its cumulative rate,
 * the sum over every published round k <= this one whose tree holds the model of its rate clamped to round k's
 * rateCap (what settleSpans proves: two cumulatives settle a whole span of rounds). Rates are 18-decimal fractions of
 * the stake a round puts at risk, its slice (0.05e18 = +5% of the slice). How scores become rates is the operator's
 * per-round configuration (packages/core/src/payout.ts), never the contract's.
 */
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { fileLeafOrder, sortsLeaves, type FileLeafOrder } from "./leafLayout";
import { TOTAL_BPS } from "./bps";
import type { PayoutConfig } from "./payout";

export const LEAF_ENCODING = ["uint32", "bytes16", "uint8", "int256"] as const;
/** The leaf kinds: a model's rate in the round, and its cumulative rate up to the round. */
export const LEAF_KIND = { rate: 0, cumulative: 1 } as const;
/**
 * The leaf file format this code writes and reads. Version 2: (round, modelId, kind, value) leaves, a cumulative per
 * model. Version 1 (no `version` field): (round, modelId, int64 rate) leaves, which today's contract no longer proves.
 */
export const LEAF_FILE_VERSION = 2;
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
  /** The model's cumulative rate up to this round (see nextCumulatives). */
  cumulative: bigint;
}

/** A model's rate before its cumulative is known. */
export interface PlainRate {
  modelId: string;
  rate: bigint;
}

/** A leaf's value: (round, modelId, kind, value). */
export type LeafValue = [bigint, string, number, bigint];
export type RoundTree = StandardMerkleTree<LeafValue>;

const INT64_MIN = -(2n ** 63n);
const INT256_MIN = -(2n ** 255n);

/** `rate` clamped to [-cap, cap]: what the contract applies for a round with this rateCap. */
export function clampRate(rate: bigint, rateCap: bigint): bigint {
  return rate > rateCap ? rateCap : rate < -rateCap ? -rateCap : rate;
}

/**
 * This round's cumulative rate of each model in `rates`: the previous round's (from its leaf file or tree; a model
 * absent there, or no previous round, starts at 0) plus this round's rate clamped to this round's `rateCap`.
 */
export function nextCumulatives(
  previous: ReadonlyMap<string, bigint> | undefined,
  rates: readonly PlainRate[],
  rateCap: bigint,
): Map<string, bigint> {
  const out = new Map<string, bigint>();
  for (const { modelId, rate } of rates) {
    const id = normaliseModelId(modelId);
    out.set(id, (previous?.get(id) ?? 0n) + clampRate(rate, rateCap));
  }
  return out;
}

/** `rates` with their cumulatives (nextCumulatives). */
export function withCumulatives(
  rates: readonly PlainRate[],
  previous: ReadonlyMap<string, bigint> | undefined,
  rateCap: bigint,
): ModelRate[] {
  const cumulatives = nextCumulatives(previous, rates, rateCap);
  return rates.map(({ modelId, rate }) => ({ modelId, rate, cumulative: cumulatives.get(normaliseModelId(modelId))! }));
}

/** The cumulative rate of every model of a round's tree, by lower-case model ID (the next round's `previous`). */
export function cumulativesOf(tree: RoundTree): Map<string, bigint> {
  const out = new Map<string, bigint>();
  for (const [, [, id, kind, value]] of tree.entries()) if (kind === LEAF_KIND.cumulative) out.set(id, value);
  return out;
}

/**
 * A round's leaf values in tree order. `groups` (sizes summing to the number of models; default: one model per group)
 * splits `rates` into consecutive groups, and each group lists its models' rate leaves, then their cumulative leaves
 * in the same order: with a group per account ("by-account" layout, leafLayout.ts) an account's rate leaves are
 * adjacent, and so are its cumulatives, so each multiproof stays small. Rejects duplicate models, rates outside int64
 * and cumulatives outside int256.
 */
export function roundLeafValues(
  round: bigint | number,
  rates: readonly ModelRate[],
  groups?: readonly number[],
): LeafValue[] {
  if (rates.length === 0) throw new Error(`round ${round}: no model rates to publish`);
  if (BigInt(round) < 0n || BigInt(round) >= 2n ** 32n) throw new Error(`round ${round} overflows uint32`);
  const sizes = groups ?? rates.map(() => 1);
  if (sizes.some((g) => !Number.isInteger(g) || g < 1) || sizes.reduce((a, b) => a + b, 0) !== rates.length)
    throw new Error(`round ${round}: leaf groups ${JSON.stringify(sizes)} do not cover the ${rates.length} models`);
  const seen = new Set<string>();
  const checked = rates.map(({ modelId, rate, cumulative }) => {
    const id = normaliseModelId(modelId);
    if (seen.has(id)) throw new Error(`round ${round}: model ${id} appears twice`);
    seen.add(id);
    if (rate < INT64_MIN || rate >= -INT64_MIN)
      throw new Error(`round ${round}: rate ${rate} of ${id} overflows int64`);
    if (typeof cumulative !== "bigint") throw new Error(`round ${round}: model ${id} has no cumulative rate`);
    if (cumulative < INT256_MIN || cumulative >= -INT256_MIN)
      throw new Error(`round ${round}: cumulative ${cumulative} of ${id} overflows int256`);
    return { id, rate, cumulative };
  });
  const values: LeafValue[] = [];
  let at = 0;
  for (const size of sizes) {
    const group = checked.slice(at, at + size);
    at += size;
    for (const m of group) values.push([BigInt(round), m.id, LEAF_KIND.rate, m.rate]);
    for (const m of group) values.push([BigInt(round), m.id, LEAF_KIND.cumulative, m.cumulative]);
  }
  return values;
}

/**
 * The models and groups of a round's leaf values (the inverse of roundLeafValues): each group is a run of rate leaves
 * followed by the cumulative leaves of the same models in the same order. Throws on any other layout.
 */
export function modelsOfLeafValues(
  round: bigint | number,
  values: readonly LeafValue[],
): { rates: ModelRate[]; groups: number[] } {
  const rates: ModelRate[] = [];
  const groups: number[] = [];
  let i = 0;
  while (i < values.length) {
    let size = 0;
    while (i + size < values.length && Number(values[i + size]![2]) === LEAF_KIND.rate) size++;
    for (let k = 0; k < size; k++) {
      const rateLeaf = values[i + k]!;
      const cumulativeLeaf = values[i + size + k];
      if (!cumulativeLeaf || Number(cumulativeLeaf[2]) !== LEAF_KIND.cumulative || cumulativeLeaf[1] !== rateLeaf[1])
        throw new Error(`round ${round}: leaves are not grouped as rates then cumulatives of the same models`);
      rates.push({ modelId: rateLeaf[1], rate: BigInt(rateLeaf[3]), cumulative: BigInt(cumulativeLeaf[3]) });
    }
    if (size === 0)
      throw new Error(`round ${round}: leaves are not grouped as rates then cumulatives of the same models`);
    groups.push(size);
    i += 2 * size;
  }
  return { rates, groups };
}

/**
 * Builds the Merkle tree of one round's per-model rates and cumulatives (roundLeafValues). Leaves are sorted by hash
 * unless `sortLeaves` is false (then they stay in roundLeafValues' order: see leafLayout.ts).
 */
export function buildRoundTree(
  round: bigint | number,
  rates: readonly ModelRate[],
  options: { sortLeaves?: boolean; groups?: readonly number[] } = {},
): RoundTree {
  return StandardMerkleTree.of(roundLeafValues(round, rates, options.groups), [...LEAF_ENCODING], {
    sortLeaves: options.sortLeaves ?? true,
  });
}

/** One model of a leaf file; `scores` are the inputs its rate was computed from (absent for zero-filled models). */
export interface LeafEntry {
  modelId: string;
  rate: string;
  cumulative: string;
  scores?: Record<string, string | null>;
}

/**
 * The JSON file published next to a root: anyone can rebuild the tree from `leaves` and check the root, and, with
 * `payout` (the round's score configuration) and each leaf's `scores`, recompute every rate. Each entry stands for
 * the model's two leaves (rate and cumulative: see roundLeafValues); `leafGroups` gives the groups of an "as-listed"
 * tree (absent: one model per group).
 */
export interface RoundFile {
  version: number; // LEAF_FILE_VERSION
  round: number;
  root: string;
  leafEncoding: string[];
  leaves: LeafEntry[];
  leafOrder?: FileLeafOrder; // "as-listed": the tree keeps the leaves in this order; absent: sorted by hash
  leafGroups?: number[];
  payout?: PayoutConfig;
}

export function roundFile(
  round: bigint | number,
  tree: RoundTree,
  payout?: PayoutConfig,
  scoresByModel?: ReadonlyMap<string, Record<string, string | null>>,
): RoundFile {
  const { rates, groups } = modelsOfLeafValues(
    round,
    [...tree.entries()].map(([, v]) => v),
  );
  const leaves = rates.map(({ modelId, rate, cumulative }): LeafEntry => {
    const scores = scoresByModel?.get(modelId);
    return { modelId, rate: rate.toString(), cumulative: cumulative.toString(), ...(scores ? { scores } : {}) };
  });
  const asListed = fileLeafOrder(tree) === "as-listed";
  return {
    version: LEAF_FILE_VERSION,
    round: Number(round),
    root: tree.root,
    leafEncoding: [...LEAF_ENCODING],
    leaves,
    ...(asListed ? { leafOrder: "as-listed" as const } : {}),
    ...(asListed && groups.some((g) => g !== 1) ? { leafGroups: groups } : {}),
    ...(payout ? { payout } : {}),
  };
}

/** Refuses a leaf file of another format version (older files hold leaves today's contract no longer proves). */
export function checkLeafFileVersion(file: Pick<RoundFile, "round" | "version">): void {
  if (file.version === LEAF_FILE_VERSION) return;
  const found = file.version === undefined ? "1 (no version field)" : JSON.stringify(file.version);
  throw new Error(
    `round ${file.round}: leaf file format version ${found} is not supported: this code reads version ` +
      `${LEAF_FILE_VERSION} ((round, modelId, kind, value) leaves with a cumulative rate per model); rebuild the file`,
  );
}

/** The models of a leaf file with their rates and cumulatives (the version checked). */
export function fileRates(file: RoundFile): ModelRate[] {
  checkLeafFileVersion(file);
  if (!Array.isArray(file.leaves)) throw new Error(`round ${file.round}: the file has no leaves array`);
  return file.leaves.map((l) => {
    if (l.cumulative === undefined) throw new Error(`round ${file.round}: model ${l.modelId} has no cumulative`);
    return { modelId: l.modelId, rate: BigInt(l.rate), cumulative: BigInt(l.cumulative) };
  });
}

/** The tree options a leaf file says its tree was built with. */
export function fileTreeOptions(file: RoundFile): { sortLeaves: boolean; groups?: number[] } {
  return {
    sortLeaves: sortsLeaves(checkedLeafOrder(file)),
    ...(file.leafGroups ? { groups: file.leafGroups } : {}),
  };
}

/** Rebuilds a tree from a leaf file and checks it matches the stated root. */
export function treeFromFile(file: RoundFile): RoundTree {
  const tree = buildRoundTree(file.round, fileRates(file), fileTreeOptions(file));
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

/** A tree with its model ID -> leaf index maps (scripts/lib/roundTrees.ts builds these once per tree). */
export interface IndexedTree {
  tree: RoundTree;
  leafIndexByModel: ReadonlyMap<string, number>; // the model's rate leaf (kind 0)
  cumulativeIndexByModel: ReadonlyMap<string, number>; // the model's cumulative leaf (kind 1)
}

/** How often round trees were built and indexed in this process: tests assert "once per tree" with it. */
export const roundTreeCounters = { builds: 0, indexes: 0 };

/** Indexes a tree: model ID (lower case) -> index in tree.entries() of its rate leaf and of its cumulative leaf. */
export function indexTree(tree: RoundTree): IndexedTree {
  roundTreeCounters.indexes++;
  const leafIndexByModel = new Map<string, number>();
  const cumulativeIndexByModel = new Map<string, number>();
  for (const [i, [, id, kind]] of tree.entries()) {
    if (Number(kind) === LEAF_KIND.rate) leafIndexByModel.set(id.toLowerCase(), i);
    else cumulativeIndexByModel.set(id.toLowerCase(), i);
  }
  return { tree, leafIndexByModel, cumulativeIndexByModel };
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
    rates: multi.leaves.map(([, , , rate]) => BigInt(rate)),
    proof: multi.proof,
    proofFlags: multi.proofFlags,
    unprovable: false,
  };
}

/** The calldata struct PortfolioStake.settleSpans expects for one boundary of a span. */
export interface SpanBoundaryArg {
  round: bigint;
  slots: number[];
  cumulatives: bigint[];
  proof: string[];
  proofFlags: boolean[];
}

/**
 * One boundary of an account's span: the cumulative leaves of its registry models (by slot) that the tree holds, with
 * a multiproof. Pass `onlyWeighted` (the weights of the segments the boundary bounds: a slot weighted in either) to
 * prove only those models (cheaper). Throws when a model asked for has no cumulative leaf.
 */
export function accountSpanBoundary(
  round: bigint | number,
  treeOrIndexed: RoundTree | IndexedTree,
  registry: string[],
  onlyWeighted?: readonly (number | bigint)[],
): SpanBoundaryArg {
  const { tree, cumulativeIndexByModel } =
    "cumulativeIndexByModel" in treeOrIndexed ? treeOrIndexed : indexTree(treeOrIndexed);
  const treeIndices: number[] = [];
  registry.forEach((id, slot) => {
    if (onlyWeighted && BigInt(onlyWeighted[slot] ?? 0) === 0n) return;
    if (/^0x0{32}$/.test(id)) return; // an index freed by unbinding
    const index = cumulativeIndexByModel.get(normaliseModelId(id));
    if (index === undefined) throw new Error(`round ${round}: model ${id} has no cumulative leaf`);
    treeIndices.push(index);
  });
  if (treeIndices.length === 0) return { round: BigInt(round), slots: [], cumulatives: [], proof: [], proofFlags: [] };
  const multi = tree.getMultiProof(treeIndices);
  return {
    round: BigInt(round),
    slots: multi.leaves.map(([, id]) => registry.findIndex((m) => normaliseModelId(m) === id)),
    cumulatives: multi.leaves.map(([, , , value]) => BigInt(value)),
    proof: multi.proof,
    proofFlags: multi.proofFlags,
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
