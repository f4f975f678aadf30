/**
 * `npm start`: the product on the local chain, in one command.
 *
 *  1. a local Hardhat node on 127.0.0.1:8545 (reused when one already answers there);
 *  2. scripts/demo.ts: Ignition deploy (mock NMR), four demo stakers and DEMO_ROUNDS (default 80) daily rounds of
 *     realistic results, published (leaf files in .demo/rounds) and settled, the newest ~20 still open;
 *  3. the reference indexer (indexer/, Ponder + PGlite) on 127.0.0.1:42069, and the web app in app/ on
 *     127.0.0.1:3000, both pointed at that chain;
 *  4. waits; Ctrl-C (or SIGTERM) stops everything this command started: each child runs in its own process group
 *     and the whole group is killed, so no node or dev server is left behind.
 *
 * Options are environment variables: DEMO_ROUNDS, DEMO_SEED, DEMO_DIR (see scripts/demo.ts), LOCAL_RPC_URL.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { DEFAULT_DEMO_ROUNDS, demoGenesisDate } from "./lib/demo";

const ROOT = path.resolve(__dirname, "..");
const RPC = process.env.LOCAL_RPC_URL ?? "http://127.0.0.1:8545";
const IGNITION_JOURNAL = path.join(ROOT, "ignition", "deployments", "chain-31337");
const ENV = { ...process.env, HARDHAT_DISABLE_TELEMETRY_PROMPT: "true" };
const children: ChildProcess[] = [];
const t0 = Date.now();
const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
let stopping = false;

async function rpc(method: string, params: unknown[] = []): Promise<unknown> {
  const response = await fetch(RPC, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  if (!response.ok) throw new Error(`${RPC}: HTTP ${response.status}`);
  return ((await response.json()) as { result: unknown }).result;
}

async function rpcReady(timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await rpc("eth_blockNumber");
      return true;
    } catch {
      if (Date.now() >= deadline) return false;
      await new Promise((r) => setTimeout(r, 300));
    }
  }
}

/** Starts a long-running child in its own process group (so stopping it also stops whatever it spawned). */
function startChild(
  name: string,
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; stdout?: "inherit" | "ignore" } = {},
): ChildProcess {
  const child = spawn(command, args, {
    cwd: options.cwd ?? ROOT,
    env: options.env ?? ENV,
    stdio: ["ignore", options.stdout ?? "inherit", "inherit"],
    detached: true,
  });
  children.push(child);
  child.on("exit", (code, signal) => {
    if (stopping) return;
    console.error(`${name} stopped (${signal ?? `exit ${String(code)}`}); stopping everything`);
    void stopAll(1);
  });
  return child;
}

/** Runs a step to completion (own process group too, so Ctrl-C during it leaves nothing behind). */
function runStep(title: string, args: string[]): Promise<void> {
  console.log(`── ${title}`);
  return new Promise((resolve, reject) => {
    const child = spawn("npx", ["hardhat", ...args], {
      cwd: ROOT,
      env: ENV,
      stdio: ["ignore", "inherit", "inherit"],
      detached: true,
    });
    children.push(child);
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      children.splice(children.indexOf(child), 1);
      if (code === 0) resolve();
      else reject(new Error(`${title} failed (${signal ?? `exit ${String(code)}`})`));
    });
  });
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals) {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal); // the whole group: npx, hardhat and anything they started
  } catch {
    // already gone
  }
}

async function stopAll(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    const live = children.filter((c) => c.exitCode === null && c.signalCode === null);
    if (live.length) console.log(`\n── stopping ${live.length} process group(s) started by npm start`);
    for (const child of live) killGroup(child, "SIGTERM");
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && live.some((c) => c.exitCode === null && c.signalCode === null)) {
      await new Promise((r) => setTimeout(r, 100));
    }
    for (const child of live) killGroup(child, "SIGKILL");
  }
  process.exit(code);
}

/** A node that is already running may be a different chain than Ignition's journal remembers: forget a stale one. */
async function dropStaleJournal() {
  const file = path.join(IGNITION_JOURNAL, "deployed_addresses.json");
  if (!existsSync(file)) return;
  const addresses = Object.values(JSON.parse(readFileSync(file, "utf8")) as Record<string, string>);
  for (const address of addresses) {
    if ((await rpc("eth_getCode", [address, "latest"])) === "0x") {
      console.log("── the running node does not have the contracts Ignition's journal remembers: deploying afresh");
      rmSync(IGNITION_JOURNAL, { recursive: true, force: true });
      return;
    }
  }
}

/**
 * Hook for the web app: when app/package.json exists, its "dev" script (or "start") runs with the chain's RPC URL and
 * the demo files in its environment. The app reads contract addresses and ABIs from deployments/deployedContracts.ts.
 */
