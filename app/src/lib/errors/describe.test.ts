import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  type Abi,
  type AbiParameter,
  ContractFunctionExecutionError,
  ContractFunctionRevertedError,
  encodeErrorResult,
  HttpRequestError,
  stringToHex,
  UserRejectedRequestError,
} from "viem";
import { mockNmrAbi } from "@portfolio-stake/core/abi/mockNmrAbi";
import { nmrAbi } from "@portfolio-stake/core/abi/nmrAbi";
import { portfolioStakeAbi } from "@portfolio-stake/core/abi/portfolioStakeAbi";
import { describeError, describeRevertData, MOCK_NMR_ERRORS, NMR_ERRORS, STAKE_ERRORS } from "./describe";

function sample(param: AbiParameter): unknown {
  if (param.type === "address") return "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
  if (param.type === "bytes16") return "0x527e9049164c15eb2caa23a92bb55da7";
  if (param.type === "bytes32") return stringToHex("withdrawalDelay", { size: 32 });
  if (param.type === "string") return "x";
  const bits = Number(param.type.replace(/^u?int/, "") || 256);
  return bits > 48 ? 1234n * 10n ** 15n : 7;
}

for (const [label, abi, table] of [
  ["PortfolioStake", portfolioStakeAbi, STAKE_ERRORS],
  ["NMR", nmrAbi, NMR_ERRORS],
  ["MockNMR", mockNmrAbi, MOCK_NMR_ERRORS],
] as const) {
  describe(`every ${label} custom error has its own plain-language message`, () => {
    const errors = abi.filter((item) => item.type === "error");
    test("the table covers exactly the ABI's errors", () => {
      assert.deepEqual(Object.keys(table).sort(), errors.map((e) => e.name).sort());
    });
    for (const item of errors) {
      test(item.name, () => {
        const data = encodeErrorResult({ abi: [item] as Abi, errorName: item.name, args: item.inputs.map(sample) });
        const described = describeRevertData(data, { modelLabel: (id) => `model<${id.slice(2, 6)}>` });
        assert.ok(described, "decoded");
        assert.equal(described.kind, "revert");
        assert.equal(described.errorName, item.name);
        assert.ok(described.message.length > 15, described.message);
        assert.doesNotMatch(described.message, /undefined|NaN|\[object/, described.message);
        assert.ok(!described.message.includes(item.name), "says it in words, not the Solidity name");
      });
    }
  });
}

describe("details in the messages", () => {
  const anyErrorAbi: Abi = portfolioStakeAbi; // error names and arguments given as plain strings and values
  const revert = (errorName: string, args: unknown[]) =>
    describeRevertData(encodeErrorResult({ abi: anyErrorAbi, errorName, args }), {
      modelLabel: () => "carol_07",
    })!.message;
  test("InvalidWeightSum gives the sum in bps and percent", () =>
    assert.equal(
      revert("InvalidWeightSum", [9950n]),
      "The weights add up to 9950 bps (99.50%); they must add up to exactly 10,000 bps (100%).",
    ));
  test("InsufficientBalance formats NMR", () =>
    assert.match(revert("InsufficientBalance", [1500n * 10n ** 18n, 2n ** 64n]), /1,500\.00 NMR.*18\.45 NMR/));
  test("ModelNotOwned names the model", () =>
    assert.match(
      revert("ModelNotOwned", ["0x527e9049164c15eb2caa23a92bb55da7", "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"]),
      /carol_07 belongs to 0x3C44…93BC/,
    ));
  test("WithdrawalPending says to claim first", () =>
    assert.match(revert("WithdrawalPending", [500n * 10n ** 18n, 75]), /500\.00 NMR.*round 75.*claim it/));
  test("ExposureTooHigh says how much of a stake the open rounds could take", () =>
    assert.equal(
      revert("ExposureTooHigh", [43n, 5n * 10n ** 16n, 1n]),
      "These parameters would let the open rounds risk more than the whole stake: up to 43 rounds can be open at once, " +
        "each risking its cap / R = 5% / 1 = 5% of a stake, 215% in all. Lower the cap or the delays, or raise the round interval or R.",
    ));
  test("ExposureTooHigh rounds each round's share up, as the contract does", () =>
    assert.match(revert("ExposureTooHigh", [65n, 10n ** 18n, 64n]), /100% \/ 64 = 1\.56% of a stake, 101\.56% in all/));
  test("NothingToClaim depends on what was claimed", () => {
    const data = encodeErrorResult({ abi: anyErrorAbi, errorName: "NothingToClaim", args: [] });
    assert.match(describeRevertData(data, { functionName: "claimRewards" })!.message, /no owed rewards to claim yet/);
    assert.equal(
      describeRevertData(data, { functionName: "claimWithdrawal" })!.message,
      "There is no pending withdrawal to claim.",
    );
    assert.match(describeRevertData(data)!.message, /no pending withdrawal, or no owed rewards/);
  });
  test("ParameterOutOfBounds decodes the bytes32 name", () =>
    assert.match(revert("ParameterOutOfBounds", [stringToHex("rateCap", { size: 32 }), 1n, 2n, 3n]), /rateCap = 1/));
});

describe("describeError on what viem and wallets throw", () => {
  test("a wallet rejection (EIP-1193 4001)", () => {
    const r = describeError(new UserRejectedRequestError(new Error("User denied")));
    assert.equal(r.kind, "rejected");
    assert.match(r.message, /rejected.*Nothing was sent/);
  });
  test("a contract revert wrapped the way writeContract/simulateContract throw it", () => {
    const data = encodeErrorResult({ abi: portfolioStakeAbi, errorName: "EnforcedPause" });
    const cause = new ContractFunctionRevertedError({ abi: portfolioStakeAbi, data, functionName: "setAllocation" });
    const error = new ContractFunctionExecutionError(cause, {
      abi: portfolioStakeAbi,
      functionName: "setAllocation",
      args: [[], []],
      contractAddress: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512",
    });
    const r = describeError(error);
    assert.equal(r.kind, "revert");
    assert.equal(r.errorName, "EnforcedPause");
    assert.match(r.message, /paused/);
  });
  test("an RPC error carrying revert data in error.data", () => {
    const data = encodeErrorResult({
      abi: nmrAbi,
      errorName: "InsufficientAllowance",
      args: [
        "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
        "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512",
        0n,
        10n ** 18n,
      ],
    });
    const http = new HttpRequestError({ url: "http://127.0.0.1:8545", body: {}, details: "execution reverted" });
    Object.assign(http, { data });
    const r = describeError(http);
    assert.equal(r.errorName, "InsufficientAllowance");
    assert.match(r.message, /approve a larger amount/);
  });
  test("an unreachable RPC", () => {
    const r = describeError(new HttpRequestError({ url: "http://127.0.0.1:8545", body: {}, details: "fetch failed" }));
    assert.equal(r.kind, "network");
  });
  test("a plain Error keeps its first line", () =>
    assert.equal(describeError(new Error("boom\nstack")).message, "boom"));
});
