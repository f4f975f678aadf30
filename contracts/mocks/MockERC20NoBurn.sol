// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title MockERC20NoBurn
/// @notice A token without `burn`, to test the fixed burn sink.
contract MockERC20NoBurn is ERC20 {
    constructor() ERC20("No Burn Token", "NOBURN") {}

    /// @notice Mints `amount` to `to`; anyone may call it (tests only).
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}
