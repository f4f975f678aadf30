/**
 * The calls a rebalance sends and how they are grouped: setAllocationFor (the signer is the account or its manager)
 * or setAllocationBySig (EIP-712 signed, so anyone, e.g. a relayer, can submit), each checked alone with
 * eth_estimateGas before anything is sent, then packed into as few multicall transactions as the gas budget allows.
 */
import type { Provider, Signer } from "ethers";
import type { PortfolioStake } from "../../typechain-types";
import type { AccountPlan } from "./rebalancePlan";
import { describeFailure } from "./chain";
import { transportFailureOf } from "./transport";
import { SET_ALLOCATION_TYPES, readEip712Domain } from "@portfolio-stake/core/eip712";

export type Mode = "multicall" | "signed";
export const MODES: readonly Mode[] = ["multicall", "signed"];

/** Default gas per transaction: a third of a 30M block, ~150 four-model accounts. */
export const DEFAULT_GAS_BUDGET = 10_000_000n;
/** A multicall adds a delegatecall and some calldata per call; a generous bound keeps the first packing in budget. */
const MULTICALL_OVERHEAD_PER_CALL = 5_000n;
const BASE_TX_GAS = 21_000n;

/** A signed reallocation: everything a relayer needs to call setAllocationBySig. */
export interface SignedAllocation {
  account: string;
  modelIds: string[];
  bps: number[];
  nonce: string;
  deadline: string;
  signature: string;
}

export interface AllocationCall {
  account: string;
  data: string; // calldata of one PortfolioStake call
  gas: bigint; // eth_estimateGas of that call alone
  signed?: SignedAllocation;
}

/** Signs `plan`'s target for setAllocationBySig (domain read from the contract, EIP-5267). */
export async function signAllocation(
  stake: PortfolioStake,
  signer: Signer,
  plan: AccountPlan,
  deadline: bigint,
): Promise<SignedAllocation> {
  const message = { account: plan.account, modelIds: plan.modelIds, bps: plan.targetBps, nonce: plan.nonce, deadline };
  const signature = await signer.signTypedData(await readEip712Domain(stake), SET_ALLOCATION_TYPES, message);
  return { ...message, nonce: plan.nonce.toString(), deadline: deadline.toString(), signature };
}

export function encodeSetAllocationFor(stake: PortfolioStake, plan: AccountPlan): string {
  return stake.interface.encodeFunctionData("setAllocationFor", [plan.account, plan.modelIds, plan.targetBps]);
}

export function encodeSetAllocationBySig(stake: PortfolioStake, s: SignedAllocation): string {
  return stake.interface.encodeFunctionData("setAllocationBySig", [
    s.account,
    s.modelIds,
    s.bps,
    s.nonce,
    s.deadline,
    s.signature,
  ]);
}

/** One transaction's calldata: the call itself when alone (cheaper), else a multicall of them. */
export function transactionData(stake: PortfolioStake, calls: readonly AllocationCall[]): string {
  const [first, ...others] = calls;
  if (first !== undefined && others.length === 0) return first.data;
  return stake.interface.encodeFunctionData("multicall", [calls.map((c) => c.data)]);
}

/**
 * An estimate that got no answer from the node (a dropped connection, after the provider's retries): nothing is known
 * about the call, so it is neither a refusal nor a problem of the file. Nothing was sent; a re-run plans again.
 */
export class EstimateTransportError extends Error {
  constructor(
    readonly account: string,
    readonly description: string,
    options?: { cause?: unknown },
  ) {
    super(
      `${account}: could not check this change: no answer from the node (${description}); nothing was sent, ` +
        "run again when the node answers",
      options,
    );
    this.name = "EstimateTransportError";
  }
}

/**
 * Estimates every call alone; a call the node refuses (it answered with a revert or an error) becomes a problem, so
 * nothing is sent. A call whose estimate got no answer (transport failure) stops the check with an
 * EstimateTransportError: it says nothing about the contract.
 */
export async function estimateCalls(
  stake: PortfolioStake,
  provider: Provider,
  from: string,
  calls: { account: string; data: string; signed?: SignedAllocation }[],
): Promise<{ calls: AllocationCall[]; problems: string[] }> {
  const to = await stake.getAddress();
  const problems: string[] = [];
  const estimated: AllocationCall[] = [];
  for (const call of calls) {
    try {
      estimated.push({ ...call, gas: await provider.estimateGas({ from, to, data: call.data }) });
    } catch (error) {
      const transport = transportFailureOf(error);
      if (transport !== undefined) throw new EstimateTransportError(call.account, transport, { cause: error });
      problems.push(`${call.account}: the contract would refuse this change: ${describeFailure(error, stake)}`);
    }
  }
  return { calls: estimated, problems };
}

/** Greedy packing in order by each call's own gas (less one base fee) plus a multicall allowance. */
export function packByGas<T extends { gas: bigint }>(calls: readonly T[], budget: bigint): T[][] {
  const chunks: T[][] = [];
  let chunk: T[] = [];
  let total = BASE_TX_GAS;
  for (const call of calls) {
    const cost = call.gas - BASE_TX_GAS + MULTICALL_OVERHEAD_PER_CALL;
    if (chunk.length && total + cost > budget) {
      chunks.push(chunk);
      chunk = [];
      total = BASE_TX_GAS;
    }
    chunk.push(call);
    total += cost;
  }
  if (chunk.length) chunks.push(chunk);
  return chunks;
}

/** Packs calls, then checks each transaction's real estimate and halves any that exceeds the budget. */
export async function chunkCalls(
  stake: PortfolioStake,
  provider: Provider,
  from: string,
  calls: readonly AllocationCall[],
  budget: bigint,
): Promise<{ calls: AllocationCall[]; gas: bigint }[]> {
  const to = await stake.getAddress();
  const result: { calls: AllocationCall[]; gas: bigint }[] = [];
  const queue = packByGas(calls, budget);
  while (queue.length) {
    const chunk = queue.shift()!;
    const gas = await provider.estimateGas({ from, to, data: transactionData(stake, chunk) });
    if (gas > budget && chunk.length > 1) {
      const half = Math.ceil(chunk.length / 2);
      queue.unshift(chunk.slice(0, half), chunk.slice(half));
    } else {
      result.push({ calls: chunk, gas });
    }
  }
  return result;
}
