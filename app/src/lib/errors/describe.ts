/**
 * Turns anything a wallet, the RPC or the contract throws into one plain sentence. Every custom error of
 * PortfolioStake (IPortfolioStake's and the OpenZeppelin ones it inherits) and of the NMR token has its own wording;
 * the tables are typed from the generated ABIs, so a new error in the contract fails `tsc` until it is described here.
 */
import {
  BaseError,
  ContractFunctionRevertedError,
  decodeErrorResult,
  hexToString,
  type ContractErrorArgs,
  type ContractErrorName,
  type Hex,
} from "viem";
import { mockNmrAbi } from "@portfolio-stake/core/abi/mockNmrAbi";
import { nmrAbi } from "@portfolio-stake/core/abi/nmrAbi";
import { portfolioStakeAbi } from "@portfolio-stake/core/abi/portfolioStakeAbi";
import { formatNmr, formatTime, shortAddress } from "@/lib/format";

export interface DescribeContext {
  /** Names a model ("carol_07"); default: the short id. */
  modelLabel?: (modelId: string) => string;
  /**
   * The contract function the transaction calls, when an error's meaning depends on it (NothingToClaim: a withdrawal
   * claim or a rewards claim); default: unknown.
   */
  functionName?: string;
}

export type ErrorKind = "rejected" | "revert" | "network" | "funds" | "other";

export interface DescribedError {
  kind: ErrorKind;
  message: string;
  /** The contract error's name (e.g. "InvalidWeightSum") when the chain reverted with one. */
  errorName?: string;
}

type Describers<abi extends readonly unknown[]> = {
  [name in ContractErrorName<abi>]: (args: ContractErrorArgs<abi, name>, ctx: Required<DescribeContext>) => string;
};

const nmr = (wei: bigint) => `${formatNmr(wei)} NMR`;
const when = (seconds: number | bigint) => formatTime(seconds);
const bytes32Text = (value: Hex) => {
  try {
    return hexToString(value, { size: 32 }).replace(/\0+$/, "");
  } catch {
    return value;
  }
};

