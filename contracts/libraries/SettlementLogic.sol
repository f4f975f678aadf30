// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IPortfolioStake} from "../interfaces/IPortfolioStake.sol";
import {PackedWeights} from "./PackedWeights.sol";
import {StakeStorage} from "./StakeStorage.sol";
import {OwedRewards} from "./OwedRewards.sol";
import {SettlementCore} from "./SettlementCore.sol";

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
    using SafeCast for uint256;
    using Checkpoints for Checkpoints.Trace224;
    using PackedWeights for uint256;
    using PackedWeights for uint256[4];

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
        SettlementCore.BurnConfig memory burn
    ) external {
        uint256 size = results.results.length;
        if (size > StakeStorage.MAX_SETTLEMENTS_PER_CALL) {
            revert IPortfolioStake.BatchTooLarge(size, StakeStorage.MAX_SETTLEMENTS_PER_CALL);
        }
        SettlementCore.burn(burn, _settleAccount(s, results));
    }

    /// @notice Settles several accounts (see IPortfolioStake.settleBatch) and burns their losses in one go.
    function settleMany(
        StakeStorage.Layout storage s,
        IPortfolioStake.AccountResults[] calldata batch,
        SettlementCore.BurnConfig memory burn
    ) external {
        uint256 size;
        for (uint256 i; i < batch.length; ++i) size += batch[i].results.length;
        if (size > StakeStorage.MAX_SETTLEMENTS_PER_CALL) {
            revert IPortfolioStake.BatchTooLarge(size, StakeStorage.MAX_SETTLEMENTS_PER_CALL);
        }
        uint256 burned;
        for (uint256 i; i < batch.length; ++i) burned += _settleAccount(s, batch[i]);
        SettlementCore.burn(burn, burned);
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

    /// @notice PortfolioStake.openRound after its role check: opens the next round with the current parameters
    /// (the cap lowered by admitExposure if older rounds leave less room).
    function openRound(StakeStorage.Layout storage s) external returns (uint32 round) {
        IPortfolioStake.Parameters memory p = s.params;
        uint40 now_ = uint40(block.timestamp);
        uint40 last = s.lastOpenedAt;
        if (last != 0 && now_ < last + p.minRoundInterval) {
            revert IPortfolioStake.RoundTooEarly(last + p.minRoundInterval);
        }
        round = s.currentRound + 1;
        s.currentRound = round;
        s.lastOpenedAt = now_;
        uint40 resolvesAt = now_ + p.resolutionDelay;
        uint40 deadline = resolvesAt + p.publishWindow;
        uint40 proofDeadline = deadline + p.proofGracePeriod;
        uint64 cap = _admitExposure(s, round, now_, p.rateCap, p.sliceDivisor);
        s.rounds[round] = StakeStorage.RoundData(now_, resolvesAt, deadline, proofDeadline, cap, p.sliceDivisor, 0);
        emit IPortfolioStake.RoundOpened(round, now_, resolvesAt, deadline, proofDeadline, cap, p.sliceDivisor);
    }

    /// @notice PortfolioStake.publishRound after its role check: stores the root once, between the round's
    /// resolution and its deadline, and its publishedRun (round - 1's plus one, at most 65,535, when round - 1 is
    /// published under the same rateCap and sliceDivisor; else 1).
    function publishRound(
        StakeStorage.Layout storage s,
        uint32 round,
        bytes32 root,
        string calldata leavesURI
    ) external {
        StakeStorage.RoundData storage r = s.rounds[round];
        if (r.openedAt == 0) revert IPortfolioStake.UnknownRound(round);
        if (root == bytes32(0)) revert IPortfolioStake.InvalidRoot();
        if (s.roots[round] != bytes32(0)) revert IPortfolioStake.RoundAlreadyPublished(round);
        if (block.timestamp < r.resolvesAt) revert IPortfolioStake.RoundNotResolved(round, r.resolvesAt);
        if (block.timestamp > r.deadline) revert IPortfolioStake.PublishDeadlinePassed(round, r.deadline);
        s.roots[round] = root;
        // round >= firstRound >= 1; round firstRound - 1 was never opened, so it is never published.
        StakeStorage.RoundData storage previous = s.rounds[round - 1];
        uint256 run = 1;
        if (
            s.roots[round - 1] != bytes32(0) && previous.rateCap == r.rateCap && previous.sliceDivisor == r.sliceDivisor
        ) run = Math.min(uint256(previous.publishedRun) + 1, type(uint16).max);
        r.publishedRun = uint16(run);
        emit IPortfolioStake.RoundPublished(round, root, leavesURI);
    }

    /// @dev Closes the rounds past their proof deadline (oldest first, each once: at most the rounds that can be
    /// open at once, 241 at the bounds) and admits round `round`'s exposure, cap / divisor of a stake; returns the
    /// round's cap. Under fixed parameters PortfolioStake's parameter rule guarantees it fits; rounds opened under
    /// earlier, longer-lived or riskier parameters can leave less room, and then the new round's cap is lowered to
    /// what is left, so the open rounds never commit more than MAX_EXPOSURE of a stake (invariant 6) and opening a
    /// round never reverts for it.
    function _admitExposure(
        StakeStorage.Layout storage s,
        uint32 round,
        uint40 now_,
        uint64 cap,
        uint16 divisor
    ) private returns (uint64) {
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

        SettlementCore.Ledger memory ledger = SettlementCore.openLedger(s, a, account);
        for (; k < n; ++k) {
            IPortfolioStake.RoundResult calldata res = r.results[k];
            if (res.round != next) revert IPortfolioStake.RoundOutOfOrder(account, next, res.round);
            _settleRound(s, ledger, a, r, res);
            ++next;
        }

        return SettlementCore.closeLedger(s, a, ledger, next);
    }

    /// @dev Settles one round (the account's next) into `ledger`.
    function _settleRound(
        StakeStorage.Layout storage s,
        SettlementCore.Ledger memory ledger,
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
            uint256[4] memory words = SettlementCore.vectorForSettlement(s, ledger, a, round);
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
        SettlementCore.Ledger memory ledger,
        uint32 round,
        uint256 atRisk,
        int64[] memory rates,
        int256 delta
    ) private {
        uint256 burned = delta < 0
            ? SettlementCore.takeLoss(ledger, uint256(-delta), round <= ledger.pendingLastRound)
            : 0;
        uint256 paid = delta > 0 ? SettlementCore.payGain(s, ledger, uint256(delta)) : 0;
        _emitSettled(ledger, Outcome(round, atRisk, delta, paid, burned), rates);
    }

    /// @dev Emits Settled (its ten fields come from memory to stay within the stack).
    function _emitSettled(SettlementCore.Ledger memory ledger, Outcome memory o, int64[] memory rates) private {
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
            // The rate leaf (kind 0) of the model: (round, modelId, 0, int256 rate).
            leaves[i] = keccak256(bytes.concat(keccak256(abi.encode(res.round, models[slot], uint8(0), int256(rate)))));
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
}
