// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {IPortfolioStake} from "../interfaces/IPortfolioStake.sol";
import {PackedWeights} from "./PackedWeights.sol";

/**
 * @title StakeStorage
 * @notice PortfolioStake's whole state as one struct, shared by the contract and its linked logic libraries
 * (SettlementLogic, SpanSettlementLogic, RegistryLogic): the contract passes its `Layout` by storage reference, so
 * the libraries run on the contract's storage through DELEGATECALL. The split keeps the contract under the 24 KiB
 * code size limit while the hot path (reallocation) stays in the contract itself.
 *
 * Storage is laid out around the hot paths:
 * - a reallocation touches the global slot (round, pause), one account slot (model-list hash, nonce, vector count)
 *   and one vector slot (up to 16 models, effective round included: see PackedWeights);
 * - stakes are OpenZeppelin Checkpoints keyed by the round they take effect in, so a round's stake at risk is the
 *   checkpoint in force when it opened;
 * - settlement walks an account's vectors with a cursor (rounds settle in order), so it never searches.
 */
library StakeStorage {
    using PackedWeights for uint256;

    /// @dev Models per account (registry indexes, freed ones included). Real Numerai accounts have up to 50.
    uint256 internal constant MAX_MODELS = 64;
    /// @dev Weight vectors kept per account (a ring). See PortfolioStake.VECTOR_HISTORY for why 256.
    uint256 internal constant VECTOR_HISTORY = 256;
    uint256 internal constant BPS = 10_000;
    int256 internal constant RATE_SCALE = 1e18;
    uint256 internal constant MAX_SETTLEMENTS_PER_CALL = 256;
    /// @dev The open rounds together never commit more than this share of a stake (1e18 = 100%).
    uint256 internal constant MAX_EXPOSURE = 1e18;

    struct Account {
        // slot 0: money
        uint128 balance;
        uint128 pending;
        // slot 1: everything a reallocation reads and writes
        bytes16 modelsHash; // keccak256 of the registry list, truncated: checks a caller's list in one SLOAD
        uint32 nonce; // EIP-712 nonce, used by every reallocation (packed here so that costs no extra slot)
        uint24 allocationCount; // vectors ever stored; the newest VECTOR_HISTORY are kept
        uint32 lastAllocationRound;
        uint8 modelCount; // registry indexes in use, freed ones included; never decreases
        uint32 nextSettleRound;
        // slot 2: control and settlement
        address manager;
        uint32 withdrawalLastRound;
        uint32 settleCursor;
        uint32 owedEpoch; // owed-rewards epoch of `unpaidRewards` (see Layout.owedFactor)
        // slot 3
        uint40 withdrawalReleaseAt;
        uint128 unpaidRewards; // owed rewards as of `owedFactor` (refills since then paid part of it)
        uint64 freeSlots; // registry indexes freed by unbinding (bit i: index i), reused first
        // slot 4
        uint128 totalRewarded;
        uint128 totalBurned;
        // slot 5
        uint128 owedFactor; // Layout.owedFactor when `unpaidRewards` was last brought up to date
        uint32 owedScale; // Layout.owedScale then
    }

    struct ModelInfo {
        address owner;
        uint8 slot;
    }

    struct RoundData {
        uint40 openedAt;
        uint40 resolvesAt;
        uint40 deadline;
        uint40 proofDeadline;
        uint64 rateCap; // max |rate|, a fraction of the slice
        uint16 sliceDivisor; // the round puts stake / sliceDivisor at risk
        // Published rounds ending at this one under its rateCap and sliceDivisor (0: unpublished; see publishRound).
        uint16 publishedRun;
    }

    struct Layout {
        // Global slot: read by every deposit and reallocation.
        uint32 currentRound;
        uint40 lastOpenedAt;
        bool paused;
        uint32 oldestOpenRound; // rounds before it are past their proof deadline (see PortfolioStake.openRound)
        uint64 openExposure; // sum of rateCap / sliceDivisor (1e18 = 100% of a stake) of rounds from oldestOpenRound
        IPortfolioStake.Parameters params;
        uint128 totalStaked;
        uint128 totalPending;
        uint256 rewardsPool;
        // Owed rewards (gains the pool could not pay), paid pro rata by refills: see OwedRewards.
        uint128 owedTotal; // still owed, all accounts
        uint128 owedReserve; // paid by refills, not yet credited to the accounts' stakes
        uint128 owedFactor; // share of each epoch's debts still owed, scaled by OwedRewards.FACTOR_ONE
        uint32 owedEpoch; // a refill that pays everything owed starts a new epoch
        uint32 owedScale; // times owedFactor was multiplied by 1e18 to keep its precision (see OwedRewards)
        mapping(address account => Account) accounts;
        mapping(address account => bytes16[]) models;
        mapping(bytes16 modelId => ModelInfo) modelInfo;
        mapping(bytes16 modelId => address account) proposals;
        mapping(address account => mapping(uint256 index => uint256[4])) vectors;
        mapping(address account => Checkpoints.Trace224) stakeHistory;
        mapping(uint32 round => RoundData) rounds;
        mapping(uint32 round => bytes32) roots;
    }

    /// @dev Binary search over the kept vectors of `account` (`count` stored in all): `later` is the first kept
    /// index whose effective round is after `round` (`count` if none), `oldest` the oldest kept index. The vector in
    /// force at `round` is `later - 1` when `later > oldest`.
    function searchVectors(
        Layout storage s,
        address account,
        uint256 count,
        uint32 round
    ) internal view returns (uint256 later, uint256 oldest) {
        mapping(uint256 => uint256[4]) storage ring = s.vectors[account];
        oldest = count > VECTOR_HISTORY ? count - VECTOR_HISTORY : 0;
        uint256 high = count;
        later = oldest;
        while (later < high) {
            uint256 mid = (later + high) / 2;
            if (ring[mid % VECTOR_HISTORY][0].round() <= round) later = mid + 1;
            else high = mid;
        }
    }

    /// @dev The share of a stake (1e18 = 100%) a round with this cap and slice divisor can take, rounded up.
    function exposure(uint256 rateCap, uint256 sliceDivisor) internal pure returns (uint256) {
        return (rateCap + sliceDivisor - 1) / sliceDivisor;
    }
}
