/**
 * Lean reads for first-load pages: a contract view through a plain `eth_call` and a block's number and time through
 * `eth_getBlockByNumber`. viem's readContract/getBlock also bring CCIP-read, deployless calls, multicall batching and
 * full block/transaction formatters (~25 kB gzip) that these reads never use. Types still come from the ABI.
 */
import {
  type Abi,
  type Address,
  type BlockTag,
  type ContractFunctionArgs,
  type ContractFunctionName,
  type ContractFunctionReturnType,
  decodeFunctionResult,
  encodeFunctionData,
  type Hex,
  hexToBigInt,
  numberToHex,
} from "viem";
import type { ChainClient } from "@/lib/chain";

type ViewName<abi extends Abi> = ContractFunctionName<abi, "view" | "pure">;

export async function ethCall<
  const abi extends Abi,
  functionName extends ViewName<abi>,
  const args extends ContractFunctionArgs<abi, "view" | "pure", functionName>,
>(
  client: ChainClient,
  parameters: { address: Address; abi: abi; functionName: functionName; args?: args; blockNumber?: bigint },
): Promise<ContractFunctionReturnType<abi, "view" | "pure", functionName, args>> {
  const { address, abi, functionName, args, blockNumber } = parameters;
  const data = encodeFunctionData({ abi, functionName, args } as never);
  const block = blockNumber === undefined ? "latest" : numberToHex(blockNumber);
  const result = await client.request<{ Parameters: [{ to: Address; data: Hex }, Hex | BlockTag]; ReturnType: Hex }>({
    method: "eth_call",
    params: [{ to: address, data }, block],
  });
  return decodeFunctionResult({ abi, functionName, args, data: result } as never) as never;
}

export async function blockHeader(
  client: ChainClient,
  tag: BlockTag = "latest",
): Promise<{ number: bigint | null; timestamp: bigint }> {
  const block = await client.request<{
    Parameters: [BlockTag, false];
    ReturnType: { number: Hex | null; timestamp: Hex } | null;
  }>({ method: "eth_getBlockByNumber", params: [tag, false] });
  if (!block) throw new Error(`the node returned no ${tag} block`);
  return { number: block.number === null ? null : hexToBigInt(block.number), timestamp: hexToBigInt(block.timestamp) };
}