function startApp() {
  const manifest = path.join(ROOT, "app", "package.json");
  if (!existsSync(manifest)) {
    console.log("── no app/ yet: the web app will start here once app/package.json exists");
    return;
  }
  const scripts = (JSON.parse(readFileSync(manifest, "utf8")) as { scripts?: Record<string, string> }).scripts ?? {};
  const script = scripts.dev ? "dev" : scripts.start ? "start" : undefined;
  if (!script) {
    console.log("── app/package.json has no dev or start script: not starting the web app");
    return;
  }
  const demoDir = path.resolve(ROOT, process.env.DEMO_DIR ?? ".demo");
  console.log(`── starting the web app (app/: npm run ${script})`);
  startChild("the web app", "npm", ["run", script], {
    cwd: path.join(ROOT, "app"),
    env: {
      ...ENV,
      RPC_URL: RPC,
      CHAIN_ID: "31337",
      NEXT_PUBLIC_RPC_URL: RPC,
      NEXT_PUBLIC_CHAIN_ID: "31337",
      VITE_RPC_URL: RPC,
      VITE_CHAIN_ID: "31337",
      DEMO_DIR: demoDir,
      ROUNDS_DIR: path.join(demoDir, "rounds"),
      NEXT_TELEMETRY_DISABLED: "1",
    },
  });
}

/**
 * The reference indexer (indexer/, Ponder on embedded PGlite in indexer/.ponder) against the same chain, on
 * INDEXER_PORT (default 42069). A fresh chain means a fresh index: the old PGlite directory is dropped.
 */
function startIndexer(freshChain: boolean) {
  if (!existsSync(path.join(ROOT, "indexer", "ponder.config.ts"))) return;
  const port = process.env.INDEXER_PORT ?? "42069";
  if (freshChain) rmSync(path.join(ROOT, "indexer", ".ponder"), { recursive: true, force: true });
  console.log(`── starting the indexer (indexer/: ponder dev) on http://127.0.0.1:${port}/graphql`);
  startChild(
    "the indexer",
    path.join(ROOT, "node_modules", ".bin", "ponder"),
    ["dev", "--port", port, "--disable-ui"],
    {
      cwd: path.join(ROOT, "indexer"),
      stdout: "ignore",
      env: { ...ENV, PONDER_RPC_URL: RPC, CHAIN_ID: "31337", PONDER_TELEMETRY_DISABLED: "true" },
    },
  );
}

async function main() {
  process.on("SIGINT", () => void stopAll(0));
  process.on("SIGTERM", () => void stopAll(0));
  process.on("SIGHUP", () => void stopAll(0));
  process.on("exit", () => children.forEach((c) => killGroup(c, "SIGKILL"))); // last resort, synchronous

  const freshChain = !(await rpcReady(500));
  if (!freshChain) {
    console.log(`── using the node already running at ${RPC}`);
    await dropStaleJournal();
  } else {
    console.log(`── starting a local Hardhat node at ${RPC}`);
    // A fresh chain: forget Ignition's journal of the previous local chain, or it would "resume" a deployment whose
    // contracts no longer exist.
    rmSync(IGNITION_JOURNAL, { recursive: true, force: true });
    const url = new URL(RPC);
    // The chain starts in the past so that the generated history ends about now (hardhat.config.ts reads it).
    const genesis = demoGenesisDate(Number(process.env.DEMO_ROUNDS ?? DEFAULT_DEMO_ROUNDS), Date.now()).toISOString();
    startChild(
      "the Hardhat node",
      "npx",
      ["hardhat", "node", "--hostname", url.hostname, "--port", url.port || "8545"],
      {
        stdout: "ignore",
        env: { ...ENV, HARDHAT_INITIAL_DATE: genesis },
      },
    );
    if (!(await rpcReady(180_000))) {
      console.error("the local node did not answer within 3 minutes");
      await stopAll(1);
    }
    console.log(`   node up after ${elapsed()}`);
  }
  await runStep("deploying (Ignition, mock NMR) and generating the demo history", [
    "run",
    "scripts/demo.ts",
    "--network",
    "localhost",
  ]);
  console.log(`   demo ready after ${elapsed()}`);
  startIndexer(freshChain);
  startApp();
  console.log(`\nReady: chain ${RPC} (chain ID 31337); addresses in deployments/deployedContracts.ts.`);
  console.log("Web app: http://127.0.0.1:3000 (the demo accounts are in its development wallet).");
  console.log("Try: ACCOUNT=<an address above> npx hardhat run scripts/suggest.ts --network localhost");
  if (children.length === 0) return; // reused someone else's node and no app: nothing of ours to keep alive
  console.log("Ctrl-C stops everything npm start started.");
  await new Promise(() => {}); // keep running until a signal
}

main().catch(async (error) => {
  if (!stopping) console.error(error instanceof Error ? error.message : error);
  await stopAll(1);
});
