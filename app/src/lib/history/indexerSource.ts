/**
 * History from the project's indexer (indexer/, Ponder) instead of chain logs: one account's events come from its
 * GraphQL API (tables accountEvent, allocation, settlement, spanSettlement, rewardsFunding), already decoded and dated, so a long history costs a
 * few HTTP requests instead of an eth_getLogs scan from the deploy block. Chosen in index.ts when
 * NEXT_PUBLIC_INDEXER_URL is set; gives exactly the events logSource.ts gives (plus block timestamps).
 *
 * Consistency: the indexed head is read first (`_meta.status`) and every list is cut at that block, so rows the
 * indexer adds meanwhile are left out; a row of one table with no partner in another (a reorg between requests)
 * makes the read fail, and react-query retries it.
 */
import { getAddress, isAddress, type Address, type Hex } from "viem";
import type { AppContracts } from "@/lib/contracts";
import {
  ALLOCATION_COLUMNS,
  EVENT_COLUMNS,
  FUNDING_COLUMNS,
  SETTLEMENT_COLUMNS,
  SPAN_SETTLEMENT_COLUMNS,
  type AllocationRow,
  type Columns,
  type EventRow,
  type FundingRow,
  type RowOf,
  type SettlementRow,
  type SpanSettlementRow,
} from "./indexerRows";
import { withoutNonceEchoes } from "./logSource";
import {
  byChainOrder,
  type AccountEvent,
  type AccountHistory,
  type HistorySource,
} from "@portfolio-stake/core/history";

/** Largest page Ponder's GraphQL serves. */
const PAGE = 1000;

/** The HTTP call this source makes (injectable for tests): POST a GraphQL query, get its `data`. */
export type GraphQLFetch = (query: string) => Promise<unknown>;

interface Page<T> {
  items: T[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}
type Status = Record<string, { id: number; block: { number: number; timestamp: number } }>;

export class IndexerError extends Error {
  override name = "IndexerError";
}

/** POSTs to `${url}/graphql`; GraphQL errors and HTTP failures become IndexerErrors that say what failed. */
export function httpGraphQL(url: string): GraphQLFetch {
  const endpoint = `${url.replace(/\/+$/, "")}/graphql`;
  return async (query) => {
    let response: Response;
    try {
      response = await fetch(endpoint, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query }),
        cache: "no-store",
      });
    } catch (error) {
      throw new IndexerError(
        `Could not reach the indexer at ${url} (${String(error)}). Is it running (npm run dev -w indexer)?`,
      );
    }
    const body = (await response.json().catch(() => null)) as { data?: unknown; errors?: { message: string }[] } | null;
    if (!response.ok || !body || body.errors?.length || body.data === undefined) {
      const why = body?.errors?.map((e) => e.message).join("; ") ?? `HTTP ${response.status}`;
      throw new IndexerError(`The indexer at ${url} did not answer the history query: ${why}`);
    }
    return body.data;
  };
}

const big = (value: string | null, what: string): bigint => {
  if (value === null || !/^-?\d+$/.test(value))
    throw new IndexerError(`the indexer gave no valid ${what} (${String(value)})`);
  return BigInt(value);
};
const num = (value: number | null, what: string): number => {
  if (value === null || !Number.isSafeInteger(value))
    throw new IndexerError(`the indexer gave no valid ${what} (${String(value)})`);
  return value;
};

/** Every page of one list field (`field(where: …)`) with the given columns, following Ponder's cursors. */
async function allPages<C extends Columns<object, never>>(
  gql: GraphQLFetch,
  field: string,
  where: string,
  columns: C,
): Promise<RowOf<C>[]> {
  const rows: RowOf<C>[] = [];
  let after: string | null = null;
  do {
    const cursor: string = after ? `, after: ${JSON.stringify(after)}` : "";
    const data = (await gql(
      `{ ${field}(where: ${where}, limit: ${PAGE}${cursor}) { items { ${columns.selection} } pageInfo { hasNextPage endCursor } } }`,
    )) as Record<string, Page<RowOf<C>>>;
    const page = data[field];
    if (!page) throw new IndexerError(`the indexer has no "${field}" table: is it this project's indexer?`);
    rows.push(...page.items);
    after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
  } while (after);
  return rows;
}

