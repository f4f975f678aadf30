/**
 * Small chain helpers shared by the operator and keeper jobs: the chain's clock, event logs read in block ranges
 * (public RPC endpoints cap eth_getLogs ranges) and revert reasons decoded into the contract's error names.
 */
import type { PortfolioStake } from "../../typechain-types";
import { revertData, transportFailureOf } from "./transport";

export const ZERO_ROOT = "0x" + "0".repeat(64);
/** Blocks per eth_getLogs request; common RPC providers accept 10,000. */
export const DEFAULT_LOG_BLOCK_RANGE = 10_000;

/** The latest block's timestamp: what the contract compares with resolvesAt and deadline. */
export async function chainTime(stake: PortfolioStake): Promise<bigint> {
  const block = await provider(stake).getBlock("latest");
  if (!block) throw new Error("the node returned no latest block");
  return BigInt(block.timestamp);
}

function provider(stake: PortfolioStake) {
  const p = stake.runner?.provider;
  if (!p) throw new Error("the PortfolioStake contract object has no provider: connect it to a signer or provider");
  return p;
}

/** Stakers, from Deposited events (an account has rounds to settle only once it deposited). */
export async function stakersFromEvents(stake: PortfolioStake, fromBlock = 0, range = DEFAULT_LOG_BLOCK_RANGE) {
  const addresses: string[] = [];
  await forEachBlockRange(stake, fromBlock, range, async (from, to) => {
    for (const e of await stake.queryFilter(stake.filters.Deposited(), from, to)) addresses.push(e.args.staker);
  });
  return [...new Set(addresses)];
}

/** Every model ever registered (registration is permanent), from ModelRegistered events, as emitted (bytes16). */
export async function registeredModelsFromEvents(
  stake: PortfolioStake,
  fromBlock = 0,
  range = DEFAULT_LOG_BLOCK_RANGE,
) {
  const ids: string[] = [];
  await forEachBlockRange(stake, fromBlock, range, async (from, to) => {
    for (const e of await stake.queryFilter(stake.filters.ModelRegistered(), from, to)) ids.push(e.args.modelId);
  });
  return ids;
}

/**
 * Where each registered model sits now (its account and slot), from ModelRegistered and ModelUnbound events in chain
 * order; an unbound model has no place. Keys are lower-case bytes16. The operator groups each account's leaves with it.
 */
export async function modelPlacesFromEvents(stake: PortfolioStake, fromBlock = 0, range = DEFAULT_LOG_BLOCK_RANGE) {
  const events: { at: [number, number]; modelId: string; place?: { account: string; slot: number } }[] = [];
  await forEachBlockRange(stake, fromBlock, range, async (from, to) => {
    for (const e of await stake.queryFilter(stake.filters.ModelRegistered(), from, to)) {
      const place = { account: e.args.account, slot: Number(e.args.slot) };
      events.push({ at: [e.blockNumber, e.index], modelId: e.args.modelId, place });
    }
    for (const e of await stake.queryFilter(stake.filters.ModelUnbound(), from, to))
      events.push({ at: [e.blockNumber, e.index], modelId: e.args.modelId });
  });
  events.sort((a, b) => a.at[0] - b.at[0] || a.at[1] - b.at[1]);
  const places = new Map<string, { account: string; slot: number }>();
  for (const { modelId, place } of events) {
    if (place) places.set(modelId.toLowerCase(), place);
    else places.delete(modelId.toLowerCase());
  }
  return places;
}

async function forEachBlockRange(
  stake: PortfolioStake,
  fromBlock: number,
  range: number,
  visit: (from: number, to: number) => Promise<void>,
) {
  if (!Number.isInteger(range) || range < 1)
    throw new Error(`the log block range must be a positive integer, not ${range}`);
  const latest = await provider(stake).getBlockNumber();
  for (let from = fromBlock; from <= latest; from += range) await visit(from, Math.min(from + range - 1, latest));
}

/**
 * A failed call or transaction in plain words: the contract's custom error with its arguments when the node returned
 * revert data (e.g. "MissingModelResult(2)"); "no answer from the node: <what happened>" when the request never got
 * one (a dropped connection is not a revert); else the provider's message.
 */
export function describeFailure(error: unknown, stake: PortfolioStake): string {
  const data = revertData(error);
  if (data) {
    try {
      const parsed = stake.interface.parseError(data);
      if (parsed) return `${parsed.name}(${parsed.args.map(String).join(", ")})`;
    } catch {
      // Not one of the contract's errors: fall through to the message.
    }
  }
  const transport = transportFailureOf(error);
  if (transport !== undefined) return `no answer from the node: ${transport}`;
  const e = error as { shortMessage?: string; message?: string };
  return e?.shortMessage ?? e?.message ?? String(error);
}
