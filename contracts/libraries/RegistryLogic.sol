// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IPortfolioStake} from "../interfaces/IPortfolioStake.sol";
import {PackedWeights} from "./PackedWeights.sol";
import {StakeStorage} from "./StakeStorage.sol";

/**
 * @title RegistryLogic
 * @notice The model registry with the staker's consent, linked into PortfolioStake and run on its storage
 * (DELEGATECALL). Access control is the contract's; these functions trust their `caller`/`by` arguments.
 *
 * Flow: the operator proposes models to an account (proposals use none of its registry indexes, so junk proposals
 * cannot fill it); the account accepts (directly or by EIP-712 signature), which binds each model to the lowest free
 * registry index; the operator or the account may unbind a model that carries no weight in any vector an unsettled,
 * open or future round uses. A freed index keeps a zero ID in the list (vectors are stored by index, so the other
 * models never move) and is reused by the next accepted model: every vector that can still be settled has weight
 * zero there, and no new vector can weight an empty index.
 */
library RegistryLogic {
    using PackedWeights for uint256;

    uint256 private constant H = StakeStorage.VECTOR_HISTORY;

    /// @notice Records proposals of `modelIds` to `account` (see IPortfolioStake.proposeModels).
    function propose(StakeStorage.Layout storage s, address account, bytes16[] calldata modelIds) external {
        if (account == address(0)) revert IPortfolioStake.ZeroAddress();
        if (modelIds.length == 0) revert IPortfolioStake.InvalidModelId();
        for (uint256 i; i < modelIds.length; ++i) {
            bytes16 id = modelIds[i];
            if (id == bytes16(0)) revert IPortfolioStake.InvalidModelId();
            address owner = s.modelInfo[id].owner;
            if (owner != address(0)) revert IPortfolioStake.ModelAlreadyRegistered(id, owner);
            address previous = s.proposals[id];
            if (previous != address(0) && previous != account) {
                emit IPortfolioStake.ModelProposalCancelled(previous, id);
            }
            s.proposals[id] = account;
            emit IPortfolioStake.ModelProposed(account, id);
        }
    }

    /// @notice Deletes proposals: any of them when `operator`, else only those made to `caller`.
    function cancel(
        StakeStorage.Layout storage s,
        bytes16[] calldata modelIds,
        address caller,
        bool operator
    ) external {
        for (uint256 i; i < modelIds.length; ++i) {
            bytes16 id = modelIds[i];
            address account = s.proposals[id];
            if (account == address(0)) revert IPortfolioStake.ModelNotProposed(id, address(0));
            if (!operator && account != caller) revert IPortfolioStake.NotOperatorOrAccount(caller, account);
            delete s.proposals[id];
            emit IPortfolioStake.ModelProposalCancelled(account, id);
        }
    }

    /// @notice Binds models proposed to `account` (its consent was checked by the caller of this function).
    function accept(StakeStorage.Layout storage s, address account, bytes16[] calldata modelIds) external {
        if (modelIds.length == 0) revert IPortfolioStake.InvalidModelId();
        StakeStorage.Account storage a = s.accounts[account];
        bytes16[] storage list = s.models[account];
        uint256 count = list.length;
        uint256 free = a.freeSlots;
        for (uint256 i; i < modelIds.length; ++i) {
            bytes16 id = modelIds[i];
            if (s.proposals[id] != account) revert IPortfolioStake.ModelNotProposed(id, account);
            delete s.proposals[id];
            uint256 slot;
            if (free != 0) {
                slot = Math.log2(free & (~free + 1)); // the lowest freed index
                free &= free - 1;
                list[slot] = id;
            } else {
                if (count == StakeStorage.MAX_MODELS) {
                    revert IPortfolioStake.TooManyModels(count + 1, StakeStorage.MAX_MODELS);
                }
                slot = count++;
                list.push(id);
            }
            s.modelInfo[id] = StakeStorage.ModelInfo(account, uint8(slot));
            emit IPortfolioStake.ModelRegistered(account, id, uint8(slot));
        }
        a.freeSlots = uint64(free);
        a.modelCount = uint8(count);
        a.modelsHash = bytes16(keccak256(abi.encodePacked(list))); // truncated: second preimages stay out of reach
    }

    /// @notice Unbinds `modelIds` from `account` (`by` is the caller, the account or the operator).
    function unbind(StakeStorage.Layout storage s, address account, bytes16[] calldata modelIds, address by) external {
        if (modelIds.length == 0) revert IPortfolioStake.InvalidModelId();
        StakeStorage.Account storage a = s.accounts[account];
        uint256[] memory slots = new uint256[](modelIds.length);
        uint256 mask;
        for (uint256 i; i < modelIds.length; ++i) {
            bytes16 id = modelIds[i];
            StakeStorage.ModelInfo memory info = s.modelInfo[id];
            if (info.owner == address(0)) revert IPortfolioStake.UnknownModel(id);
            if (info.owner != account) revert IPortfolioStake.ModelNotOwned(id, info.owner);
            if (mask & (1 << info.slot) != 0) revert IPortfolioStake.DuplicateModel(id);
            mask |= 1 << info.slot;
            slots[i] = info.slot;
        }
        _requireUnweighted(s, a, account, modelIds, slots);
        bytes16[] storage list = s.models[account];
        for (uint256 i; i < modelIds.length; ++i) {
            list[slots[i]] = bytes16(0);
            delete s.modelInfo[modelIds[i]];
            emit IPortfolioStake.ModelUnbound(account, modelIds[i], uint8(slots[i]), by);
        }
        a.freeSlots = uint64(a.freeSlots | mask);
        a.modelsHash = bytes16(keccak256(abi.encodePacked(list))); // truncated: second preimages stay out of reach
    }

    /// @dev Reverts ModelWeighted if a model weighs in a vector that a round from `from` on uses: `from` is the
    /// account's next round to settle, or the current round (no deposit yet, or everything opened settled). Walks
    /// back from the newest vector to the one in force at `from`: at most VECTOR_HISTORY vectors.
    function _requireUnweighted(
        StakeStorage.Layout storage s,
        StakeStorage.Account storage a,
        address account,
        bytes16[] calldata modelIds,
        uint256[] memory slots
    ) private view {
        uint256 count = a.allocationCount;
        uint32 current = s.currentRound;
        uint32 next = a.nextSettleRound;
        uint32 from = next != 0 && next <= current ? next : current;
        (uint256 later, uint256 oldest) = StakeStorage.searchVectors(s, account, count, from);
        uint256 first = later > oldest ? later - 1 : oldest;
        mapping(uint256 => uint256[4]) storage ring = s.vectors[account];
        for (uint256 i = count; i > first; ) {
            --i;
            uint256[4] storage v = ring[i % H];
            for (uint256 j; j < slots.length; ++j) {
                uint256 slot = slots[j];
                if (v[slot / PackedWeights.WEIGHTS_PER_WORD].get(slot) != 0) {
                    revert IPortfolioStake.ModelWeighted(modelIds[j], v[0].round());
                }
            }
        }
    }
}
