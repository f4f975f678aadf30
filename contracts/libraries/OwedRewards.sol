// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {StakeStorage} from "./StakeStorage.sol";

/**
 * @title OwedRewards
 * @notice Gains the rewards pool could not pay are owed, and every refill pays them pro rata: each refill pays the
 * same fraction of every account's owed amount, whoever settles or claims first afterwards (no race), and an account
 * collects its share with `claimRewards` (or its next settlement) without waiting for a new round.
 * @dev Why pro rata and not oldest first: a queue needs one entry per shortfall per account (storage that grows with
 * the account's history) or merging entries (which loses their place); a product index is O(1) per account.
 * `owedFactor` is the share of the current epoch's debts still owed; a refill paying fraction f of the total
 * multiplies it by (1 - f). It is kept in [SCALE_STEP, FACTOR_ONE] = [1e18, 1e36]: when it would fall below 1e18 it
 * is multiplied by 1e18 and `owedScale` counts it, so its precision never runs out however many partial refills come.
 * An account owed `x` at factor f0 and scale k0 is owed x * factor / (f0 * 1e18^(scale - k0)) now, rounded up
 * (more than two steps apart that is below one wei: 1). A refill that pays everything owed starts a new epoch (older
 * entries read zero). Rounding always favours solvency: the factor is rounded up and so is each account's owed
 * amount, so an account is never paid more than its exact share and `owedReserve` never runs short; within an epoch
 * an account may be paid a few wei less than its exact share, which the epoch's last refill pays in full.
 */
library OwedRewards {
    uint256 internal constant FACTOR_ONE = 1e36;
    uint256 internal constant SCALE_STEP = 1e18;

    /// @dev What `a` is owed now (refills since it was stored paid part of it), rounded up.
    function owedNow(StakeStorage.Layout storage s, StakeStorage.Account storage a) internal view returns (uint256) {
        uint256 stored = a.unpaidRewards;
        if (stored == 0 || a.owedEpoch != s.owedEpoch) return 0;
        uint256 steps = s.owedScale - a.owedScale;
        if (steps > 2) return 1; // stored x factor / (f0 x 1e54) < 1e26 x 1e36 / 1e72 < 1 wei, and more than 0
        return Math.mulDiv(stored, s.owedFactor, a.owedFactor * SCALE_STEP ** steps, Math.Rounding.Ceil);
    }

    /// @dev Brings `a`'s owed amount up to date and returns what refills paid it since (released from the reserve;
    /// the caller credits it to the account's stake).
    function sync(StakeStorage.Layout storage s, StakeStorage.Account storage a) internal returns (uint256 paid) {
        uint256 stored = a.unpaidRewards;
        if (stored == 0) return 0;
        uint256 left = owedNow(s, a);
        paid = stored - left;
        if (paid == 0) return 0;
        s.owedReserve -= uint128(paid);
        a.unpaidRewards = uint128(left);
        _snapshot(s, a);
    }

    /// @dev Adds `amount` to what `a` is owed, stored against the current factor (so no earlier refill counts as
    /// having paid any of it); `a` must have been synced first, so its stored amount is what it is owed now.
    function add(StakeStorage.Layout storage s, StakeStorage.Account storage a, uint256 amount) internal {
        a.unpaidRewards = uint128(owedNow(s, a) + amount);
        _snapshot(s, a);
        s.owedTotal += uint128(amount);
    }

    /// @dev Pays owed rewards from a refill of `amount`, first and pro rata; returns the part that went to them (the
    /// rest goes to the pool).
    function fund(StakeStorage.Layout storage s, uint256 amount) internal returns (uint256 toOwed) {
        uint256 owed = s.owedTotal;
        toOwed = amount < owed ? amount : owed;
        if (toOwed == 0) return 0;
        if (toOwed == owed) {
            ++s.owedEpoch;
            s.owedFactor = uint128(FACTOR_ONE);
            s.owedScale = 0;
        } else {
            uint256 factor = Math.mulDiv(s.owedFactor, owed - toOwed, owed, Math.Rounding.Ceil);
            if (factor < SCALE_STEP) {
                factor *= SCALE_STEP;
                ++s.owedScale;
            }
            s.owedFactor = uint128(factor);
        }
        s.owedTotal = uint128(owed - toOwed);
        s.owedReserve += uint128(toOwed);
    }

    function _snapshot(StakeStorage.Layout storage s, StakeStorage.Account storage a) private {
        a.owedEpoch = s.owedEpoch;
        a.owedFactor = s.owedFactor;
        a.owedScale = s.owedScale;
    }
}
