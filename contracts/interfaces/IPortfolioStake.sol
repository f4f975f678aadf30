// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/**
 * @title IPortfolioStake
 * @notice Account-level NMR staking spread over a participant's Numerai models by a basis-point weight vector.
 *
 * Units: NMR amounts in wei (18 decimals); weights in basis points (a vector sums to exactly 10,000);
 * per-model round results ("rates") as signed 18-decimal fractions of the round's slice (0.05e18 = +5%).
 *
 * Exposure, no leverage: a round puts a slice of the stake at risk, stake-at-opening / sliceDivisor (R), split by
 * the vector, and a rate is clipped at the round's rateCap (at most 100% of the slice). The parameters are bounded
 * so that the rounds that can be open at once commit at most the whole stake: (rounds open at once) x rateCap / R
 * <= 100%. Gains and losses of a round are measured on the same amount: the slice, limited to what earlier losses
 * left (a wiped-out account wins nothing more). Worked example (R = 64, cap 100%, daily rounds, 42 days from
 * opening to proof deadline: 43 rounds open at once, 43/64 = 67% of the stake committed at most): 6,400 NMR on two
 * models 75/25; a round risks 100 NMR, 75 and 25; rates +20% and -100% give +15 - 25 = -10 NMR.
 *
 * Round rule: rounds are opened by the operator. Anything an account changes while round `r` is the current round
 * (deposit, reallocation, withdrawal request, settlement result) takes effect from round `r + 1`. Rounds that are
 * already open keep the stake and weights they opened with.
 */
interface IPortfolioStake {
    // ─────────────────────────────────────────── Types ───────────────────────────────────────────

    /// @notice How burned NMR leaves the system; fixed at deployment (see the contract's constructor).
    /// - NumeraireMint: the token's `mint(uint256 v)`, which on NMR burns `v` of the caller's tokens and returns
    ///   true (false on failure, no revert). The real NMR token has no `burn`.
    /// - ERC20Burn: a standard `burn(uint256)` (OpenZeppelin ERC20Burnable).
    /// - Sink: a transfer to a fixed address nobody controls (the supply does not fall).
    enum BurnMode {
        NumeraireMint,
        ERC20Burn,
        Sink
    }

    /// @notice Bounded protocol parameters (see the contract for the hard-coded bounds).
    struct Parameters {
        uint40 withdrawalDelay; // seconds between a withdrawal request and the earliest claim
        uint40 minRoundInterval; // seconds between two round openings
        uint40 resolutionDelay; // seconds after opening before a round can be published
        uint40 publishWindow; // seconds after resolution during which the operator may publish
        uint64 rateCap; // max |rate| per model per round, 18-decimal fraction of the slice (1e18 = 100%)
        uint40 proofGracePeriod; // seconds after the publication deadline during which only proven results settle
        uint16 sliceDivisor; // R: each round puts stake-at-opening / R at risk
    }

    /// @notice A round's schedule and published result, all fixed when the round opens (except the root).
    struct RoundInfo {
        uint40 openedAt;
        uint40 resolvesAt; // earliest publication time
        uint40 deadline; // unpublished after this time: counts as a zero result
        uint40 proofDeadline; // published but unproven for an account after this time: may settle as zero for it
        uint64 rateCap; // the cap in force when the round opened (lowered if older rounds left less room)
        bytes32 root; // Merkle root of (round, modelId, kind, value) leaves; zero while unpublished
        uint16 sliceDivisor; // the round puts stake-at-opening / sliceDivisor at risk
        // Published rounds ending here with one rateCap and sliceDivisor, this one included (0: unpublished; capped
        // at 65,535): publishedRun(y) >= y - x + 2 proves rounds x - 1..y all published under one cap and divisor.
        uint16 publishedRun;
    }

