import assert from "node:assert/strict";
import { test } from "node:test";
import { type Address, encodeFunctionData, type Hex } from "viem";
import { nmrAbi } from "@portfolio-stake/core/abi/nmrAbi";
import { portfolioStakeAbi } from "@portfolio-stake/core/abi/portfolioStakeAbi";
import { describeCall, nmrAmountText } from "./describeCall";

const E = 10n ** 18n;
const STAKE: Address = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const ALICE: Address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const MODELS: Hex[] = ["0x0000000000000000000000000000a001", "0x0000000000000000000000000000a002"];
const labels = {
  modelLabel: (id: string) => ({ [MODELS[0]!]: "alice_01", [MODELS[1]!]: "alice_02" })[id] ?? id,
  addressLabel: (a: Address) => (a === STAKE ? "PortfolioStake contract" : a === ALICE ? "alice" : undefined),
};
const abis = [portfolioStakeAbi, nmrAbi] as const;

test("setAllocation shows each model's weight by name, in %", () => {
  const data = encodeFunctionData({
    abi: portfolioStakeAbi,
    functionName: "setAllocation",
    args: [MODELS, [7000, 3000]],
  });
  assert.deepEqual(describeCall(data, abis, labels), {
    functionName: "setAllocation",
    args: [{ label: "Weights", value: ["alice_01: 70.00%", "alice_02: 30.00%"] }],
  });
});

test("setAllocationFor names the account too", () => {
  const data = encodeFunctionData({
    abi: portfolioStakeAbi,
    functionName: "setAllocationFor",
    args: [ALICE, MODELS, [1, 9999]],
  });
  assert.deepEqual(describeCall(data, abis, labels)?.args, [
    { label: "Account", value: "alice (0x7099…79C8)" },
    { label: "Weights", value: ["alice_01: 0.01%", "alice_02: 99.99%"] },
  ]);
});

test("deposit and withdrawal amounts in NMR, exactly", () => {
  const deposit = encodeFunctionData({ abi: portfolioStakeAbi, functionName: "deposit", args: [(15n * E) / 10n] });
  assert.deepEqual(describeCall(deposit, abis, labels), {
    functionName: "deposit",
    args: [{ label: "Amount", value: "1.5 NMR" }],
  });
  const request = encodeFunctionData({
    abi: portfolioStakeAbi,
    functionName: "requestWithdrawal",
    args: [1234n * E + 1n],
  });
  assert.deepEqual(describeCall(request, abis, labels)?.args, [
    { label: "Amount", value: "1,234.000000000000000001 NMR" },
  ]);
});

test("NMR approvals name the spender and the amounts", () => {
  const approve = encodeFunctionData({ abi: nmrAbi, functionName: "approve", args: [STAKE, 5n * E] });
  assert.deepEqual(describeCall(approve, abis, labels), {
    functionName: "approve",
    args: [
      { label: "Spender", value: "PortfolioStake contract (0x5FbD…0aa3)" },
      { label: "Amount", value: "5 NMR" },
    ],
  });
  const change = encodeFunctionData({
    abi: nmrAbi,
    functionName: "changeApproval",
    args: [ALICE, 5n * E, 2n ** 256n - 1n],
  });
  assert.deepEqual(describeCall(change, abis, labels)?.args, [
    { label: "Spender", value: "alice (0x7099…79C8)" },
    { label: "Current allowance", value: "5 NMR" },
    { label: "New allowance", value: "unlimited" },
  ]);
});

test("no arguments, plain transfers and unknown calls", () => {
  const claim = encodeFunctionData({ abi: portfolioStakeAbi, functionName: "claimWithdrawal" });
  assert.deepEqual(describeCall(claim, abis, labels), { functionName: "claimWithdrawal", args: [] });
  assert.deepEqual(describeCall("0x", abis, labels), { functionName: "plain transfer", args: [] });
  assert.equal(describeCall("0xdeadbeef", abis, labels), undefined);
  assert.equal(nmrAmountText(0n), "0 NMR");
});
