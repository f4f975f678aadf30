// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {IPortfolioStake} from "../interfaces/IPortfolioStake.sol";
import {PackedWeights} from "./PackedWeights.sol";
import {StakeStorage} from "./StakeStorage.sol";
import {SettlementCore} from "./SettlementCore.sol";

/**
 * @title SpanSettlementLogic
 * @notice Settles spans of rounds (PortfolioStake.settleSpans), linked into PortfolioStake and run on its storage
 * (DELEGATECALL): a segment of rounds x..y over which an account's stake and vector did not change settles from two
 * proven cumulative rates per weighted model (kind-1 leaves of rounds x - 1 and y), at a cost that does not grow with
 * y - x. The money paths (ledger, gains, losses, closing writes, burn) are SettlementCore's, shared with the per-round
 * path (SettlementLogic).
 * @dev Why a segment equals its rounds settled one by one. Round k's kind-1 leaf is the sum, over published rounds
 * j <= k whose tree holds the model, of its rate clamped to round j's cap; with rounds x - 1..y published under one
 * cap c (publishedRun), cum(y) - cum(x - 1) is the sum of the rates settle would apply in rounds x..y. With one stake
 * and one vector over x..y, and a balance of at least S + ceil(n x S x c / 1e18) at the start, every round puts
 * exactly S = stake / R at risk (earlier losses of the segment take at most (n - 1) x S x c / 1e18) and no loss
 * reaches a pending withdrawal. So each model's term, (S x w / 10,000) x sum / 1e18, is the per-round terms' sum up
 * to their truncation (at most one wei per round and model). Loops run over caller-supplied calldata capped at
 * MAX_SETTLEMENTS_PER_CALL boundaries, over at most MAX_MODELS models per boundary, and over a stake history scanned
 * a few steps then binary-searched.
 */