    /// @notice Everything about one account, for front ends and scripts.
    struct AccountView {
        uint256 balance; // stake put at risk in rounds that open from now on
        uint256 pendingWithdrawal; // requested, not yet claimed; still burnable by rounds open while at risk
        uint32 withdrawalLastRound; // last round in which the pending amount was at risk
        uint40 withdrawalReleaseAt; // earliest claim time (the rounds up to withdrawalLastRound must be settled too)
        uint32 nextSettleRound; // the next round to settle for this account (0: never staked)
        uint256 unpaidRewards; // gains owed because the rewards pool was short (refills pay them pro rata)
        uint256 claimableRewards; // owed rewards refills already paid: claimRewards credits them to the stake
        uint256 totalRewarded; // lifetime payouts credited
        uint256 totalBurned; // lifetime burns
        address manager; // key allowed to change the weight vector (zero: none)
        uint8 modelCount; // registry indexes in use (bound models and indexes freed by unbinding; never decreases)
        uint32 allocationCount; // number of stored weight vectors
        uint32 lastAllocationRound; // effective round of the newest vector (0: none)
    }

    /// @notice Results of one round for one account: the rates of its weighted models and their multiproof.
    /// @dev `slots[i]` is the account's registry index of the model whose rate is `rates[i]`; the pairs must be in
    /// the leaf order of the multiproof (`StandardMerkleTree.getMultiProof`). Empty when the account had nothing at
    /// risk in the round or the round expired unpublished.
    /// `unprovable` (with everything else empty) settles a published round as zero for the account: allowed only
    /// after the round's `proofDeadline`, for a round whose published tree cannot prove the account's weighted models
    /// (missing leaves, a lost leaf file, a bad tree). Anyone may use it then; the Settled event says so.
    struct RoundResult {
        uint32 round;
        uint8[] slots;
        int64[] rates;
        bytes32[] proof;
        bool[] proofFlags;
        bool unprovable;
    }

    /// @notice Consecutive rounds to settle for one account, starting at its `nextSettleRound`.
    /// @dev `models` is the account's full model list in registry order (checked against its stored hash); it may be
    /// empty when no round in `results` needs a proof.
    struct AccountResults {
        address account;
        bytes16[] models;
        RoundResult[] results;
    }

    /// @notice One end of a span segment: the cumulative rates (kind-1 leaves) of an account's models in `round`,
    /// with their multiproof against the round's root.
    /// @dev `slots[i]` is the registry index of the model whose cumulative is `cumulatives[i]`, in the leaf order of
    /// the multiproof. It must hold every model weighted in the segments it bounds (more are allowed).
    struct SpanBoundary {
        uint32 round;
        uint8[] slots;
        int256[] cumulatives;
        bytes32[] proof;
        bool[] proofFlags;
    }

    /// @notice Spans to settle for one account: boundaries b0 < b1 < ... (b0 = nextSettleRound - 1); each pair
    /// (b_{i-1}, b_i) settles rounds b_{i-1} + 1..b_i as one segment (see settleSpans).
    /// @dev `models` is the account's full model list in registry order (checked against its stored hash).
    struct SpanResults {
        address account;
        bytes16[] models;
        SpanBoundary[] boundaries;
    }

    // ─────────────────────────────────────────── Events ──────────────────────────────────────────

