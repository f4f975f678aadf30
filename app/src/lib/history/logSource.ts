/**
 * History from the chain's logs: every event of one account, read from the contract's deploy block in block ranges
 * (public RPCs cap eth_getLogs ranges). Per range, one request covers all the account's event kinds (their topic0s
 * OR-ed, the account as the first indexed topic of each) and one reads the RoundOpened events, which date every
 * event by the round open at its block. The transport batches the two into one HTTP request.
 */
import {
  decodeEventLog,
  encodeEventTopics,
  getAddress,
  hexToBigInt,
  numberToHex,
  type Address,
  type Hash,
  type Hex,
} from "viem";
import { portfolioStakeAbi } from "@portfolio-stake/core/abi/portfolioStakeAbi";
import type { AppContracts } from "@/lib/contracts";
import { getChainClient } from "@/lib/chain";
import {
  byChainOrder,
  type AccountEvent,
  type AccountHistory,
  type HistorySource,
} from "@portfolio-stake/core/history";

/** Blocks per eth_getLogs request (NEXT_PUBLIC_LOG_BLOCK_RANGE, default 50,000). */
export const LOG_BLOCK_RANGE = BigInt(process.env.NEXT_PUBLIC_LOG_BLOCK_RANGE ?? 50_000);

const ACCOUNT_EVENTS = [
  "ModelRegistered",
  "ModelProposed",
  "ModelProposalCancelled",
  "ModelUnbound",
  "NonceUsed",
  "Deposited",
  "AllocationSet",
  "ManagerSet",
  "WithdrawalRequested",
  "WithdrawalClaimed",
  "Settled",
  "SpanSettled",
  "RewardsClaimed",
  // Its first indexed topic is the funder: in the account's history when the account itself funded the rewards.
  "RewardsFunded",
] as const;

const topic0 = (eventName: (typeof ACCOUNT_EVENTS)[number] | "RoundOpened") =>
  encodeEventTopics({ abi: portfolioStakeAbi, eventName })[0];
/** topic0 of each account event, so one filter fetches them all. */
const ACCOUNT_TOPIC0S = ACCOUNT_EVENTS.map(topic0);
const ROUND_OPENED_TOPIC0 = topic0("RoundOpened");

/** A log as eth_getLogs returns it (hex quantities). */
export interface RpcLog {
  data: Hex;
  topics: Hex[];
  blockNumber: Hex | null;
  logIndex: Hex | null;
  transactionHash: Hash | null;
}

/** The JSON-RPC calls this source makes: `eth_blockNumber` and `eth_getLogs` (injectable for tests). */
/** eth_getLogs as LogRpc calls it: `client.request<GetLogsRequest>({ method: "eth_getLogs", params })`. */
export type GetLogsRequest = {
  Parameters: [{ address: Address; topics: (Hex | Hex[] | null)[]; fromBlock: Hex; toBlock: Hex }];
  ReturnType: RpcLog[];
};

export interface LogRpc {
  blockNumber(): Promise<bigint>;
  getLogs(filter: {
    address: Address;
    topics: (Hex | Hex[] | null)[];
    fromBlock: bigint;
    toBlock: bigint;
  }): Promise<RpcLog[]>;
}

/** Inclusive [from, to] block ranges of at most `size` blocks covering from..to. */
export function blockRanges(from: bigint, to: bigint, size: bigint): [bigint, bigint][] {
  if (size <= 0n) throw new Error(`the log block range must be positive, not ${size}`);
  const ranges: [bigint, bigint][] = [];
  for (let start = from; start <= to; start += size)
    ranges.push([start, start + size - 1n < to ? start + size - 1n : to]);
  return ranges;
}

type Position = { blockNumber: bigint; logIndex: number; txHash: Hash };
type Decoded = AccountEvent extends infer E ? (E extends AccountEvent ? Omit<E, "openRound"> : never) : never;

function position(log: RpcLog): Position {
  if (log.blockNumber === null || log.logIndex === null || log.transactionHash === null) {
    throw new Error("the node returned a pending log (no block number): cannot place it in the history");
  }
  return { blockNumber: hexToBigInt(log.blockNumber), logIndex: Number(log.logIndex), txHash: log.transactionHash };
}

