/**
 * The payout module: the only place where a round's scores become its per-model rates.
 *
 * A round's score configuration, like Numerai's per-round score configs, names the scores and their multipliers, the
 * formula that combines them, the payout factor, the clip and the slice divisor R:
 *
 *   rate = clip(payoutFactor x formula(scores, multipliers), -clip, +clip)     a fraction of the round's slice
 *
 * where the slice is stake-at-opening / R (PortfolioStake's `sliceDivisor`). The arithmetic is exact: every decimal
 * is parsed without loss, the product is formed exactly and rounded once, toward zero, to the 18 decimals of a leaf's
 * rate, then clipped. A score with no value (NA) counts as 0.
 *
 * Adding a formula is one file (a ScoreFormula, like formulaWeightedSum.ts) and its test, plus its line in FORMULAS.
 */
import { existsSync, readFileSync } from "node:fs";
import { weightedSum } from "./formulaWeightedSum";
import { RATE_DECIMALS, formatRate, parseExactDecimal, toFixedUnits, type ExactDecimal } from "./results";

/** A round's score configuration, as given by the operator and recorded in the leaf file. */
export interface PayoutConfig {
  formula: string; // a key of FORMULAS
  scores: Record<string, string>; // score name (upper case, one of KNOWN_SCORES) -> multiplier (decimal)
  payoutFactor: string; // decimal, 0 < payoutFactor <= 1
  clip: string; // decimal fraction of the slice, 0 < clip <= 1 and at most the round's on-chain rateCap
  sliceDivisor: number; // R: the round puts stake-at-opening / R at risk; must equal the round's on-chain value
}

/** How a formula combines a model's scores, before the payout factor and the clip. Exact: no rounding here. */
export interface ScoreFormula {
  combine(
    scores: ReadonlyMap<string, ExactDecimal | null>,
    multipliers: ReadonlyMap<string, ExactDecimal>,
  ): ExactDecimal;
  /** The configuration's scores in words, from the multipliers as written, e.g. "0.5 CORR + 2 MMC". */
  describe(multipliers: Record<string, string>): string;
}

export const FORMULAS: Record<string, ScoreFormula> = { "weighted-sum": weightedSum };

/**
 * Score names a configuration may use; each is a column of the results file (matched case-insensitively). A name
 * outside this list is refused: it is most likely a typo, which would silently pay on the wrong column.
 */
export const KNOWN_SCORES: Record<string, string> = {
  CORR: "correlation on the horizon the round is paid on (CORR20V2 for daily rounds in 2024-2026)",
  MMC: "meta-model contribution on the horizon the round is paid on",
  CORR20: "correlation over 20 trading days",
  CORR20V2: "correlation over 20 trading days, version 2 of the score (the column of the daily score data)",
  CORR60: "correlation over 60 trading days",
  MMC20: "meta-model contribution over 20 trading days",
  MMC60: "meta-model contribution over 60 trading days",
  BMC20: "benchmark-model contribution over 20 trading days",
  BMC60: "benchmark-model contribution over 60 trading days",
  TC: "true contribution (an earlier Numerai score)",
};

const ONE = 10n ** BigInt(RATE_DECIMALS);
/** PortfolioStake's bounds on sliceDivisor. */
export const SLICE_DIVISOR_BOUNDS = { min: 1, max: 1024 } as const;
const FIELDS = ["formula", "scores", "payoutFactor", "clip", "sliceDivisor"] as const;

/**
 * Named configurations. `numerai-2024` is what the operator job applied before score configurations existed
 * (clip(0.5 CORR + 2 MMC, ±5%) of the whole stake each round, no payout factor); the `numerai-2026-atomic` ones are
 * Numerai's atomic staking: a 1/64 slice of the stake per round, clipped at ±100% of it, payout factor 1.
 */
export const PRESETS: Record<string, PayoutConfig> = {
  "numerai-2024": {
    formula: "weighted-sum",
    scores: { CORR: "0.5", MMC: "2" },
    payoutFactor: "1",
    clip: "0.05",
    sliceDivisor: 1,
  },
  "numerai-2026-atomic": {
    formula: "weighted-sum",
    scores: { CORR: "5", MMC: "1" },
    payoutFactor: "1",
    clip: "1",
    sliceDivisor: 64,
  },
  "numerai-2026-atomic-60": {
    formula: "weighted-sum",
    scores: { CORR60: "3", MMC60: "15" },
    payoutFactor: "1",
    clip: "1",
    sliceDivisor: 64,
  },
};

/** A configuration that cannot be used; `problems` names each field. Nothing is published. */
export class PayoutConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`${source}: the score configuration is refused; nothing was published:\n  ${problems.join("\n  ")}`);
    this.name = "PayoutConfigError";
  }
}

