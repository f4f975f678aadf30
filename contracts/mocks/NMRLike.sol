// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/**
 * @title NMRLike
 * @notice Test token that behaves like the NMR token as shared/DESIGN.md ("The NMR token") describes it, written from
 * that description (not from NMR's code). Never deploy it on a public chain.
 *
 * - No `burn`/`burnFrom`. `mint(uint256 v)` burns `v` of the caller's tokens and `numeraiTransfer(from, v)` burns `v`
 *   of `from`'s tokens against the caller's allowance; both return false instead of reverting when they cannot
 *   (the total supply falls when they can).
 * - An empty payable fallback (and receive): a call to any function the token does not have, such as
 *   `burn(uint256)`, succeeds and does nothing.
 * - `approve` only changes an allowance from zero or to zero. A non-zero to non-zero `approve` REVERTS here: the
 *   description says it does not change the allowance, and reverting is the reading under which a caller that
 *   ignores return values cannot believe it succeeded. `changeApproval(spender, oldValue, newValue)` changes a
 *   non-zero allowance, and returns false when the current allowance is not `oldValue`.
 * - `transfer`/`transferFrom` revert on failure (insufficient balance or allowance) and return true otherwise.
 * - Every function requires exactly ABI-sized calldata (4 + 32 bytes per argument), like NMR's onlyPayloadSize.
 * - `decimals()` returns uint256 (18).
 * - `faucet(address to, uint256 v)` creates tokens for tests (a name NMR does not use, so it cannot collide).
 */
contract NMRLike {
    string private constant NAME = "Numeraire (NMRLike test token)";
    string private constant SYMBOL = "NMR";

    uint256 private _totalSupply;
    mapping(address owner => uint256) private _balances;
    mapping(address owner => mapping(address spender => uint256)) private _allowances;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);

    /// @dev Calldata is not exactly the selector and `words` 32-byte arguments.
    error PayloadSize(uint256 expected, uint256 actual);
    error InsufficientBalance(address owner, uint256 balance, uint256 needed);
    error InsufficientAllowance(address owner, address spender, uint256 allowance, uint256 needed);
    /// @dev approve from a non-zero allowance to a non-zero value (use changeApproval).
    error ApproveNonZeroToNonZero(address spender, uint256 current, uint256 value);

    modifier onlyPayloadSize(uint256 words) {
        if (msg.data.length != 4 + 32 * words) revert PayloadSize(4 + 32 * words, msg.data.length);
        _;
    }

    /// @notice Any call to a function this token does not have succeeds and does nothing (like NMR's fallback).
    fallback() external payable {}

    /// @notice Plain ether transfers succeed too (the fallback would take them).
    receive() external payable {}

    /// @notice The token's name.
    function name() external pure onlyPayloadSize(0) returns (string memory) {
        return NAME;
    }

    /// @notice The token's symbol.
    function symbol() external pure onlyPayloadSize(0) returns (string memory) {
        return SYMBOL;
    }

    /// @notice 18, as a uint256.
    function decimals() external pure onlyPayloadSize(0) returns (uint256) {
        return 18;
    }

    /// @notice Tokens in existence.
    function totalSupply() external view onlyPayloadSize(0) returns (uint256) {
        return _totalSupply;
    }

    /// @notice Balance of `owner`.
    function balanceOf(address owner) external view onlyPayloadSize(1) returns (uint256) {
        return _balances[owner];
    }

    /// @notice What `spender` may take from `owner`.
    function allowance(address owner, address spender) external view onlyPayloadSize(2) returns (uint256) {
        return _allowances[owner][spender];
    }

    /// @notice Moves `value` to `to`; reverts when the balance is short.
    function transfer(address to, uint256 value) external onlyPayloadSize(2) returns (bool) {
        _move(msg.sender, to, value);
        return true;
    }

    /// @notice Moves `value` from `from` to `to` against the caller's allowance; reverts when either is short.
    function transferFrom(address from, address to, uint256 value) external onlyPayloadSize(3) returns (bool) {
        uint256 allowed = _allowances[from][msg.sender];
        if (allowed < value) revert InsufficientAllowance(from, msg.sender, allowed, value);
        _allowances[from][msg.sender] = allowed - value;
        _move(from, to, value);
        return true;
    }

    /// @notice Sets the allowance of `spender` from zero, or to zero; reverts for non-zero to non-zero.
    function approve(address spender, uint256 value) external onlyPayloadSize(2) returns (bool) {
        uint256 current = _allowances[msg.sender][spender];
        if (value != 0 && current != 0) revert ApproveNonZeroToNonZero(spender, current, value);
        _allowances[msg.sender][spender] = value;
        emit Approval(msg.sender, spender, value);
        return true;
    }

    /// @notice Changes the allowance of `spender` from `oldValue` to `newValue`; false when it is not `oldValue`.
    function changeApproval(
        address spender,
        uint256 oldValue,
        uint256 newValue
    ) external onlyPayloadSize(3) returns (bool) {
        if (_allowances[msg.sender][spender] != oldValue) return false;
        _allowances[msg.sender][spender] = newValue;
        emit Approval(msg.sender, spender, newValue);
        return true;
    }

    /// @notice NMR's burn: destroys `value` of the caller's tokens; false (no revert) when the balance is short.
    function mint(uint256 value) external onlyPayloadSize(1) returns (bool) {
        if (_balances[msg.sender] < value) return false;
        _destroy(msg.sender, value);
        return true;
    }

    /// @notice NMR's burn-from: destroys `value` of `from`'s tokens against the caller's allowance; false (no revert)
    /// when the allowance or the balance is short.
    function numeraiTransfer(address from, uint256 value) external onlyPayloadSize(2) returns (bool) {
        uint256 allowed = _allowances[from][msg.sender];
        if (allowed < value || _balances[from] < value) return false;
        _allowances[from][msg.sender] = allowed - value;
        _destroy(from, value);
        return true;
    }

    /// @notice Creates `value` tokens for `to` (tests only; anyone may call it).
    function faucet(address to, uint256 value) external onlyPayloadSize(2) {
        _totalSupply += value;
        _balances[to] += value;
        emit Transfer(address(0), to, value);
    }

    function _move(address from, address to, uint256 value) private {
        uint256 balance = _balances[from];
        if (balance < value) revert InsufficientBalance(from, balance, value);
        _balances[from] = balance - value;
        _balances[to] += value;
        emit Transfer(from, to, value);
    }

    function _destroy(address from, uint256 value) private {
        _balances[from] -= value;
        _totalSupply -= value;
        emit Transfer(from, address(0), value);
    }
}