    /// @notice The operator proposed binding `modelId` to `account`; nothing is bound until the account accepts.
    event ModelProposed(address indexed account, bytes16 indexed modelId);
    /// @notice The proposal of `modelId` to `account` was withdrawn by the operator, declined by the account, or
    /// replaced by a proposal to another account.
    event ModelProposalCancelled(address indexed account, bytes16 indexed modelId);
    /// @notice `account` accepted `modelId`, now bound to it at registry index `slot` (an index left free by an
    /// unbound model is reused first).
    event ModelRegistered(address indexed account, bytes16 indexed modelId, uint8 slot);
    /// @notice `modelId` was unbound from `account` by `by` (the account or the operator); registry index `slot`
    /// is free (its ID reads zero in modelsOf) until the account accepts another model.
    event ModelUnbound(address indexed account, bytes16 indexed modelId, uint8 slot, address by);
    /// @notice `staker` used its nonce `nonce`: signatures for nonces up to `nonce` are void and
    /// `nonces(staker)` is now `nonce + 1`. Emitted by every direct or signed reallocation, every manager change and
    /// every explicit invalidation.
    event NonceUsed(address indexed staker, uint256 nonce);
    /// @notice How this contract burns NMR (fixed at deployment); `sink` is zero unless `mode` is Sink.
    event BurnConfigured(BurnMode mode, address sink);
    /// @notice `staker` locked `amount`; `balance` is its new stake, at risk from `effectiveRound`.
    event Deposited(address indexed staker, uint256 amount, uint256 balance, uint32 effectiveRound);
    /// @notice `staker`'s new weight vector, set by `by`, applies from `effectiveRound` on.
    /// @param weights The whole vector in the account's registry order (see ModelRegistered slots), basis points.
    event AllocationSet(address indexed staker, uint32 indexed effectiveRound, address indexed by, uint16[] weights);
    /// @notice `staker` authorised `manager` (zero: revoked) to change its weight vector.
    event ManagerSet(address indexed staker, address indexed manager);
    /// @notice `staker` asked to withdraw `amount`; not at risk from `lastAtRiskRound + 1`, claimable from
    /// `releaseAt` once rounds up to `lastAtRiskRound` are settled.
    event WithdrawalRequested(
        address indexed staker,
        uint256 amount,
        uint256 pendingWithdrawal,
        uint256 balance,
        uint32 lastAtRiskRound,
        uint40 releaseAt
    );
    /// @notice `staker` received `amount` of its pending withdrawal.
    event WithdrawalClaimed(address indexed staker, uint256 amount);
    /// @notice Round `round` opened; stakes and weights in force now are the ones it puts at risk, a slice of
    /// stake / `sliceDivisor` each, rates clipped at `rateCap` (the parameter, or lower if rounds opened under earlier
    /// parameters leave less room: the open rounds never commit more than 100% of a stake).
    event RoundOpened(
        uint32 indexed round,
        uint40 openedAt,
        uint40 resolvesAt,
        uint40 deadline,
        uint40 proofDeadline,
        uint64 rateCap,
        uint16 sliceDivisor
    );
    /// @notice The operator published the Merkle root of round `round`'s per-model rates; `leavesURI` locates the
    /// full leaf list anyone can check against `root`.
    event RoundPublished(uint32 indexed round, bytes32 root, string leavesURI);
    /// @notice Round `round` was settled for `staker`.
    /// @param stakeAtRisk What the round put at risk: the stake it opened with / its sliceDivisor, limited to what
    /// earlier losses left (stake plus a pending withdrawal still at risk). Gains and losses are measured on it.
    /// @param rates Per-model rates used, in registry order (zero for unweighted models or an expired round).
    /// @param delta Signed result: sum over models of stakeAtRisk x weight x rate.
    /// @param paid Credited to the stake from the rewards pool for this round's gain.
    /// @param burned Taken from the stake (then from the pending withdrawal) and burned.
    /// @param unpaidRewards What the account is owed after this settlement (gains the pool could not pay).
    /// @param unprovable True when the round was published but settled as zero for this account, unproven after its
    /// proof deadline (see RoundResult.unprovable).
    event Settled(
        address indexed staker,
        uint32 indexed round,
        uint256 stakeAtRisk,
        int64[] rates,
        int256 delta,
        uint256 paid,
        uint256 burned,
        uint256 unpaidRewards,
        uint256 balance,
        bool unprovable
    );
    /// @notice Rounds `fromRound`..`toRound` were settled for `staker` as one span segment (settleSpans).
    /// @param stakeAtRisk What each round of the segment put at risk: the stake / the segment's sliceDivisor.
    /// @param rateSums Per-model sums of the rounds' capped rates (cumulative at toRound minus cumulative at
    /// fromRound - 1), in registry order; zero for unweighted models.
    /// @param delta Net result of the segment: sum over models of (stakeAtRisk x weight / 10,000) x rateSum / 1e18.
    /// @param paid Credited to the stake from the rewards pool for a net gain.
    /// @param burned Taken from the stake and burned for a net loss.
    /// @param unpaidRewards What the account is owed after this segment.
    event SpanSettled(
        address indexed staker,
        uint32 indexed fromRound,
        uint32 toRound,
        uint256 stakeAtRisk,
        int256[] rateSums,
        int256 delta,
        uint256 paid,
        uint256 burned,
        uint256 unpaidRewards,
        uint256 balance
    );
    /// @notice `from` added `amount`: `toOwed` of it paid owed rewards (pro rata, see claimRewards), the rest went to
    /// the pool, now `pool`. `owedTotal` is still owed in all. An account owed `x` when the factor was `f0` and the
    /// scale `k0` (same `owedEpoch`) is now owed x * owedFactor / (f0 * 1e18^(owedScale - k0)) rounded up (1 wei if
    /// the scales are more than 2 apart; a new epoch: nothing).
    event RewardsFunded(
        address indexed from,
        uint256 amount,
        uint256 toOwed,
        uint256 pool,
        uint256 owedTotal,
        uint256 owedFactor,
        uint32 owedEpoch,
        uint32 owedScale
    );
    /// @notice `amount` of `staker`'s owed rewards, paid by refills, was credited to its stake (now `balance`);
    /// `unpaidRewards` is still owed.
    event RewardsClaimed(address indexed staker, uint256 amount, uint256 unpaidRewards, uint256 balance);
    /// @notice Parameter `name` changed from `oldValue` to `newValue`.
    event ParameterUpdated(bytes32 indexed name, uint256 oldValue, uint256 newValue);
    /// @notice New deposits were stopped by `by` (reallocations, exits and settlement go on).
    event Paused(address indexed by);
    /// @notice Deposits are allowed again.
    event Unpaused(address indexed by);

