/**
 * Test harness: a Hardhat node, the contracts (and optionally the demo history) deployed with isolated outputs, and
 * a Ponder instance on a fresh PGlite directory, all started here and stopped by stopAll() (process groups).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createPublicClient, http, parseAbi } from "viem";
import { hardhat } from "viem/chains";
import { deployedContract } from "@portfolio-stake/core/deployments";

export const INDEXER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const ROOT = path.dirname(INDEXER);
const children: ChildProcess[] = [];

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

export function log(line: string) {
  console.log(`[indexer test ${new Date().toISOString().slice(11, 19)}] ${line}`);
}

function start(name: string, command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): ChildProcess {
  const out = path.join(work, `${name}.log`);
  writeFileSync(out, "");
  const child = spawn("bash", ["-c", `exec "$0" "$@" >>"${out}" 2>&1`, command, ...args], {
    cwd,
    env: { ...process.env, ...env },
    detached: true,
    stdio: "ignore",
  });
  children.push(child);
  return child;
}

export function stopAll(keepLogs: boolean) {
  for (const c of children) {
    try {
      process.kill(-c.pid!, "SIGKILL");
    } catch {
      /* already gone */
    }
  }
  rmSync(path.join(ROOT, "ignition", "deployments", `test-indexer-${process.pid}`), { recursive: true, force: true });
  if (keepLogs) log(`logs kept in ${work}`);
  else rmSync(work, { recursive: true, force: true });
}

async function waitFor(what: string, ok: () => Promise<boolean>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await ok().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what} (logs: ${work})`);
}

export async function startChain(port: number) {
  const rpc = `http://127.0.0.1:${port}`;
  start(
    "node",
    path.join(ROOT, "node_modules", ".bin", "hardhat"),
    ["node", "--hostname", "127.0.0.1", "--port", String(port)],
    ROOT,
    {
      HARDHAT_DISABLE_TELEMETRY_PROMPT: "true",
    },
  );
  const client = createPublicClient({ chain: hardhat, transport: http(rpc) });
  await waitFor("the Hardhat node", async () => (await client.getBlockNumber()) >= 0n, 60_000);
  return { rpc, client };
}

/** Deploys with Ignition (and generates DEMO_ROUNDS of demo history when rounds > 0) on the node at `rpc`. */
export function deployDemo(rpc: string, rounds: number, seed: number) {
  const env = {
    ...process.env,
    LOCAL_RPC_URL: rpc,
    IGNITION_DEPLOYMENT_ID: `test-indexer-${process.pid}`,
    DEPLOYMENTS_FILE: path.join(work, "deployedContracts.ts"),
    DEMO_DIR: path.join(work, "demo"),
    DEMO_ROUNDS: String(rounds),
    DEMO_SEED: String(seed),
    LOCAL_NMR: TEST_TOKEN,
    HARDHAT_DISABLE_TELEMETRY_PROMPT: "true",
  };
  const script = rounds > 0 ? "scripts/demo.ts" : "scripts/deploy.ts";
  const result = spawnSync(
    path.join(ROOT, "node_modules", ".bin", "hardhat"),
    ["run", script, "--network", "localhost"],
    { cwd: ROOT, env, encoding: "utf8" },
  );
  if (result.status !== 0) throw new Error(`${script} failed:\n${result.stdout}\n${result.stderr}`);
  const contract = (name: string) => deployedContract(31337, name, env.DEPLOYMENTS_FILE, `${script} wrote none.`);
  return {
    deploymentsFile: env.DEPLOYMENTS_FILE,
    stake: contract("PortfolioStake"),
    nmr: contract("NMR"),
    demoJson: path.join(env.DEMO_DIR, "demo.json"),
  };
}

/**
 * With INDEXER_TEST_DATABASE_URL (a Postgres server), a database of this run's own: Ponder's sync store (schema
 * ponder_sync) keys blocks and logs by chain id and number, so two local chains in one database would mix.
 * (pg is Ponder's own Postgres driver.)
 */
let testDatabase: { admin: string; name: string } | undefined;
/** Ponder's Postgres driver, imported by a name typed `string` so TypeScript does not look for its types. */
const PG: string = "pg";
async function freshDatabase(admin: string): Promise<string> {
  const { default: pg } = (await import(PG)) as {
    default: {
      Client: new (o: { connectionString: string }) => {
        connect(): Promise<void>;
        query(q: string): Promise<unknown>;
        end(): Promise<void>;
      };
    };
  };
  const name = `indexer_test_${process.pid}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  testDatabase = { admin, name };
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Drops the run's Postgres database, if any (after Ponder has stopped). */
export async function dropTestDatabase() {
  if (!testDatabase) return;
  const { default: pg } = (await import(PG)) as {
    default: {
      Client: new (o: { connectionString: string }) => {
        connect(): Promise<void>;
        query(q: string): Promise<unknown>;
        end(): Promise<void>;
      };
    };
  };
  const client = new pg.Client({ connectionString: testDatabase.admin });
  await client.connect();
  await client.query(`DROP DATABASE IF EXISTS ${testDatabase.name} WITH (FORCE)`);
  await client.end();
}

/**
 * Starts `ponder start` on a fresh PGlite directory, or on a fresh Postgres database when INDEXER_TEST_DATABASE_URL
 * is set; resolves once the backfill is done (/ready).
 */
export async function startPonder(opts: { rpc: string; deploymentsFile: string; port: number; pollingMs?: number }) {
  const url = `http://127.0.0.1:${opts.port}`;
  const started = Date.now();
  const databaseUrl = process.env.INDEXER_TEST_DATABASE_URL
    ? await freshDatabase(process.env.INDEXER_TEST_DATABASE_URL)
    : "";
  start(
    "ponder",
    path.join(ROOT, "node_modules", ".bin", "ponder"),
    ["start", "--schema", "test", "--port", String(opts.port)],
    INDEXER,
    {
      PONDER_TELEMETRY_DISABLED: "true",
      PONDER_RPC_URL: opts.rpc,
      DEPLOYMENTS_FILE: opts.deploymentsFile,
      PGLITE_DIR: path.join(work, `pglite-${opts.port}`),
      POLLING_INTERVAL_MS: String(opts.pollingMs ?? 200),
      DATABASE_URL: databaseUrl,
    },
  );
  await waitFor(
    "Ponder to finish its backfill (/ready)",
    async () => (await fetch(`${url}/ready`)).status === 200,
    600_000,
  );
  return { url, readyAfterMs: Date.now() - started };
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