/** Checks a configuration and returns it normalised (score names in upper case, decimals as strings). */
export function parsePayoutConfig(value: unknown, source = "score configuration"): PayoutConfig {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new PayoutConfigError(source, [
      `expected an object like ${JSON.stringify(PRESETS["numerai-2026-atomic"])} or a preset name (${presetNames()})`,
    ]);
  }
  const record = value as Record<string, unknown>;
  const problems: string[] = [];
  const unknown = Object.keys(record).filter((k) => !FIELDS.some((f) => f === k));
  if (unknown.length) problems.push(`unknown field(s) ${unknown.join(", ")}; the fields are ${FIELDS.join(", ")}`);
  for (const field of FIELDS) if (record[field] === undefined) problems.push(`${field} is missing`);

  const formula = record.formula;
  if (formula !== undefined && (typeof formula !== "string" || !(formula in FORMULAS)))
    problems.push(`formula ${JSON.stringify(formula)} is not one of ${Object.keys(FORMULAS).join(", ")}`);

  const decimal = (field: string, v: unknown): ExactDecimal | undefined => {
    if (typeof v !== "string" && typeof v !== "number") {
      problems.push(`${field} must be a decimal (a string such as "0.5", or a number), not ${JSON.stringify(v)}`);
      return undefined;
    }
    try {
      return parseExactDecimal(String(v));
    } catch (e) {
      problems.push(`${field} ${(e as Error).message}`); // "x" is not a number, or out of range
      return undefined;
    }
  };

  const scores: Record<string, string> = {};
  if (record.scores !== undefined) {
    const given = record.scores;
    if (given === null || typeof given !== "object" || Array.isArray(given) || Object.keys(given).length === 0) {
      problems.push(`scores must name at least one score and its multiplier, e.g. {"CORR": "0.5", "MMC": "2"}`);
    } else {
      for (const [rawName, multiplier] of Object.entries(given as Record<string, unknown>)) {
        const name = rawName.trim().toUpperCase();
        const field = `scores.${rawName}`;
        if (!(name in KNOWN_SCORES)) {
          problems.push(`${field}: "${rawName}" is not a known score (known: ${Object.keys(KNOWN_SCORES).join(", ")})`);
          continue;
        }
        if (name in scores) {
          problems.push(`${field}: ${name} is named twice`);
          continue;
        }
        const m = decimal(field, multiplier);
        if (m && m.units < 0n)
          problems.push(`${field} ${decimalText(multiplier)} is negative: it would pay for bad scores`);
        scores[name] = decimalText(multiplier);
      }
    }
  }

  const fraction = (field: "payoutFactor" | "clip") => {
    if (record[field] === undefined) return "";
    const v = decimal(field, record[field]);
    if (v === undefined) return "";
    const text = decimalText(record[field]);
    const fixed = toFixedUnits(v);
    if (v.units <= 0n || fixed > ONE)
      problems.push(`${field} ${text} must be above 0 and at most 1 (a fraction: 0.05 = 5%)`);
    else if (toFixedUnits({ units: fixed, scale: RATE_DECIMALS }, v.scale) !== v.units)
      problems.push(`${field} ${text} has more than ${RATE_DECIMALS} decimals`);
    return text;
  };
  const payoutFactor = fraction("payoutFactor");
  const clip = fraction("clip");

  const r = record.sliceDivisor;
  const { min, max } = SLICE_DIVISOR_BOUNDS;
  if (r !== undefined && !(typeof r === "number" && Number.isInteger(r) && r >= min && r <= max))
    problems.push(`sliceDivisor ${JSON.stringify(r)} must be a whole number from ${min} to ${max}`);

  if (problems.length) throw new PayoutConfigError(source, problems);
  return { formula: formula as string, scores, payoutFactor, clip, sliceDivisor: r as number };
}

/** A decimal field as written (a JSON number printed); anything else was already refused. */
const decimalText = (v: unknown) => (typeof v === "string" || typeof v === "number" ? String(v).trim() : "");

const presetNames = () => Object.keys(PRESETS).join(", ");