    // ─────────────────────────────────────────── Errors ──────────────────────────────────────────

    error ZeroAmount();
    error ZeroAddress();
    error InsufficientBalance(uint256 requested, uint256 available);
    error NothingToClaim();
    error WithdrawalLocked(uint40 releaseAt);
    error RoundsUnsettled(uint32 nextSettleRound, uint32 lastAtRiskRound);
    /// @notice A withdrawal requested in an earlier round is still pending: claim it first (a multicall can claim
    /// and request in one transaction).
    error WithdrawalPending(uint256 pending, uint32 lastAtRiskRound);
    error NotStakerOrManager(address caller, address account);
    error EnforcedPause();
    error ExpectedPause();

    error LengthMismatch(uint256 modelIds, uint256 weights);
    error EmptyAllocation();
    error TooManyModels(uint256 count, uint256 max);
    error UnknownModel(bytes16 modelId);
    error ModelNotOwned(bytes16 modelId, address owner);
    error DuplicateModel(bytes16 modelId);
    error WeightTooLarge(bytes16 modelId, uint256 weight);
    error InvalidWeightSum(uint256 sum);
    error ModelAlreadyRegistered(bytes16 modelId, address owner);
    error InvalidModelId();
    /// @notice `modelId` is not proposed to `account` (acceptModels), or not proposed at all (cancelModelProposals).
    error ModelNotProposed(bytes16 modelId, address account);
    /// @notice Only the operator or the account itself may do this.
    error NotOperatorOrAccount(address caller, address account);
    /// @notice `modelId` still carries weight in the vector in force from `effectiveRound`, which an unsettled,
    /// open or future round uses: reallocate it away and settle the rounds that use it first.
    error ModelWeighted(bytes16 modelId, uint32 effectiveRound);
    /// @notice A weight on a registry index whose model was unbound.
    error WeightOnUnboundSlot(uint256 slot);

