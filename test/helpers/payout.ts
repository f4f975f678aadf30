/**
 * The score configuration the integration tests publish with: Numerai's 2024 multipliers and clip
 * (clip(0.5 CORR + 2 MMC, ±5%)), with the fixtures' slice divisor, so the operator job accepts it on their chain.
 */
import { sliceDivisorOf } from "../../scripts/lib/operator";
import { PRESETS, type PayoutConfig } from "../../scripts/lib/payout";
import { DEFAULT_PARAMS } from "./fixtures";

export const TEST_PAYOUT_CONFIG: PayoutConfig = {
  ...PRESETS["numerai-2024"]!,
  sliceDivisor: Number(sliceDivisorOf(DEFAULT_PARAMS)),
};
