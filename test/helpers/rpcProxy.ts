/**
 * A JSON-RPC HTTP proxy in front of an EIP-1193 provider (Hardhat's in-process network), which drops connections
 * the way a busy node or a load balancer does, and an HTTP EIP-1193 client (Node's fetch, the same undici client
 * Hardhat's HTTP provider uses) to talk to it. For testing the jobs' handling of transport failures.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Eip1193Provider } from "../../scripts/lib/transport";

export interface DropPlan {
  /** Every Nth request is closed without a response, half before reaching the node, half after (its effect kept). */
  dropEvery?: number;
  /** The first request of each of these methods reaches the node, then its connection is closed unanswered. */
  answerLostOnce?: string[];
}

export interface RpcProxy {
  url: string;
  requests: number;
  dropped: { method: string; reachedNode: boolean }[];
  close(): Promise<void>;
}

/** Starts the proxy on the first free port from 8611. */
export async function startRpcProxy(target: Eip1193Provider, plan: DropPlan): Promise<RpcProxy> {
  const lostOnce = new Set(plan.answerLostOnce ?? []);
  const state: RpcProxy = { url: "", requests: 0, dropped: [], close: async () => {} };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void (async () => {
        const n = ++state.requests;
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
          id: number;
          method: string;
          params?: unknown[];
        };
        const every = plan.dropEvery !== undefined && n % plan.dropEvery === 0;
        const drop = every ? ((n / plan.dropEvery!) % 2 === 1 ? "before" : "after") : undefined;
        const loseAnswer = lostOnce.delete(body.method);
        if (drop === "before" && !loseAnswer) {
          state.dropped.push({ method: body.method, reachedNode: false });
          req.socket.destroy();
          return;
        }
        let reply: object;
        try {
          reply = { jsonrpc: "2.0", id: body.id, result: await target.request(body) };
        } catch (e) {
          const error = e as { code?: unknown; message?: string; data?: unknown };
          const code = typeof error.code === "number" ? error.code : -32603;
          reply = { jsonrpc: "2.0", id: body.id, error: { code, message: error.message, data: error.data } };
        }
        if (drop === "after" || loseAnswer) {
          state.dropped.push({ method: body.method, reachedNode: true });
          req.socket.destroy();
          return;
        }
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify(reply, (_, v: unknown) => (typeof v === "bigint" ? `0x${v.toString(16)}` : v)));
      })();
    });
  });
  for (let port = 8611; ; port++) {
    const listening = await new Promise<boolean>((resolve) => {
      server.once("error", () => resolve(false));
      server.listen(port, "127.0.0.1", () => resolve(true));
    });
    if (listening) break;
    if (port > 8660) throw new Error("no free port from 8611 to 8660 for the RPC proxy");
  }
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}

/** An EIP-1193 provider over HTTP; a JSON-RPC error is thrown with its code, message and data, as Hardhat's does. */
export function httpEip1193(url: string): Eip1193Provider & { injectOnce(method: string, error: Error): void } {
  let nextId = 1;
  const injected = new Map<string, Error>();
  return {
    injectOnce(method, error) {
      injected.set(method, error);
    },
    async request({ method, params }) {
      const error = injected.get(method);
      if (error) {
        injected.delete(method);
        throw error;
      }
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: nextId++, method, params: params ?? [] }),
      });
      const reply = (await response.json()) as {
        result?: unknown;
        error?: { code: number; message: string; data?: unknown };
      };
      if (reply.error) throw Object.assign(new Error(reply.error.message), reply.error);
      return reply.result;
    },
  };
}

/** What Node throws when writing to a socket the other side closed. */
export function writeEpipe(): Error {
  return Object.assign(new Error("write EPIPE"), { code: "EPIPE", errno: -32, syscall: "write" });
}