    error SignatureExpired(uint256 deadline);
    error InvalidNonce(uint256 expected, uint256 provided);
    error InvalidSignature();
    /// @notice invalidateNonces needs a new nonce above the current one and at most MAX_NONCE_JUMP above it.
    error InvalidNonceJump(uint256 current, uint256 requested);

    /// @notice The token/burn-mode pair failed its deployment probe (see the constructor).
    error BurnModeUnsupported(BurnMode mode);
    /// @notice The sink must be a non-zero address other than this contract in Sink mode, and zero otherwise.
    error InvalidBurnSink(address sink);
    /// @notice A burn of `amount` did not take effect: the call returned false, or this contract's balance (or, when
    /// burning, the token's supply) did not fall by exactly `amount`.
    error BurnFailed(uint256 amount);

    error ParameterOutOfBounds(bytes32 name, uint256 value, uint256 min, uint256 max);
    /// @notice `openRounds` rounds can be open at once under these parameters ((resolutionDelay + publishWindow +
    /// proofGracePeriod) / minRoundInterval + 1), and each may take rateCap / sliceDivisor of a stake: together more
    /// than 100%. Lower the cap or the delays, or raise the interval or the divisor.
    error ExposureTooHigh(uint256 openRounds, uint256 rateCap, uint256 sliceDivisor);
    error RoundTooEarly(uint40 notBefore);
    error UnknownRound(uint32 round);
    error RoundAlreadyPublished(uint32 round);
    error RoundNotResolved(uint32 round, uint40 resolvesAt);
    error PublishDeadlinePassed(uint32 round, uint40 deadline);
    error InvalidRoot();

    error AccountNotStaking(address account);
    error RoundOutOfOrder(address account, uint32 expected, uint32 provided);
    error RoundNotSettleable(uint32 round);
    /// @notice Only a published round can be settled as unprovable (an unpublished one counts as zero after its
    /// deadline without the flag).
    error RoundNotPublished(uint32 round);
    /// @notice A published round may be settled as unprovable only after `proofDeadline`.
    error ProofGracePeriodActive(uint32 round, uint40 proofDeadline);
    error ModelListMismatch(address account);
    error InvalidModelSlot(uint8 slot);
    error DuplicateModelResult(uint8 slot);
    error MissingModelResult(uint8 slot);
    error InvalidProof(address account, uint32 round);
    error BatchTooLarge(uint256 size, uint256 max);
    /// @notice A span entry needs at least two boundaries (one segment).
    error SpanTooShort(address account);
    /// @notice Round `toRound` does not end a run of published rounds under one rateCap and sliceDivisor long enough
    /// for the segment (it needs publishedRun >= toRound - fromRound + 2; see RoundInfo.publishedRun).
    error SpanNotPublished(uint32 toRound, uint16 publishedRun);
    /// @notice The account's stake changed within rounds `fromRound`..`toRound`: settle them per round or split the
    /// span at the change.
    error SpanStakeChanged(uint32 fromRound, uint32 toRound);
    /// @notice The account's weight vector changed within rounds `fromRound`..`toRound`, or none is in force there.
    error SpanVectorChanged(uint32 fromRound, uint32 toRound);
    /// @notice The balance at the segment's start is below one slice plus the segment's worst loss: the per-round path
    /// could limit a round's stake at risk or burn from a pending withdrawal, so settle it per round.
    error SpanTooRisky(uint256 balance, uint256 needed);
    /// @notice A model's proven cumulative rates differ by more than the segment's rounds x rateCap.
    error SpanResultOutOfBounds(uint8 slot);
    /// @notice A new vector would overwrite the oldest kept one while rounds it applies to are unsettled: settle the
    /// account (anyone may) up to `nextSettleRound` + VECTOR_HISTORY - 1 first. VECTOR_HISTORY is sized so that this
    /// never refuses an account whose settleable rounds are all settled.
    error SettlementBehind(address account, uint32 nextSettleRound);
    /// @notice Vectors in force before `oldestKeptRound` are no longer stored (read them from AllocationSet events).
    error AllocationHistoryPruned(uint32 round, uint32 oldestKeptRound);

