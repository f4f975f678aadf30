// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IPortfolioStake} from "../interfaces/IPortfolioStake.sol";
import {IERC20Burnable} from "../interfaces/IERC20Burnable.sol";
import {INumeraire} from "../interfaces/INumeraire.sol";
import {PackedWeights} from "./PackedWeights.sol";
import {StakeStorage} from "./StakeStorage.sol";
import {OwedRewards} from "./OwedRewards.sol";

/**
 * @title SettlementCore
 * @notice What both settlement paths share, written once as internal functions (compiled into each linked library
 * that uses them): the account's money in memory while rounds settle (open, take a loss, pay a gain, close), the
 * settlement cursor over the account's vectors, and the burn checked by its effect. SettlementLogic settles round by
 * round (settle, settleBatch), SpanSettlementLogic span by span (settleSpans); both end with the same closing writes
 * and the same burn.
 */
library SettlementCore {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;
    using Checkpoints for Checkpoints.Trace224;
    using PackedWeights for uint256;

    uint256 private constant H = StakeStorage.VECTOR_HISTORY;

    /// @dev The contract's immutable burn configuration.
    struct BurnConfig {
        IERC20 token;
        IPortfolioStake.BurnMode mode;
        address sink;
    }

    /// @dev An account's money while its rounds are settled in memory.
    struct Ledger {
        address account;
        uint256 balance;
        uint256 pending;
        uint256 unpaid; // owed after the rounds settled so far
        uint256 newlyOwed; // gains of these rounds the pool could not pay
        uint256 paid;
        uint256 burnedFromBalance;
        uint256 burnedFromPending;
        uint256 cursor;
        uint256 pendingLastRound; // pending withdrawals were at risk up to this round
        bool modelsChecked;
        bool unprovable; // the round being settled is settled as unprovable
    }

    /// @dev The account's money in memory for settlement, after crediting the owed rewards refills paid it since its
    /// last update (see OwedRewards).
    function openLedger(
        StakeStorage.Layout storage s,
        StakeStorage.Account storage a,
        address account
    ) internal returns (Ledger memory ledger) {
        uint256 owedPaid = OwedRewards.sync(s, a);
        ledger = Ledger(
            account,
            a.balance + owedPaid,
            a.pending,
            a.unpaidRewards,
            0,
            owedPaid,
            0,
            0,
            a.settleCursor,
            a.withdrawalLastRound,
            false,
            false
        );
        if (owedPaid != 0) emit IPortfolioStake.RewardsClaimed(account, owedPaid, ledger.unpaid, ledger.balance);
    }

    /// @dev Writes the settled ledger back: the next round to settle, the cursor, the stake (a checkpoint from the
    /// next round), pending withdrawal, totals and owed rewards. Returns the NMR to burn.
    function closeLedger(
        StakeStorage.Layout storage s,
        StakeStorage.Account storage a,
        Ledger memory ledger,
        uint32 next
    ) internal returns (uint256 burned) {
        a.nextSettleRound = next;
        a.settleCursor = uint32(ledger.cursor);
        burned = ledger.burnedFromBalance + ledger.burnedFromPending;
        if (ledger.balance != a.balance) {
            s.stakeHistory[ledger.account].push(s.currentRound + 1, uint224(ledger.balance));
            s.totalStaked = (s.totalStaked + ledger.paid - ledger.burnedFromBalance).toUint128();
            a.balance = uint128(ledger.balance);
        }
        if (ledger.burnedFromPending != 0) {
            s.totalPending -= uint128(ledger.burnedFromPending);
            a.pending = uint128(ledger.pending);
        }
        if (ledger.newlyOwed != 0) OwedRewards.add(s, a, ledger.newlyOwed);
        if (ledger.paid != 0) a.totalRewarded += uint128(ledger.paid);
        if (burned != 0) a.totalBurned += uint128(burned);
    }

    /// @dev A loss comes from the stake, then from the pending withdrawal if it was at risk in that round. It never
    /// exceeds both: |delta| <= atRisk x cap <= atRisk, and atRisk is limited to them.
    function takeLoss(Ledger memory ledger, uint256 loss, bool pendingAtRisk) internal pure returns (uint256) {
        uint256 fromBalance = loss < ledger.balance ? loss : ledger.balance;
        uint256 rest = loss - fromBalance;
        uint256 fromPending = !pendingAtRisk
            ? 0
            : rest < ledger.pending
                ? rest
                : ledger.pending;
        ledger.balance -= fromBalance;
        ledger.pending -= fromPending;
        ledger.burnedFromBalance += fromBalance;
        ledger.burnedFromPending += fromPending;
        return fromBalance + fromPending;
    }

    /// @dev Pays `gain` from the pool as far as it goes; the rest is owed, paid pro rata by later refills (the pool
    /// is empty whenever anything is owed, as a refill pays owed rewards first).
    function payGain(
        StakeStorage.Layout storage s,
        Ledger memory ledger,
        uint256 gain
    ) internal returns (uint256 paid) {
        uint256 pool = s.rewardsPool;
        paid = gain < pool ? gain : pool;
        s.rewardsPool = pool - paid;
        ledger.unpaid += gain - paid;
        ledger.newlyOwed += gain - paid;
        ledger.balance += paid;
        ledger.paid += paid;
    }

    /// @dev The vector in force at `round` (word 0 zero: none), found by moving the settlement cursor forward
    /// (rounds settle in order).
    function vectorForSettlement(
        StakeStorage.Layout storage s,
        Ledger memory ledger,
        StakeStorage.Account storage a,
        uint32 round
    ) internal view returns (uint256[4] memory words) {
        uint256 vectors = a.allocationCount;
        if (vectors == 0) return words;
        mapping(uint256 => uint256[4]) storage ring = s.vectors[ledger.account];
        uint256 cursor = ledger.cursor;
        // Vectors older than the ring were overwritten only once no unsettled round could use them.
        if (cursor + H < vectors) cursor = vectors - H;
        while (cursor + 1 < vectors && ring[(cursor + 1) % H][0].round() <= round) ++cursor;
        ledger.cursor = cursor;
        uint256[4] storage stored = ring[cursor % H];
        uint256 word0 = stored[0];
        if (word0.round() > round) return words;
        words[0] = word0;
        uint256 count = PackedWeights.wordsFor(a.modelCount);
        for (uint256 k = 1; k < count; ++k) words[k] = stored[k];
    }

    /// @dev Burns `amount` the configured way and checks the effect: this contract's balance falls by exactly
    /// `amount` and, unless the mode is Sink, so does the token's total supply; NMR's `mint` must also return true.
    /// A reverting token call bubbles its reason up. Runs last (checks-effects-interactions).
    function burn(BurnConfig memory c, uint256 amount) internal {
        if (amount == 0) return;
        IERC20 token = c.token;
        uint256 held = token.balanceOf(address(this));
        bool ok = true;
        if (c.mode == IPortfolioStake.BurnMode.Sink) {
            token.safeTransfer(c.sink, amount);
        } else {
            uint256 supply = token.totalSupply();
            if (c.mode == IPortfolioStake.BurnMode.NumeraireMint) {
                ok = isTrue(Address.functionCall(address(token), abi.encodeCall(INumeraire.mint, (amount))));
            } else {
                Address.functionCall(address(token), abi.encodeCall(IERC20Burnable.burn, (amount)));
            }
            unchecked {
                ok = ok && token.totalSupply() == supply - amount;
            }
        }
        unchecked {
            if (!ok || token.balanceOf(address(this)) != held - amount) revert IPortfolioStake.BurnFailed(amount);
        }
    }

    /// @notice Whether `returned` is exactly an ABI-encoded true (what NMR's `mint` returns when it burned).
    function isTrue(bytes memory returned) internal pure returns (bool) {
        return returned.length == 32 && uint256(bytes32(returned)) == 1;
    }
}