library SpanSettlementLogic {
    using Checkpoints for Checkpoints.Trace224;
    using PackedWeights for uint256;
    using PackedWeights for uint256[4];

    uint256 private constant H = StakeStorage.VECTOR_HISTORY;
    /// @dev Newest stake checkpoints read one by one before a binary search over the older ones.
    uint256 private constant RECENT_CHECKPOINTS = 4;
    uint8 private constant RATE_KIND = 1; // the leaf kind of a cumulative rate

    /// @dev The cumulative rates one boundary proved, by registry slot, and which slots it proved (bit i: slot i).
    struct Proven {
        uint32 round;
        uint256 mask;
        int256[] cumulatives;
    }

    /// @dev One segment being settled (kept in memory to stay within the stack).
    struct Segment {
        uint32 fromRound;
        uint32 toRound;
        uint256 rounds;
        uint256 atRisk;
        uint256 cap;
        int256 delta;
        uint256 paid;
        uint256 burned;
        int256[] rateSums;
    }

    /// @notice Settles every entry of `batch` (see IPortfolioStake.settleSpans) and burns the net losses in one go.
    function settleSpans(
        StakeStorage.Layout storage s,
        IPortfolioStake.SpanResults[] calldata batch,
        SettlementCore.BurnConfig memory burn
    ) external {
        uint256 size;
        for (uint256 i; i < batch.length; ++i) size += batch[i].boundaries.length;
        if (size > StakeStorage.MAX_SETTLEMENTS_PER_CALL) {
            revert IPortfolioStake.BatchTooLarge(size, StakeStorage.MAX_SETTLEMENTS_PER_CALL);
        }
        uint256 burned;
        for (uint256 i; i < batch.length; ++i) burned += _settleAccount(s, batch[i]);
        SettlementCore.burn(burn, burned);
    }

    /// @dev Settles one account's segments in order; returns the NMR to burn (0 for an overtaken entry).
    function _settleAccount(
        StakeStorage.Layout storage s,
        IPortfolioStake.SpanResults calldata e
    ) private returns (uint256) {
        address account = e.account;
        StakeStorage.Account storage a = s.accounts[account];
        uint32 next = a.nextSettleRound;
        if (next == 0) revert IPortfolioStake.AccountNotStaking(account);
        uint256 count = e.boundaries.length;
        if (count < 2) revert IPortfolioStake.SpanTooShort(account);
        uint32 first = e.boundaries[0].round;
        // Idempotence: an entry another settlement overtook is skipped, never a revert that fails a keeper's batch.
        if (next - 1 > first) return 0;
        if (next - 1 < first) revert IPortfolioStake.RoundOutOfOrder(account, next - 1, first);
        if (e.models.length != a.modelCount || bytes16(keccak256(abi.encodePacked(e.models))) != a.modelsHash) {
            revert IPortfolioStake.ModelListMismatch(account);
        }

        SettlementCore.Ledger memory ledger = SettlementCore.openLedger(s, a, account);
        // boundaries[0] is proven by the first segment, after its publication, stake, vector and balance checks.
        Proven memory start;
        start.round = first;
        for (uint256 i = 1; i < count; ++i) start = _settleSegment(s, a, ledger, start, e, i);
        return SettlementCore.closeLedger(s, a, ledger, start.round + 1);
    }

    /// @dev Checks segment start.round + 1..e.boundaries[index].round (see IPortfolioStake.settleSpans), proves its end
    /// boundary and applies its net result; returns what the end boundary proved (the next segment's start).
    function _settleSegment(
        StakeStorage.Layout storage s,
        StakeStorage.Account storage a,
        SettlementCore.Ledger memory ledger,
        Proven memory start,
        IPortfolioStake.SpanResults calldata e,
        uint256 index
    ) private returns (Proven memory end) {
        Segment memory g;
        g.fromRound = start.round + 1;
        g.toRound = e.boundaries[index].round;
        if (g.toRound < g.fromRound) revert IPortfolioStake.RoundOutOfOrder(ledger.account, g.fromRound, g.toRound);
        g.rounds = uint256(g.toRound) - start.round;
        StakeStorage.RoundData memory rd = s.rounds[g.toRound];
        // (a) rounds x - 1..y published, one cap and one divisor.
        if (rd.publishedRun < g.rounds + 1) revert IPortfolioStake.SpanNotPublished(g.toRound, rd.publishedRun);
        // (b) one stake over x..y: the checkpoint in force at y took effect at x or before.
        {
            (uint32 key, uint256 stake) = _stakeCheckpointAt(s.stakeHistory[ledger.account], g.toRound);
            if (key > g.fromRound) revert IPortfolioStake.SpanStakeChanged(g.fromRound, g.toRound);
            g.atRisk = stake / rd.sliceDivisor;
        }
        // (c) one vector over x..y: the one in force at x, and the next stored one (if any) takes effect after y.
        uint256[4] memory words = SettlementCore.vectorForSettlement(s, ledger, a, g.fromRound);
        {
            uint256 later = ledger.cursor + 1;
            if (
                words[0] == 0 ||
                (later < a.allocationCount && s.vectors[ledger.account][later % H][0].round() <= g.toRound)
            ) revert IPortfolioStake.SpanVectorChanged(g.fromRound, g.toRound);
        }
        // (d) every round puts exactly the slice at risk, and no loss reaches a pending withdrawal.
        g.cap = rd.rateCap;
        {
            uint256 needed = g.atRisk + (g.rounds * g.atRisk * g.cap + uint256(StakeStorage.RATE_SCALE) - 1) / 1e18;
            if (ledger.balance < needed) revert IPortfolioStake.SpanTooRisky(ledger.balance, needed);
        }
        // (e, f) every weighted model proven at both ends, within n x cap.
        if (index == 1) start = _prove(s, ledger.account, e.models, e.boundaries[0]);
        end = _prove(s, ledger.account, e.models, e.boundaries[index]);
        _segmentDelta(g, words, start, end, a.modelCount);
        if (g.delta < 0) g.burned = SettlementCore.takeLoss(ledger, uint256(-g.delta), false);
        else if (g.delta > 0) g.paid = SettlementCore.payGain(s, ledger, uint256(g.delta));
        _emitSpanSettled(ledger, g);
    }

    /// @dev sum over weighted models of (atRisk x weight / BPS) x (cum(y) - cum(x - 1)) / 1e18, each term rounded
    /// toward zero (the per-round path's rounding); fills g.rateSums and g.delta.
    function _segmentDelta(
        Segment memory g,
        uint256[4] memory words,
        Proven memory start,
        Proven memory end,
        uint256 modelCount
    ) private pure {
        g.rateSums = new int256[](modelCount);
        uint256 both = start.mask & end.mask;
        int256 bound = int256(g.rounds * g.cap);
        for (uint256 slot; slot < modelCount; ++slot) {
            uint256 w = words.weight(slot);
            if (w == 0) continue;
            if ((both >> slot) & 1 == 0) revert IPortfolioStake.MissingModelResult(uint8(slot));
            int256 sum = end.cumulatives[slot] - start.cumulatives[slot];
            if (sum > bound || sum < -bound) revert IPortfolioStake.SpanResultOutOfBounds(uint8(slot));
            g.rateSums[slot] = sum;
            uint256 modelStake = (g.atRisk * w) / StakeStorage.BPS;
            g.delta += (int256(modelStake) * sum) / StakeStorage.RATE_SCALE;
        }
    }

    /// @dev Checks one boundary's slots and multiproof of kind-1 leaves against its round's root.
    function _prove(
        StakeStorage.Layout storage s,
        address account,
        bytes16[] calldata models,
        IPortfolioStake.SpanBoundary calldata b
    ) private view returns (Proven memory p) {
        uint256 n = b.slots.length;
        if (n != b.cumulatives.length) revert IPortfolioStake.LengthMismatch(n, b.cumulatives.length);
        p.round = b.round;
        p.cumulatives = new int256[](models.length);
        bytes32[] memory leaves = new bytes32[](n);
        for (uint256 i; i < n; ++i) {
            uint8 slot = b.slots[i];
            if (slot >= models.length || models[slot] == bytes16(0)) revert IPortfolioStake.InvalidModelSlot(slot);
            if ((p.mask >> slot) & 1 != 0) revert IPortfolioStake.DuplicateModelResult(slot);
            p.mask |= 1 << slot;
            int256 cumulative = b.cumulatives[i];
            p.cumulatives[slot] = cumulative;
            leaves[i] = keccak256(bytes.concat(keccak256(abi.encode(b.round, models[slot], RATE_KIND, cumulative))));
        }
        // An unpublished round's root is zero, which no proof matches (settleSpans checks publication first anyway).
        if (!MerkleProof.multiProofVerifyCalldata(b.proof, b.proofFlags, s.roots[b.round], leaves)) {
            revert IPortfolioStake.InvalidProof(account, b.round);
        }
    }

    /// @dev The stake checkpoint in force at `round` (its key and value): the newest few read one by one (a span
    /// usually ends near the present), then a binary search over the older ones. The account's first checkpoint
    /// takes effect at its first round, so one is in force at any round it can settle; were none, the oldest is
    /// returned and its key, after `round`, fails the caller's check.
    function _stakeCheckpointAt(
        Checkpoints.Trace224 storage history,
        uint32 round
    ) private view returns (uint32, uint256) {
        uint256 high = history.length();
        uint256 low = high > RECENT_CHECKPOINTS ? high - RECENT_CHECKPOINTS : 0;
        for (; high > low; --high) {
            Checkpoints.Checkpoint224 memory c = history.at(uint32(high - 1));
            if (c._key <= round) return (c._key, c._value);
        }
        // Checkpoints 0..low - 1 remain: the last whose key is <= round (index 0 assumed to qualify).
        uint256 found;
        while (high - found > 1) {
            uint256 mid = (found + high) / 2;
            if (history.at(uint32(mid))._key <= round) found = mid;
            else high = mid;
        }
        Checkpoints.Checkpoint224 memory last = history.at(uint32(found));
        return (last._key, last._value);
    }

    /// @dev Emits SpanSettled (its ten fields come from memory to stay within the stack).
    function _emitSpanSettled(SettlementCore.Ledger memory ledger, Segment memory g) private {
        emit IPortfolioStake.SpanSettled(
            ledger.account,
            g.fromRound,
            g.toRound,
            g.atRisk,
            g.rateSums,
            g.delta,
            g.paid,
            g.burned,
            ledger.unpaid,
            ledger.balance
        );
    }
}
