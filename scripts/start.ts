/**
 * `npm start`: the product on an embedded default. Starts a local Hardhat node (unless one already answers on
 * 127.0.0.1:8545), deploys with Ignition, seeds demo stakers (models, deposits, vectors, a manager, a pending
 * withdrawal, a funded rewards pool, open rounds), then keeps the chain running until Ctrl-C, which stops everything
 * this command started.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { rmSync } from "node:fs";

const RPC = process.env.LOCAL_RPC_URL ?? "http://127.0.0.1:8545";
const children: ChildProcess[] = [];

async function rpcReady(timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(RPC, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_blockNumber", params: [] }),
      });
      if (response.ok) return true;
    } catch {
      // not up yet
    }
    {
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  return false;
}

function stopAll(code = 0): never {
  for (const child of children) if (child.pid && child.exitCode === null) child.kill("SIGTERM");
  process.exit(code);
}

function runStep(title: string, args: string[]) {
  console.log(`── ${title}`);
  const result = spawnSync("npx", ["hardhat", ...args], { stdio: "inherit", env: { ...process.env, HARDHAT_DISABLE_TELEMETRY_PROMPT: "true" } });
  if (result.status !== 0) {
    console.error(`${title} failed (exit ${result.status})`);
    stopAll(1);
  }
}

async function main() {
  process.on("SIGINT", () => stopAll(0));
  process.on("SIGTERM", () => stopAll(0));
  if (await rpcReady(500)) console.log(`── using the node already running at ${RPC}`);
  else {
    console.log(`── starting a local Hardhat node at ${RPC}`);
    // A fresh chain: forget Ignition's journal of the previous local chain, or it would "resume" a deployment
    // whose contracts no longer exist.
    rmSync("ignition/deployments/chain-31337", { recursive: true, force: true });
    const node = spawn("npx", ["hardhat", "node", "--hostname", "127.0.0.1", "--port", "8545"], {
      stdio: ["ignore", "ignore", "inherit"],
      env: { ...process.env, HARDHAT_DISABLE_TELEMETRY_PROMPT: "true" },
    });
    children.push(node);
    node.on("exit", (code) => {
      console.error(`the Hardhat node stopped (exit ${code})`);
      stopAll(code ?? 1);
    });
    if (!(await rpcReady(120_000))) {
      console.error("the local node did not answer within 2 minutes");
      stopAll(1);
    }
  }
  runStep("deploying (Ignition, mock NMR)", ["run", "scripts/deploy.ts", "--network", "localhost"]);
  runStep("seeding demo stakers", ["run", "scripts/seed-local.ts", "--network", "localhost"]);
  console.log(`\nReady: chain ${RPC} (chain ID 31337); addresses in deployments/deployedContracts.ts. Ctrl-C stops it.`);
  if (children.length === 0) return;
  await new Promise(() => {}); // keep the node alive until Ctrl-C
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  stopAll(1);
});