/** The block the indexer has indexed up to on `chainId` (a clear error if it follows another chain). */
export async function indexedHead(gql: GraphQLFetch, chainId: number): Promise<bigint> {
  const data = (await gql("{ _meta { status } }")) as { _meta: { status: Status | null } };
  const chains = Object.values(data._meta.status ?? {});
  const chain = chains.find((c) => c.id === chainId);
  if (!chain) {
    const followed = chains.map((c) => c.id).join(", ") || "no chain yet";
    throw new IndexerError(`the indexer follows ${followed}, not this app's chain ${chainId}`);
  }
  return BigInt(chain.block.number);
}

/** Turns the indexer's rows of one account into the log source's events (oldest first). Exported for tests. */
export function toAccountEvents(
  events: readonly EventRow[],
  allocations: readonly AllocationRow[],
  settlements: readonly SettlementRow[],
  fundings: readonly FundingRow[] = [],
  spans: readonly SpanSettlementRow[] = [],
): AccountEvent[] {
  const allocationById = new Map(allocations.map((a) => [a.id, a]));
  const fundingById = new Map(fundings.map((f) => [f.id, f]));
  const settlementByRound = new Map(settlements.map((s) => [s.round, s]));
  const spanByFromRound = new Map(spans.map((s) => [s.fromRound, s]));
  const decoded = events.map((row): AccountEvent => {
    const base = {
      blockNumber: big(row.blockNumber, "block number"),
      logIndex: num(row.logIndex, "log index"),
      txHash: row.txHash,
      openRound: num(row.openRound, "open round"),
      timestamp: Number(big(row.timestamp, "timestamp")),
    };
    const at = `${row.kind} at block ${row.blockNumber}/${row.logIndex}`;
    switch (row.kind) {
      case "model-registered": {
        const [, modelId, slot] = /^(0x[0-9a-fA-F]{32}):(\d+)$/.exec(row.detail ?? "") ?? [];
        if (modelId === undefined || slot === undefined)
          throw new IndexerError(`${at}: model and slot missing (${String(row.detail)})`);
        return { ...base, kind: "model-registered", modelId: modelId.toLowerCase() as Hex, slot: Number(slot) };
      }
      case "model-proposed":
      case "model-proposal-cancelled": {
        if (!/^0x[0-9a-fA-F]{32}$/.test(row.detail ?? "")) throw new IndexerError(`${at}: model missing`);
        const modelId = row.detail!.toLowerCase() as Hex;
        return row.kind === "model-proposed"
          ? { ...base, kind: "model-proposed", modelId }
          : { ...base, kind: "model-proposal-cancelled", modelId };
      }
      case "model-unbound": {
        const [, modelId, slot, by] = /^(0x[0-9a-fA-F]{32}):(\d+):(0x[0-9a-fA-F]{40})$/.exec(row.detail ?? "") ?? [];
        if (modelId === undefined || slot === undefined || by === undefined)
          throw new IndexerError(`${at}: model, slot and unbinder missing (${String(row.detail)})`);
        return {
          ...base,
          kind: "model-unbound",
          modelId: modelId.toLowerCase() as Hex,
          slot: Number(slot),
          by: getAddress(by),
        };
      }
      case "nonce-used":
        return { ...base, kind: "nonces-invalidated", nonce: big(row.detail, "nonce") };
      case "deposited":
        return {
          ...base,
          kind: "deposited",
          amount: big(row.amount, "amount"),
          balance: big(row.balance, "balance"),
          effectiveRound: num(row.round, "effective round"),
        };
      case "allocation-set": {
        const vector = allocationById.get(row.id);
        if (!vector) throw new IndexerError(`${at}: its vector is not in the allocation table`);
        return {
          ...base,
          kind: "allocation-set",
          effectiveRound: vector.effectiveRound,
          by: getAddress(vector.by),
          weights: [...vector.weights],
        };
      }
      case "manager-set":
        if (!row.detail || !isAddress(row.detail))
          throw new IndexerError(`${at}: manager missing (${String(row.detail)})`);
        return { ...base, kind: "manager-set", manager: getAddress(row.detail) };
      case "withdrawal-requested":
        return {
          ...base,
          kind: "withdrawal-requested",
          amount: big(row.amount, "amount"),
          pendingWithdrawal: big(row.pendingWithdrawal, "pending withdrawal"),
          balance: big(row.balance, "balance"),
          lastAtRiskRound: num(row.round, "last round at risk"),
          releaseAt: Number(big(row.releaseAt, "release time")),
        };
      case "withdrawal-claimed":
        return { ...base, kind: "withdrawal-claimed", amount: big(row.amount, "amount") };
      case "settled": {
        const round = num(row.round, "settled round");
        const s = settlementByRound.get(round);
        if (!s) throw new IndexerError(`${at}: round ${round}'s settlement is not in the settlement table`);
        return {
          ...base,
          kind: "settled",
          round,
          stakeAtRisk: big(s.stakeAtRisk, "stake at risk"),
          rates: s.rates.map((r) => big(r, "rate")),
          delta: big(s.delta, "delta"),
          paid: big(s.paid, "paid"),
          burned: big(s.burned, "burned"),
          unpaidRewards: big(s.unpaidRewards, "unpaid rewards"),
          balance: big(s.balance, "balance"),
          unprovable: s.unprovable,
        };
      }
      case "span-settled": {
        const fromRound = num(row.round, "first round of the span");
        const s = spanByFromRound.get(fromRound);
        if (!s) throw new IndexerError(`${at}: the span from round ${fromRound} is not in the spanSettlement table`);
        return {
          ...base,
          kind: "span-settled",
          fromRound,
          toRound: num(s.toRound, "last round of the span"),
          stakeAtRisk: big(s.stakeAtRisk, "stake at risk"),
          rateSums: s.rateSums.map((r) => big(r, "rate sum")),
          delta: big(s.delta, "delta"),
          paid: big(s.paid, "paid"),
          burned: big(s.burned, "burned"),
          unpaidRewards: big(s.unpaidRewards, "unpaid rewards"),
          balance: big(s.balance, "balance"),
        };
      }
      case "rewards-claimed":
        return {
          ...base,
          kind: "rewards-claimed",
          amount: big(row.amount, "amount"),
          unpaidRewards: big(row.unpaidRewards, "rewards still owed"),
          balance: big(row.balance, "balance"),
        };
      case "rewards-funded": {
        const f = fundingById.get(row.id);
        if (!f) throw new IndexerError(`${at}: its refill is not in the rewardsFunding table`);
        return {
          ...base,
          kind: "rewards-funded",
          amount: big(f.amount, "amount"),
          toOwed: big(f.toOwed, "amount paid to owed rewards"),
          pool: big(f.pool, "pool"),
          owedTotal: big(f.owedTotal, "total owed"),
          owedFactor: big(f.owedFactor, "owed factor"),
          owedEpoch: num(f.owedEpoch, "owed epoch"),
          owedScale: num(f.owedScale, "owed scale"),
        };
      }
      default:
        throw new IndexerError(`${at}: unknown kind of event "${row.kind}"`);
    }
  });
  // NonceUsed rows beside another event of the same transaction are echoes; alone, they are invalidateNonces.
  return withoutNonceEchoes(decoded).sort(byChainOrder);
}

