/**
 * `npm start`: the product on the local chain, in one command, through the dev-chain harness (packages/core/src/devChain.ts).
 *
 *  1. a local Hardhat node on 127.0.0.1:CHAIN_PORT (default 8545; reused when one already answers there), started in
 *     the past so that the demo's history ends about now;
 *  2. scripts/demo.ts: Ignition deploy (mock NMR), four demo stakers and DEMO_ROUNDS (default 80) daily rounds of
 *     realistic results, published (leaf files in .demo/rounds) and settled, the newest ~20 still open; its outputs
 *     are the repository's defaults (deployments/deployedContracts.ts, .demo/), which the scripts read too;
 *  3. the reference indexer (indexer/, Ponder + PGlite) on 127.0.0.1:INDEXER_PORT (default 42069), and meanwhile a
 *     production build of the web app (app/.next-start; reused when its sources and settings have not changed);
 *  4. `next start` on 127.0.0.1:APP_PORT (default 3000). "Ready" is printed once the app's main page answers. The
 *     app reads history and performance from the indexer once it has caught up, from chain logs until then;
 *  5. waits; Ctrl-C (or SIGTERM) stops everything this command started (each child in its own process group).
 *
 * Options are environment variables: CHAIN_PORT, APP_PORT, INDEXER_PORT, DEMO_ROUNDS, DEMO_SEED, DEMO_DIR (see
 * scripts/demo.ts), LOCAL_RPC_URL (instead of CHAIN_PORT, for a node elsewhere), START_LOGS (where the servers'
 * logs go; default build/start-logs), APP_REBUILD=1 (build even when nothing changed).
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { DEFAULT_DEMO_ROUNDS } from "./lib/demo";
import {
  ProcessGroups,
  REPO_ROOT,
  buildApp,
  deploy,
  ponderReady,
  rpcAnswers,
  rpcCall,
  startApp,
  startNode,
  startPonder,
} from "@portfolio-stake/core/devChain";

const CHAIN_PORT = Number(process.env.CHAIN_PORT ?? 8545);
const RPC = process.env.LOCAL_RPC_URL ?? `http://127.0.0.1:${CHAIN_PORT}`;
const APP_PORT = Number(process.env.APP_PORT ?? 3000);
const INDEXER_PORT = Number(process.env.INDEXER_PORT ?? 42069);
const ROUNDS = Number(process.env.DEMO_ROUNDS ?? DEFAULT_DEMO_ROUNDS);
const DEMO_DIR = path.resolve(REPO_ROOT, process.env.DEMO_DIR ?? ".demo");
const LOGS = path.resolve(REPO_ROOT, process.env.START_LOGS ?? path.join("build", "start-logs"));
const IGNITION_JOURNAL = path.join(REPO_ROOT, "ignition", "deployments", "chain-31337");
const DIST_DIR = ".next-start";

const t0 = Date.now();
const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
const groups = new ProcessGroups((name, why) => {
  console.error(`${name} stopped (${why}); stopping everything`);
  void groups.stop().then(() => process.exit(1));
});

/** A node that is already running may be a different chain than Ignition's journal remembers: forget a stale one. */
async function dropStaleJournal() {
  const file = path.join(IGNITION_JOURNAL, "deployed_addresses.json");
  if (!existsSync(file)) return;
  const addresses = Object.values(JSON.parse(readFileSync(file, "utf8")) as Record<string, string>);
  for (const address of addresses) {
    if ((await rpcCall(RPC, "eth_getCode", [address, "latest"])) === "0x") {
      console.log("── the running node does not have the contracts Ignition's journal remembers: deploying afresh");
      rmSync(IGNITION_JOURNAL, { recursive: true, force: true });
      return;
    }
  }
}

async function main() {
  groups.stopOnSignals(0);
  mkdirSync(LOGS, { recursive: true });
  const log = (name: string) => path.join(LOGS, `${name}.log`);
  for (const name of ["node", "indexer", "next-build", "next-start"]) rmSync(log(name), { force: true });

  const freshChain = !(await rpcAnswers(RPC));
  if (!freshChain) {
    console.log(`── using the node already running at ${RPC}`);
    await dropStaleJournal();
  } else {
    console.log(`── starting a local Hardhat node at ${RPC} (log: ${path.relative(REPO_ROOT, log("node"))})`);
    // A fresh chain: forget Ignition's journal of the previous local chain, or it would "resume" a deployment whose
    // contracts no longer exist.
    rmSync(IGNITION_JOURNAL, { recursive: true, force: true });
    await startNode(groups, { port: Number(new URL(RPC).port), log: log("node"), demoRoundsEndingNow: ROUNDS });
    console.log(`   node up after ${elapsed()}`);
  }

  const indexerUrl = `http://127.0.0.1:${INDEXER_PORT}`;
  const publicEnv = { NEXT_PUBLIC_RPC_URL: RPC, NEXT_PUBLIC_CHAIN_ID: "31337", NEXT_PUBLIC_INDEXER_URL: indexerUrl };
  // The build needs no chain: it runs beside the demo (two cores are enough for both).
  console.log(`── building the web app (app/${DIST_DIR}; reused when nothing changed) beside the demo`);
  const build = buildApp(groups, {
    distDir: DIST_DIR,
    env: publicEnv,
    log: log("next-build"),
    force: process.env.APP_REBUILD === "1",
  });
  build.catch(() => {}); // awaited below; a failure then stops everything

  console.log("── deploying (Ignition, mock NMR) and generating the demo history");
  const deployed = await deploy(groups, { rpc: RPC, rounds: ROUNDS, demoDir: DEMO_DIR, output: "inherit" });
  console.log(`   demo ready after ${elapsed()}`);

  // A fresh chain means a fresh index (indexer/ponder.config.ts also keys its PGlite directory by the chain).
  if (freshChain) rmSync(path.join(REPO_ROOT, "indexer", ".ponder"), { recursive: true, force: true });
  console.log(`── starting the indexer on ${indexerUrl}/graphql (log: ${path.relative(REPO_ROOT, log("indexer"))})`);
  const indexer = startPonder(groups, {
    rpc: RPC,
    port: INDEXER_PORT,
    deploymentsFile: deployed.deploymentsFile,
    log: log("indexer"),
    mode: "dev",
  });

  const built = await build;
  console.log(
    `   web app ${built.reused ? "build reused (nothing changed)" : `built in ${built.seconds.toFixed(0)} s`}`,
  );
  const app = await startApp(groups, {
    port: APP_PORT,
    distDir: DIST_DIR,
    env: { ...publicEnv, DEPLOYMENTS_FILE: deployed.deploymentsFile, DEMO_DIR },
    log: log("next-start"),
  });

  console.log(`\nReady after ${elapsed()}: web app ${app.url} (the demo accounts are in its development wallet).`);
  console.log(`Chain ${RPC} (chain ID 31337); addresses in ${path.relative(REPO_ROOT, deployed.deploymentsFile)}.`);
  console.log("Try: ACCOUNT=<a demo address> npx hardhat run scripts/suggest.ts --network localhost");
  console.log(`Logs in ${path.relative(REPO_ROOT, LOGS)}/. Ctrl-C stops everything npm start started.`);

  // History and performance come from the chain's logs until the indexer has caught up; say when it has.
  for (;;) {
    if (await ponderReady(indexer.url)) {
      console.log(`Indexer caught up after ${elapsed()}: history and performance are read from ${indexer.url}.`);
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  await new Promise(() => {}); // keep running until a signal
}

main().catch(async (error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  await groups.stop();
  process.exit(1);
});
