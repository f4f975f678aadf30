/** Owed rewards arithmetic, exactly as contracts/libraries/OwedRewards.sol (pure: used by the handlers and tests). */

/** OwedRewards.FACTOR_ONE: the owed factor at the start of every epoch. */
export const OWED_FACTOR_ONE = 10n ** 36n;

/** OwedRewards.SCALE_STEP: the factor is multiplied by this whenever it would fall below it. */
export const OWED_SCALE_STEP = 10n ** 18n;

/**
 * What an account is owed now and what refills paid it that it has not claimed, from its stored record, exactly as
 * OwedRewards.owedNow: stored x factor / (storedFactor x 1e18^(scale - storedScale)) rounded up within the same epoch
 * (1 wei when more than two scales apart), nothing from an older epoch (a refill that paid everything owed started
 * a new one).
 */
export function owedNow(
  stored: { owedStored: bigint; owedEpoch: number; owedFactor: bigint; owedScale: number },
  current: { owedFactor: bigint; owedEpoch: number; owedScale: number },
): { unpaidRewards: bigint; claimableRewards: bigint } {
  if (stored.owedStored === 0n) return { unpaidRewards: 0n, claimableRewards: 0n };
  const steps = current.owedScale - stored.owedScale;
  const divisor = stored.owedFactor * OWED_SCALE_STEP ** BigInt(Math.max(steps, 0));
  const owed =
    stored.owedEpoch !== current.owedEpoch
      ? 0n
      : steps > 2
        ? 1n
        : (stored.owedStored * current.owedFactor + divisor - 1n) / divisor;
  return { unpaidRewards: owed, claimableRewards: stored.owedStored - owed };
}
