// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Multicall} from "@openzeppelin/contracts/utils/Multicall.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IPortfolioStake} from "./interfaces/IPortfolioStake.sol";
import {IERC20Burnable} from "./interfaces/IERC20Burnable.sol";
import {INumeraire} from "./interfaces/INumeraire.sol";
import {PackedWeights} from "./libraries/PackedWeights.sol";
import {StakeStorage} from "./libraries/StakeStorage.sol";
import {SettlementLogic} from "./libraries/SettlementLogic.sol";
import {SettlementCore} from "./libraries/SettlementCore.sol";
import {SpanSettlementLogic} from "./libraries/SpanSettlementLogic.sol";
import {RegistryLogic} from "./libraries/RegistryLogic.sol";
import {OwedRewards} from "./libraries/OwedRewards.sol";

/**
 * @title PortfolioStake
 * @notice Lock NMR once per account and spread it over your Numerai models with a basis-point weight vector that
 * can change at any time without unstaking. See IPortfolioStake for units and the round rule.
 *
 * @dev State lives in one StakeStorage.Layout (see there for the slot layout around the hot paths). Settlement (per
 * round: SettlementLogic, which also opens and publishes rounds; by span: SpanSettlementLogic; their shared money
 * paths: SettlementCore) and the model registry (RegistryLogic) run in linked libraries on that storage, which keeps
 * this contract under the 24 KiB limit; reallocation, the hot path, stays here. Loops run over at most MAX_MODELS
 * models, at most VECTOR_HISTORY stored vectors, or caller-supplied calldata capped at MAX_SETTLEMENTS_PER_CALL.
 *
 * Burns leave the system for real, with the token's own mechanism chosen at deployment (burnMode) and every burn
 * checked by its effect: see the constructor and `_burn`.
 */
