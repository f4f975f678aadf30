/** Owed rewards arithmetic, exactly as contracts/libraries/OwedRewards.sol (pure: used by the handlers and tests). */

/** OwedRewards.FACTOR_ONE: the owed factor at the start of every epoch. */
export const OWED_FACTOR_ONE = 10n ** 36n;

/**
 * What an account is owed now and what refills paid it that it has not claimed, from its stored record, exactly as
 * OwedRewards.owedNow: stored x factor / storedFactor rounded up within the same epoch, nothing from an older epoch
 * (a refill that paid everything owed started a new one).
 */
export function owedNow(
  stored: { owedStored: bigint; owedEpoch: number; owedFactor: bigint },
  current: { owedFactor: bigint; owedEpoch: number },
): { unpaidRewards: bigint; claimableRewards: bigint } {
  if (stored.owedStored === 0n) return { unpaidRewards: 0n, claimableRewards: 0n };
  const owed =
    stored.owedEpoch !== current.owedEpoch
      ? 0n
      : (stored.owedStored * current.owedFactor + stored.owedFactor - 1n) / stored.owedFactor;
  return { unpaidRewards: owed, claimableRewards: stored.owedStored - owed };
}
