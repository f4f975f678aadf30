// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/**
 * @title INumeraire
 * @notice The non-standard functions of the NMR token (mainnet 0x1776e1F26f98b1A5dF9cD347953a26dd3Cb46671).
 * @dev NMR has no `burn`/`burnFrom`; its burns are `mint` and `numeraiTransfer`, which return false instead of
 * reverting when they cannot burn. NMR also has an empty payable fallback, so a call to a function it does not have
 * (such as `burn(uint256)`) succeeds and does nothing. `approve` only changes an allowance from or to zero;
 * `changeApproval` changes a non-zero allowance. `decimals()` returns uint256 and calldata must be exactly ABI-sized.
 */
interface INumeraire {
    /// @notice Burns `value` of the caller's NMR; false (no revert) when it cannot.
    function mint(uint256 value) external returns (bool);

    /// @notice Burns `value` of `from`'s NMR against the caller's allowance; false (no revert) when it cannot.
    function numeraiTransfer(address from, uint256 value) external returns (bool);

    /// @notice Sets the caller's allowance for `spender` from `oldValue` to `newValue`; false when it is not
    /// `oldValue`.
    function changeApproval(address spender, uint256 oldValue, uint256 newValue) external returns (bool);
}
