/**
 * The rebalance's per-call estimates (scripts/lib/rebalanceCalls.ts): a refusal by the node is a problem of the file,
 * a dropped connection is not. No chain: the provider is a stub whose estimateGas fails as asked.
 * Run: `node --import tsx --test scripts/lib/rebalanceCalls.test.ts`.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Provider } from "ethers";
import { PortfolioStake__factory } from "../../typechain-types";
import { EstimateTransportError, estimateCalls } from "./rebalanceCalls";

const STAKE = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const ALICE = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const BOB = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const stake = PortfolioStake__factory.connect(STAKE, null);

/** What ethers throws when the write of a request hits a closed socket. */
const epipe = () => Object.assign(new Error("write EPIPE"), { code: "EPIPE", syscall: "write" });
/** What Node's fetch (undici) throws when the node closes a keep-alive socket, as ethers wraps it. */
const otherSideClosed = () =>
  Object.assign(new Error("could not coalesce error"), {
    code: "UNKNOWN_ERROR",
    error: Object.assign(new TypeError("fetch failed"), {
      cause: Object.assign(new Error("other side closed"), { code: "UND_ERR_SOCKET" }),
    }),
  });
/** The retrying provider's give-up, as ethers copies an EIP-1193 error (message and code only). */
const gaveUp = () =>
  Object.assign(new Error("could not coalesce error"), {
    code: "UNKNOWN_ERROR",
    info: {
      error: {
        code: "TRANSPORT_FAILURE",
        message: "eth_estimateGas: connection closed by the node (gave up after 6 attempts)",
      },
    },
  });
/** A revert with one of the contract's custom errors as data: the node answered. */
const revert = () =>
  Object.assign(new Error("execution reverted"), {
    code: "CALL_EXCEPTION",
    data: stake.interface.encodeErrorResult("UnknownModel", ["0x" + "ab".repeat(16)]),
  });

/** A provider whose estimateGas answers 50,000 for ALICE's call and fails with `failure()` for BOB's. */
function provider(failure: () => Error): Provider {
  return {
    estimateGas: async ({ data }: { data: string }) => {
      if (data === "0xb0b") throw failure();
      return 50_000n;
    },
  } as unknown as Provider;
}
const calls = [
  { account: ALICE, data: "0xa11ce" },
  { account: BOB, data: "0xb0b" },
];

describe("rebalance estimates", function () {
  for (const [name, failure, words] of [
    ["write EPIPE", epipe, "connection broken while sending (write EPIPE)"],
    ["other side closed", otherSideClosed, "connection closed by the node"],
    ["retries exhausted", gaveUp, "connection closed by the node (gave up after 6 attempts)"],
  ] as const) {
    it(`reports a dropped connection (${name}) as no answer from the node, never as the contract refusing`, async function () {
      const error = await estimateCalls(stake, provider(failure), ALICE, calls).then(
        () => assert.fail("an estimate without an answer must stop the check"),
        (e: unknown) => e,
      );
      assert.ok(error instanceof EstimateTransportError, String(error));
      assert.equal(error.account, BOB);
      assert.equal(
        error.message,
        `${BOB}: could not check this change: no answer from the node (${words}); nothing was sent, run again when the node answers`,
      );
      assert.doesNotMatch(error.message, /refuse|revert/i);
    });
  }

  it("still reports the node's refusal (revert data) as a problem naming the contract's error", async function () {
    const result = await estimateCalls(stake, provider(revert), ALICE, calls);
    assert.deepEqual(
      result.calls.map((c) => [c.account, c.gas]),
      [[ALICE, 50_000n]],
    );
    assert.deepEqual(result.problems, [
      `${BOB}: the contract would refuse this change: UnknownModel(0x${"ab".repeat(16)})`,
    ]);
  });
});
