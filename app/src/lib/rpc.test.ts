import assert from "node:assert/strict";
import { test } from "node:test";
import { createClient, custom, decodeFunctionData, encodeFunctionResult } from "viem";
import { hardhat } from "viem/chains";
import { portfolioStakeAbi } from "@portfolio-stake/core/abi/portfolioStakeAbi";
import { blockHeader, ethCall } from "./rpc";

const STAKE = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512";

function fakeNode(answer: (method: string, params: unknown[]) => unknown) {
  const calls: { method: string; params: unknown[] }[] = [];
  const client = createClient({
    chain: hardhat,
    transport: custom({
      request: async ({ method, params }: { method: string; params: unknown[] }) => {
        calls.push({ method, params });
        return answer(method, params);
      },
    }),
  });
  return { client, calls };
}

test("ethCall encodes the call, pins the block and decodes the typed result", async () => {
  const { client, calls } = fakeNode((_method, params) => {
    const { functionName, args } = decodeFunctionData({
      abi: portfolioStakeAbi,
      data: (params[0] as { data: `0x${string}` }).data,
    });
    assert.equal(functionName, "allocationAt");
    assert.deepEqual(args, ["0x70997970C51812dc3A010C7d01b50e0d17dc79C8", 31]);
    return encodeFunctionResult({
      abi: portfolioStakeAbi,
      functionName: "allocationAt",
      result: [["0x527e9049164c15eb2caa23a92bb55da7"], [10_000]],
    });
  });
  const [ids, bps] = await ethCall(client, {
    address: STAKE,
    abi: portfolioStakeAbi,
    functionName: "allocationAt",
    args: ["0x70997970C51812dc3A010C7d01b50e0d17dc79C8", 31],
    blockNumber: 134n,
  });
  assert.deepEqual(ids, ["0x527e9049164c15eb2caa23a92bb55da7"]);
  assert.deepEqual(bps, [10_000]);
  const [call] = calls;
  assert.ok(call, "one eth_call");
  assert.equal(call.method, "eth_call");
  assert.equal((call.params[0] as { to: string }).to, STAKE);
  assert.equal(call.params[1], "0x86");
});

test("blockHeader reads number and timestamp; a pending block has no number", async () => {
  const { client } = fakeNode((_m, params) =>
    params[0] === "pending" ? { number: null, timestamp: "0x10" } : { number: "0x86", timestamp: "0x5" },
  );
  assert.deepEqual(await blockHeader(client), { number: 134n, timestamp: 5n });
  assert.deepEqual(await blockHeader(client, "pending"), { number: null, timestamp: 16n });
});