    // ───────────────────────────────────────── Staker API ────────────────────────────────────────

    /// @notice Locks `amount` NMR (pulled with transferFrom) in the caller's account; at risk from the next round.
    function deposit(uint256 amount) external;

    /// @notice Replaces the caller's whole weight vector; applies from the next round on. Uses the caller's nonce
    /// (NonceUsed): signatures made for it are void.
    /// @param modelIds Models of the caller (any order; unlisted models get weight zero). The full registry list in
    /// registry order (modelsOf, zero IDs of unbound indexes included, with weight 0) takes the cheapest path.
    /// @param bps Basis points per model, summing to exactly 10,000.
    function setAllocation(bytes16[] calldata modelIds, uint16[] calldata bps) external;

    /// @notice Same as setAllocation, for `account`, called by the account or its manager. Uses the account's nonce.
    function setAllocationFor(address account, bytes16[] calldata modelIds, uint16[] calldata bps) external;

    /// @notice Same as setAllocation, authorised by an EIP-712 signature of the account or its manager.
    /// @param nonce Must equal `nonces(account)`; consumed on success. Any direct reallocation, manager change or
    /// invalidateNonces by the account uses the nonce first, so a signature older than them is void.
    /// @param deadline Unix time after which the signature is void.
    function setAllocationBySig(
        address account,
        bytes16[] calldata modelIds,
        uint16[] calldata bps,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) external;

    /// @notice Authorises `manager` to change the caller's weight vector (never to move NMR); zero revokes. Uses the
    /// caller's nonce, so signatures made before (by the staker or any manager) are void.
    function setManager(address manager) external;

    /// @notice Voids every signature of the caller with a nonce below `newNonce` (above the current nonce, by at
    /// most MAX_NONCE_JUMP): cancels signed reallocations or acceptances handed out but not yet used.
    function invalidateNonces(uint256 newNonce) external;

    /// @notice Takes `amount` out of the stake put at risk in rounds opened from now on. It stays burnable by
    /// rounds open now and can be claimed after the delay, once those rounds are settled. Requests in the same round
    /// add up; a request in a later round reverts WithdrawalPending until the earlier one is claimed.
    function requestWithdrawal(uint256 amount) external;

    /// @notice Sends the caller its whole pending withdrawal once released.
    function claimWithdrawal() external;

    // ────────────────────────────────────────── Registry ─────────────────────────────────────────

    /// @notice Proposes binding `modelIds` to `account` (operator only). Nothing is bound until the account accepts;
    /// a proposal of a model to another account replaces the earlier one. Proposals use none of the account's
    /// MAX_MODELS registry indexes.
    function proposeModels(address account, bytes16[] calldata modelIds) external;

    /// @notice Withdraws proposals (operator), or declines proposals made to the caller (the account).
    function cancelModelProposals(bytes16[] calldata modelIds) external;

    /// @notice Binds models proposed to the caller (its consent). Each takes the lowest free registry index.
    function acceptModels(bytes16[] calldata modelIds) external;

    /// @notice Same as acceptModels, authorised by an EIP-712 AcceptModels signature of `account` itself (a manager
    /// cannot consent); uses the account's nonce.
    function acceptModelsBySig(
        address account,
        bytes16[] calldata modelIds,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) external;

    /// @notice Unbinds models from `account` (the account or the operator). Allowed only while a model carries no
    /// weight in the vectors that unsettled, open or future rounds use (reverts ModelWeighted otherwise); its index
    /// is then free and the ID may be proposed again, to anyone.
    function unbindModels(address account, bytes16[] calldata modelIds) external;

    // ───────────────────────────────────────── Settlement ────────────────────────────────────────

    /// @notice Adds `amount` NMR for positive results: it pays owed rewards first, every account the same fraction
    /// of what it is owed (pro rata, whoever settles first), then the rest goes to the pool.
    function fundRewards(uint256 amount) external;

