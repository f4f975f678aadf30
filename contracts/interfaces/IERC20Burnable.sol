// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/// @title IERC20Burnable
/// @notice The burn function of tokens that can destroy their own supply (NMR has it).
interface IERC20Burnable {
    /// @notice Destroys `amount` of the caller's tokens.
    function burn(uint256 amount) external;
}
