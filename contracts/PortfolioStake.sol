// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Multicall} from "@openzeppelin/contracts/utils/Multicall.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IPortfolioStake} from "./interfaces/IPortfolioStake.sol";
import {IERC20Burnable} from "./interfaces/IERC20Burnable.sol";
import {PackedWeights} from "./libraries/PackedWeights.sol";

/**
 * @title PortfolioStake
 * @notice Lock NMR once per account and spread it over your Numerai models with a basis-point weight vector that
 * can change at any time without unstaking. See IPortfolioStake for units and the round rule.
 *
 * @dev Storage is laid out around the hot paths:
 * - a reallocation by the staker touches the global slot (round, pause), one account slot (model-list hash,
 *   vector count) and one vector slot (up to 16 models, effective round included: see PackedWeights);
 * - stakes are OpenZeppelin Checkpoints keyed by the round they take effect in, so a round's stake at risk is the
 *   checkpoint in force when it opened;
 * - settlement walks an account's vectors with a cursor (rounds settle in order), so it never searches.
 * Loops run over at most MAX_MODELS models or over caller-supplied calldata capped at MAX_SETTLEMENTS_PER_CALL.
 */
contract PortfolioStake is IPortfolioStake, AccessControl, ReentrancyGuardTransient, Multicall, EIP712 {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;
    using Checkpoints for Checkpoints.Trace224;
    using PackedWeights for uint256;

    // ───────────────────────────────────────── Constants ─────────────────────────────────────────

    bytes32 public constant OPERATOR_ROLE = keccak256("OPERATOR_ROLE");
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");

    /// @notice Models per account: every loop over an account's models is bounded by this.
    uint256 public constant MAX_MODELS = 32;
    /// @notice A weight vector sums to exactly this many basis points.
    uint256 public constant BPS = 10_000;
    /// @notice Rates are 18-decimal fractions of the stake.
    int256 public constant RATE_SCALE = 1e18;
    /// @notice Weight vectors kept per account (a ring): enough for every round that can still be settled, so a
    /// reallocation overwrites a warm slot instead of writing a fresh one (5,000 gas instead of 22,100).
    uint256 public constant VECTOR_HISTORY = 64;
    /// @notice Account-rounds one settle call may process.
    uint256 public constant MAX_SETTLEMENTS_PER_CALL = 256;

    uint40 public constant MAX_WITHDRAWAL_DELAY = 60 days;
    uint40 public constant MIN_ROUND_INTERVAL_FLOOR = 12 hours;
    uint40 public constant MIN_ROUND_INTERVAL_CEILING = 7 days;
    uint40 public constant MIN_RESOLUTION_DELAY = 1 days;
    uint40 public constant MAX_RESOLUTION_DELAY = 60 days;
    uint40 public constant MIN_PUBLISH_WINDOW = 1 days;
    uint40 public constant MAX_PUBLISH_WINDOW = 30 days;
    uint64 public constant MIN_RATE_CAP = 0.001e18;
    uint64 public constant MAX_RATE_CAP = 0.25e18;
    uint32 public constant MAX_FIRST_ROUND = 2 ** 31;

    bytes32 public constant SET_ALLOCATION_TYPEHASH =
        keccak256("SetAllocation(address account,bytes16[] modelIds,uint16[] bps,uint256 nonce,uint256 deadline)");

    /// @notice The staked token (NMR).
    IERC20 public immutable nmr;
    /// @notice Where burned NMR goes; zero means the token's own `burn` is called.
    address public immutable burnSink;
    /// @notice Number of the first round the contract opens (aligns round numbers with Numerai's).
    uint32 public immutable firstRound;

    // ────────────────────────────────────────── Storage ──────────────────────────────────────────

    struct Account {
        // slot 0: money
        uint128 balance;
        uint128 pending;
        // slot 1: everything a reallocation by the staker reads and writes
        bytes20 modelsHash; // keccak256 of the registry list, truncated: checks a caller's list in one SLOAD
        uint24 allocationCount; // vectors ever stored; the newest VECTOR_HISTORY are kept
        uint32 lastAllocationRound;
        uint8 modelCount;
        uint32 nextSettleRound;
        // slot 2: control and settlement
        address manager;
        uint32 withdrawalLastRound;
        uint32 settleCursor;
        // slot 3
        uint40 withdrawalReleaseAt;
        uint128 unpaidRewards;
        // slot 4
        uint128 totalRewarded;
        uint128 totalBurned;
    }

    struct ModelInfo {
        address owner;
        uint8 slot;
    }

    struct RoundData {
        uint40 openedAt;
        uint40 resolvesAt;
        uint40 deadline;
        uint64 rateCap;
    }

    /// @dev An account's money while its rounds are settled in memory.
    struct Ledger {
        address account;
        uint256 balance;
        uint256 pending;
        uint256 unpaid;
        uint256 paid;
        uint256 burnedFromBalance;
        uint256 burnedFromPending;
        uint256 cursor;
        uint256 pendingLastRound; // pending withdrawals were at risk up to this round
        bool modelsChecked;
    }

    /// @dev What one round's result computation needs (kept in memory to stay within the stack).
    struct RoundContext {
        address account;
        bytes32 root;
        uint64 cap;
        uint256 stake;
        uint256 word0;
        uint256 word1;
    }

    // Global slot: read by every deposit and reallocation.
    uint32 private _currentRound;
    uint40 private _lastOpenedAt;
    bool private _paused;

    Parameters private _params;

    uint128 private _totalStaked;
    uint128 private _totalPending;
    uint256 private _rewardsPool;

    mapping(address account => Account) private _accounts;
    mapping(address account => bytes16[]) private _models;
    mapping(bytes16 modelId => ModelInfo) private _modelInfo;
    mapping(address account => mapping(uint256 index => uint256)) private _vectorWord0;
    mapping(address account => mapping(uint256 index => uint256)) private _vectorWord1;
    mapping(address account => Checkpoints.Trace224) private _stakeHistory;
    mapping(uint32 round => RoundData) private _rounds;
    mapping(uint32 round => bytes32) private _roots;
    mapping(address account => uint256) private _nonces;

    modifier whenNotPaused() {
        if (_paused) revert EnforcedPause();
        _;
    }

    /**
     * @param nmr_ The staked token.
     * @param burnSink_ Zero if the token has `burn(uint256)`; otherwise the fixed address burned NMR is sent to.
     * @param admin Receives DEFAULT_ADMIN_ROLE (grants the operator and pauser roles).
     * @param firstRound_ Number of the first round to open (>= 1).
     * @param params Initial parameters, each within its bounds.
     */
    constructor(
        IERC20 nmr_,
        address burnSink_,
        address admin,
        uint32 firstRound_,
        Parameters memory params
    ) EIP712("PortfolioStake", "1") {
        if (address(nmr_) == address(0) || admin == address(0)) revert ZeroAddress();
        // Leaves 2^31 rounds of headroom so `round + 1` never overflows (Numerai is near round 1,200).
        if (firstRound_ == 0 || firstRound_ > MAX_FIRST_ROUND) {
            revert ParameterOutOfBounds("firstRound", firstRound_, 1, MAX_FIRST_ROUND);
        }
        nmr = nmr_;
        burnSink = burnSink_;
        firstRound = firstRound_;
        _currentRound = firstRound_ - 1;
        _setWithdrawalDelay(params.withdrawalDelay);
        _setMinRoundInterval(params.minRoundInterval);
        _setResolutionDelay(params.resolutionDelay);
        _setPublishWindow(params.publishWindow);
        _setRateCap(params.rateCap);
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    // ───────────────────────────────────────── Staker API ────────────────────────────────────────

    /// @inheritdoc IPortfolioStake
    function deposit(uint256 amount) external nonReentrant whenNotPaused {
        if (amount == 0) revert ZeroAmount();
        Account storage a = _accounts[msg.sender];
        uint32 effective = _currentRound + 1;
        if (a.nextSettleRound == 0) a.nextSettleRound = effective;
        uint256 balance = a.balance + amount;
        a.balance = balance.toUint128();
        _totalStaked = (_totalStaked + amount).toUint128();
        _stakeHistory[msg.sender].push(effective, uint224(balance));
        emit Deposited(msg.sender, amount, balance, effective);
        nmr.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @inheritdoc IPortfolioStake
    function setAllocation(bytes16[] calldata modelIds, uint16[] calldata bps) external {
        _setAllocation(msg.sender, msg.sender, modelIds, bps);
    }

    /// @inheritdoc IPortfolioStake
    function setAllocationFor(address account, bytes16[] calldata modelIds, uint16[] calldata bps) external {
        if (msg.sender != account && msg.sender != _accounts[account].manager) {
            revert NotStakerOrManager(msg.sender, account);
        }
        _setAllocation(account, msg.sender, modelIds, bps);
    }

    /// @inheritdoc IPortfolioStake
    function setAllocationBySig(
        address account,
        bytes16[] calldata modelIds,
        uint16[] calldata bps,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) external {
        if (block.timestamp > deadline) revert SignatureExpired(deadline);
        uint256 expected = _nonces[account];
        if (nonce != expected) revert InvalidNonce(expected, nonce);
        bytes32 digest = _hashTypedDataV4(
            keccak256(
                abi.encode(
                    SET_ALLOCATION_TYPEHASH,
                    account,
                    keccak256(abi.encodePacked(modelIds)),
                    keccak256(abi.encodePacked(bps)),
                    nonce,
                    deadline
                )
            )
        );
        address signer = account;
        if (!SignatureChecker.isValidSignatureNow(account, digest, signature)) {
            signer = _accounts[account].manager;
            if (signer == address(0) || !SignatureChecker.isValidSignatureNow(signer, digest, signature)) {
                revert InvalidSignature();
            }
        }
        _nonces[account] = expected + 1;
        _setAllocation(account, signer, modelIds, bps);
    }

    /// @inheritdoc IPortfolioStake
    function setManager(address manager) external {
        _accounts[msg.sender].manager = manager;
        emit ManagerSet(msg.sender, manager);
    }

    /// @inheritdoc IPortfolioStake
    function requestWithdrawal(uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        Account storage a = _accounts[msg.sender];
        uint256 balance = a.balance;
        if (amount > balance) revert InsufficientBalance(amount, balance);
        uint32 current = _currentRound;
        uint256 pending = a.pending;
        // One pending withdrawal at a time (requests in the same round merge): a single "at risk until" round then
        // stays exact, and an earlier request never becomes burnable by rounds opened after it left the stake.
        if (pending != 0 && a.withdrawalLastRound != current) {
            revert WithdrawalPending(pending, a.withdrawalLastRound);
        }
        balance -= amount;
        pending += amount;
        uint40 releaseAt = uint40(block.timestamp) + _params.withdrawalDelay;
        a.balance = uint128(balance);
        a.pending = uint128(pending);
        a.withdrawalLastRound = current;
        a.withdrawalReleaseAt = releaseAt;
        _totalStaked -= uint128(amount);
        _totalPending += uint128(amount);
        _stakeHistory[msg.sender].push(current + 1, uint224(balance));
        emit WithdrawalRequested(msg.sender, amount, pending, balance, current, releaseAt);
    }

    /// @inheritdoc IPortfolioStake
    function claimWithdrawal() external nonReentrant {
        Account storage a = _accounts[msg.sender];
        uint256 amount = a.pending;
        if (amount == 0) revert NothingToClaim();
        if (block.timestamp < a.withdrawalReleaseAt) revert WithdrawalLocked(a.withdrawalReleaseAt);
        if (a.nextSettleRound <= a.withdrawalLastRound) {
            revert RoundsUnsettled(a.nextSettleRound, a.withdrawalLastRound);
        }
        a.pending = 0;
        _totalPending -= uint128(amount);
        emit WithdrawalClaimed(msg.sender, amount);
        nmr.safeTransfer(msg.sender, amount);
    }

    // ───────────────────────────────────────── Settlement ────────────────────────────────────────

    /// @inheritdoc IPortfolioStake
    function fundRewards(uint256 amount) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        uint256 pool = _rewardsPool + amount;
        _rewardsPool = pool;
        emit RewardsFunded(msg.sender, amount, pool);
        nmr.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @inheritdoc IPortfolioStake
    function settle(AccountResults calldata results) external nonReentrant {
        uint256 size = results.results.length;
        if (size > MAX_SETTLEMENTS_PER_CALL) revert BatchTooLarge(size, MAX_SETTLEMENTS_PER_CALL);
        _disposeBurned(_settleAccount(results));
    }

    /// @inheritdoc IPortfolioStake
    function settleBatch(AccountResults[] calldata batch) external nonReentrant {
        uint256 size;
        for (uint256 i; i < batch.length; ++i) size += batch[i].results.length;
        if (size > MAX_SETTLEMENTS_PER_CALL) revert BatchTooLarge(size, MAX_SETTLEMENTS_PER_CALL);
        uint256 burned;
        for (uint256 i; i < batch.length; ++i) burned += _settleAccount(batch[i]);
        _disposeBurned(burned);
    }

    // ────────────────────────────────────────── Operator ─────────────────────────────────────────

    /// @inheritdoc IPortfolioStake
    function registerModels(address account, bytes16[] calldata modelIds) external onlyRole(OPERATOR_ROLE) {
        if (account == address(0)) revert ZeroAddress();
        if (modelIds.length == 0) revert InvalidModelId();
        bytes16[] storage list = _models[account];
        uint256 count = list.length;
        if (count + modelIds.length > MAX_MODELS) revert TooManyModels(count + modelIds.length, MAX_MODELS);
        for (uint256 i; i < modelIds.length; ++i) {
            bytes16 id = modelIds[i];
            if (id == bytes16(0)) revert InvalidModelId();
            address owner = _modelInfo[id].owner;
            if (owner != address(0)) revert ModelAlreadyRegistered(id, owner);
            _modelInfo[id] = ModelInfo(account, uint8(count));
            list.push(id);
            emit ModelRegistered(account, id, uint8(count));
            ++count;
        }
        Account storage a = _accounts[account];
        a.modelCount = uint8(count);
        a.modelsHash = bytes20(keccak256(abi.encodePacked(list)));
    }

    /// @inheritdoc IPortfolioStake
    function openRound() external onlyRole(OPERATOR_ROLE) returns (uint32 round) {
        Parameters memory p = _params;
        uint40 now_ = uint40(block.timestamp);
        uint40 last = _lastOpenedAt;
        if (last != 0 && now_ < last + p.minRoundInterval) revert RoundTooEarly(last + p.minRoundInterval);
        round = _currentRound + 1;
        _currentRound = round;
        _lastOpenedAt = now_;
        uint40 resolvesAt = now_ + p.resolutionDelay;
        uint40 deadline = resolvesAt + p.publishWindow;
        _rounds[round] = RoundData(now_, resolvesAt, deadline, p.rateCap);
        emit RoundOpened(round, now_, resolvesAt, deadline, p.rateCap);
    }

    /// @inheritdoc IPortfolioStake
    function publishRound(uint32 round, bytes32 root, string calldata leavesURI) external onlyRole(OPERATOR_ROLE) {
        RoundData memory r = _rounds[round];
        if (r.openedAt == 0) revert UnknownRound(round);
        if (root == bytes32(0)) revert InvalidRoot();
        if (_roots[round] != bytes32(0)) revert RoundAlreadyPublished(round);
        if (block.timestamp < r.resolvesAt) revert RoundNotResolved(round, r.resolvesAt);
        if (block.timestamp > r.deadline) revert PublishDeadlinePassed(round, r.deadline);
        _roots[round] = root;
        emit RoundPublished(round, root, leavesURI);
    }

    // ─────────────────────────────────────────── Admin ───────────────────────────────────────────

    /// @inheritdoc IPortfolioStake
    function pause() external onlyRole(PAUSER_ROLE) {
        if (_paused) revert EnforcedPause();
        _paused = true;
        emit Paused(msg.sender);
    }

    /// @inheritdoc IPortfolioStake
    function unpause() external onlyRole(PAUSER_ROLE) {
        if (!_paused) revert ExpectedPause();
        _paused = false;
        emit Unpaused(msg.sender);
    }

    /// @inheritdoc IPortfolioStake
    function setWithdrawalDelay(uint40 value) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setWithdrawalDelay(value);
    }

    /// @inheritdoc IPortfolioStake
    function setMinRoundInterval(uint40 value) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setMinRoundInterval(value);
    }

    /// @inheritdoc IPortfolioStake
    function setResolutionDelay(uint40 value) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setResolutionDelay(value);
    }

    /// @inheritdoc IPortfolioStake
    function setPublishWindow(uint40 value) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setPublishWindow(value);
    }

    /// @inheritdoc IPortfolioStake
    function setRateCap(uint64 value) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setRateCap(value);
    }

    // ─────────────────────────────────────────── Views ───────────────────────────────────────────

    /// @inheritdoc IPortfolioStake
    function currentRound() external view returns (uint32) {
        return _currentRound;
    }

    /// @inheritdoc IPortfolioStake
    function roundInfo(uint32 round) external view returns (RoundInfo memory) {
        RoundData memory r = _rounds[round];
        return RoundInfo(r.openedAt, r.resolvesAt, r.deadline, r.rateCap, _roots[round]);
    }

    /// @inheritdoc IPortfolioStake
    function parameters() external view returns (Parameters memory) {
        return _params;
    }

    /// @inheritdoc IPortfolioStake
    function paused() external view returns (bool) {
        return _paused;
    }

    /// @inheritdoc IPortfolioStake
    function accountOf(address account) external view returns (AccountView memory v) {
        Account storage a = _accounts[account];
        v.balance = a.balance;
        v.pendingWithdrawal = a.pending;
        v.withdrawalLastRound = a.withdrawalLastRound;
        v.withdrawalReleaseAt = a.withdrawalReleaseAt;
        v.nextSettleRound = a.nextSettleRound;
        v.unpaidRewards = a.unpaidRewards;
        v.totalRewarded = a.totalRewarded;
        v.totalBurned = a.totalBurned;
        v.manager = a.manager;
        v.modelCount = a.modelCount;
        v.allocationCount = a.allocationCount;
        v.lastAllocationRound = a.lastAllocationRound;
    }

    /// @inheritdoc IPortfolioStake
    function modelsOf(address account) external view returns (bytes16[] memory) {
        return _models[account];
    }

    /// @inheritdoc IPortfolioStake
    function modelOwner(bytes16 modelId) external view returns (address owner, uint8 slot) {
        ModelInfo memory info = _modelInfo[modelId];
        return (info.owner, info.slot);
    }

    /// @inheritdoc IPortfolioStake
    function allocationAt(
        address account,
        uint32 round
    ) external view returns (bytes16[] memory modelIds, uint16[] memory bps) {
        modelIds = _models[account];
        (uint256 word0, uint256 word1) = _vectorAt(account, round);
        bps = new uint16[](modelIds.length);
        for (uint256 i; i < modelIds.length; ++i) bps[i] = uint16(_weight(word0, word1, i));
    }

    /// @inheritdoc IPortfolioStake
    function stakeAt(address account, uint32 round) public view returns (uint256) {
        return _stakeHistory[account].upperLookupRecent(round);
    }

    /// @inheritdoc IPortfolioStake
    function modelStakesAt(address account, uint32 round) external view returns (uint256[] memory stakes) {
        uint256 stake = stakeAt(account, round);
        (uint256 word0, uint256 word1) = _vectorAt(account, round);
        uint256 count = _accounts[account].modelCount;
        stakes = new uint256[](count);
        for (uint256 i; i < count; ++i) stakes[i] = (stake * _weight(word0, word1, i)) / BPS;
    }

    /// @inheritdoc IPortfolioStake
    function totals() external view returns (uint256 staked, uint256 pendingWithdrawals, uint256 rewardsPool) {
        return (_totalStaked, _totalPending, _rewardsPool);
    }

    /// @inheritdoc IPortfolioStake
    function nonces(address account) external view returns (uint256) {
        return _nonces[account];
    }

    // ───────────────────────────────────────── Internals ─────────────────────────────────────────

    function _setAllocation(address account, address by, bytes16[] calldata modelIds, uint16[] calldata bps) private {
        if (_paused) revert EnforcedPause();
        uint256 n = modelIds.length;
        if (n != bps.length) revert LengthMismatch(n, bps.length);
        if (n == 0) revert EmptyAllocation();
        if (n > MAX_MODELS) revert TooManyModels(n, MAX_MODELS);

        Account storage a = _accounts[account];
        uint256 count = a.modelCount;
        // The canonical list (the whole registry, in order) is checked by its hash alone; any other list is
        // checked model by model.
        if (n == count && a.modelsHash == bytes20(_hashWords(modelIds))) {
            (uint256 word0, uint256 word1) = _packCanonical(modelIds, bps);
            uint32 effective = _storeVector(a, account, word0, word1);
            _emitAllocationSet(account, effective, by, bps);
        } else {
            (uint256 word0, uint256 word1) = _packVector(account, modelIds, bps);
            uint32 effective = _storeVector(a, account, word0, word1);
            uint16[] memory weights = new uint16[](count);
            for (uint256 i; i < count; ++i) weights[i] = uint16(_weight(word0, word1, i));
            emit AllocationSet(account, effective, by, weights);
        }
    }

    /// @dev keccak256(abi.encodePacked(ids)) straight from calldata. Dirty (non-canonical) words cannot match a stored
    /// hash of clean IDs, so they fall through to the checked path.
    function _hashWords(bytes16[] calldata ids) private pure returns (bytes32 hash) {
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            let size := shl(5, ids.length)
            calldatacopy(ptr, ids.offset, size)
            hash := keccak256(ptr, size)
        }
    }

    /// @dev Packs a vector given in registry order (slot i = index i); reverts on a weight above 10,000 or a sum
    /// other than 10,000. Hot path of every reallocation, hence the assembly loop.
    function _packCanonical(
        bytes16[] calldata modelIds,
        uint16[] calldata bps
    ) private pure returns (uint256 word0, uint256 word1) {
        uint256 sum;
        uint256 tooLarge; // 1 + index of the first weight above 10,000
        assembly ("memory-safe") {
            let n := bps.length
            for {
                let i := 0
            } lt(i, n) {
                i := add(i, 1)
            } {
                let w := calldataload(add(bps.offset, shl(5, i)))
                if gt(w, 10000) {
                    tooLarge := add(i, 1)
                    break
                }
                sum := add(sum, w)
                switch lt(i, 16)
                case 1 {
                    word0 := or(word0, shl(mul(i, 14), w))
                }
                default {
                    word1 := or(word1, shl(mul(sub(i, 16), 14), w))
                }
            }
        }
        if (tooLarge != 0) revert WeightTooLarge(modelIds[tooLarge - 1], bps[tooLarge - 1]);
        if (sum != BPS) revert InvalidWeightSum(sum);
    }

    /// @dev Emits AllocationSet with `bps` copied from calldata (every weight was checked to be <= 10,000, so the
    /// words are valid uint16 ABI values).
    function _emitAllocationSet(address account, uint32 effective, address by, uint16[] calldata bps) private {
        bytes32 topic0 = AllocationSet.selector;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            let size := shl(5, bps.length)
            mstore(ptr, 0x20)
            mstore(add(ptr, 0x20), bps.length)
            calldatacopy(add(ptr, 0x40), bps.offset, size)
            log4(ptr, add(size, 0x40), topic0, account, effective, by)
        }
    }

    /// @dev Stores a packed vector as the one in force from the next round; returns that round.
    function _storeVector(
        Account storage a,
        address account,
        uint256 word0,
        uint256 word1
    ) private returns (uint32 effective) {
        effective = _currentRound + 1;
        uint256 index = a.allocationCount;
        if (a.lastAllocationRound == effective) {
            // A second change before the next round opens replaces the pending vector in place.
            --index;
        } else {
            // The ring slot taken over belongs to vector index - VECTOR_HISTORY, in force before the next
            // VECTOR_HISTORY - 1 vectors, i.e. before round effective - (VECTOR_HISTORY - 1) at the latest. It may go
            // only once every round it could apply to is settled.
            uint256 next = a.nextSettleRound;
            if (index >= VECTOR_HISTORY && next != 0 && effective - (VECTOR_HISTORY - 1) > next) {
                revert SettlementBehind(account, uint32(next));
            }
            a.allocationCount = uint24(index + 1);
            a.lastAllocationRound = effective;
        }
        index %= VECTOR_HISTORY;
        _vectorWord0[account][index] = word0.withRound(effective);
        if (a.modelCount > PackedWeights.WEIGHTS_PER_WORD) _vectorWord1[account][index] = word1;
    }

    /// @dev Validates a vector given in any order (or a subset of the registry) and packs it by registry slot.
    /// Reverts on a foreign, unknown or repeated model, a weight above 10,000 or a sum other than 10,000.
    function _packVector(
        address account,
        bytes16[] calldata modelIds,
        uint16[] calldata bps
    ) private view returns (uint256 word0, uint256 word1) {
        uint256 sum;
        uint256 seen;
        for (uint256 i; i < modelIds.length; ++i) {
            ModelInfo memory info = _modelInfo[modelIds[i]];
            if (info.owner == address(0)) revert UnknownModel(modelIds[i]);
            if (info.owner != account) revert ModelNotOwned(modelIds[i], info.owner);
            uint256 slot = info.slot;
            if (seen & (1 << slot) != 0) revert DuplicateModel(modelIds[i]);
            seen |= 1 << slot;
            uint256 w = bps[i];
            if (w > BPS) revert WeightTooLarge(modelIds[i], w);
            sum += w;
            if (slot < PackedWeights.WEIGHTS_PER_WORD) word0 = word0.put(slot, w);
            else word1 = word1.put(slot, w);
        }
        if (sum != BPS) revert InvalidWeightSum(sum);
    }

    /// @dev Settles `r.results` in order for one account; returns the NMR to burn.
    function _settleAccount(AccountResults calldata r) private returns (uint256) {
        address account = r.account;
        Account storage a = _accounts[account];
        uint32 next = a.nextSettleRound;
        if (next == 0) revert AccountNotStaking(account);
        Ledger memory ledger = Ledger(
            account,
            a.balance,
            a.pending,
            a.unpaidRewards,
            0,
            0,
            0,
            a.settleCursor,
            a.withdrawalLastRound,
            false
        );

        for (uint256 k; k < r.results.length; ++k) {
            RoundResult calldata res = r.results[k];
            if (res.round != next) revert RoundOutOfOrder(account, next, res.round);
            _settleRound(ledger, a, r, res);
            ++next;
        }

        a.nextSettleRound = next;
        a.settleCursor = uint32(ledger.cursor);
        uint256 burned = ledger.burnedFromBalance + ledger.burnedFromPending;
        if (ledger.balance != a.balance) {
            _stakeHistory[account].push(_currentRound + 1, uint224(ledger.balance));
            _totalStaked = (_totalStaked + ledger.paid - ledger.burnedFromBalance).toUint128();
            a.balance = uint128(ledger.balance);
        }
        if (ledger.burnedFromPending != 0) {
            _totalPending -= uint128(ledger.burnedFromPending);
            a.pending = uint128(ledger.pending);
        }
        a.unpaidRewards = uint128(ledger.unpaid);
        if (ledger.paid != 0) a.totalRewarded += uint128(ledger.paid);
        if (burned != 0) a.totalBurned += uint128(burned);
        return burned;
    }

    /// @dev Settles one round (the account's next) into `ledger`.
    function _settleRound(
        Ledger memory ledger,
        Account storage a,
        AccountResults calldata r,
        RoundResult calldata res
    ) private {
        uint32 round = res.round;
        bytes32 root = _roots[round];
        RoundData memory rd = _rounds[round];
        // Settleable once published, or once its publication deadline passed (then it counts as zero).
        if (rd.openedAt == 0 || (root == bytes32(0) && block.timestamp <= rd.deadline)) {
            revert RoundNotSettleable(round);
        }
        uint256 stake = _stakeHistory[r.account].upperLookupRecent(round);
        int64[] memory rates = new int64[](a.modelCount);
        int256 delta;
        if (root != bytes32(0) && stake != 0) {
            (uint256 word0, uint256 word1) = _vectorForSettlement(ledger, r.account, a.allocationCount, round);
            if (word0 | word1 != 0) {
                if (!ledger.modelsChecked) {
                    if (
                        r.models.length != a.modelCount ||
                        bytes20(keccak256(abi.encodePacked(r.models))) != a.modelsHash
                    ) revert ModelListMismatch(r.account);
                    ledger.modelsChecked = true;
                }
                delta = _roundDelta(
                    RoundContext(r.account, root, rd.rateCap, stake, word0, word1),
                    r.models,
                    res,
                    rates
                );
            }
        }
        _applyDelta(ledger, round, stake, rates, delta);
    }

    /// @dev Applies one round's result to the ledger and reports it.
    function _applyDelta(
        Ledger memory ledger,
        uint32 round,
        uint256 stake,
        int64[] memory rates,
        int256 delta
    ) private {
        uint256 burned = delta < 0 ? _takeLoss(ledger, uint256(-delta), round <= ledger.pendingLastRound) : 0;
        uint256 paid = _payOwed(ledger, delta > 0 ? uint256(delta) : 0);
        emit Settled(ledger.account, round, stake, rates, delta, paid, burned, ledger.unpaid, ledger.balance);
    }

    /// @dev A loss comes from the stake, then from the pending withdrawal if it was at risk in that round, never
    /// beyond both (the stake may already be lower than the round's snapshot after earlier rounds' burns).
    function _takeLoss(Ledger memory ledger, uint256 loss, bool pendingAtRisk) private pure returns (uint256) {
        uint256 fromBalance = loss < ledger.balance ? loss : ledger.balance;
        uint256 rest = loss - fromBalance;
        uint256 fromPending = !pendingAtRisk
            ? 0
            : rest < ledger.pending
                ? rest
                : ledger.pending;
        ledger.balance -= fromBalance;
        ledger.pending -= fromPending;
        ledger.burnedFromBalance += fromBalance;
        ledger.burnedFromPending += fromPending;
        return fromBalance + fromPending;
    }

    /// @dev Pays `gain` plus rewards owed from earlier rounds from the pool as far as it goes; the rest stays owed.
    function _payOwed(Ledger memory ledger, uint256 gain) private returns (uint256 paid) {
        uint256 owed = ledger.unpaid + gain;
        if (owed == 0) return 0;
        uint256 pool = _rewardsPool;
        paid = owed < pool ? owed : pool;
        _rewardsPool = pool - paid;
        ledger.unpaid = owed - paid;
        ledger.balance += paid;
        ledger.paid += paid;
    }

    /// @dev Checks one round's rates and multiproof, and returns sum(stake x weight / BPS x rate / 1e18), each
    /// model's term rounded toward zero.
    function _roundDelta(
        RoundContext memory c,
        bytes16[] calldata models,
        RoundResult calldata res,
        int64[] memory rates
    ) private pure returns (int256 delta) {
        uint256 n = res.slots.length;
        if (n != res.rates.length) revert LengthMismatch(n, res.rates.length);
        bytes32[] memory leaves = new bytes32[](n);
        uint256 seen;
        for (uint256 i; i < n; ++i) {
            uint8 slot = res.slots[i];
            if (slot >= models.length) revert InvalidModelSlot(slot);
            if (seen & (1 << slot) != 0) revert DuplicateModelResult(slot);
            seen |= 1 << slot;
            int64 rate = res.rates[i];
            leaves[i] = keccak256(bytes.concat(keccak256(abi.encode(res.round, models[slot], rate))));
            // A published rate beyond the round's cap is applied at the cap: bounded, and never unsettleable.
            if (rate > int64(c.cap)) rate = int64(c.cap);
            else if (rate < -int64(c.cap)) rate = -int64(c.cap);
            rates[slot] = rate;
            uint256 modelStake = (c.stake * _weight(c.word0, c.word1, slot)) / BPS;
            delta += (int256(modelStake) * rate) / RATE_SCALE;
        }
        for (uint256 s; s < models.length; ++s) {
            if (seen & (1 << s) == 0 && _weight(c.word0, c.word1, s) != 0) revert MissingModelResult(uint8(s));
        }
        if (!MerkleProof.multiProofVerifyCalldata(res.proof, res.proofFlags, c.root, leaves)) {
            revert InvalidProof(c.account, res.round);
        }
    }

    /// @dev The vector in force at `round`, found by moving the settlement cursor forward (rounds settle in order).
    function _vectorForSettlement(
        Ledger memory ledger,
        address account,
        uint256 vectors,
        uint32 round
    ) private view returns (uint256 word0, uint256 word1) {
        if (vectors == 0) return (0, 0);
        mapping(uint256 => uint256) storage words = _vectorWord0[account];
        uint256 cursor = ledger.cursor;
        // Vectors older than the ring were overwritten only once no unsettled round could use them.
        if (cursor + VECTOR_HISTORY < vectors) cursor = vectors - VECTOR_HISTORY;
        while (cursor + 1 < vectors && words[(cursor + 1) % VECTOR_HISTORY].round() <= round) ++cursor;
        ledger.cursor = cursor;
        word0 = words[cursor % VECTOR_HISTORY];
        if (word0.round() > round) return (0, 0);
        return (word0, _vectorWord1[account][cursor % VECTOR_HISTORY]);
    }

    /// @dev The vector in force at `round`, by binary search (for views).
    function _vectorAt(address account, uint32 round) private view returns (uint256 word0, uint256 word1) {
        mapping(uint256 => uint256) storage words = _vectorWord0[account];
        uint256 high = _accounts[account].allocationCount;
        uint256 oldest = high > VECTOR_HISTORY ? high - VECTOR_HISTORY : 0;
        uint256 low = oldest;
        while (low < high) {
            uint256 mid = (low + high) / 2;
            if (words[mid % VECTOR_HISTORY].round() <= round) low = mid + 1;
            else high = mid;
        }
        if (low == oldest) {
            if (oldest == 0) return (0, 0);
            revert AllocationHistoryPruned(round, words[oldest % VECTOR_HISTORY].round());
        }
        uint256 index = (low - 1) % VECTOR_HISTORY;
        return (words[index], _vectorWord1[account][index]);
    }

    function _weight(uint256 word0, uint256 word1, uint256 slot) private pure returns (uint256) {
        return slot < PackedWeights.WEIGHTS_PER_WORD ? word0.get(slot) : word1.get(slot);
    }

    function _disposeBurned(uint256 amount) private {
        if (amount == 0) return;
        if (burnSink == address(0)) IERC20Burnable(address(nmr)).burn(amount);
        else nmr.safeTransfer(burnSink, amount);
    }

    function _setWithdrawalDelay(uint40 value) private {
        _checkBounds("withdrawalDelay", value, 0, MAX_WITHDRAWAL_DELAY);
        emit ParameterUpdated("withdrawalDelay", _params.withdrawalDelay, value);
        _params.withdrawalDelay = value;
    }

    function _setMinRoundInterval(uint40 value) private {
        _checkBounds("minRoundInterval", value, MIN_ROUND_INTERVAL_FLOOR, MIN_ROUND_INTERVAL_CEILING);
        emit ParameterUpdated("minRoundInterval", _params.minRoundInterval, value);
        _params.minRoundInterval = value;
    }

    function _setResolutionDelay(uint40 value) private {
        _checkBounds("resolutionDelay", value, MIN_RESOLUTION_DELAY, MAX_RESOLUTION_DELAY);
        emit ParameterUpdated("resolutionDelay", _params.resolutionDelay, value);
        _params.resolutionDelay = value;
    }

    function _setPublishWindow(uint40 value) private {
        _checkBounds("publishWindow", value, MIN_PUBLISH_WINDOW, MAX_PUBLISH_WINDOW);
        emit ParameterUpdated("publishWindow", _params.publishWindow, value);
        _params.publishWindow = value;
    }

    function _setRateCap(uint64 value) private {
        _checkBounds("rateCap", value, MIN_RATE_CAP, MAX_RATE_CAP);
        emit ParameterUpdated("rateCap", _params.rateCap, value);
        _params.rateCap = value;
    }

    function _checkBounds(bytes32 name, uint256 value, uint256 min, uint256 max) private pure {
        if (value < min || value > max) revert ParameterOutOfBounds(name, value, min, max);
    }
}
