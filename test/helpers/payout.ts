/**
 * Score configurations and chain parameters the integration tests publish and deploy with.
 */
import { PRESETS, type PayoutConfig } from "@portfolio-stake/core/payout";
import { DAY, DEFAULT_PARAMS, RATE } from "./fixtures";

/** Numerai's 2024 multipliers and clip (clip(0.5 CORR + 2 MMC, ±5%)) with the fixtures' slice divisor. */
export const TEST_PAYOUT_CONFIG: PayoutConfig = {
  ...PRESETS["numerai-2024"]!,
  sliceDivisor: Number(DEFAULT_PARAMS.sliceDivisor),
};

/**
 * Numerai's 2026 rules for deploySystem: daily rounds, each risking a 1/64 slice, rates up to 100% of it. With the
 * fixtures' 21-day resolution, 7-day window and 7-day grace, 36 rounds are open at once: 36 / 64 of a stake.
 */
export const NUMERAI_2026_PARAMS = { minRoundInterval: DAY, rateCap: RATE("1"), sliceDivisor: 64n };