/** Decodes one of the contract's logs into an account event without its openRound (null for other events). */
export function toAccountEvent(log: RpcLog): Decoded | null {
  const decoded = decodeEventLog({
    abi: portfolioStakeAbi,
    data: log.data,
    topics: log.topics as [Hex, ...Hex[]],
    strict: true,
  });
  const base = position(log);
  switch (decoded.eventName) {
    case "ModelRegistered":
      return {
        ...base,
        kind: "model-registered",
        modelId: decoded.args.modelId.toLowerCase() as Hex,
        slot: decoded.args.slot,
      };
    case "ModelProposed":
      return { ...base, kind: "model-proposed", modelId: decoded.args.modelId.toLowerCase() as Hex };
    case "ModelProposalCancelled":
      return { ...base, kind: "model-proposal-cancelled", modelId: decoded.args.modelId.toLowerCase() as Hex };
    case "ModelUnbound":
      return {
        ...base,
        kind: "model-unbound",
        modelId: decoded.args.modelId.toLowerCase() as Hex,
        slot: decoded.args.slot,
        by: decoded.args.by,
      };
    case "NonceUsed":
      // Kept only when alone in its transaction (invalidateNonces): see withoutNonceEchoes.
      return { ...base, kind: "nonces-invalidated", nonce: decoded.args.nonce };
    case "Deposited":
      return {
        ...base,
        kind: "deposited",
        amount: decoded.args.amount,
        balance: decoded.args.balance,
        effectiveRound: decoded.args.effectiveRound,
      };
    case "AllocationSet":
      return {
        ...base,
        kind: "allocation-set",
        effectiveRound: decoded.args.effectiveRound,
        by: decoded.args.by,
        weights: [...decoded.args.weights],
      };
    case "ManagerSet":
      return { ...base, kind: "manager-set", manager: decoded.args.manager };
    case "WithdrawalRequested":
      return {
        ...base,
        kind: "withdrawal-requested",
        amount: decoded.args.amount,
        pendingWithdrawal: decoded.args.pendingWithdrawal,
        balance: decoded.args.balance,
        lastAtRiskRound: decoded.args.lastAtRiskRound,
        releaseAt: Number(decoded.args.releaseAt),
      };
    case "WithdrawalClaimed":
      return { ...base, kind: "withdrawal-claimed", amount: decoded.args.amount };
    case "Settled":
      return {
        ...base,
        kind: "settled",
        round: decoded.args.round,
        stakeAtRisk: decoded.args.stakeAtRisk,
        rates: [...decoded.args.rates],
        delta: decoded.args.delta,
        paid: decoded.args.paid,
        burned: decoded.args.burned,
        unpaidRewards: decoded.args.unpaidRewards,
        balance: decoded.args.balance,
        unprovable: decoded.args.unprovable,
      };
    case "SpanSettled":
      return {
        ...base,
        kind: "span-settled",
        fromRound: decoded.args.fromRound,
        toRound: decoded.args.toRound,
        stakeAtRisk: decoded.args.stakeAtRisk,
        rateSums: [...decoded.args.rateSums],
        delta: decoded.args.delta,
        paid: decoded.args.paid,
        burned: decoded.args.burned,
        unpaidRewards: decoded.args.unpaidRewards,
        balance: decoded.args.balance,
      };
    case "RewardsClaimed":
      return {
        ...base,
        kind: "rewards-claimed",
        amount: decoded.args.amount,
        unpaidRewards: decoded.args.unpaidRewards,
        balance: decoded.args.balance,
      };
    case "RewardsFunded":
      return {
        ...base,
        kind: "rewards-funded",
        amount: decoded.args.amount,
        toOwed: decoded.args.toOwed,
        pool: decoded.args.pool,
        owedTotal: decoded.args.owedTotal,
        owedFactor: decoded.args.owedFactor,
        owedEpoch: decoded.args.owedEpoch,
        owedScale: decoded.args.owedScale,
      };
    default:
      return null;
  }
}

/**
 * Drops the NonceUsed logs of setAllocation, setManager and acceptModelsBySig (another event of the account in the
 * same transaction says what happened); what is left is invalidateNonces, a cancellation of pending signatures.
 */
export function withoutNonceEchoes<E extends { kind: string; txHash: Hash }>(events: readonly E[]): E[] {
  const withOther = new Set(events.filter((e) => e.kind !== "nonces-invalidated").map((e) => e.txHash));
  return events.filter((e) => e.kind !== "nonces-invalidated" || !withOther.has(e.txHash));
}

/** Round openings (round, position), in chain order. */
export function toRoundOpenings(logs: readonly RpcLog[]): { round: number; blockNumber: bigint; logIndex: number }[] {
  return logs
    .map((log) => {
      const decoded = decodeEventLog({
        abi: portfolioStakeAbi,
        eventName: "RoundOpened",
        data: log.data,
        topics: log.topics as [Hex, ...Hex[]],
        strict: true,
      });
      return { round: decoded.args.round, ...position(log) };
    })
    .sort(byChainOrder);
}