export const STAKE_ERRORS: Describers<typeof portfolioStakeAbi> = {
  // Staker-facing errors (IPortfolioStake)
  ZeroAmount: () => "The amount must be more than zero.",
  ZeroAddress: () => "The zero address is not allowed here.",
  InsufficientBalance: ([requested, available]) =>
    `You asked for ${nmr(requested)} but only ${nmr(available)} is available in your stake.`,
  NothingToClaim: (_, ctx) =>
    ctx.functionName === "claimRewards"
      ? "There are no owed rewards to claim yet: what is owed becomes claimable only as refills of the rewards pool pay it (every owed account the same share). It may also have been claimed already, by anyone or by a settlement of this account."
      : ctx.functionName === "claimWithdrawal"
        ? "There is no pending withdrawal to claim."
        : "There is nothing to claim: no pending withdrawal, or no owed rewards that a refill has paid yet.",
  WithdrawalLocked: ([releaseAt]) => `The withdrawal is not released yet: it can be claimed from ${when(releaseAt)}.`,
  RoundsUnsettled: ([nextSettleRound, lastAtRiskRound]) =>
    `The withdrawal was still at risk in round ${lastAtRiskRound}, and this account is settled only up to round ${nextSettleRound - 1}. ` +
    `It can be claimed once the keeper has settled round ${lastAtRiskRound} (anyone may run the keeper).`,
  WithdrawalPending: ([pending, lastAtRiskRound]) =>
    `An earlier withdrawal of ${nmr(pending)} (at risk until round ${lastAtRiskRound}) is still pending: claim it before requesting another.`,
  NotStakerOrManager: ([caller, account]) =>
    `${shortAddress(caller)} may not change ${shortAddress(account)}'s allocation: only the staker or its manager can.`,
  EnforcedPause: () => "Staking is paused: deposits are stopped for now. Reallocations and withdrawals still work.",
  ExpectedPause: () => "Staking is not paused.",
  LengthMismatch: ([modelIds, weights]) => `The allocation lists ${modelIds} models but ${weights} weights.`,
  EmptyAllocation: () => "The allocation is empty: give weight to at least one model.",
  TooManyModels: ([count, max]) => `The allocation lists ${count} models; at most ${max} are allowed.`,
  UnknownModel: ([modelId], ctx) => `Model ${ctx.modelLabel(modelId)} is not registered.`,
  ModelNotOwned: ([modelId, owner], ctx) =>
    `Model ${ctx.modelLabel(modelId)} belongs to ${shortAddress(owner)}, not to this account.`,
  DuplicateModel: ([modelId], ctx) => `Model ${ctx.modelLabel(modelId)} appears twice in the allocation.`,
  WeightTooLarge: ([modelId, weight], ctx) =>
    `The weight for ${ctx.modelLabel(modelId)} is ${weight} bps, more than 100% (10,000 bps).`,
  InvalidWeightSum: ([sum]) =>
    `The weights add up to ${sum} bps (${(Number(sum) / 100).toFixed(2)}%); they must add up to exactly 10,000 bps (100%).`,
  ModelAlreadyRegistered: ([modelId, owner], ctx) =>
    `Model ${ctx.modelLabel(modelId)} is already registered to ${shortAddress(owner)}.`,
  InvalidModelId: () => "A model id of zero is not valid.",
  ModelNotProposed: ([modelId, account], ctx) =>
    `Model ${ctx.modelLabel(modelId)} is not proposed to ${shortAddress(account)}: the operator must propose it before it can be accepted.`,
  NotOperatorOrAccount: ([caller, account]) =>
    `${shortAddress(caller)} may not do this for ${shortAddress(account)}: only the operator or the account itself can.`,
  ModelWeighted: ([modelId, effectiveRound], ctx) =>
    `Model ${ctx.modelLabel(modelId)} still has weight in the allocation in force from round ${effectiveRound}: ` +
    `save an allocation without it, and wait until no open or unsettled round uses it, before unbinding it.`,
  WeightOnUnboundSlot: ([slot]) =>
    `The allocation gives weight to model slot ${slot}, whose model was unbound: a freed slot must have weight 0.`,
  SignatureExpired: ([deadline]) => `The signed reallocation expired at ${when(deadline)}.`,
  InvalidNonce: ([expected, provided]) =>
    `The signed reallocation uses nonce ${provided}; the account expects ${expected}.`,
  InvalidSignature: () => "The signature is not the staker's or its manager's.",
  InvalidNonceJump: ([current, requested]) =>
    `Pending signatures can be cancelled by moving the nonce from ${current} to a higher value, at most 65,535 above it; ${requested} is not allowed.`,
  // Operator, keeper and admin errors (a staker rarely sees these)
  ParameterOutOfBounds: ([name, value, min, max]) =>
    `Parameter ${bytes32Text(name)} = ${value} is outside its allowed range ${min}–${max}.`,
  ExposureTooHigh: ([openRounds, rateCap, sliceDivisor]) => {
    const perRound = (rateCap + sliceDivisor - 1n) / sliceDivisor; // as the contract rounds it
    const percent = (x: bigint) => `${Number((x * 10_000n) / 10n ** 18n) / 100}%`;
    return (
      `These parameters would let the open rounds risk more than the whole stake: up to ${openRounds} rounds can be open at once, ` +
      `each risking its cap / R = ${percent(rateCap)} / ${sliceDivisor} = ${percent(perRound)} of a stake, ${percent(openRounds * perRound)} in all. ` +
      `Lower the cap or the delays, or raise the round interval or R.`
    );
  },
  RoundTooEarly: ([notBefore]) => `The next round cannot open before ${when(notBefore)}.`,
  UnknownRound: ([round]) => `Round ${round} has not been opened.`,
  RoundAlreadyPublished: ([round]) => `Round ${round} is already published.`,
  RoundNotResolved: ([round, resolvesAt]) =>
    `Round ${round} resolves at ${when(resolvesAt)}; it cannot be published before.`,
  PublishDeadlinePassed: ([round, deadline]) => `Round ${round}'s publication deadline passed at ${when(deadline)}.`,
  InvalidRoot: () => "A results root of zero is not valid.",
  AccountNotStaking: ([account]) => `${shortAddress(account)} has never staked.`,
  RoundOutOfOrder: ([account, expected, provided]) =>
    `${shortAddress(account)} must be settled for round ${expected} next, not round ${provided}.`,
  RoundNotSettleable: ([round]) =>
    `Round ${round} cannot be settled yet: it is neither published nor past its deadline.`,
  ModelListMismatch: ([account]) => `The model list given for ${shortAddress(account)} is not its registered list.`,
  InvalidModelSlot: ([slot]) => `Model slot ${slot} does not exist for this account.`,
  DuplicateModelResult: ([slot]) => `The results give model slot ${slot} twice.`,
  MissingModelResult: ([slot]) => `The results lack model slot ${slot}, which had weight in that round.`,
  InvalidProof: ([account, round]) =>
    `The results proof for ${shortAddress(account)} in round ${round} does not match the published root.`,
  BatchTooLarge: ([size, max]) => `The batch has ${size} settlements; at most ${max} fit in one call.`,
  SpanTooShort: ([account]) =>
    `A span for ${shortAddress(account)} needs at least two boundaries: where it starts and where it ends.`,
  SpanNotPublished: ([toRound, publishedRun]) =>
    `The span cannot end at round ${toRound}: only its last ${publishedRun} round(s) are published in a row under one cap and slice. Settle those rounds one by one.`,
  SpanStakeChanged: ([fromRound, toRound]) =>
    `The stake changed between rounds ${fromRound} and ${toRound}: settle them one by one, or split the span where it changed.`,
  SpanVectorChanged: ([fromRound, toRound]) =>
    `The weights changed (or none were set) between rounds ${fromRound} and ${toRound}: settle them one by one, or split the span where they changed.`,
  SpanTooRisky: ([balance, needed]) =>
    `The stake (${nmr(balance)}) is below what a span needs to be settled at once (${nmr(needed)}): settle its rounds one by one.`,
  SpanResultOutOfBounds: ([slot]) =>
    `The published results of model ${slot} move more over the span than its rounds' cap allows: settle its rounds one by one.`,
  SettlementBehind: ([account, nextSettleRound]) =>
    `${shortAddress(account)} has unsettled rounds from round ${nextSettleRound}: too many vectors are waiting on settlement. ` +
    `Settle the account first (anyone may run the keeper), then save again.`,
  AllocationHistoryPruned: ([round, oldestKeptRound]) =>
    `The vector in force in round ${round} is no longer stored on chain (the oldest kept applies from round ${oldestKeptRound}).`,
  RoundNotPublished: ([round]) =>
    `Round ${round} has no published results, so it cannot be settled as unprovable (an unpublished round counts as zero after its deadline).`,
  ProofGracePeriodActive: ([round, proofDeadline]) =>
    `Round ${round}'s results can still be proven until ${when(proofDeadline)}; only after that may it be settled as unprovable.`,
  // Deployment (constructor) and burning
  BurnModeUnsupported: ([mode]) =>
    `The NMR token does not support burn mode ${mode} (${["NMR's mint-burn", "ERC-20 burn", "transfer to a sink"][Number(mode)] ?? "unknown"}).`,
  InvalidBurnSink: ([sink]) =>
    `The burn sink ${shortAddress(sink)} is not valid: it must be a non-zero address (not the contract) when burning by transfer, and zero otherwise.`,
  BurnFailed: ([amount]) => `Burning ${nmr(amount)} did not take effect: the NMR token refused or ignored the burn.`,
  // Inherited from OpenZeppelin
  AccessControlUnauthorizedAccount: ([account]) => `${shortAddress(account)} does not have the role this action needs.`,
  AccessControlBadConfirmation: () => "A role can only be renounced by the account holding it.",
  ReentrancyGuardReentrantCall: () => "The contract refused a re-entrant call.",
  SafeERC20FailedOperation: ([token]) => `The NMR token (${shortAddress(token)}) refused the transfer.`,
  AddressEmptyCode: ([target]) => `${shortAddress(target)} has no contract code.`,
  FailedCall: () => "An internal call failed.",
  CheckpointUnorderedInsertion: () => "A snapshot was written out of order (internal error).",
  InvalidShortString: () => "Invalid short string (internal error).",
  StringTooLong: () => "A string is too long (internal error).",
  SafeCastOverflowedUintDowncast: ([bits, value]) => `The value ${value} does not fit in ${bits} bits.`,
};

