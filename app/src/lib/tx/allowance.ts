/**
 * Raising the staking contract's NMR allowance under NMR's rule: the real NMR's `approve` only changes an allowance
 * from zero or to zero (NMRLike, the local test token, reverts ApproveNonZeroToNonZero otherwise). A short non-zero
 * allowance is raised with `changeApproval(spender, current, needed)`: one transaction, and it states the allowance
 * it replaces, so it cannot be raced into a double spend. (approve(0) then approve(needed) would work too, but takes
 * two transactions and leaves a window with a zero allowance.) A token without changeApproval (a standard ERC-20 such
 * as MockNMR) accepts a non-zero to non-zero approve, so the app falls back to it.
 */
import {
  AbiDecodingZeroDataError,
  BaseError,
  ContractFunctionRevertedError,
  type Address,
  type SimulateContractReturnType,
} from "viem";
import { readContract, simulateContract } from "viem/actions";
import type { nmrAbi } from "@portfolio-stake/core/abi/nmrAbi";
import { getChainClient } from "@/lib/chain";
import { formatNmr } from "@/lib/format";

export type ApprovalCall =
  | { functionName: "approve"; args: readonly [Address, bigint] }
  | { functionName: "changeApproval"; args: readonly [Address, bigint, bigint] };

/** The call that sets the allowance from `current` to `needed` on NMR: approve from zero, changeApproval otherwise. */
export function approvalCall(spender: Address, current: bigint, needed: bigint): ApprovalCall {
  return current === 0n || needed === 0n
    ? { functionName: "approve", args: [spender, needed] }
    : { functionName: "changeApproval", args: [spender, current, needed] };
}

/** The token does not have the function: an empty revert, or (behind a fallback like NMR's) an empty answer. */
function missingFunction(error: unknown): boolean {
  if (!(error instanceof BaseError)) return false;
  if (error.walk((e) => e instanceof AbiDecodingZeroDataError)) return true;
  const reverted = error.walk(
    (e) => e instanceof ContractFunctionRevertedError,
  ) as ContractFunctionRevertedError | null;
  return reverted !== null && !reverted.data && !reverted.reason && (!reverted.raw || reverted.raw === "0x");
}

/**
 * Simulates the transaction that sets `owner`'s allowance for `spender` to `needed`, reading the current allowance
 * now, and returns the request to send. Throws an Error in plain words when the token would refuse.
 */
export async function prepareAllowance(
  token: { address: Address; abi: typeof nmrAbi },
  owner: Address,
  spender: Address,
  needed: bigint,
): Promise<{ request: unknown }> {
  const client = getChainClient();
  const current = await readContract(client, { ...token, functionName: "allowance", args: [owner, spender] });
  const call = approvalCall(spender, current, needed);
  if (call.functionName === "approve")
    return simulateContract(client, { account: owner, ...token, functionName: "approve", args: call.args });
  let simulated: SimulateContractReturnType<typeof nmrAbi, "changeApproval">;
  try {
    simulated = await simulateContract(client, {
      account: owner,
      ...token,
      functionName: "changeApproval",
      args: call.args,
    });
  } catch (error) {
    if (!missingFunction(error)) throw error;
    // A standard ERC-20 without changeApproval: its approve accepts non-zero to non-zero.
    return simulateContract(client, { account: owner, ...token, functionName: "approve", args: [spender, needed] });
  }
  if (simulated.result !== true)
    throw new Error(
      `The NMR token would not change the allowance: it is no longer ${formatNmr(current)} NMR (it changed meanwhile). Retry.`,
    );
  return simulated;
}
