/**
 * Test harness: a Hardhat node, the contracts (and optionally the demo history) deployed with isolated outputs, and
 * a Ponder instance on a fresh PGlite directory or Postgres database, all started through the one dev-chain harness
 * (packages/core/src/devChain.ts) and stopped by stopAll() (process groups).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createPublicClient, http, parseAbi } from "viem";
import { hardhat } from "viem/chains";
import {
  ProcessGroups,
  bin,
  deploy,
  ponderReady,
  startNode,
  startPonder as startIndexer,
  waitFor,
} from "@portfolio-stake/core/devChain";
import { pgClient, startPostgres, type LocalPostgres } from "./postgres";

export const INDEXER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const ROOT = path.dirname(INDEXER);

/**
 * The local test token's functions the tests call: NMRLike (LOCAL_NMR=NMRLike, the default here: it keeps NMR's
 * rules, approve only from or to zero, changeApproval otherwise) has faucet; MockNMR (INDEXER_TEST_TOKEN=MockNMR) mint.
 */
export const TEST_TOKEN = process.env.INDEXER_TEST_TOKEN === "MockNMR" ? "MockNMR" : "NMRLike";
export const testTokenAbi = parseAbi([
  "function faucet(address to, uint256 value)",
  "function mint(address to, uint256 value) returns (bool)",
  "function approve(address spender, uint256 value) returns (bool)",
  "function changeApproval(address spender, uint256 oldValue, uint256 newValue) returns (bool)",
  "function allowance(address owner, address spender) view returns (uint256)",
]);
export const createTokensFunction = TEST_TOKEN === "NMRLike" ? "faucet" : "mint";

export const work = mkdtempSync(path.join(tmpdir(), "indexer-test-"));
/** The servers this test started (node, Ponder, PostgreSQL), each in its own process group. */
const groups = new ProcessGroups();
// Ctrl-C (or the test runner's SIGTERM) stops them too, and the process ending any other way kills what is left.
for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.on(signal, () => void stopAll(true).then(() => process.exit(130)));
process.on("exit", () => groups.killNow());

export function log(line: string) {
  console.log(`[indexer test ${new Date().toISOString().slice(11, 19)}] ${line}`);
}

/** Stops every server this test started, then drops its Postgres database and cluster, if any. */
export async function stopAll(keepLogs: boolean) {
  await groups.stop();
  await dropTestDatabase().catch((error: unknown) => log(`could not drop the test database: ${String(error)}`));
  localPostgres?.remove();
  if (keepLogs) log(`logs kept in ${work}`);
  else rmSync(work, { recursive: true, force: true });
}

/** A Hardhat node on 127.0.0.1:`port`, starting now (the tests move time forward themselves). */
export async function startChain(port: number) {
  const { rpc } = await startNode(groups, { port, log: path.join(work, "node.log"), timeoutMs: 60_000 });
  const client = createPublicClient({ chain: hardhat, transport: http(rpc) });
  return { rpc, client };
}

/** Deploys with Ignition (and generates `rounds` of demo history when > 0) on the node at `rpc`, outputs in `work`. */
export function deployDemo(rpc: string, rounds: number, seed: number) {
  return deploy(groups, {
    rpc,
    rounds,
    seed,
    workDir: work,
    token: TEST_TOKEN,
    output: path.join(work, "deploy.log"),
  });
}

export interface KeeperRun {
  /** Account-rounds the keeper settled (its summary line). */
  settledAccountRounds: number;
  /** Everything it printed. */
  lines: string[];
}

/**
 * The keeper job as it is deployed (`ROUNDS_DIR=... npx hardhat run scripts/keeper.ts --network localhost`, README
 * "Keeper"), on the node at `rpc` and the test's deployments file. Exit code 1 (a round it cannot settle yet, e.g. one
 * it cannot prove before that round's proof deadline) is an answer, not a failure; a run without its summary line is.
 */