/** Gives each event the round open at its position: the last opening before it in chain order (0 if none). */
export function withOpenRounds(
  events: readonly Decoded[],
  openings: readonly { round: number; blockNumber: bigint; logIndex: number }[],
): AccountEvent[] {
  const sorted = [...events].sort(byChainOrder);
  let next = 0;
  let open = 0;
  return sorted.map((event) => {
    for (let opening = openings[next]; opening && byChainOrder(opening, event) < 0; opening = openings[++next])
      open = opening.round;
    return { ...event, openRound: open };
  });
}

/** The node's logs through the app's one RPC client (JSON-RPC batching on). */
export function chainLogRpc(): LogRpc {
  const client = getChainClient();
  return {
    blockNumber: async () =>
      hexToBigInt(await client.request<{ Parameters: undefined; ReturnType: Hex }>({ method: "eth_blockNumber" })),
    getLogs: ({ address, topics, fromBlock, toBlock }) =>
      client.request<GetLogsRequest>({
        method: "eth_getLogs",
        params: [{ address, topics, fromBlock: numberToHex(fromBlock), toBlock: numberToHex(toBlock) }],
      }),
  };
}

/** Blocks re-read on every refresh, so that a short reorganisation near the head is picked up. */
export const REORG_DEPTH = 12n;

/** Logs of one filter read up to `toBlock`. */
interface LogsRead {
  toBlock: bigint;
  logs: RpcLog[];
}

const blockOf = (log: RpcLog) => (log.blockNumber === null ? -1n : hexToBigInt(log.blockNumber));

/**
 * The logs of `filter` from the deploy block to `toBlock`, in ranges. With an earlier read, only blocks after it
 * (minus REORG_DEPTH) are read again; an earlier read beyond `toBlock` (the chain went backwards, e.g. a restarted
 * dev node) is discarded.
 */
async function readLogs(
  rpc: LogRpc,
  filter: { address: Address; topics: (Hex | Hex[] | null)[] },
  deployBlock: bigint,
  toBlock: bigint,
  blockRange: bigint,
  prior: LogsRead | undefined,
): Promise<LogsRead> {
  const usable = prior && prior.toBlock <= toBlock ? prior : undefined;
  const resumeAt = usable ? usable.toBlock + 1n - REORG_DEPTH : deployBlock;
  const from = resumeAt > deployBlock ? resumeAt : deployBlock;
  const logs = usable ? usable.logs.filter((l) => blockOf(l) < from) : [];
  for (const [fromBlock, to] of blockRanges(from, toBlock, blockRange))
    logs.push(...(await rpc.getLogs({ ...filter, fromBlock, toBlock: to })));
  return { toBlock, logs };
}

/**
 * Reads from chain logs. The pages poll: a refresh re-reads only the blocks after the previous read (minus
 * REORG_DEPTH), the round openings being shared by every account.
 */
export function logHistorySource(
  contracts: Pick<AppContracts, "stake">,
  rpc: LogRpc = chainLogRpc(),
  blockRange = LOG_BLOCK_RANGE,
): HistorySource {
  const { address, deployBlock } = contracts.stake;
  const accountReads = new Map<Address, LogsRead>();
  let roundReads: LogsRead | undefined;
  return {
    name: "chain logs",
    async accountHistory(account: Address): Promise<AccountHistory> {
      const checksummed = getAddress(account);
      const accountTopic: Hex = `0x${checksummed.slice(2).toLowerCase().padStart(64, "0")}`;
      const toBlock = await rpc.blockNumber();
      const [accountLogs, roundLogs] = await Promise.all([
        readLogs(
          rpc,
          { address, topics: [ACCOUNT_TOPIC0S, accountTopic] },
          deployBlock,
          toBlock,
          blockRange,
          accountReads.get(checksummed),
        ),
        readLogs(rpc, { address, topics: [ROUND_OPENED_TOPIC0] }, deployBlock, toBlock, blockRange, roundReads),
      ]);
      const events = withoutNonceEchoes(accountLogs.logs.map(toAccountEvent).filter((e): e is Decoded => e !== null));
      const history = {
        account: checksummed,
        events: withOpenRounds(events, toRoundOpenings(roundLogs.logs)),
        toBlock,
      };
      // Kept only once decoded without error, so a bad read is not built upon.
      accountReads.set(checksummed, accountLogs);
      roundReads = roundLogs;
      return history;
    },
  };
}