    /// @notice Credits to `account`'s stake the owed rewards refills have paid it (permissionless: the NMR goes to
    /// the account's stake, never to the caller). Reverts NothingToClaim when there is none.
    function claimRewards(address account) external;

    /// @notice Settles consecutive rounds for one account (permissionless). Idempotent: results for rounds the
    /// account already settled are skipped, so a call that was overtaken by another settlement does not revert.
    function settle(AccountResults calldata results) external;

    /// @notice Settles consecutive rounds for several accounts in one transaction (permissionless). Idempotent per
    /// account: an account already settled past some of its results (or all of them) is skipped as far as it is.
    function settleBatch(AccountResults[] calldata batch) external;

    /// @notice Settles spans of rounds over which an account's stake and vector did not change, each segment at a cost
    /// that does not grow with its number of rounds (permissionless).
    /// @dev For each entry, boundaries[0].round must be the account's nextSettleRound - 1 (an entry whose
    /// boundaries[0].round is below it was overtaken and is skipped as a no-op; above it: RoundOutOfOrder), boundaries
    /// strictly increasing, at most MAX_SETTLEMENTS_PER_CALL boundaries in the whole batch. Each pair of consecutive
    /// boundaries (round x - 1, round y) settles rounds x..y as one segment when all hold, else the call reverts:
    /// rounds x - 1..y are published under one rateCap c and sliceDivisor R (SpanNotPublished); the stake in force is
    /// the same over x..y (SpanStakeChanged); one vector is in force over x..y (SpanVectorChanged); the balance at
    /// the segment's start is at least S + ceil(n x S x c / 1e18), S = stake / R, n = y - x + 1 (SpanTooRisky), so
    /// every round puts exactly S at risk and no loss reaches a pending withdrawal; both boundaries prove the
    /// cumulative rate (kind-1 leaf) of every weighted model; and |cum(y) - cum(x - 1)| <= n x c for each
    /// (SpanResultOutOfBounds). The segment's delta is sum over weighted models of (S x weight / 10,000) x
    /// (cum(y) - cum(x - 1)) / 1e18, each term rounded toward zero; a net gain is paid from the pool (owed when it is
    /// short), a net loss burned from the balance. One SpanSettled per segment.
    /// Difference from settle: the balance plus owed rewards equals the per-round result to within n wei per weighted
    /// model (truncation), but gains and losses within a segment net, so the pool pays and the token burns only the
    /// net (settle pays each winning round and burns each losing one); when the pool is short, settle turns the gross
    /// gains into owed rewards while a span owes only the net gain.
    function settleSpans(SpanResults[] calldata batch) external;

    // ────────────────────────────────────────── Operator ─────────────────────────────────────────

    /// @notice Opens the next round (operator only), snapshotting every account's stake and vector.
    function openRound() external returns (uint32 round);

    /// @notice Publishes a resolved round's per-model rate Merkle root (operator only, once per round), between the
    /// round's `resolvesAt` and its `deadline`.
    /// @dev Leaves are `(uint32 round, bytes16 modelId, uint8 kind, int256 value)` (OpenZeppelin StandardMerkleTree),
    /// two per model: kind 0, the model's rate in the round (an int64); kind 1, its cumulative rate, the sum over every
    /// published round k <= this round whose tree holds the model of its rate clamped to round k's rateCap (what
    /// settleSpans proves). The tree must hold both leaves for every registered model (rate 0 when a model has no
    /// score): a weighted model without a leaf cannot be proven for that round, which then counts as zero for its
    /// account once the round's proofDeadline passed. `leavesURI` points at the full leaf list so anyone can rebuild
    /// the root. Sets the round's publishedRun: round - 1's plus one (at most 65,535) if round - 1 is published under
    /// the same rateCap and sliceDivisor, else 1 (publish rounds in order to keep runs long).
    function publishRound(uint32 round, bytes32 root, string calldata leavesURI) external;

    // ─────────────────────────────────────────── Admin ───────────────────────────────────────────

