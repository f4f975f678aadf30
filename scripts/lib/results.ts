/**
 * Round results: from per-model scores to rates, Merkle trees, leaf files and settlement proofs.
 *
 * A leaf is (uint32 round, bytes16 modelId, int64 rate) hashed by @openzeppelin/merkle-tree's StandardMerkleTree
 * (double keccak of the ABI encoding), exactly what PortfolioStake verifies. Rates are 18-decimal fractions of the
 * stake (0.05e18 = +5%). The payout formula is configuration here, never in the contract.
 */
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";

export const LEAF_ENCODING = ["uint32", "bytes16", "int64"] as const;
export const RATE_DECIMALS = 18;
const SCALE = 10n ** 18n;

/** Numerai's payout rule since 2024-01-02: clip(0.5 CORR + 2 MMC, -5%, +5%). */
export interface PayoutFormula {
  corrWeight: string; // decimal, e.g. "0.5"
  mmcWeight: string; // decimal, e.g. "2"
  cap: string; // decimal fraction, e.g. "0.05"
}
export const NUMERAI_2024_FORMULA: PayoutFormula = { corrWeight: "0.5", mmcWeight: "2", cap: "0.05" };

/**
 * Parses a decimal string (plain or scientific, e.g. "-5.92e-18") into an integer with `decimals` decimals,
 * rounding toward zero. Exact: no floating point is involved.
 */
export function parseDecimal(text: string, decimals = RATE_DECIMALS): bigint {
  const match = /^\s*([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?\s*$/.exec(text);
  if (!match || (match[2] === "" && (match[3] ?? "") === "")) throw new Error(`"${text}" is not a number`);
  const [, sign, intPart, fracPart = "", expPart = "0"] = match;
  const digits = (intPart + fracPart).replace(/^0+(?=\d)/, "") || "0";
  const shift = decimals + Number(expPart) - fracPart.length; // value = digits * 10^shift
  let value: bigint;
  if (shift >= 0) value = BigInt(digits) * 10n ** BigInt(shift);
  else value = -shift > digits.length ? 0n : BigInt(digits.slice(0, digits.length + shift) || "0");
  return sign === "-" ? -value : value;
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

/** rate = clip(corrWeight x CORR + mmcWeight x MMC, -cap, +cap), as an 18-decimal integer. Scores are decimals. */
export function rateFromScores(corr: string | null, mmc: string | null, formula = NUMERAI_2024_FORMULA): bigint {
  const cap = parseDecimal(formula.cap);
  // Scores are read at 36 decimals so the weighted sum is exact before its single rounding (toward zero).
  const wide = (score: string | null, weight: string) =>
    score === null ? 0n : parseDecimal(weight) * parseDecimal(score, 2 * RATE_DECIMALS);
  const raw = (wide(corr, formula.corrWeight) + wide(mmc, formula.mmcWeight)) / SCALE ** 2n;
  return raw > cap ? cap : raw < -cap ? -cap : raw;
}

export interface ModelRate {
  modelId: string; // bytes16 hex
  rate: bigint;
}

export type RoundTree = StandardMerkleTree<[bigint, string, bigint]>;

/** Builds the Merkle tree of one round's per-model rates. Rejects duplicate models and rates outside int64. */
export function buildRoundTree(round: bigint | number, rates: ModelRate[]): RoundTree {
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
  return StandardMerkleTree.of(values, [...LEAF_ENCODING]);
}

/** The JSON file published next to a root: anyone can rebuild the tree from `leaves` and check the root. */
export interface RoundFile {
  round: number;
  root: string;
  leafEncoding: string[];
  leaves: { modelId: string; rate: string }[];
  formula?: PayoutFormula;
}

export function roundFile(round: bigint | number, tree: RoundTree, formula?: PayoutFormula): RoundFile {
  const leaves = [...tree.entries()].map(([, [, modelId, rate]]) => ({ modelId, rate: rate.toString() }));
  return {
    round: Number(round),
    root: tree.root,
    leafEncoding: [...LEAF_ENCODING],
    leaves,
    ...(formula ? { formula } : {}),
  };
}

/** Rebuilds a tree from a leaf file and checks it matches the stated root. */
export function treeFromFile(file: RoundFile): RoundTree {
  const tree = buildRoundTree(
    file.round,
    file.leaves.map((l) => ({ modelId: l.modelId, rate: BigInt(l.rate) })),
  );
  if (tree.root !== file.root)
    throw new Error(`round ${file.round}: leaves rebuild root ${tree.root}, file says ${file.root}`);
  return tree;
}

/** Lower-case 0x-prefixed bytes16. */
export function normaliseModelId(id: string): string {
  const hex = id.toLowerCase();
  if (!/^0x[0-9a-f]{32}$/.test(hex)) throw new Error(`"${id}" is not a bytes16 model ID`);
  return hex;
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
  tree: RoundTree | null,
  registry: string[],
  onlyWeighted?: readonly (number | bigint)[],
): RoundResultArg {
  if (tree === null) return emptyRoundResult(round);
  const indexById = new Map<string, number>();
  for (const [i, [, id]] of tree.entries()) indexById.set(id, i);
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
 * The contract's arithmetic, independently: each model's term is (stake x w / 10,000) x rate / 1e18, rounded toward
 * zero (BigInt division truncates toward zero, like Solidity's signed division).
 */
export function roundDelta(
  stake: bigint,
  weights: readonly (number | bigint)[],
  ratesBySlot: readonly bigint[],
): bigint {
  let delta = 0n;
  weights.forEach((w, slot) => {
    const modelStake = (stake * BigInt(w)) / 10_000n;
    delta += (modelStake * (ratesBySlot[slot] ?? 0n)) / SCALE;
  });
  return delta;
}
