/**
 * History from the chain's logs: every event of one account, read from the contract's deploy block in block ranges
 * (public RPCs cap eth_getLogs ranges). One request per range covers all event kinds: the account is the first
 * indexed topic of each of them.
 */
import { decodeEventLog, encodeEventTopics, getAddress, type Address, type Log } from "viem";
import { portfolioStakeAbi } from "@/generated/portfolioStakeAbi";
import type { AppContracts } from "@/lib/contracts";
import { getPublicClient } from "@/lib/publicClient";
import { byChainOrder, type AccountEvent, type AccountHistory, type HistorySource } from "./types";

/** Blocks per eth_getLogs request (NEXT_PUBLIC_LOG_BLOCK_RANGE). */
export const LOG_BLOCK_RANGE = BigInt(process.env.NEXT_PUBLIC_LOG_BLOCK_RANGE ?? 50_000);

const ACCOUNT_EVENTS = [
  "ModelRegistered",
  "Deposited",
  "AllocationSet",
  "ManagerSet",
  "WithdrawalRequested",
  "WithdrawalClaimed",
  "Settled",
] as const;

/** topic0 of each account event, so one filter fetches them all. */
const TOPIC0 = ACCOUNT_EVENTS.map((eventName) => encodeEventTopics({ abi: portfolioStakeAbi, eventName })[0]);

/** Decodes one log of the contract into an AccountEvent (null for events that are not about an account). */
export function toAccountEvent(log: Pick<Log, "data" | "topics" | "blockNumber" | "logIndex" | "transactionHash">): AccountEvent | null {
  const decoded = decodeEventLog({ abi: portfolioStakeAbi, data: log.data, topics: log.topics, strict: true });
  const base = { blockNumber: log.blockNumber ?? 0n, logIndex: log.logIndex ?? 0, txHash: log.transactionHash! };
  switch (decoded.eventName) {
    case "ModelRegistered":
      return { ...base, kind: "model-registered", modelId: decoded.args.modelId, slot: decoded.args.slot };
    case "Deposited":
      return { ...base, kind: "deposited", amount: decoded.args.amount, balance: decoded.args.balance, effectiveRound: decoded.args.effectiveRound };
    case "AllocationSet":
      return { ...base, kind: "allocation-set", effectiveRound: decoded.args.effectiveRound, by: decoded.args.by, weights: [...decoded.args.weights] };
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
      };
    default:
      return null;
  }
}

export function logHistorySource(contracts: AppContracts): HistorySource {
  return {
    name: "chain logs",
    async accountHistory(account: Address): Promise<AccountHistory> {
      const client = getPublicClient();
      const toBlock = await client.getBlockNumber();
      const accountTopic = `0x${getAddress(account).slice(2).toLowerCase().padStart(64, "0")}` as const;
      const events: AccountEvent[] = [];
      for (let from = contracts.stake.deployBlock; from <= toBlock; from += LOG_BLOCK_RANGE) {
        const to = from + LOG_BLOCK_RANGE - 1n < toBlock ? from + LOG_BLOCK_RANGE - 1n : toBlock;
        const logs = await client.request({
          method: "eth_getLogs",
          params: [
            {
              address: contracts.stake.address,
              topics: [TOPIC0, accountTopic],
              fromBlock: `0x${from.toString(16)}`,
              toBlock: `0x${to.toString(16)}`,
            },
          ],
        });
        for (const raw of logs) {
          const event = toAccountEvent({
            data: raw.data,
            topics: raw.topics as Log["topics"],
            blockNumber: BigInt(raw.blockNumber!),
            logIndex: Number(raw.logIndex),
            transactionHash: raw.transactionHash,
          });
          if (event) events.push(event);
        }
      }
      events.sort(byChainOrder);
      return { account: getAddress(account), events, toBlock };
    },
  };
}