export async function runKeeper(opts: { rpc: string; deploymentsFile: string; roundsDir: string }): Promise<KeeperRun> {
  const output = path.join(work, "keeper.log");
  const before = existsSync(output) ? readFileSync(output, "utf8").length : 0;
  const keeper = "scripts/keeper.ts";
  await groups
    .run(keeper, bin("hardhat"), ["run", keeper, "--network", "localhost"], {
      env: { LOCAL_RPC_URL: opts.rpc, DEPLOYMENTS_FILE: opts.deploymentsFile, ROUNDS_DIR: opts.roundsDir },
      output,
    })
    .catch((error: unknown) => {
      if (!/\(exit 1\)/.test(String(error))) throw error;
    });
  const lines = readFileSync(output, "utf8").slice(before).trimEnd().split("\n");
  const summary = lines.map((line) => /^keeper: (?:done|stopped early): (\d+) account-round/.exec(line)).find(Boolean);
  if (!summary) throw new Error(`${keeper} ended without its summary line:\n${lines.slice(-30).join("\n")}`);
  return { settledAccountRounds: Number(summary[1]), lines };
}

/**
 * Which database Ponder runs on: INDEXER_TEST_DATABASE=postgres starts a throw-away PostgreSQL server (Debian's
 * package, on INDEXER_TEST_PG_PORT, default 55432) unless INDEXER_TEST_DATABASE_URL names a running one; the default
 * is embedded PGlite. Either way this run gets a database of its own: Ponder's sync store (schema ponder_sync) keys
 * blocks and logs by chain id and number, so two local chains in one database would mix.
 */
export const DATABASE_KIND: "postgres" | "pglite" =
  process.env.INDEXER_TEST_DATABASE === "postgres" || process.env.INDEXER_TEST_DATABASE_URL ? "postgres" : "pglite";
let localPostgres: LocalPostgres | undefined;
let testDatabase: { admin: string; name: string } | undefined;

async function freshDatabase(): Promise<string> {
  let admin = process.env.INDEXER_TEST_DATABASE_URL;
  if (!admin) {
    const port = Number(process.env.INDEXER_TEST_PG_PORT ?? 55432);
    localPostgres = await startPostgres(groups, { port, log: path.join(work, "postgres.log") });
    admin = localPostgres.url;
    log(`PostgreSQL server on 127.0.0.1:${port} (a fresh cluster)`);
  }
  const name = `indexer_test_${process.pid}`;
  const client = await pgClient(admin);
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  testDatabase = { admin, name };
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Drops the run's database on an external Postgres server (after Ponder has stopped); a local cluster is deleted. */
async function dropTestDatabase() {
  if (!testDatabase || localPostgres) return;
  const client = await pgClient(testDatabase.admin);
  await client.query(`DROP DATABASE IF EXISTS ${testDatabase.name} WITH (FORCE)`);
  await client.end();
}

/**
 * Starts `ponder start` on a fresh PGlite directory, or on a fresh Postgres database (see DATABASE_KIND); resolves
 * once the backfill is done (/ready).
 */
export async function startPonder(opts: { rpc: string; deploymentsFile: string; port: number; pollingMs?: number }) {
  const started = Date.now();
  const database =
    DATABASE_KIND === "postgres"
      ? { postgresUrl: await freshDatabase() }
      : { pgliteDir: path.join(work, `pglite-${opts.port}`) };
  const logFile = path.join(work, "ponder.log");
  const ponder = startIndexer(groups, {
    rpc: opts.rpc,
    port: opts.port,
    deploymentsFile: opts.deploymentsFile,
    log: logFile,
    mode: { start: "test" },
    database,
    pollingMs: opts.pollingMs,
  });
  await waitFor("Ponder to finish its backfill (/ready)", () => ponderReady(ponder.url), 600_000, {
    process: ponder.process,
    log: logFile,
  });
  return { url: ponder.url, readyAfterMs: Date.now() - started };
}

/** Waits until Ponder's /status reports `block` (or later) indexed. */
export async function waitIndexed(url: string, block: bigint, timeoutMs = 60_000) {
  await waitFor(
    `Ponder to index block ${block}`,
    async () => {
      const status = (await (await fetch(`${url}/status`)).json()) as Record<string, { block?: { number: number } }>;
      return Object.values(status).some((s) => BigInt(s.block?.number ?? 0) >= block);
    },
    timeoutMs,
  );
}

export async function gql<T>(url: string, query: string): Promise<T> {
  const response = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query }),
  });
  const body = (await response.json()) as { data?: T; errors?: { message: string }[] };
  if (body.errors?.length) throw new Error(`GraphQL: ${body.errors.map((e) => e.message).join("; ")}`);
  return body.data!;
}

export async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}