    /// @notice Stops new risk: deposits. Reallocations (they move no NMR in), exits, settlement and rounds go on.
    function pause() external;

    /// @notice Allows new risk again.
    function unpause() external;

    /// @notice Sets the withdrawal delay (seconds) within its bounds; applies to later requests.
    function setWithdrawalDelay(uint40 value) external;

    /// @notice Sets the minimum time between round openings (seconds) within its bounds.
    function setMinRoundInterval(uint40 value) external;

    /// @notice Sets the resolution delay (seconds) within its bounds; applies to rounds opened later.
    function setResolutionDelay(uint40 value) external;

    /// @notice Sets the publication window (seconds) within its bounds; applies to rounds opened later.
    function setPublishWindow(uint40 value) external;

    /// @notice Sets the per-model per-round rate cap within its bounds; applies to rounds opened later.
    function setRateCap(uint64 value) external;

    /// @notice Sets the proof grace period (seconds) within its bounds; applies to rounds opened later.
    function setProofGracePeriod(uint40 value) external;

    /// @notice Sets R, the slice divisor (a round puts stake / R at risk), within its bounds; applies to rounds
    /// opened later.
    function setSliceDivisor(uint16 value) external;

    // ─────────────────────────────────────────── Views ───────────────────────────────────────────

    /// @notice The newest opened round (`firstRound - 1` before the first opening).
    function currentRound() external view returns (uint32);

    /// @notice A round's schedule and root.
    function roundInfo(uint32 round) external view returns (RoundInfo memory);

    /// @notice Current parameters.
    function parameters() external view returns (Parameters memory);

    /// @notice Whether new risk is stopped.
    function paused() external view returns (bool);

    /// @notice One account's state.
    function accountOf(address account) external view returns (AccountView memory);

    /// @notice The account's models in registry order; a zero ID marks an index freed by unbindModels.
    function modelsOf(address account) external view returns (bytes16[] memory);

    /// @notice The account a model is bound to (zero: unregistered) and its registry index.
    function modelOwner(bytes16 modelId) external view returns (address owner, uint8 slot);

    /// @notice The account `modelId` is proposed to and not yet accepted by (zero: none).
    function modelProposal(bytes16 modelId) external view returns (address account);

    /// @notice The weight vector that applies in `round` (all zeros before the first vector), in registry order.
    /// @dev The newest VECTOR_HISTORY vectors are kept; earlier rounds revert AllocationHistoryPruned (the
    /// AllocationSet events hold the full history).
    function allocationAt(
        address account,
        uint32 round
    ) external view returns (bytes16[] memory modelIds, uint16[] memory bps);

    /// @notice The account's stake in `round`: what it opened with (for a future round: as things stand now).
    function stakeAt(address account, uint32 round) external view returns (uint256);

    /// @notice What `round` puts at risk for the account at most: stakeAt / the round's sliceDivisor (for a round not
    /// yet opened: the current parameter). Settlement limits it to what earlier losses left.
    function sliceAt(address account, uint32 round) external view returns (uint256);

    /// @notice Per-model split of the stake in `round`, in registry order: stakeAt x weight / 10,000 (rounded down).
    function modelStakesAt(address account, uint32 round) external view returns (uint256[] memory);

    /// @notice Sums kept for the solvency invariant (NMR held = staked + pendingWithdrawals + rewardsPool +
    /// owedReserve): stakes, pending withdrawals, the rewards pool, owed rewards not yet paid (owedRewards) and
    /// owed rewards paid by refills but not yet credited to stakes (owedReserve).
    function totals()
        external
        view
        returns (
            uint256 staked,
            uint256 pendingWithdrawals,
            uint256 rewardsPool,
            uint256 owedRewards,
            uint256 owedReserve
        );

    /// @notice The next nonce for `account`'s signatures (reallocations and model acceptances).
    function nonces(address account) external view returns (uint256);

    /// @notice How burned NMR leaves the system (fixed at deployment).
    function burnMode() external view returns (BurnMode);
}
