/**
 * The "weighted-sum" formula: the sum of each score times its multiplier, e.g. 0.5 CORR + 2 MMC (Numerai 2024) or
 * 5 CORR + 1 MMC (atomic staking). A score with no value (NA) counts as 0. Exact: the terms are summed at the finest
 * scale of their inputs, so nothing is rounded here (packages/core/src/payout.ts rounds once, after the payout factor).
 */
import type { ScoreFormula } from "./payout";
import type { ExactDecimal } from "./results";

export const weightedSum: ScoreFormula = {
  combine(scores, multipliers) {
    const terms: ExactDecimal[] = [];
    for (const [name, multiplier] of multipliers) {
      const score = scores.get(name);
      if (score === undefined) throw new Error(`weighted-sum: no value given for ${name}`);
      if (score !== null) terms.push({ units: score.units * multiplier.units, scale: score.scale + multiplier.scale });
    }
    const scale = Math.max(0, ...terms.map((t) => t.scale));
    const units = terms.reduce((sum, t) => sum + t.units * 10n ** BigInt(scale - t.scale), 0n);
    return { units, scale };
  },
  describe(multipliers) {
    return Object.entries(multipliers)
      .map(([name, m]) => `${m} ${name}`)
      .join(" + ");
  },
};
