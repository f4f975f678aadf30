/**
 * What a portfolio method is: from the rates that were public when the vector was chosen, a whole-bps vector within
 * the per-model bounds summing to exactly 10,000. The walk-forward evaluation (walkForward.ts) calls every method
 * through this interface, and only ever hands it the past.
 */
import { TOTAL_BPS } from "../bps";
import { allocateBps } from "./core";
import type { Maybe } from "../stats";

export interface DecisionInput {
  /** The eligible models' rates (fractions of the slice), models x rounds, oldest first: only rounds already public. */
  series: readonly (readonly Maybe[])[];
  /** The round numbers of those columns (for diagnostics and the look-ahead test; a method must not need them). */
  rounds: readonly number[];
  minBps: number;
  maxBps: number;
}

export interface PortfolioMethod {
  /** Short id for the command line and tables, e.g. "min-variance". */
  id: string;
  /** Plain-language name for the app and the README. */
  label: string;
  /** Whole bps, one per model of `input.series`, each within [minBps, maxBps], summing to exactly 10,000. */
  choose(input: DecisionInput): number[];
}

/** Fractions (any non-negative weights) → whole bps within the bounds summing to 10,000 (suggestCore.allocateBps). */
export function toBps(weights: readonly number[], minBps: number, maxBps: number): number[] {
  return allocateBps(weights, minBps, maxBps);
}

/** The per-model bounds as fractions of the whole, for the optimisers. */
export function boundsAsFractions(n: number, minBps: number, maxBps: number): { lo: number[]; hi: number[] } {
  return {
    lo: Array.from({ length: n }, () => minBps / TOTAL_BPS),
    hi: Array.from({ length: n }, () => maxBps / TOTAL_BPS),
  };
}
