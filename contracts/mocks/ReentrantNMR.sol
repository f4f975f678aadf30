// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Burnable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Burnable.sol";

/// @dev Test token that, once armed, calls back into `target` on its next transfer, mint or burn, and bubbles up the
/// callee's revert: proves the staking contract's reentrancy guards hold on every path that touches the token.
contract ReentrantNMR is ERC20, ERC20Burnable {
    address public callbackTarget;
    bytes public payload;

    constructor() ERC20("Reentrant NMR", "rNMR") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function arm(address target_, bytes calldata payload_) external {
        callbackTarget = target_;
        payload = payload_;
    }

    function _update(address from, address to, uint256 value) internal override {
        address callee = callbackTarget;
        if (callee != address(0)) {
            callbackTarget = address(0);
            // solhint-disable-next-line avoid-low-level-calls
            (bool ok, bytes memory reason) = callee.call(payload);
            if (!ok) {
                assembly ("memory-safe") {
                    revert(add(reason, 0x20), mload(reason))
                }
            }
        }
        super._update(from, to, value);
    }
}