/** NMRLike's errors (the NMR token's interface; the real NMR reverts without data). */
export const NMR_ERRORS: Describers<typeof nmrAbi> = {
  InsufficientAllowance: ([, , allowance, needed]) =>
    `The staking contract may spend only ${nmr(allowance)} of your NMR but needs ${nmr(needed)}: approve a larger amount first.`,
  InsufficientBalance: ([owner, balance, needed]) =>
    `${shortAddress(owner)} holds ${nmr(balance)} of NMR but ${nmr(needed)} is needed.`,
  ApproveNonZeroToNonZero: ([spender, current, value]) =>
    `The NMR token cannot change an allowance from one non-zero amount to another with approve ` +
    `(${shortAddress(spender)} may spend ${nmr(current)}; asked: ${nmr(value)}): it has to go through changeApproval, or to zero first.`,
  PayloadSize: ([expected, actual]) =>
    `The NMR token received call data of ${actual} bytes where it expects exactly ${expected}.`,
};

/** The OpenZeppelin ERC-20 errors of MockNMR (a local chain deployed with LOCAL_NMR=MockNMR). */
export const MOCK_NMR_ERRORS: Describers<typeof mockNmrAbi> = {
  ERC20InsufficientAllowance: ([, allowance, needed]) =>
    `The staking contract may spend only ${nmr(allowance)} of your NMR but needs ${nmr(needed)}: approve a larger amount first.`,
  ERC20InsufficientBalance: ([sender, balance, needed]) =>
    `${shortAddress(sender)} holds ${nmr(balance)} but ${nmr(needed)} is needed.`,
  ERC20InvalidApprover: ([approver]) => `${shortAddress(approver)} cannot approve.`,
  ERC20InvalidReceiver: ([receiver]) => `${shortAddress(receiver)} cannot receive NMR.`,
  ERC20InvalidSender: ([sender]) => `${shortAddress(sender)} cannot send NMR.`,
  ERC20InvalidSpender: ([spender]) => `${shortAddress(spender)} cannot be approved as a spender.`,
};