/** The configuration from a preset name, inline JSON or a JSON file (the SCORE_CONFIG variable). */
export function loadPayoutConfig(spec: string | undefined, variable = "SCORE_CONFIG"): PayoutConfig {
  const text = spec?.trim() ?? "";
  if (text === "")
    throw new Error(`Set ${variable}: a preset (${presetNames()}), inline JSON or a JSON file (see the README)`);
  const preset = PRESETS[text];
  if (preset) return structuredClone(preset);
  const isInline = text.startsWith("{");
  if (!isInline && !existsSync(text))
    throw new Error(`${variable}: "${text}" is neither a preset (${presetNames()}), inline JSON nor an existing file`);
  const source = isInline ? variable : text;
  let parsed: unknown;
  try {
    parsed = JSON.parse(isInline ? text : readFileSync(text, "utf8"));
  } catch (e) {
    throw new Error(`${source} is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
  return parsePayoutConfig(parsed, source);
}

/** What a round fixed on chain when it opened and a configuration must agree with. */
export interface OnChainRoundTerms {
  round: bigint;
  rateCap: bigint; // 18-decimal fraction of the slice
  sliceDivisor: bigint;
}

/** Refuses a configuration whose clip exceeds the round's on-chain cap or whose R is not the round's. */
export function checkAgainstRound(config: PayoutConfig, terms: OnChainRoundTerms, source = "score configuration") {
  const problems: string[] = [];
  const clip = toFixedUnits(parseExactDecimal(config.clip));
  if (clip > terms.rateCap)
    problems.push(
      `clip ${config.clip} (${formatRate(clip)}) is above round ${terms.round}'s on-chain rateCap ${formatRate(terms.rateCap)}`,
    );
  if (BigInt(config.sliceDivisor) !== terms.sliceDivisor)
    problems.push(
      `sliceDivisor ${config.sliceDivisor} is not round ${terms.round}'s on-chain sliceDivisor ${terms.sliceDivisor} ` +
        `(the round puts 1/${terms.sliceDivisor} of each stake at risk)`,
    );
  if (problems.length) throw new PayoutConfigError(source, problems);
}

/** The formula in words, e.g. "rate = clip(1 x (5 CORR + 1 MMC), ±100%) of a 1/64 slice". */
export function describePayoutConfig(config: PayoutConfig): string {
  const formula = formulaOf(config);
  const combined = formula.describe(config.scores);
  const clip = formatRate(toFixedUnits(parseExactDecimal(config.clip)));
  return `rate = clip(${config.payoutFactor} x (${combined}), ±${clip}) of a 1/${config.sliceDivisor} slice`;
}

/** One model's rate from its scores (decimal strings by score name, null = no score, NA). */
export interface PayoutRate {
  rate: bigint; // 18-decimal fraction of the slice, clipped
  clipped: boolean;
}

/**
 * The rate for one model. `scores` must carry every configured score (null for NA); each must be a fraction in
 * [-1, 1] (scores are correlations, not percentages). Throws a message naming the score otherwise.
 */
export function payoutRate(
  scores: Readonly<Record<string, string | null | undefined>>,
  config: PayoutConfig,
): PayoutRate {
  const values = new Map<string, ExactDecimal | null>();
  for (const name of Object.keys(config.scores)) {
    const text = scores[name];
    if (text === undefined) throw new Error(`has no ${name} score (the score configuration needs it; NA for none)`);
    if (text === null) {
      values.set(name, null);
      continue;
    }
    let value: ExactDecimal;
    try {
      value = parseExactDecimal(text);
    } catch (e) {
      throw new Error(`${name} ${(e as Error).message}`, { cause: e });
    }
    if (!withinOne(value)) throw new Error(`${name} ${text} is outside [-1, 1]: scores are fractions (0.02, not 2)`);
    values.set(name, value);
  }
  const combined = formulaOf(config).combine(values, multipliersOf(config));
  const factor = parseExactDecimal(config.payoutFactor);
  const raw = toFixedUnits({ units: combined.units * factor.units, scale: combined.scale + factor.scale });
  return clipRate(raw, config);
}

/** A rate given directly (a fraction of the slice, no scores): clipped like a computed one. */
export function givenRate(text: string, config: PayoutConfig): PayoutRate {
  let value: ExactDecimal;
  try {
    value = parseExactDecimal(text);
  } catch (e) {
    throw new Error(`rate ${(e as Error).message}`, { cause: e });
  }
  if (!withinOne(value))
    throw new Error(`rate ${text} is more than 100% of the slice: rates are fractions (0.01 = +1%)`);
  return clipRate(toFixedUnits(value), config);
}

/** |value| <= 1, exactly. */
function withinOne(value: ExactDecimal): boolean {
  const magnitude = value.units < 0n ? -value.units : value.units;
  return magnitude <= 10n ** BigInt(value.scale);
}

function clipRate(raw: bigint, config: PayoutConfig): PayoutRate {
  const clip = toFixedUnits(parseExactDecimal(config.clip));
  const rate = raw > clip ? clip : raw < -clip ? -clip : raw;
  return { rate, clipped: rate !== raw };
}

function formulaOf(config: PayoutConfig): ScoreFormula {
  const formula = FORMULAS[config.formula];
  if (!formula) throw new Error(`formula "${config.formula}" is not one of ${Object.keys(FORMULAS).join(", ")}`);
  return formula;
}

function multipliersOf(config: PayoutConfig): Map<string, ExactDecimal> {
  return new Map(Object.entries(config.scores).map(([name, m]) => [name, parseExactDecimal(m)]));
}
