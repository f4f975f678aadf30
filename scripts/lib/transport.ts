/**
 * Talking to a node that drops connections: a node closes idle keep-alive sockets (after ~5 s for Hardhat's), a proxy
 * resets one, a write hits a closed socket (EPIPE). None of these is an answer from the node, so none is a revert.
 *
 * RetryingEip1193 wraps any EIP-1193 provider (Hardhat's, in-process or over HTTP): reads, whose repetition changes
 * nothing, are retried with exponential backoff up to a bound and each retry is logged as what it is; a transaction
 * send is never repeated here (a send whose answer was lost may have reached the node): it fails as a
 * TransportFailure and the job re-reads the chain and plans again, which is safe because the jobs are idempotent.
 */
import { BrowserProvider } from "ethers";

export interface Eip1193Provider {
  request(args: { method: string; params?: unknown[] | object }): Promise<unknown>;
}

/** JSON-RPC methods whose repetition has no effect on chain. */
const IDEMPOTENT_METHODS = new Set([
  "eth_chainId",
  "net_version",
  "eth_blockNumber",
  "eth_getBlockByNumber",
  "eth_getBlockByHash",
  "eth_call",
  "eth_estimateGas",
  "eth_getLogs",
  "eth_getTransactionByHash",
  "eth_getTransactionReceipt",
  "eth_getTransactionCount",
  "eth_getBalance",
  "eth_getCode",
  "eth_getStorageAt",
  "eth_gasPrice",
  "eth_maxPriorityFeePerGas",
  "eth_feeHistory",
  "eth_accounts",
  "hardhat_metadata",
  "web3_clientVersion",
]);

/** What the job's log says about a failure that never reached an answer from the node. */
const SOCKET_CODES: Record<string, string> = {
  UND_ERR_SOCKET: "connection closed by the node",
  UND_ERR_CLOSED: "connection closed by the node",
  ECONNRESET: "connection reset by the node",
  EPIPE: "connection broken while sending (write EPIPE)",
  ECONNREFUSED: "the node refused the connection (is it running?)",
  ECONNABORTED: "connection aborted",
  ETIMEDOUT: "timed out connecting to the node",
  UND_ERR_CONNECT_TIMEOUT: "timed out connecting to the node",
  UND_ERR_HEADERS_TIMEOUT: "timed out waiting for the node's answer",
  UND_ERR_BODY_TIMEOUT: "timed out reading the node's answer",
  EHOSTUNREACH: "the node's host is unreachable",
  ENETUNREACH: "the network is unreachable",
};
const SOCKET_MESSAGES: [RegExp, string][] = [
  [/other side closed|socket hang up/i, "connection closed by the node"],
  [/\bEPIPE\b/, "connection broken while sending (write EPIPE)"],
  [/\bECONNRESET\b/, "connection reset by the node"],
  [/\bECONNREFUSED\b/, "the node refused the connection (is it running?)"],
];

/** A request that got no answer from the node (after any retries). `description` says what happened. */
export class TransportFailure extends Error {
  readonly code = "TRANSPORT_FAILURE";
  constructor(
    readonly method: string,
    readonly description: string,
    options?: { cause?: unknown; attempts?: number },
  ) {
    const attempts = options?.attempts ?? 1;
    super(`${method}: ${description}${attempts > 1 ? ` (gave up after ${attempts} attempts)` : ""}`, options);
    this.name = "TransportFailure";
  }
}

/** Every object reachable through the usual wrapping fields (ethers' info/error, Node's cause). */
function* wrapped(error: unknown): Generator<Record<string, unknown>> {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length) {
    const e = queue.shift();
    if (!e || typeof e !== "object" || seen.has(e)) continue;
    seen.add(e);
    const record = e as Record<string, unknown>;
    yield record;
    queue.push(record.error, record.info, record.cause);
  }
}

/** Revert data sits at different depths depending on the provider and ethers' wrapping. */
export function revertData(error: unknown): string | undefined {
  for (const record of wrapped(error)) {
    if (typeof record.data === "string" && /^0x[0-9a-fA-F]{8}/.test(record.data)) return record.data;
    const inner = record.data as Record<string, unknown> | undefined;
    if (inner && typeof inner === "object" && typeof inner.data === "string" && /^0x[0-9a-fA-F]{8}/.test(inner.data))
      return inner.data;
  }
  return undefined;
}

/**
 * The transport failure in plain words ("connection closed by the node"), or undefined when the node did answer
 * (a JSON-RPC error, a revert) or the error is something else.
 */
export function transportFailureOf(error: unknown): string | undefined {
  if (revertData(error) !== undefined) return undefined;
  for (const record of wrapped(error)) {
    if (record.code === "TRANSPORT_FAILURE") {
      // ethers copies only message and code of an EIP-1193 error: the message is "<method>: <description>".
      if (typeof record.description === "string") return record.description;
      if (typeof record.message === "string") return record.message.replace(/^\w+: /, "");
    }
    if (typeof record.code === "string" && SOCKET_CODES[record.code]) return SOCKET_CODES[record.code];
  }
  for (const record of wrapped(error)) {
    const message = typeof record.message === "string" ? record.message : "";
    for (const [pattern, words] of SOCKET_MESSAGES) if (pattern.test(message)) return words;
  }
  return undefined;
}

export interface RetryOptions {
  retries?: number; // retries after the first attempt (default 5)
  baseDelayMs?: number; // first backoff; doubled each retry (default 250)
  maxDelayMs?: number; // backoff cap (default 4000)
  log?: (line: string) => void;
}

/** An EIP-1193 provider that retries idempotent reads on transport failures and reports sends' as TransportFailure. */
export class RetryingEip1193 implements Eip1193Provider {
  /** Transport failures seen (retried or not), for reports and tests. */
  failures = 0;
  private readonly retries: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly log: (line: string) => void;

  constructor(
    private readonly inner: Eip1193Provider,
    options: RetryOptions = {},
  ) {
    this.retries = options.retries ?? 5;
    this.baseDelayMs = options.baseDelayMs ?? 250;
    this.maxDelayMs = options.maxDelayMs ?? 4000;
    this.log = options.log ?? (() => {});
    if (!Number.isInteger(this.retries) || this.retries < 0)
      throw new Error(`retries must be >= 0, not ${this.retries}`);
  }

  async request(args: { method: string; params?: unknown[] | object }): Promise<unknown> {
    const retryable = IDEMPOTENT_METHODS.has(args.method);
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.inner.request(args);
      } catch (error) {
        const failure = transportFailureOf(error);
        if (failure === undefined) throw error; // the node answered: its error is the answer
        this.failures++;
        if (!retryable) {
          this.log(`${args.method}: ${failure}; not repeated (a send may have reached the node): re-planning`);
          throw new TransportFailure(args.method, failure, { cause: error });
        }
        if (attempt >= this.retries)
          throw new TransportFailure(args.method, failure, { cause: error, attempts: attempt + 1 });
        const delay = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** attempt);
        this.log(`${args.method}: ${failure}, retrying ${attempt + 1}/${this.retries} in ${delay} ms`);
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }
}

/**
 * An ethers provider over `inner` with reads retried. No response cache (ethers' default reuses a block number for
 * 250 ms, which makes `tx.wait()` miss a just-mined block and wait a 4 s polling interval per transaction).
 */
export function retryingEthersProvider(inner: Eip1193Provider, options: RetryOptions = {}): BrowserProvider {
  return new BrowserProvider(new RetryingEip1193(inner, options), undefined, {
    cacheTimeout: -1,
    pollingInterval: 250,
    staticNetwork: true,
  });
}
