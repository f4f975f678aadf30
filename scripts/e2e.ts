/**
 * The web app's end-to-end run (npm run test:e2e -w app), self-contained, through the dev-chain harness
 * (packages/core/src/devChain.ts): a Hardhat node on E2E_CHAIN_PORT (8547) started in the past, the demo history on it
 * (E2E_DEMO_ROUNDS, default 60, as the walk-forward chart (9-walk-forward.spec.ts) needs ~55; isolated Ignition journal, deployments file and demo dir), the indexer (Ponder on
 * PGlite) on E2E_INDEXER_PORT (42075), a production build of the app (app/.next-e2e; reused when nothing changed,
 * E2E_REBUILD=1 forces it) served by `next start` on E2E_APP_PORT (3100), the first-load JS of each page against
 * its budget (E2E_JS_BUDGET_KB, 250), then Playwright in Debian's Chromium. Arguments go to Playwright. Everything
 * started here is stopped on exit, failure or Ctrl-C; logs are kept when it fails. Screenshots: app/e2e-artifacts/.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  ProcessGroups,
  REPO_ROOT,
  bin,
  buildApp,
  deploy,
  ponderReady,
  portsFromEnv,
  refuseTakenPorts,
  startApp,
  startNode,
  startPonder,
  waitFor,
} from "@portfolio-stake/core/devChain";

const PORTS = {
  chain: ["E2E_CHAIN_PORT", 8547],
  app: ["E2E_APP_PORT", 3100],
  indexer: ["E2E_INDEXER_PORT", 42075],
} as const;
const { chain: CHAIN_PORT, app: APP_PORT, indexer: INDEXER_PORT } = portsFromEnv(PORTS);
const ROUNDS = Number(process.env.E2E_DEMO_ROUNDS ?? 60);
const BUDGET_KB = process.env.E2E_JS_BUDGET_KB ?? "250";
const APP = path.join(REPO_ROOT, "app");
/** The demo's first staker (a Hardhat dev account): its pages are the ones measured. */
const ALICE = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

const t0 = Date.now();
const seconds = () => ((Date.now() - t0) / 1000).toFixed(0);
const work = mkdtempSync(path.join(tmpdir(), "portfolio-stake-e2e-"));
const groups = new ProcessGroups((name, why) => {
  console.error(`e2e: ${name} stopped (${why})`);
  void finish(1);
});

let finished = false;
async function finish(code: number): Promise<never> {
  if (!finished) {
    finished = true;
    await groups.stop();
    if (code === 0) rmSync(work, { recursive: true, force: true });
    else console.error(`e2e: failed (exit ${code}); logs kept in ${work}`);
    console.log(`e2e: total ${seconds()} s`);
  }
  process.exit(code);
}

/** Runs a command in the foreground (output to the terminal); resolves to its exit code. */
function foreground(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: APP, env: { ...process.env, ...env }, stdio: "inherit" });
    child.on("error", () => resolve(127));
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

async function main() {
  process.on("SIGINT", () => void finish(130));
  process.on("SIGTERM", () => void finish(130));
  process.on("exit", () => groups.killNow());
  await refuseTakenPorts(PORTS);
  const chromium = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
  if (!existsSync(chromium))
    throw new Error("e2e needs Debian's chromium (apt-get install chromium), or CHROMIUM_PATH");

  // A no-op when up to date (and skipped under npm test, whose gate compiled: SKIP_COMPILE=1, see hardhat.config.ts).
  await groups.run("hardhat compile", bin("hardhat"), ["compile", "--quiet"], { output: "inherit" });
  const { rpc } = await startNode(groups, {
    port: CHAIN_PORT,
    log: path.join(work, "node.log"),
    demoRoundsEndingNow: ROUNDS,
  });
  console.log(`── e2e: hardhat node on ${rpc}, started ${ROUNDS} demo rounds in the past`);
  const indexerUrl = `http://127.0.0.1:${INDEXER_PORT}`;
  const publicEnv = { NEXT_PUBLIC_RPC_URL: rpc, NEXT_PUBLIC_CHAIN_ID: "31337", NEXT_PUBLIC_INDEXER_URL: indexerUrl };
  console.log("── e2e: next build (app/.next-e2e; reused when nothing changed) beside the demo history");
  const build = buildApp(groups, {
    distDir: ".next-e2e",
    env: publicEnv,
    log: path.join(work, "build.log"),
    force: process.env.E2E_REBUILD === "1",
  });
  build.catch(() => {}); // awaited below
  const deployed = await deploy(groups, { rpc, rounds: ROUNDS, workDir: work, output: path.join(work, "demo.log") });
  console.log(`   demo history (${ROUNDS} rounds) after ${seconds()} s`);
  const indexer = startPonder(groups, {
    rpc,
    port: INDEXER_PORT,
    deploymentsFile: deployed.deploymentsFile,
    log: path.join(work, "ponder.log"),
    mode: { start: "e2e" },
    database: { pgliteDir: path.join(work, "pglite") },
  });
  const built = await build;
  console.log(`   ${built.reused ? "build reused (nothing changed)" : `built in ${built.seconds.toFixed(0)} s`}`);
  const app = await startApp(groups, {
    port: APP_PORT,
    distDir: ".next-e2e",
    env: { ...publicEnv, DEPLOYMENTS_FILE: deployed.deploymentsFile, DEMO_DIR: deployed.demoDir },
    log: path.join(work, "next.log"),
  });
  console.log(`── e2e: next start on ${app.url}, answering after ${seconds()} s`);
  // The specs that read from the indexer expect it caught up; the others read the chain either way.
  await waitFor("the indexer's backfill (/ready)", () => ponderReady(indexer.url), 300_000, {
    process: indexer.process,
    log: path.join(work, "ponder.log"),
  });

  console.log(`── e2e: first-load JS per page (gzip; budget ${BUDGET_KB} kB)`);
  // An over-budget page fails the run, but only after the browser tests (they still tell whether the app works).
  const pages = ["/", `/account/${ALICE}`, `/account/${ALICE}/performance`, `/account/${ALICE}/history`];
  const sizes = await foreground(
    process.execPath,
    ["--import", "tsx", "scripts/first-load-js.ts", app.url, ...pages, "--budget-kb", BUDGET_KB],
    {},
  );

  console.log("── e2e: playwright");
  mkdirSync(path.join(APP, "e2e-artifacts"), { recursive: true });
  const tests = await foreground(bin("playwright"), ["test", ...process.argv.slice(2)], {
    E2E_BASE_URL: app.url,
    E2E_RPC_URL: rpc,
    E2E_INDEXER_URL: indexer.url,
    E2E_DEMO_JSON: deployed.demoJson,
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: "1",
  });
  if (tests !== 0) await finish(tests);
  if (sizes !== 0) {
    console.error("e2e: a page's first-load JS is over the budget (see the table above)");
    await finish(sizes);
  }
  await finish(0);
}

main().catch(async (error: unknown) => {
  console.error(`e2e: ${error instanceof Error ? error.message : String(error)}`);
  await finish(1);
});
