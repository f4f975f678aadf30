// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/// @dev Test-only. Not compiled by Hardhat (it lives outside contracts/): test/helpers/invariantReader.ts compiles it
/// with solc-js and deploys it in the fuzz fixture. Reads everything the invariant checker needs in one eth_call and
/// returns it as a flat word array (layout documented in invariantReader.ts). It interprets nothing.
interface IStakeViews {
    struct AccountView {
        uint256 balance;
        uint256 pendingWithdrawal;
        uint32 withdrawalLastRound;
        uint40 withdrawalReleaseAt;
        uint32 nextSettleRound;
        uint256 unpaidRewards;
        uint256 claimableRewards;
        uint256 totalRewarded;
        uint256 totalBurned;
        address manager;
        uint8 modelCount;
        uint32 allocationCount;
        uint32 lastAllocationRound;
    }

    function totals() external view returns (uint256, uint256, uint256, uint256, uint256);
    function currentRound() external view returns (uint32);
    function paused() external view returns (bool);
    function accountOf(address account) external view returns (AccountView memory);
    function modelsOf(address account) external view returns (bytes16[] memory);
    function nonces(address account) external view returns (uint256);
    function stakeAt(address account, uint32 round) external view returns (uint256);
    function allocationAt(address account, uint32 round) external view returns (bytes16[] memory, uint16[] memory);
}

interface ITokenViews {
    function totalSupply() external view returns (uint256);
    function balanceOf(address) external view returns (uint256);
}

contract InvariantReader {
    uint256 private constant NO_VECTOR = type(uint256).max;

    function read(
        IStakeViews stake,
        ITokenViews token,
        address[] calldata holders,
        address[] calldata accounts,
        uint32[] calldata fromRounds, // per account, the first round read (none past toRound)
        uint32 toRound,
        uint256 flags // 1: model lists, 2: nonces
    ) external view returns (uint256[] memory out) {
        uint256 size = 18 + holders.length;
        for (uint256 i; i < accounts.length; ++i) {
            // per round: stakeAt, then [ids.length, keccak(ids), bps.length, bps...] of up to 64 models
            size += 21 + (toRound >= fromRounds[i] ? toRound + 1 - fromRounds[i] : 0) * 68;
        }
        out = new uint256[](size);
        uint256 n;
        (out[0], out[1], out[2], out[3], out[4]) = stake.totals();
        out[5] = stake.currentRound();
        out[6] = stake.paused() ? 1 : 0;
        out[7] = token.totalSupply();
        n = 8;
        for (uint256 i; i < holders.length; ++i) out[n++] = token.balanceOf(holders[i]);
        for (uint256 i; i < accounts.length; ++i) {
            n = _account(stake, accounts[i], flags, out, n);
            for (uint32 r = fromRounds[i]; r <= toRound; ++r) out[n++] = stake.stakeAt(accounts[i], r);
            for (uint32 r = fromRounds[i]; r <= toRound; ++r) n = _allocation(stake, accounts[i], r, out, n);
        }
        assembly ("memory-safe") {
            mstore(out, n)
        }
    }

    function _account(
        IStakeViews stake,
        address account,
        uint256 flags,
        uint256[] memory out,
        uint256 n
    ) private view returns (uint256) {
        IStakeViews.AccountView memory v = stake.accountOf(account);
        out[n++] = v.balance;
        out[n++] = v.pendingWithdrawal;
        out[n++] = v.withdrawalLastRound;
        out[n++] = v.withdrawalReleaseAt;
        out[n++] = v.nextSettleRound;
        out[n++] = v.unpaidRewards;
        out[n++] = v.claimableRewards;
        out[n++] = v.totalRewarded;
        out[n++] = v.totalBurned;
        out[n++] = uint256(uint160(v.manager));
        out[n++] = v.modelCount;
        out[n++] = v.allocationCount;
        out[n++] = v.lastAllocationRound;
        if (flags & 2 != 0) out[n++] = stake.nonces(account);
        if (flags & 1 != 0) {
            bytes16[] memory models = stake.modelsOf(account);
            out[n++] = models.length;
            out[n++] = uint256(keccak256(abi.encodePacked(models)));
        }
        return n;
    }

    /// @dev Appends allocationAt(account, round) as [ids.length, keccak(ids), bps.length, bps...], or NO_VECTOR if the
    /// view reverts. Parses the return data in place: the ABI decoder costs more than the view itself.
    function _allocation(
        IStakeViews stake,
        address account,
        uint32 round,
        uint256[] memory out,
        uint256 n
    ) private view returns (uint256) {
        bytes4 selector = IStakeViews.allocationAt.selector;
        bool ok;
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore(p, selector)
            mstore(add(p, 4), account)
            mstore(add(p, 36), round)
            ok := staticcall(gas(), stake, p, 68, 0, 0)
        }
        if (!ok) {
            out[n] = NO_VECTOR;
            return n + 1;
        }
        assembly ("memory-safe") {
            let p := mload(0x40)
            returndatacopy(p, 0, returndatasize())
            let ids := add(p, mload(p))
            let idsLength := mload(ids)
            let bps := add(p, mload(add(p, 32)))
            let bpsLength := mload(bps)
            let dst := add(add(out, 32), shl(5, n))
            mstore(dst, idsLength)
            mstore(add(dst, 32), keccak256(add(ids, 32), shl(5, idsLength)))
            mstore(add(dst, 64), bpsLength)
            mcopy(add(dst, 96), add(bps, 32), shl(5, bpsLength))
            n := add(n, add(3, bpsLength))
        }
        return n;
    }
}