const defaultLabel = (id: string) => `${id.slice(0, 10)}…`;

/** Describes revert data (0x-prefixed) from either contract; undefined when neither ABI knows the selector. */
export function describeRevertData(data: Hex, context: DescribeContext = {}): DescribedError | undefined {
  const ctx = { modelLabel: context.modelLabel ?? defaultLabel, functionName: context.functionName ?? "" };
  for (const [abi, table] of [
    [portfolioStakeAbi, STAKE_ERRORS],
    [nmrAbi, NMR_ERRORS],
    [mockNmrAbi, MOCK_NMR_ERRORS],
  ] as const) {
    try {
      const decoded = decodeErrorResult({ abi, data });
      const describe = (table as Record<string, (args: unknown, c: typeof ctx) => string>)[decoded.errorName];
      if (describe) return { kind: "revert", errorName: decoded.errorName, message: describe(decoded.args ?? [], ctx) };
    } catch {
      // not this ABI's error
    }
  }
  return undefined;
}

function findRevertData(error: BaseError): Hex | undefined {
  let data: Hex | undefined;
  error.walk((e) => {
    if (e instanceof ContractFunctionRevertedError && e.raw) data = e.raw;
    const candidate = (e as { data?: unknown }).data;
    if (!data && typeof candidate === "string" && /^0x[0-9a-fA-F]{8}/.test(candidate)) data = candidate as Hex;
    if (
      !data &&
      candidate &&
      typeof candidate === "object" &&
      typeof (candidate as { data?: unknown }).data === "string"
    ) {
      const inner = (candidate as { data: string }).data;
      if (/^0x[0-9a-fA-F]{8}/.test(inner)) data = inner as Hex;
    }
    return false;
  });
  return data;
}

export function describeError(error: unknown, context: DescribeContext = {}): DescribedError {
  if (error instanceof BaseError) {
    const rejected = error.walk(
      (e) => (e as { code?: unknown }).code === 4001 || (e as { name?: string }).name === "UserRejectedRequestError",
    );
    if (rejected) return { kind: "rejected", message: "You rejected the request in your wallet. Nothing was sent." };

    const data = findRevertData(error);
    if (data) {
      const described = describeRevertData(data, context);
      if (described) return described;
    }
    const reverted = error.walk(
      (e) => e instanceof ContractFunctionRevertedError,
    ) as ContractFunctionRevertedError | null;
    if (reverted?.reason) return { kind: "revert", message: `The contract refused: ${reverted.reason}` };
    if (reverted) return { kind: "revert", message: "The contract refused the transaction without giving a reason." };

    const text = `${error.shortMessage} ${error.details ?? ""}`;
    if (/insufficient funds/i.test(text))
      return { kind: "funds", message: "Your wallet does not have enough ETH to pay for gas." };
    if (
      error.walk(
        (e) => (e as { name?: string }).name === "HttpRequestError" || (e as { name?: string }).name === "TimeoutError",
      )
    )
      return {
        kind: "network",
        message: "Could not reach the chain's RPC endpoint. Check that the node is running, then retry.",
      };
    if (error.walk((e) => (e as { name?: string }).name === "ChainMismatchError"))
      return { kind: "other", message: "Your wallet is on another network: switch networks, then retry." };
    if (error.walk((e) => (e as { name?: string }).name === "ConnectorNotConnectedError"))
      return { kind: "other", message: "Your wallet is not connected: connect it, then retry." };
    return { kind: "other", message: error.shortMessage };
  }
  if (error instanceof Error) return { kind: "other", message: error.message.split("\n")[0] ?? error.message };
  return { kind: "other", message: String(error) };
}
