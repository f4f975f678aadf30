// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/**
 * @title BrokenBurnToken
 * @notice Test token whose burns (NMR-style `mint(uint256)` and standard `burn(uint256)`) and transfers misbehave on
 * demand, to prove that PortfolioStake checks every burn by its effect and refuses unsafe token/mode pairs.
 */
contract BrokenBurnToken is ERC20 {
    enum Quirk {
        None, // burns honestly
        ReturnFalse, // mint returns false and burns nothing
        ReturnNothing, // mint burns but returns no data
        NoEffect, // mint/burn return normally and burn nothing; transfer returns true and moves nothing
        BurnLess, // burns one wei less than asked
        MoveInstead, // moves the amount to 0xdead: the caller's balance falls, the supply does not
        BurnFromOther, // burns from another holder: the supply falls, the caller's balance does not
        Revert // mint/burn revert
    }

    address public constant DEAD = 0x000000000000000000000000000000000000dEaD;

    Quirk public burnQuirk;
    Quirk public transferQuirk;
    bool public permissiveFallback;

    error Refused();

    constructor() ERC20("Broken Burn Token", "BRK") {}

    /// @notice A function-less call succeeds only when `permissiveFallback` is set.
    fallback() external {
        if (!permissiveFallback) revert Refused();
    }

    function setBurnQuirk(Quirk q) external {
        burnQuirk = q;
    }

    function setTransferQuirk(Quirk q) external {
        transferQuirk = q;
    }

    function setPermissiveFallback(bool on) external {
        permissiveFallback = on;
    }

    function faucet(address to, uint256 value) external {
        _mint(to, value);
    }

    /// @notice NMR-style burn of the caller's tokens.
    function mint(uint256 value) external returns (bool) {
        Quirk q = burnQuirk;
        if (q == Quirk.ReturnFalse) return false;
        _quirkyBurn(q, value);
        if (q == Quirk.ReturnNothing) {
            assembly ("memory-safe") {
                return(0, 0)
            }
        }
        return true;
    }

    /// @notice Standard burn of the caller's tokens.
    function burn(uint256 value) external {
        _quirkyBurn(burnQuirk, value);
    }

    function transfer(address to, uint256 value) public override returns (bool) {
        if (transferQuirk == Quirk.NoEffect) return true;
        return super.transfer(to, value);
    }

    function _quirkyBurn(Quirk q, uint256 value) private {
        if (q == Quirk.Revert) revert Refused();
        if (q == Quirk.NoEffect) return;
        if (q == Quirk.BurnLess) _burn(msg.sender, value - 1);
        else if (q == Quirk.MoveInstead) _transfer(msg.sender, DEAD, value);
        else if (q == Quirk.BurnFromOther) _burn(DEAD, value);
        else _burn(msg.sender, value);
    }
}