contract PortfolioStake is IPortfolioStake, AccessControl, ReentrancyGuardTransient, Multicall, EIP712 {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;
    using Checkpoints for Checkpoints.Trace224;
    using PackedWeights for uint256;
    using PackedWeights for uint256[4];

    // ───────────────────────────────────────── Constants ─────────────────────────────────────────

    bytes32 public constant OPERATOR_ROLE = keccak256("OPERATOR_ROLE");
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");

    /// @notice Registry indexes per account (every loop over an account's models is bounded by this). Real Numerai
    /// accounts have up to 50 models.
    uint256 public constant MAX_MODELS = StakeStorage.MAX_MODELS;
    /// @notice A weight vector sums to exactly this many basis points.
    uint256 public constant BPS = StakeStorage.BPS;
    /// @notice Rates are 18-decimal fractions of the stake.
    int256 public constant RATE_SCALE = StakeStorage.RATE_SCALE;
    /// @notice Weight vectors kept per account (a ring), sized from the parameter bounds so that it can never block
    /// a staker whose settleable rounds are all settled.
    /// @dev A reallocation must not overwrite a vector that an unsettled round still needs, so it reverts
    /// SettlementBehind when more than VECTOR_HISTORY - 1 opened rounds are unsettled. For a staker that settled
    /// everything settleable, the oldest unsettled round r is one that cannot be settled yet: at the latest until
    /// its proofDeadline = openedAt(r) + resolutionDelay + publishWindow + proofGracePeriod <= 60 + 30 + 30 days
    /// (the bounds). Rounds open at least MIN_ROUND_INTERVAL_FLOOR = 12 hours apart whatever the parameters were
    /// over time, so at most 120 days / 12 hours + 1 = 241 rounds are unsettled then: < VECTOR_HISTORY = 256.
    /// Rejected alternatives: a ring of 64 with setters refusing parameters whose horizon / interval reaches it would
    /// refuse Numerai's own schedule (daily rounds resolving 20-60 business days later: up to ~90 days with the
    /// publication window and grace), and a check of the current parameters alone is unsound (rounds opened under a
    /// longer horizon are still unsettled after the interval is lowered). The cost of a larger ring is paid once per
    /// ring slot: the first VECTOR_HISTORY reallocations of an account write a fresh slot (22,100 gas), every later
    /// one overwrites a warm one (5,000), whatever the ring size.
    uint256 public constant VECTOR_HISTORY = StakeStorage.VECTOR_HISTORY;
    /// @notice Account-rounds one settle call may process.
    uint256 public constant MAX_SETTLEMENTS_PER_CALL = StakeStorage.MAX_SETTLEMENTS_PER_CALL;
    /// @notice invalidateNonces moves a nonce forward by at most this much per call.
    uint256 public constant MAX_NONCE_JUMP = type(uint16).max;

    uint40 public constant MAX_WITHDRAWAL_DELAY = 60 days;
    uint40 public constant MIN_ROUND_INTERVAL_FLOOR = 12 hours;
    uint40 public constant MIN_ROUND_INTERVAL_CEILING = 7 days;
    uint40 public constant MIN_RESOLUTION_DELAY = 1 days;
    uint40 public constant MAX_RESOLUTION_DELAY = 60 days;
    uint40 public constant MIN_PUBLISH_WINDOW = 1 days;
    uint40 public constant MAX_PUBLISH_WINDOW = 30 days;
    /// @notice A rate is a fraction of the round's slice: the cap is at most the whole slice (Numerai's 2026 clip).
    uint64 public constant MIN_RATE_CAP = 0.001e18;
    uint64 public constant MAX_RATE_CAP = 1e18;
    /// @notice R, the slice divisor: a round puts stake / R at risk (Numerai's atomic staking: 64).
    uint16 public constant MIN_SLICE_DIVISOR = 1;
    uint16 public constant MAX_SLICE_DIVISOR = 1024;
    /// @notice The open rounds together never commit more than this share of a stake (1e18 = 100%).
    uint256 public constant MAX_EXPOSURE = StakeStorage.MAX_EXPOSURE;
    /// @notice The proof grace period is the time after a round's publication deadline during which its results
    /// settle only with proofs; after it, a published round an account cannot prove counts as zero for that account.
    /// At least a day, so the operator's keeper always has time to settle every provable result (a loss settled as
    /// zero instead would be a loss not taken); at most 30 days, so a bad publication delays an exit by a bounded time.
    uint40 public constant MIN_PROOF_GRACE_PERIOD = 1 days;
    uint40 public constant MAX_PROOF_GRACE_PERIOD = 30 days;
    uint32 public constant MAX_FIRST_ROUND = 2 ** 31;

    bytes32 public constant SET_ALLOCATION_TYPEHASH =
        keccak256("SetAllocation(address account,bytes16[] modelIds,uint16[] bps,uint256 nonce,uint256 deadline)");
    bytes32 public constant ACCEPT_MODELS_TYPEHASH =
        keccak256("AcceptModels(address account,bytes16[] modelIds,uint256 nonce,uint256 deadline)");

    /// @dev A selector no token implements: a call to it succeeds only on a token with a permissive fallback.
    bytes4 private constant NO_SUCH_FUNCTION = bytes4(keccak256("portfolioStakeBurnProbe()"));
    uint256 private constant H = StakeStorage.VECTOR_HISTORY;

    /// @notice The staked token (NMR).
    IERC20 public immutable nmr;
    /// @notice How burned NMR leaves the system.
    BurnMode public immutable burnMode;
    /// @notice Where burned NMR goes in Sink mode (zero in the other modes).
    address public immutable burnSink;
    /// @notice Number of the first round the contract opens (aligns round numbers with Numerai's).
    uint32 public immutable firstRound;

    // ────────────────────────────────────────── Storage ──────────────────────────────────────────

    StakeStorage.Layout private _s;

    modifier whenNotPaused() {
        if (_s.paused) revert EnforcedPause();
        _;
    }

    /**
     * @param nmr_ The staked token.
     * @param burnMode_ How burns work on this token: NumeraireMint for the real NMR (its `mint(v)` burns), ERC20Burn
     * for a standard `burn(uint256)`, Sink for a token that cannot burn (transfers to `burnSink_`).
     * @param burnSink_ In Sink mode the fixed address burned NMR is sent to (not zero, not this contract); zero
     * otherwise.
     * @param admin Receives DEFAULT_ADMIN_ROLE (grants the operator and pauser roles).
     * @param firstRound_ Number of the first round to open (>= 1).
     * @param params Initial parameters, each within its bounds.
     * @dev The token/mode pair is probed with cheap deterministic calls, so a deployment whose burns could not work
     * (and would then make every loss unsettleable) fails instead: NumeraireMint needs `mint(0)` to return an
     * ABI-encoded true (a token without it, or with a silent fallback, returns nothing); ERC20Burn needs `burn(0)` to
     * succeed and a function no token has to revert (NMR's empty fallback makes a missing `burn` look successful).
     */
    constructor(
        IERC20 nmr_,
        BurnMode burnMode_,
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
        _probeBurn(address(nmr_), burnMode_, burnSink_);
        nmr = nmr_;
        burnMode = burnMode_;
        burnSink = burnSink_;
        firstRound = firstRound_;
        _s.currentRound = firstRound_ - 1;
        _s.oldestOpenRound = firstRound_;
        _s.owedFactor = uint128(OwedRewards.FACTOR_ONE);
        _checkParameters(params);
        _s.params = params;
        emit ParameterUpdated("withdrawalDelay", 0, params.withdrawalDelay);
        emit ParameterUpdated("minRoundInterval", 0, params.minRoundInterval);
        emit ParameterUpdated("resolutionDelay", 0, params.resolutionDelay);
        emit ParameterUpdated("publishWindow", 0, params.publishWindow);
        emit ParameterUpdated("rateCap", 0, params.rateCap);
        emit ParameterUpdated("proofGracePeriod", 0, params.proofGracePeriod);
        emit ParameterUpdated("sliceDivisor", 0, params.sliceDivisor);
        emit BurnConfigured(burnMode_, burnSink_);
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    // ───────────────────────────────────────── Staker API ────────────────────────────────────────

    /// @inheritdoc IPortfolioStake
    function deposit(uint256 amount) external nonReentrant whenNotPaused {
        if (amount == 0) revert ZeroAmount();
        StakeStorage.Account storage a = _s.accounts[msg.sender];
        uint32 effective = _s.currentRound + 1;
        if (a.nextSettleRound == 0) a.nextSettleRound = effective;
        uint256 balance = a.balance + amount;
        a.balance = balance.toUint128();
        _s.totalStaked = (_s.totalStaked + amount).toUint128();
        _s.stakeHistory[msg.sender].push(effective, uint224(balance));
        emit Deposited(msg.sender, amount, balance, effective);
        nmr.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @inheritdoc IPortfolioStake
    function setAllocation(bytes16[] calldata modelIds, uint16[] calldata bps) external {
        _setAllocation(msg.sender, msg.sender, modelIds, bps);
    }

    /// @inheritdoc IPortfolioStake
    function setAllocationFor(address account, bytes16[] calldata modelIds, uint16[] calldata bps) external {
        if (msg.sender != account && msg.sender != _s.accounts[account].manager) {
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
        _checkNonce(account, nonce, deadline);
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
            signer = _s.accounts[account].manager;
            if (signer == address(0) || !SignatureChecker.isValidSignatureNow(signer, digest, signature)) {
                revert InvalidSignature();
            }
        }
        // _setAllocation uses the nonce checked above.
        _setAllocation(account, signer, modelIds, bps);
    }

    /// @inheritdoc IPortfolioStake
    function setManager(address manager) external {
        StakeStorage.Account storage a = _s.accounts[msg.sender];
        a.manager = manager;
        _useNonce(a, msg.sender);
        emit ManagerSet(msg.sender, manager);
    }

    /// @inheritdoc IPortfolioStake
    function invalidateNonces(uint256 newNonce) external {
        StakeStorage.Account storage a = _s.accounts[msg.sender];
        uint256 current = a.nonce;
        if (newNonce <= current || newNonce - current > MAX_NONCE_JUMP) revert InvalidNonceJump(current, newNonce);
        a.nonce = newNonce.toUint32();
        emit NonceUsed(msg.sender, newNonce - 1);
    }

    /// @inheritdoc IPortfolioStake
    function requestWithdrawal(uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        StakeStorage.Account storage a = _s.accounts[msg.sender];
        uint256 balance = a.balance;
        if (amount > balance) revert InsufficientBalance(amount, balance);
        uint32 current = _s.currentRound;
        uint256 pending = a.pending;
        // One pending withdrawal at a time (requests in the same round merge): a single "at risk until" round then
        // stays exact, and an earlier request never becomes burnable by rounds opened after it left the stake.
        if (pending != 0 && a.withdrawalLastRound != current) {
            revert WithdrawalPending(pending, a.withdrawalLastRound);
        }
        balance -= amount;
        pending += amount;
        uint40 releaseAt = uint40(block.timestamp) + _s.params.withdrawalDelay;
        a.balance = uint128(balance);
        a.pending = uint128(pending);
        a.withdrawalLastRound = current;
        a.withdrawalReleaseAt = releaseAt;
        _s.totalStaked -= uint128(amount);
        _s.totalPending += uint128(amount);
        _s.stakeHistory[msg.sender].push(current + 1, uint224(balance));
        emit WithdrawalRequested(msg.sender, amount, pending, balance, current, releaseAt);
    }

    /// @inheritdoc IPortfolioStake
    function claimWithdrawal() external nonReentrant {
        StakeStorage.Account storage a = _s.accounts[msg.sender];
        uint256 amount = a.pending;
        if (amount == 0) revert NothingToClaim();
        if (block.timestamp < a.withdrawalReleaseAt) revert WithdrawalLocked(a.withdrawalReleaseAt);
        if (a.nextSettleRound <= a.withdrawalLastRound) {
            revert RoundsUnsettled(a.nextSettleRound, a.withdrawalLastRound);
        }
        a.pending = 0;
        _s.totalPending -= uint128(amount);
        emit WithdrawalClaimed(msg.sender, amount);
        nmr.safeTransfer(msg.sender, amount);
    }

    // ────────────────────────────────────────── Registry ─────────────────────────────────────────

    /// @inheritdoc IPortfolioStake
    function proposeModels(address account, bytes16[] calldata modelIds) external onlyRole(OPERATOR_ROLE) {
        RegistryLogic.propose(_s, account, modelIds);
    }

    /// @inheritdoc IPortfolioStake
    function cancelModelProposals(bytes16[] calldata modelIds) external {
        RegistryLogic.cancel(_s, modelIds, msg.sender, hasRole(OPERATOR_ROLE, msg.sender));
    }

    /// @inheritdoc IPortfolioStake
    function acceptModels(bytes16[] calldata modelIds) external {
        RegistryLogic.accept(_s, msg.sender, modelIds);
    }

    /// @inheritdoc IPortfolioStake
    function acceptModelsBySig(
        address account,
        bytes16[] calldata modelIds,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) external {
        _checkNonce(account, nonce, deadline);
        bytes32 digest = _hashTypedDataV4(
            keccak256(
                abi.encode(ACCEPT_MODELS_TYPEHASH, account, keccak256(abi.encodePacked(modelIds)), nonce, deadline)
            )
        );
        if (!SignatureChecker.isValidSignatureNow(account, digest, signature)) revert InvalidSignature();
        _useNonce(_s.accounts[account], account);
        RegistryLogic.accept(_s, account, modelIds);
    }

    /// @inheritdoc IPortfolioStake
    function unbindModels(address account, bytes16[] calldata modelIds) external {
        if (msg.sender != account && !hasRole(OPERATOR_ROLE, msg.sender)) {
            revert NotOperatorOrAccount(msg.sender, account);
        }
        RegistryLogic.unbind(_s, account, modelIds, msg.sender);
    }

    // ───────────────────────────────────────── Settlement ────────────────────────────────────────

    /// @inheritdoc IPortfolioStake
    function fundRewards(uint256 amount) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        SettlementLogic.fundRewards(_s, amount);
        nmr.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @inheritdoc IPortfolioStake
    function claimRewards(address account) external nonReentrant {
        SettlementLogic.claimRewards(_s, account);
    }

    /// @inheritdoc IPortfolioStake
    function settle(AccountResults calldata results) external nonReentrant {
        SettlementLogic.settleOne(_s, results, _burnConfig());
    }

    /// @inheritdoc IPortfolioStake
    function settleBatch(AccountResults[] calldata batch) external nonReentrant {
        SettlementLogic.settleMany(_s, batch, _burnConfig());
    }

    /// @inheritdoc IPortfolioStake
    function settleSpans(SpanResults[] calldata batch) external nonReentrant {
        SpanSettlementLogic.settleSpans(_s, batch, _burnConfig());
    }

    // ────────────────────────────────────────── Operator ─────────────────────────────────────────

    /// @inheritdoc IPortfolioStake
    function openRound() external onlyRole(OPERATOR_ROLE) returns (uint32 round) {
        return SettlementLogic.openRound(_s);
    }

    /// @inheritdoc IPortfolioStake
    function publishRound(uint32 round, bytes32 root, string calldata leavesURI) external onlyRole(OPERATOR_ROLE) {
        SettlementLogic.publishRound(_s, round, root, leavesURI);
    }

    // ─────────────────────────────────────────── Admin ───────────────────────────────────────────

    /// @inheritdoc IPortfolioStake
    function pause() external onlyRole(PAUSER_ROLE) {
        if (_s.paused) revert EnforcedPause();
        _s.paused = true;
        emit Paused(msg.sender);
    }

    /// @inheritdoc IPortfolioStake
    function unpause() external onlyRole(PAUSER_ROLE) {
        if (!_s.paused) revert ExpectedPause();
        _s.paused = false;
        emit Unpaused(msg.sender);
    }

    /// @inheritdoc IPortfolioStake
    function setWithdrawalDelay(uint40 value) external onlyRole(DEFAULT_ADMIN_ROLE) {
        Parameters memory p = _s.params;
        emit ParameterUpdated("withdrawalDelay", p.withdrawalDelay, value);
        p.withdrawalDelay = value;
        _setParameters(p);
    }

    /// @inheritdoc IPortfolioStake
    function setMinRoundInterval(uint40 value) external onlyRole(DEFAULT_ADMIN_ROLE) {
        Parameters memory p = _s.params;
        emit ParameterUpdated("minRoundInterval", p.minRoundInterval, value);
        p.minRoundInterval = value;
        _setParameters(p);
    }

    /// @inheritdoc IPortfolioStake
    function setResolutionDelay(uint40 value) external onlyRole(DEFAULT_ADMIN_ROLE) {
        Parameters memory p = _s.params;
        emit ParameterUpdated("resolutionDelay", p.resolutionDelay, value);
        p.resolutionDelay = value;
        _setParameters(p);
    }

    /// @inheritdoc IPortfolioStake
    function setPublishWindow(uint40 value) external onlyRole(DEFAULT_ADMIN_ROLE) {
        Parameters memory p = _s.params;
        emit ParameterUpdated("publishWindow", p.publishWindow, value);
        p.publishWindow = value;
        _setParameters(p);
    }

    /// @inheritdoc IPortfolioStake
    function setRateCap(uint64 value) external onlyRole(DEFAULT_ADMIN_ROLE) {
        Parameters memory p = _s.params;
        emit ParameterUpdated("rateCap", p.rateCap, value);
        p.rateCap = value;
        _setParameters(p);
    }

    /// @inheritdoc IPortfolioStake
    function setProofGracePeriod(uint40 value) external onlyRole(DEFAULT_ADMIN_ROLE) {
        Parameters memory p = _s.params;
        emit ParameterUpdated("proofGracePeriod", p.proofGracePeriod, value);
        p.proofGracePeriod = value;
        _setParameters(p);
    }

    /// @inheritdoc IPortfolioStake
    function setSliceDivisor(uint16 value) external onlyRole(DEFAULT_ADMIN_ROLE) {
        Parameters memory p = _s.params;
        emit ParameterUpdated("sliceDivisor", p.sliceDivisor, value);
        p.sliceDivisor = value;
        _setParameters(p);
    }

    // ─────────────────────────────────────────── Views ───────────────────────────────────────────

    /// @inheritdoc IPortfolioStake
    function currentRound() external view returns (uint32) {
        return _s.currentRound;
    }

    /// @inheritdoc IPortfolioStake
    function roundInfo(uint32 round) external view returns (RoundInfo memory) {
        StakeStorage.RoundData memory r = _s.rounds[round];
        return
            RoundInfo(
                r.openedAt,
                r.resolvesAt,
                r.deadline,
                r.proofDeadline,
                r.rateCap,
                _s.roots[round],
                r.sliceDivisor,
                r.publishedRun
            );
    }

    /// @inheritdoc IPortfolioStake
    function parameters() external view returns (Parameters memory) {
        return _s.params;
    }

    /// @inheritdoc IPortfolioStake
    function paused() external view returns (bool) {
        return _s.paused;
    }

    /// @inheritdoc IPortfolioStake
    function accountOf(address account) external view returns (AccountView memory v) {
        StakeStorage.Account storage a = _s.accounts[account];
        v.balance = a.balance;
        v.pendingWithdrawal = a.pending;
        v.withdrawalLastRound = a.withdrawalLastRound;
        v.withdrawalReleaseAt = a.withdrawalReleaseAt;
        v.nextSettleRound = a.nextSettleRound;
        (v.unpaidRewards, v.claimableRewards) = SettlementLogic.owedOf(_s, account);
        v.totalRewarded = a.totalRewarded;
        v.totalBurned = a.totalBurned;
        v.manager = a.manager;
        v.modelCount = a.modelCount;
        v.allocationCount = a.allocationCount;
        v.lastAllocationRound = a.lastAllocationRound;
    }

    /// @inheritdoc IPortfolioStake
    function modelsOf(address account) external view returns (bytes16[] memory) {
        return _s.models[account];
    }

    /// @inheritdoc IPortfolioStake
    function modelOwner(bytes16 modelId) external view returns (address owner, uint8 slot) {
        StakeStorage.ModelInfo memory info = _s.modelInfo[modelId];
        return (info.owner, info.slot);
    }

    /// @inheritdoc IPortfolioStake
    function modelProposal(bytes16 modelId) external view returns (address account) {
        return _s.proposals[modelId];
    }

    /// @inheritdoc IPortfolioStake
    function allocationAt(
        address account,
        uint32 round
    ) external view returns (bytes16[] memory modelIds, uint16[] memory bps) {
        modelIds = _s.models[account];
        uint256[4] memory words = _vectorAt(account, round);
        bps = new uint16[](modelIds.length);
        for (uint256 i; i < modelIds.length; ++i) bps[i] = uint16(words.weight(i));
    }

    /// @inheritdoc IPortfolioStake
    function stakeAt(address account, uint32 round) public view returns (uint256) {
        return _s.stakeHistory[account].upperLookupRecent(round);
    }

    /// @inheritdoc IPortfolioStake
    function sliceAt(address account, uint32 round) external view returns (uint256) {
        uint16 divisor = _s.rounds[round].sliceDivisor;
        return stakeAt(account, round) / (divisor != 0 ? divisor : _s.params.sliceDivisor);
    }

    /// @inheritdoc IPortfolioStake
    function modelStakesAt(address account, uint32 round) external view returns (uint256[] memory stakes) {
        uint256 stake = stakeAt(account, round);
        uint256[4] memory words = _vectorAt(account, round);
        uint256 count = _s.accounts[account].modelCount;
        stakes = new uint256[](count);
        for (uint256 i; i < count; ++i) stakes[i] = (stake * words.weight(i)) / BPS;
    }

    /// @inheritdoc IPortfolioStake
    function totals()
        external
        view
        returns (
            uint256 staked,
            uint256 pendingWithdrawals,
            uint256 rewardsPool,
            uint256 owedRewards,
            uint256 owedReserve
        )
    {
        return (_s.totalStaked, _s.totalPending, _s.rewardsPool, _s.owedTotal, _s.owedReserve);
    }

    /// @inheritdoc IPortfolioStake
    function nonces(address account) external view returns (uint256) {
        return _s.accounts[account].nonce;
    }

    // ───────────────────────────────────────── Internals ─────────────────────────────────────────

    // No pause check: a reallocation adds no NMR at risk, and DESIGN.md's exits rule says a pause may never stop a
    // staker from reallocating.
    function _setAllocation(address account, address by, bytes16[] calldata modelIds, uint16[] calldata bps) private {
        uint256 n = modelIds.length;
        if (n != bps.length) revert LengthMismatch(n, bps.length);
        if (n == 0) revert EmptyAllocation();
        if (n > MAX_MODELS) revert TooManyModels(n, MAX_MODELS);

        StakeStorage.Account storage a = _s.accounts[account];
        uint256 count = a.modelCount;
        // The canonical list (the whole registry, in order) is checked by its hash alone; any other list is
        // checked model by model.
        if (n == count && a.modelsHash == bytes16(_hashWords(modelIds))) {
            uint32 effective = _storeVector(a, account, _packCanonical(modelIds, bps));
            _emitAllocationSet(account, effective, by, bps);
        } else {
            uint256[4] memory words = _packVector(account, modelIds, bps);
            uint32 effective = _storeVector(a, account, words);
            uint16[] memory weights = new uint16[](count);
            for (uint256 i; i < count; ++i) weights[i] = uint16(words.weight(i));
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

    /// @dev Packs a vector given in registry order (slot i = index i); reverts on a weight above 10,000, a weight on
    /// an index freed by unbinding (zero ID) or a sum other than 10,000. Hot path of every reallocation, hence the
    /// assembly loop.
    function _packCanonical(
        bytes16[] calldata modelIds,
        uint16[] calldata bps
    ) private pure returns (uint256[4] memory words) {
        uint256 sum;
        uint256 bad; // 1 + index of the first weight above 10,000 or on a freed index
        assembly ("memory-safe") {
            let n := bps.length
            for {
                let i := 0
            } lt(i, n) {
                i := add(i, 1)
            } {
                let w := calldataload(add(bps.offset, shl(5, i)))
                if w {
                    if or(gt(w, 10000), iszero(calldataload(add(modelIds.offset, shl(5, i))))) {
                        bad := add(i, 1)
                        break
                    }
                    sum := add(sum, w)
                    let p := add(words, shl(5, shr(4, i)))
                    mstore(p, or(mload(p), shl(mul(and(i, 15), 14), w)))
                }
            }
        }
        if (bad != 0) {
            uint256 i = bad - 1;
            if (bps[i] > BPS) revert WeightTooLarge(modelIds[i], bps[i]);
            revert WeightOnUnboundSlot(i);
        }
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

    /// @dev Stores a packed vector as the one in force from the next round, uses the account's nonce (same slot as
    /// the vector count, so it costs no extra storage write) and returns the effective round.
    function _storeVector(
        StakeStorage.Account storage a,
        address account,
        uint256[4] memory words
    ) private returns (uint32 effective) {
        effective = _s.currentRound + 1;
        uint256 index = a.allocationCount;
        if (a.lastAllocationRound == effective) {
            // A second change before the next round opens replaces the pending vector in place.
            --index;
        } else {
            // The ring slot taken over belongs to vector index - H, in force before the next H - 1 vectors, i.e.
            // before round effective - (H - 1) at the latest. It may go only once every round it could apply to is
            // settled. VECTOR_HISTORY is sized so that this holds for a staker that settled all it can.
            uint256 next = a.nextSettleRound;
            if (index >= H && next != 0 && effective - (H - 1) > next) {
                revert SettlementBehind(account, uint32(next));
            }
            a.allocationCount = uint24(index + 1);
            a.lastAllocationRound = effective;
        }
        _useNonce(a, account);
        uint256[4] storage stored = _s.vectors[account][index % H];
        stored[0] = words[0].withRound(effective);
        uint256 used = PackedWeights.wordsFor(a.modelCount);
        for (uint256 k = 1; k < used; ++k) stored[k] = words[k];
    }

    /// @dev Validates a vector given in any order (or a subset of the registry) and packs it by registry slot.
    /// Reverts on a foreign, unknown or repeated model, a weight above 10,000 or a sum other than 10,000.
    function _packVector(
        address account,
        bytes16[] calldata modelIds,
        uint16[] calldata bps
    ) private view returns (uint256[4] memory words) {
        uint256 sum;
        uint256 seen;
        for (uint256 i; i < modelIds.length; ++i) {
            StakeStorage.ModelInfo memory info = _s.modelInfo[modelIds[i]];
            if (info.owner == address(0)) revert UnknownModel(modelIds[i]);
            if (info.owner != account) revert ModelNotOwned(modelIds[i], info.owner);
            uint256 slot = info.slot;
            if (seen & (1 << slot) != 0) revert DuplicateModel(modelIds[i]);
            seen |= 1 << slot;
            uint256 w = bps[i];
            if (w > BPS) revert WeightTooLarge(modelIds[i], w);
            sum += w;
            uint256 k = slot / PackedWeights.WEIGHTS_PER_WORD;
            words[k] = words[k].put(slot, w);
        }
        if (sum != BPS) revert InvalidWeightSum(sum);
    }

    /// @dev Checks a signature's deadline and nonce (it is used by the caller once the signature checks out).
    function _checkNonce(address account, uint256 nonce, uint256 deadline) private view {
        if (block.timestamp > deadline) revert SignatureExpired(deadline);
        uint256 expected = _s.accounts[account].nonce;
        if (nonce != expected) revert InvalidNonce(expected, nonce);
    }

    /// @dev Uses `account`'s current nonce: signatures made for it are void from now on.
    function _useNonce(StakeStorage.Account storage a, address account) private {
        uint32 nonce = a.nonce;
        a.nonce = nonce + 1;
        emit NonceUsed(account, nonce);
    }

    /// @dev The vector in force at `round` (all zeros before the first vector), by binary search (for views).
    function _vectorAt(address account, uint32 round) private view returns (uint256[4] memory words) {
        uint256 count = _s.accounts[account].allocationCount;
        (uint256 later, uint256 oldest) = StakeStorage.searchVectors(_s, account, count, round);
        mapping(uint256 => uint256[4]) storage ring = _s.vectors[account];
        if (later == oldest) {
            if (oldest == 0) return words;
            revert AllocationHistoryPruned(round, ring[oldest % H][0].round());
        }
        uint256[4] storage stored = ring[(later - 1) % H];
        for (uint256 k; k < PackedWeights.WORDS; ++k) words[k] = stored[k];
    }

    /// @dev Refuses a token/mode pair whose burns cannot work (see the constructor).
    function _probeBurn(address token, BurnMode mode, address sink) private {
        if (mode == BurnMode.Sink) {
            if (sink == address(0) || sink == address(this)) revert InvalidBurnSink(sink);
            return;
        }
        if (sink != address(0)) revert InvalidBurnSink(sink);
        bool ok;
        if (mode == BurnMode.NumeraireMint) {
            bytes memory returned;
            // solhint-disable-next-line avoid-low-level-calls
            (ok, returned) = token.call(abi.encodeCall(INumeraire.mint, (0)));
            ok = ok && SettlementCore.isTrue(returned);
        } else {
            // solhint-disable-next-line avoid-low-level-calls
            (ok, ) = token.call(abi.encodeCall(IERC20Burnable.burn, (0)));
            // solhint-disable-next-line avoid-low-level-calls
            (bool permissive, ) = token.call(abi.encodeWithSelector(NO_SUCH_FUNCTION));
            ok = ok && !permissive;
        }
        if (!ok) revert BurnModeUnsupported(mode);
    }

    function _burnConfig() private view returns (SettlementCore.BurnConfig memory) {
        return SettlementCore.BurnConfig(nmr, burnMode, burnSink);
    }

    function _setParameters(Parameters memory p) private {
        _checkParameters(p);
        _s.params = p;
    }

    /// @dev Every parameter rule in one place, for the constructor and every setter. Each value is within its
    /// hard-coded bounds, and the rounds that can be open at once (each open from its opening to its proof deadline,
    /// openings at least minRoundInterval apart) commit at most MAX_EXPOSURE of a stake together. VECTOR_HISTORY
    /// needs no rule, as it is sized from the bounds themselves (see its NatSpec).
    function _checkParameters(Parameters memory p) private pure {
        _checkBounds("withdrawalDelay", p.withdrawalDelay, 0, MAX_WITHDRAWAL_DELAY);
        _checkBounds("minRoundInterval", p.minRoundInterval, MIN_ROUND_INTERVAL_FLOOR, MIN_ROUND_INTERVAL_CEILING);
        _checkBounds("resolutionDelay", p.resolutionDelay, MIN_RESOLUTION_DELAY, MAX_RESOLUTION_DELAY);
        _checkBounds("publishWindow", p.publishWindow, MIN_PUBLISH_WINDOW, MAX_PUBLISH_WINDOW);
        _checkBounds("rateCap", p.rateCap, MIN_RATE_CAP, MAX_RATE_CAP);
        _checkBounds("proofGracePeriod", p.proofGracePeriod, MIN_PROOF_GRACE_PERIOD, MAX_PROOF_GRACE_PERIOD);
        _checkBounds("sliceDivisor", p.sliceDivisor, MIN_SLICE_DIVISOR, MAX_SLICE_DIVISOR);
        uint256 openRounds = (uint256(p.resolutionDelay) + p.publishWindow + p.proofGracePeriod) / p.minRoundInterval +
            1;
        if (openRounds * StakeStorage.exposure(p.rateCap, p.sliceDivisor) > MAX_EXPOSURE) {
            revert ExposureTooHigh(openRounds, p.rateCap, p.sliceDivisor);
        }
    }

    function _checkBounds(bytes32 name, uint256 value, uint256 min, uint256 max) private pure {
        if (value < min || value > max) revert ParameterOutOfBounds(name, value, min, max);
    }
}
