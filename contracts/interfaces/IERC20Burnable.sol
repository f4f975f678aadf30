// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/// @title IERC20Burnable
/// @notice The burn function of standard burnable tokens (OpenZeppelin ERC20Burnable). NMR does not have it: see
/// INumeraire.
interface IERC20Burnable {
    /// @notice Destroys `amount` of the caller's tokens.
    function burn(uint256 amount) external;
}