export function indexerHistorySource(
  url: string,
  contracts: Pick<AppContracts, "chainId">,
  gql: GraphQLFetch = httpGraphQL(url),
): HistorySource {
  return {
    name: "indexer",
    async accountHistory(account: Address): Promise<AccountHistory> {
      if (!isAddress(account)) throw new IndexerError(`"${account}" is not an address`);
      const checksummed = getAddress(account);
      const lower = JSON.stringify(checksummed.toLowerCase());
      const toBlock = await indexedHead(gql, contracts.chainId);
      const upTo = `blockNumber_lte: "${toBlock}"`;
      const [events, allocations, settlements, fundings, spans] = await Promise.all([
        allPages(gql, "accountEvents", `{ account: ${lower}, ${upTo} }`, EVENT_COLUMNS),
        allPages(gql, "allocations", `{ account: ${lower}, ${upTo} }`, ALLOCATION_COLUMNS),
        allPages(gql, "settlements", `{ account: ${lower} }`, SETTLEMENT_COLUMNS),
        allPages(gql, "rewardsFundings", `{ from: ${lower}, ${upTo} }`, FUNDING_COLUMNS),
        allPages(gql, "spanSettlements", `{ account: ${lower} }`, SPAN_SETTLEMENT_COLUMNS),
      ]);
      return {
        account: checksummed,
        events: toAccountEvents(events, allocations, settlements, fundings, spans),
        toBlock,
      };
    },
  };
}
