// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Burnable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Burnable.sol";

/// @title MockNMR
/// @notice Test stand-in for NMR: 18 decimals, burnable, freely mintable. Never deploy it on a public chain.
contract MockNMR is ERC20, ERC20Burnable {
    constructor() ERC20("Mock Numeraire", "NMR") {}

    /// @notice Mints `amount` to `to`; anyone may call it (tests and the local demo only).
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}
