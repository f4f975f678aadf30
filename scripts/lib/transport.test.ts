/**
 * Transport failures (scripts/lib/transport.ts): what is a dropped connection and what is an answer from the node,
 * bounded retries of reads, sends never repeated. No chain: `node --import tsx --test scripts/lib/transport.test.ts`.
 * The keeper behind a proxy that drops connections is in test/integration/operator-keeper.test.ts.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { RetryingEip1193, TransportFailure, transportFailureOf } from "./transport";

const epipe = () => Object.assign(new Error("write EPIPE"), { code: "EPIPE", syscall: "write" });
/** What Node's fetch (undici) throws when the node closes a keep-alive socket. */
const otherSideClosed = () =>
  Object.assign(new TypeError("fetch failed"), {
    cause: Object.assign(new Error("other side closed"), { code: "UND_ERR_SOCKET" }),
  });
/** A revert as Hardhat's provider reports it: a JSON-RPC error with revert data. */
const revert = () => Object.assign(new Error("execution reverted"), { code: 3, data: "0x5d9b2b8a0000" });

/** An inner provider that fails the first `failures` calls with `error()`, then answers "0x1". */
function flaky(failures: number, error: () => Error) {
  const calls: string[] = [];
  return {
    calls,
    request({ method }: { method: string }) {
      calls.push(method);
      return calls.length <= failures ? Promise.reject(error()) : Promise.resolve("0x1");
    },
  };
}

describe("transport failures", function () {
  it("names dropped connections, and never a node's answer (revert data, JSON-RPC errors)", function () {
    assert.equal(transportFailureOf(otherSideClosed()), "connection closed by the node");
    assert.equal(transportFailureOf(epipe()), "connection broken while sending (write EPIPE)");
    assert.equal(
      transportFailureOf(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:8545"), { code: "ECONNREFUSED" })),
      "the node refused the connection (is it running?)",
    );
    // ethers keeps only message and code of an EIP-1193 error, under info.error
    const wrapped = { code: "UNKNOWN_ERROR", info: { error: { code: "TRANSPORT_FAILURE", message: "eth_call: x y" } } };
    assert.equal(transportFailureOf(wrapped), "x y");
    assert.equal(transportFailureOf(revert()), undefined);
    assert.equal(transportFailureOf(Object.assign(new Error("nonce too low"), { code: -32000 })), undefined);
    assert.equal(transportFailureOf(new Error("something else")), undefined);
  });

  it("retries a read with backoff, logging each retry as what it is, and succeeds", async function () {
    const inner = flaky(2, otherSideClosed);
    const log: string[] = [];
    const provider = new RetryingEip1193(inner, { retries: 5, baseDelayMs: 1, log: (l) => log.push(l) });
    assert.equal(await provider.request({ method: "eth_call", params: [] }), "0x1");
    assert.equal(inner.calls.length, 3);
    assert.deepEqual(log, [
      "eth_call: connection closed by the node, retrying 1/5 in 1 ms",
      "eth_call: connection closed by the node, retrying 2/5 in 2 ms",
    ]);
    assert.equal(provider.failures, 2);
  });

  it("gives up on a read after the bound, with a TransportFailure saying what happened", async function () {
    const inner = flaky(100, epipe);
    const provider = new RetryingEip1193(inner, { retries: 3, baseDelayMs: 1 });
    await assert.rejects(
      provider.request({ method: "eth_estimateGas", params: [] }),
      (e: unknown) =>
        e instanceof TransportFailure &&
        e.message === "eth_estimateGas: connection broken while sending (write EPIPE) (gave up after 4 attempts)",
    );
    assert.equal(inner.calls.length, 4);
  });

  it("never repeats a send, and passes a node's answer (a revert) through at once", async function () {
    const send = flaky(1, otherSideClosed);
    const provider = new RetryingEip1193(send, { baseDelayMs: 1 });
    await assert.rejects(provider.request({ method: "eth_sendTransaction", params: [] }), TransportFailure);
    assert.equal(send.calls.length, 1);
    const reverting = flaky(100, revert);
    await assert.rejects(new RetryingEip1193(reverting).request({ method: "eth_estimateGas" }), /execution reverted/);
    assert.equal(reverting.calls.length, 1);
  });
});
