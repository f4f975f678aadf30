/**
 * Allocation editor arithmetic, exact and pure: a weight is an integer number of basis points (1 bps = 0.01%) and a
 * savable vector sums to exactly 10,000. Parsing and formatting percent text is @portfolio-stake/core/bps's (exact,
 * never through floating point).
 */
import { TOTAL_BPS, evenSplit, formatBps } from "@portfolio-stake/core/bps";

function assertBps(bps: number): void {
  if (!Number.isInteger(bps) || bps < 0 || bps > TOTAL_BPS) throw new Error(`not a weight in basis points: ${bps}`);
}

export function totalBps(weights: readonly number[]): number {
  return weights.reduce((sum, w) => sum + w, 0);
}

/**
 * A freed registry slot: modelsOf gives a zero id where a model was unbound. It stays in the list (vectors are in
 * slot order and the canonical setAllocation list includes it) but is never shown as a model and must weigh 0.
 */
export const isFreeSlot = (modelId: string) => /^0x0+$/.test(modelId);

/** How many of the slots hold a model. */
export const boundModelCount = (models: readonly string[]) => models.filter((m) => !isFreeSlot(m)).length;

/** evenSplit over the bound slots only; freed slots get 0. */
export function evenSplitOver(models: readonly string[]): number[] {
  const split = evenSplit(boundModelCount(models));
  let next = 0;
  return models.map((m) => (isFreeSlot(m) ? 0 : (split[next++] ?? 0)));
}

export function clearWeights(n: number): number[] {
  return Array.from({ length: n }, () => 0);
}

export type EditResult = { ok: true; weights: number[] } | { ok: false; error: string };

/** Sets model `index` to whatever makes the total exactly 100%; fails (changing nothing) if the others exceed it. */
export function putRemainderOn(weights: readonly number[], index: number): EditResult {
  const current = weights[index];
  if (current === undefined) throw new Error(`no model at ${index}`);
  const others = totalBps(weights) - current;
  if (others > TOTAL_BPS) {
    return { ok: false, error: `The other models already add up to ${formatBps(others)}: lower them first` };
  }
  const next = [...weights];
  next[index] = TOTAL_BPS - others;
  return { ok: true, weights: next };
}

/** Replaces one weight (already validated as 0..10,000 bps). */
export function setWeight(weights: readonly number[], index: number, bps: number): number[] {
  assertBps(bps);
  if (!Number.isInteger(index) || index < 0 || index >= weights.length) throw new Error(`no model at ${index}`);
  const next = [...weights];
  next[index] = bps;
  return next;
}

export type TotalCheck = { ok: true; total: number } | { ok: false; total: number; off: number; message: string };

/** Whether a vector can be saved: exactly 100% in total, and says by how much it is off otherwise. */
export function checkTotal(weights: readonly number[]): TotalCheck {
  weights.forEach(assertBps);
  const total = totalBps(weights);
  if (weights.length === 0)
    return { ok: false, total, off: -TOTAL_BPS, message: "This account has no models to allocate to" };
  if (total === TOTAL_BPS) return { ok: true, total };
  const off = total - TOTAL_BPS;
  const message =
    off < 0
      ? `Total is ${formatBps(total)}: ${formatBps(-off)} short of 100%`
      : `Total is ${formatBps(total)}: ${formatBps(off)} over 100%`;
  return { ok: false, total, off, message };
}

/** The NMR a weight puts at risk, as the contract computes it: stake × bps / 10,000, rounded down. */
export function stakeForBps(stakeWei: bigint, bps: number): bigint {
  assertBps(bps);
  return (stakeWei * BigInt(bps)) / BigInt(TOTAL_BPS);
}

export interface PreviewRow {
  index: number;
  before: number;
  after: number;
  change: number; // bps, after - before
  nmrBefore: bigint;
  nmrAfter: bigint;
}

/** Before/after per model for the preview (only rows where something is non-zero). */
export function previewChanges(before: readonly number[], after: readonly number[], stakeWei: bigint): PreviewRow[] {
  if (before.length !== after.length) throw new Error(`vectors of ${before.length} and ${after.length} models`);
  return after
    .map((a, index) => {
      const b = before[index] ?? 0; // same length (checked above)
      return {
        index,
        before: b,
        after: a,
        change: a - b,
        nmrBefore: stakeForBps(stakeWei, b),
        nmrAfter: stakeForBps(stakeWei, a),
      };
    })
    .filter((row) => row.before !== 0 || row.after !== 0);
}

export function sameWeights(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((w, i) => w === b[i]);
}

/**
 * Loads entries (from ?weights=) onto the account's models in registry order. Unknown model ids are reported;
 * models not mentioned get 0.
 */
export function weightsFromEntries(
  models: readonly string[],
  entries: readonly { modelId: string; bps: number }[],
): { weights: number[]; unknown: string[] } {
  const index = new Map(models.map((m, i) => [m.toLowerCase(), i]));
  const weights = clearWeights(models.length);
  const unknown: string[] = [];
  for (const entry of entries) {
    const i = index.get(entry.modelId.toLowerCase());
    if (i === undefined) unknown.push(entry.modelId);
    else weights[i] = entry.bps;
  }
  return { weights, unknown };
}

/** Moves one weight by `deltaBps` (a stepper press), kept within 0..100%. */
export function stepWeight(weights: readonly number[], index: number, deltaBps: number): number[] {
  const current = weights[index];
  if (current === undefined) throw new Error(`no model at ${index}`);
  return setWeight(weights, index, Math.min(TOTAL_BPS, Math.max(0, current + deltaBps)));
}

/**
 * Keeps the locked weights and rescales the others (bound models only) so the vector totals exactly 100%, in
 * proportion to their current weights (largest remainder, ties to the first model), or evenly when they are all 0.
 * Fails, changing nothing, when the locked weights alone exceed 100% or nothing is left to rescale.
 */
export function rescaleUnlocked(
  weights: readonly number[],
  locked: readonly boolean[],
  models: readonly string[],
): EditResult {
  weights.forEach(assertBps);
  const free = weights.map((_, i) => i).filter((i) => !locked[i] && models[i] !== undefined && !isFreeSlot(models[i]));
  const lockedTotal = totalBps(weights.filter((_, i) => !free.includes(i)));
  if (lockedTotal > TOTAL_BPS)
    return { ok: false, error: `The locked weights already add up to ${formatBps(lockedTotal)}: lower or unlock some` };
  if (free.length === 0) return { ok: false, error: "Every model is locked: unlock the ones to rescale" };
  const room = TOTAL_BPS - lockedTotal;
  const base = totalBps(free.map((i) => weights[i] ?? 0));
  const next = [...weights];
  if (base === 0) {
    const each = Math.floor(room / free.length);
    const extra = room - each * free.length;
    free.forEach((i, k) => (next[i] = each + (k < extra ? 1 : 0)));
    return { ok: true, weights: next };
  }
  // Exact integer shares: floor(w × room / base), then the leftover basis points to the largest remainders.
  const shares = free.map((i) => {
    const scaled = (weights[i] ?? 0) * room;
    return { i, floor: Math.floor(scaled / base), remainder: scaled % base };
  });
  let left = room - shares.reduce((s, x) => s + x.floor, 0);
  for (const share of [...shares].sort((a, b) => b.remainder - a.remainder || a.i - b.i)) {
    if (left === 0) break;
    share.floor++;
    left--;
  }
  for (const share of shares) next[share.i] = share.floor;
  return { ok: true, weights: next };
}
