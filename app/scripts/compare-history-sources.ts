/**
 * Checks the indexer-backed history source against the chain-log source on a live chain: for every account the
 * indexer knows, both must give the same events (deep-equal, timestamps aside), the indexer's output must pass
 * checkHistory, and each of its timestamps must be its block's time. Exits 1 on the first difference.
 *
 *   RPC_URL=http://127.0.0.1:8545 INDEXER_URL=http://127.0.0.1:42069 [DEPLOYMENTS_FILE=…] [CHAIN_ID=31337] \
 *     node --import tsx app/scripts/compare-history-sources.ts
 *
 * Run it once the indexer has caught up with the chain and no new blocks come in (it waits for the first).
 */
import { createPublicClient, hexToBigInt, http, numberToHex, type Address, type Hex } from "viem";
import path from "node:path";
import { portfolioStakeAbi } from "@portfolio-stake/core/abi/portfolioStakeAbi";
import { deployedContract, deploymentsFilePath } from "@portfolio-stake/core/deployments";
import { checkHistory } from "../src/lib/history/conformance";
import { httpGraphQL, indexedHead, indexerHistorySource } from "../src/lib/history/indexerSource";
import { logHistorySource, type GetLogsRequest, type LogRpc } from "../src/lib/history/logSource";
import type { AccountEvent } from "@portfolio-stake/core/history";

const RPC_URL = process.env.RPC_URL ?? "http://127.0.0.1:8545";
const INDEXER_URL = process.env.INDEXER_URL ?? "http://127.0.0.1:42069";
const CHAIN_ID = Number(process.env.CHAIN_ID ?? 31337);
const DEPLOYMENTS_FILE = deploymentsFilePath(path.resolve(import.meta.dirname, "..", ".."));

const client = createPublicClient({ transport: http(RPC_URL) });
const rpc: LogRpc = {
  blockNumber: () => client.getBlockNumber({ cacheTime: 0 }),
  getLogs: ({ address, topics, fromBlock, toBlock }) =>
    client.request<GetLogsRequest>({
      method: "eth_getLogs",
      params: [{ address, topics, fromBlock: numberToHex(fromBlock), toBlock: numberToHex(toBlock) }],
    }),
};

const withoutTime = (events: AccountEvent[]) => events.map(({ timestamp: _, ...rest }) => rest);
/** JSON with bigints marked and object keys sorted, so equal events print equal whatever their key order. */
const show = (value: unknown) =>
  JSON.stringify(value, (_key: string, v: unknown): unknown =>
    typeof v === "bigint"
      ? `${v}n`
      : v && typeof v === "object" && !Array.isArray(v)
        ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
        : v,
  );

async function main() {
  const stake = deployedContract(CHAIN_ID, "PortfolioStake", DEPLOYMENTS_FILE);
  const contracts = {
    chainId: CHAIN_ID,
    stake: { address: stake.address, abi: portfolioStakeAbi, deployBlock: BigInt(stake.deployBlock) },
  };
  const gql = httpGraphQL(INDEXER_URL);

  const head = await rpc.blockNumber();
  for (let tries = 0; (await indexedHead(gql, CHAIN_ID)) < head; tries++) {
    if (tries > 120) throw new Error(`the indexer did not reach block ${head} within a minute`);
    await new Promise((r) => setTimeout(r, 500));
  }
  const { accounts } = (await gql("{ accounts(limit: 1000) { items { address } } }")) as {
    accounts: { items: { address: Address }[] };
  };
  if (accounts.items.length === 0) throw new Error("the indexer knows no account: nothing to compare");

  const fromLogs = logHistorySource(contracts, rpc);
  const fromIndexer = indexerHistorySource(INDEXER_URL, contracts, gql);
  const blockTimes = new Map<bigint, number>();
  let events = 0;
  for (const { address } of accounts.items) {
    const [logs, indexed] = await Promise.all([fromLogs.accountHistory(address), fromIndexer.accountHistory(address)]);
    if (logs.toBlock !== indexed.toBlock)
      throw new Error(
        `${address}: chain head ${logs.toBlock} but indexer head ${indexed.toBlock}: blocks arrived during the check`,
      );
    const problems = checkHistory(indexed);
    if (problems.length)
      throw new Error(`${address}: the indexer's history breaks the conformance rules:\n  ${problems.join("\n  ")}`);
    const a = withoutTime(logs.events);
    const b = withoutTime(indexed.events);
    const first = a.findIndex((e, i) => show(e) !== show(b[i]));
    if (a.length !== b.length || first >= 0) {
      const i = first >= 0 ? first : Math.min(a.length, b.length);
      throw new Error(
        `${address}: the sources differ at event ${i} (logs ${a.length} events, indexer ${b.length}):\n  logs:    ${show(a[i])}\n  indexer: ${show(b[i])}`,
      );
    }
    for (const e of indexed.events) {
      if (!blockTimes.has(e.blockNumber)) {
        const block = await client.request<{ Parameters: [Hex, false]; ReturnType: { timestamp: Hex } }>({
          method: "eth_getBlockByNumber",
          params: [numberToHex(e.blockNumber), false],
        });
        blockTimes.set(e.blockNumber, Number(hexToBigInt(block.timestamp)));
      }
      if (e.timestamp !== blockTimes.get(e.blockNumber))
        throw new Error(
          `${address}: event at block ${e.blockNumber} dated ${e.timestamp ?? "no time"}, block time ${blockTimes.get(e.blockNumber) ?? "unknown"}`,
        );
    }
    events += b.length;
  }
  console.log(`history sources agree: ${accounts.items.length} accounts, ${events} events, up to block ${head}`);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
