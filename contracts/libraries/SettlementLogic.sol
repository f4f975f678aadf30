// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IPortfolioStake} from "../interfaces/IPortfolioStake.sol";
import {IERC20Burnable} from "../interfaces/IERC20Burnable.sol";
import {INumeraire} from "../interfaces/INumeraire.sol";
import {PackedWeights} from "./PackedWeights.sol";
import {StakeStorage} from "./StakeStorage.sol";
import {OwedRewards} from "./OwedRewards.sol";

/**
 * @title SettlementLogic
 * @notice Applies published round results to accounts (PortfolioStake.settle and settleBatch), linked into
 * PortfolioStake and run on its storage (DELEGATECALL), then burns the losses the configured way, last
 * (checks-effects-interactions), checking the burn by its effect.
 * @dev Settlement is idempotent: results for rounds an account already settled are skipped, so a keeper overtaken by
 * another settlement (or a front-run) does not revert. Loops run over caller-supplied calldata capped at
 * MAX_SETTLEMENTS_PER_CALL account-rounds, and over at most MAX_MODELS models per round.
 */
library SettlementLogic {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;
    using Checkpoints for Checkpoints.Trace224;
    using PackedWeights for uint256;
    using PackedWeights for uint256[4];

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

    /// @dev One settled round, as reported by the Settled event.
    struct Outcome {
        uint32 round;
        uint256 atRisk;
        int256 delta;
        uint256 paid;
        uint256 burned;
    }

    /// @dev What one round's result computation needs (kept in memory to stay within the stack).
    struct RoundContext {
        address account;
        bytes32 root;
        uint64 cap;
        uint256 atRisk;
        uint256[4] words;
    }

    /// @notice Settles one account (see IPortfolioStake.settle) and burns its losses.
    function settleOne(
        StakeStorage.Layout storage s,
        IPortfolioStake.AccountResults calldata results,
        BurnConfig memory burn
    ) external {
        uint256 size = results.results.length;
        if (size > StakeStorage.MAX_SETTLEMENTS_PER_CALL) {
            revert IPortfolioStake.BatchTooLarge(size, StakeStorage.MAX_SETTLEMENTS_PER_CALL);
        }
        _burn(burn, _settleAccount(s, results));
    }

    /// @notice Settles several accounts (see IPortfolioStake.settleBatch) and burns their losses in one go.
    function settleMany(
        StakeStorage.Layout storage s,
        IPortfolioStake.AccountResults[] calldata batch,
        BurnConfig memory burn
    ) external {
        uint256 size;
        for (uint256 i; i < batch.length; ++i) size += batch[i].results.length;
        if (size > StakeStorage.MAX_SETTLEMENTS_PER_CALL) {
            revert IPortfolioStake.BatchTooLarge(size, StakeStorage.MAX_SETTLEMENTS_PER_CALL);
        }
        uint256 burned;
        for (uint256 i; i < batch.length; ++i) burned += _settleAccount(s, batch[i]);
        _burn(burn, burned);
    }

    /// @notice PortfolioStake.fundRewards without the transfer: owed rewards first (pro rata), the rest to the pool.
    function fundRewards(StakeStorage.Layout storage s, uint256 amount) external {
        uint256 toOwed = OwedRewards.fund(s, amount);
        uint256 pool = s.rewardsPool + amount - toOwed;
        s.rewardsPool = pool;
        emit IPortfolioStake.RewardsFunded(
            msg.sender,
            amount,
            toOwed,
            pool,
            s.owedTotal,
            s.owedFactor,
            s.owedEpoch,
            s.owedScale
        );
    }

    /// @notice PortfolioStake.claimRewards: credits to the account's stake what refills paid of its owed rewards.
    function claimRewards(StakeStorage.Layout storage s, address account) external {
        StakeStorage.Account storage a = s.accounts[account];
        uint256 paid = OwedRewards.sync(s, a);
        if (paid == 0) revert IPortfolioStake.NothingToClaim();
        uint256 balance = a.balance + paid;
        a.balance = uint128(balance);
        a.totalRewarded += uint128(paid);
        s.totalStaked += uint128(paid);
        s.stakeHistory[account].push(s.currentRound + 1, uint224(balance));
        emit IPortfolioStake.RewardsClaimed(account, paid, a.unpaidRewards, balance);
    }

    /// @notice What `account` is owed now, and what refills paid of it that is not yet credited (claimable).
    function owedOf(
        StakeStorage.Layout storage s,
        address account
    ) external view returns (uint256 owed, uint256 claimable) {
        StakeStorage.Account storage a = s.accounts[account];
        owed = OwedRewards.owedNow(s, a);
        claimable = a.unpaidRewards - owed;
    }

    /// @notice Closes the rounds past their proof deadline (oldest first, each once: at most the rounds that can be
    /// open at once, 241 at the bounds) and admits round `round`'s exposure, cap / divisor of a stake; returns the
    /// round's cap. Under fixed parameters PortfolioStake's parameter rule guarantees it fits; rounds opened under
    /// earlier, longer-lived or riskier parameters can leave less room, and then the new round's cap is lowered to
    /// what is left, so the open rounds never commit more than MAX_EXPOSURE of a stake (invariant 6) and opening a
    /// round never reverts for it.
    function admitExposure(
        StakeStorage.Layout storage s,
        uint32 round,
        uint40 now_,
        uint64 cap,
        uint16 divisor
    ) external returns (uint64) {
        uint32 oldest = s.oldestOpenRound;
        uint256 open = s.openExposure;
        while (oldest < round) {
            StakeStorage.RoundData storage r = s.rounds[oldest];
            if (r.proofDeadline >= now_) break;
            open -= StakeStorage.exposure(r.rateCap, r.sliceDivisor);
            ++oldest;
        }
        uint256 room = StakeStorage.MAX_EXPOSURE - open;
        if (StakeStorage.exposure(cap, divisor) > room) cap = uint64(room * divisor);
        s.oldestOpenRound = oldest;
        s.openExposure = uint64(open + StakeStorage.exposure(cap, divisor));
        return cap;
    }

    /// @notice Whether `returned` is exactly an ABI-encoded true (what NMR's `mint` returns when it burned).
    function isTrue(bytes memory returned) internal pure returns (bool) {
        return returned.length == 32 && uint256(bytes32(returned)) == 1;
    }

    /// @dev Settles `r.results` in order for one account, skipping rounds it already settled; returns the NMR to burn.
    function _settleAccount(
        StakeStorage.Layout storage s,
        IPortfolioStake.AccountResults calldata r
    ) private returns (uint256) {
        address account = r.account;
        StakeStorage.Account storage a = s.accounts[account];
        uint32 next = a.nextSettleRound;
        if (next == 0) revert IPortfolioStake.AccountNotStaking(account);
        uint256 n = r.results.length;
        uint256 k;
        // Idempotence: what another settlement already did is skipped, never a revert that fails a keeper's batch.
        while (k < n && r.results[k].round < next) ++k;
        if (k == n) return 0;

        Ledger memory ledger = _openLedger(s, a, account);
        for (; k < n; ++k) {
            IPortfolioStake.RoundResult calldata res = r.results[k];
            if (res.round != next) revert IPortfolioStake.RoundOutOfOrder(account, next, res.round);
            _settleRound(s, ledger, a, r, res);
            ++next;
        }

        a.nextSettleRound = next;
        a.settleCursor = uint32(ledger.cursor);
        uint256 burned = ledger.burnedFromBalance + ledger.burnedFromPending;
        if (ledger.balance != a.balance) {
            s.stakeHistory[account].push(s.currentRound + 1, uint224(ledger.balance));
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
        return burned;
    }

    /// @dev The account's money in memory for settlement, after crediting the owed rewards refills paid it since its
    /// last update (see OwedRewards).
    function _openLedger(
        StakeStorage.Layout storage s,
        StakeStorage.Account storage a,
        address account
    ) private returns (Ledger memory ledger) {
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

    /// @dev Settles one round (the account's next) into `ledger`.
    function _settleRound(
        StakeStorage.Layout storage s,
        Ledger memory ledger,
        StakeStorage.Account storage a,
        IPortfolioStake.AccountResults calldata r,
        IPortfolioStake.RoundResult calldata res
    ) private {
        uint32 round = res.round;
        bytes32 root = s.roots[round];
        StakeStorage.RoundData memory rd = s.rounds[round];
        if (rd.openedAt == 0) revert IPortfolioStake.RoundNotSettleable(round);
        // The round's slice, limited to what earlier losses left: a round never wins on stake it could not lose.
        uint256 atRisk = s.stakeHistory[r.account].upperLookupRecent(round) / rd.sliceDivisor;
        uint256 available = ledger.balance + (round <= ledger.pendingLastRound ? ledger.pending : 0);
        if (atRisk > available) atRisk = available;
        int64[] memory rates = new int64[](a.modelCount);
        int256 delta;
        if (res.unprovable) {
            // A published round the account cannot prove (missing leaves, a lost leaf file, a bad tree) counts as
            // zero for it once the proof grace period is over: a bad publication never locks funds.
            if (root == bytes32(0)) revert IPortfolioStake.RoundNotPublished(round);
            if (block.timestamp <= rd.proofDeadline) {
                revert IPortfolioStake.ProofGracePeriodActive(round, rd.proofDeadline);
            }
        } else if (root == bytes32(0)) {
            // Unpublished: settleable as zero once its publication deadline passed.
            if (block.timestamp <= rd.deadline) revert IPortfolioStake.RoundNotSettleable(round);
        } else if (atRisk != 0) {
            uint256[4] memory words = _vectorForSettlement(s, ledger, r.account, a, round);
            if (words[0] != 0) {
                if (!ledger.modelsChecked) {
                    if (
                        r.models.length != a.modelCount ||
                        bytes16(keccak256(abi.encodePacked(r.models))) != a.modelsHash
                    ) revert IPortfolioStake.ModelListMismatch(r.account);
                    ledger.modelsChecked = true;
                }
                delta = _roundDelta(RoundContext(r.account, root, rd.rateCap, atRisk, words), r.models, res, rates);
            }
        }
        ledger.unprovable = res.unprovable;
        _applyDelta(s, ledger, round, atRisk, rates, delta);
    }

    /// @dev Applies one round's result to the ledger and reports it.
    function _applyDelta(
        StakeStorage.Layout storage s,
        Ledger memory ledger,
        uint32 round,
        uint256 atRisk,
        int64[] memory rates,
        int256 delta
    ) private {
        uint256 burned = delta < 0 ? _takeLoss(ledger, uint256(-delta), round <= ledger.pendingLastRound) : 0;
        uint256 paid = delta > 0 ? _payGain(s, ledger, uint256(delta)) : 0;
        _emitSettled(ledger, Outcome(round, atRisk, delta, paid, burned), rates);
    }

    /// @dev Emits Settled (its ten fields come from memory to stay within the stack).
    function _emitSettled(Ledger memory ledger, Outcome memory o, int64[] memory rates) private {
        emit IPortfolioStake.Settled(
            ledger.account,
            o.round,
            o.atRisk,
            rates,
            o.delta,
            o.paid,
            o.burned,
            ledger.unpaid,
            ledger.balance,
            ledger.unprovable
        );
    }

    /// @dev A loss comes from the stake, then from the pending withdrawal if it was at risk in that round. It never
    /// exceeds both: |delta| <= atRisk x cap <= atRisk, and atRisk is limited to them.
    function _takeLoss(Ledger memory ledger, uint256 loss, bool pendingAtRisk) private pure returns (uint256) {
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
    function _payGain(
        StakeStorage.Layout storage s,
        Ledger memory ledger,
        uint256 gain
    ) private returns (uint256 paid) {
        uint256 pool = s.rewardsPool;
        paid = gain < pool ? gain : pool;
        s.rewardsPool = pool - paid;
        ledger.unpaid += gain - paid;
        ledger.newlyOwed += gain - paid;
        ledger.balance += paid;
        ledger.paid += paid;
    }

    /// @dev Checks one round's rates and multiproof, and returns sum(atRisk x weight / BPS x rate / 1e18), each
    /// model's term rounded toward zero.
    function _roundDelta(
        RoundContext memory c,
        bytes16[] calldata models,
        IPortfolioStake.RoundResult calldata res,
        int64[] memory rates
    ) private pure returns (int256 delta) {
        uint256 n = res.slots.length;
        if (n != res.rates.length) revert IPortfolioStake.LengthMismatch(n, res.rates.length);
        bytes32[] memory leaves = new bytes32[](n);
        uint256 seen;
        for (uint256 i; i < n; ++i) {
            uint8 slot = res.slots[i];
            if (slot >= models.length || models[slot] == bytes16(0)) revert IPortfolioStake.InvalidModelSlot(slot);
            if (seen & (1 << slot) != 0) revert IPortfolioStake.DuplicateModelResult(slot);
            seen |= 1 << slot;
            int64 rate = res.rates[i];
            leaves[i] = keccak256(bytes.concat(keccak256(abi.encode(res.round, models[slot], rate))));
            // A published rate beyond the round's cap is applied at the cap: bounded, and never unsettleable.
            if (rate > int64(c.cap)) rate = int64(c.cap);
            else if (rate < -int64(c.cap)) rate = -int64(c.cap);
            rates[slot] = rate;
            uint256 modelStake = (c.atRisk * c.words.weight(slot)) / StakeStorage.BPS;
            delta += (int256(modelStake) * rate) / StakeStorage.RATE_SCALE;
        }
        for (uint256 i; i < models.length; ++i) {
            if (seen & (1 << i) == 0 && c.words.weight(i) != 0) revert IPortfolioStake.MissingModelResult(uint8(i));
        }
        if (!MerkleProof.multiProofVerifyCalldata(res.proof, res.proofFlags, c.root, leaves)) {
            revert IPortfolioStake.InvalidProof(c.account, res.round);
        }
    }

    /// @dev The vector in force at `round` (word 0 zero: none), found by moving the settlement cursor forward
    /// (rounds settle in order).
    function _vectorForSettlement(
        StakeStorage.Layout storage s,
        Ledger memory ledger,
        address account,
        StakeStorage.Account storage a,
        uint32 round
    ) private view returns (uint256[4] memory words) {
        uint256 vectors = a.allocationCount;
        if (vectors == 0) return words;
        mapping(uint256 => uint256[4]) storage ring = s.vectors[account];
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
    function _burn(BurnConfig memory c, uint256 amount) private {
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
}
