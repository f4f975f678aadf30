/**
 * The one dev-chain harness: a Hardhat node in its own process group, the contracts deployed (and the demo history
 * generated) with their outputs where the caller says, other servers (Ponder, next start) started the same way, and
 * everything stopped on exit, failure or Ctrl-C. Used by `npm start` (scripts/start.ts), the app's end-to-end run
 * (scripts/e2e.ts) and the indexer tests (indexer/test/harness.ts). In core because the root and the indexer both use
 * it: it only spawns processes and reads files (no Hardhat, ethers or Ponder imports; they are run as commands).
 *
 * Every long-running child gets its own process group (detached), so stopping it stops whatever it spawned (npx,
 * hardhat, next's workers); a child's output goes to a log file, or to the terminal when asked.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { connect } from "node:net";
import path from "node:path";
import { demoGenesisDate } from "./demoCalendar";
import { readDeployments } from "./deployments";

/**
 * The repository root (this file is packages/core/src/devChain.ts). From __filename, not __dirname: when an ES module
 * (the indexer's tests, under tsx) loads this file, tsx sets __filename to it but __dirname is not this file's folder.
 */
export const REPO_ROOT = path.resolve(path.dirname(__filename), "..", "..", "..");
export const bin = (name: string) => path.join(REPO_ROOT, "node_modules", ".bin", name);
const QUIET_TOOLS = {
  HARDHAT_DISABLE_TELEMETRY_PROMPT: "true",
  NEXT_TELEMETRY_DISABLED: "1",
  PONDER_TELEMETRY_DISABLED: "true",
};

export interface StartOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Where the child's stdout and stderr go: a log file (appended), or "inherit" for the terminal. */
  output: string;
}

/** The children one command started, each in its own process group; stopped together. */
export class ProcessGroups {
  private readonly children: { name: string; child: ChildProcess; output: string }[] = [];
  private stopping = false;

  /** `onUnexpectedExit` runs when a long-running child dies before stop() (e.g. stop everything and fail). */
  constructor(private readonly onUnexpectedExit?: (name: string, why: string) => void) {}

  /** Starts a long-running child (a server) in its own process group. */
  start(name: string, command: string, args: readonly string[], options: StartOptions): ChildProcess {
    const entry = { name, child: spawnInOwnGroup(command, args, options), output: options.output };
    this.children.push(entry);
    entry.child.on("error", (error) => this.died(entry, error.message));
    entry.child.on("exit", (code, signal) => this.died(entry, signal ?? `exit ${String(code)}`));
    return entry.child;
  }

  /** Runs a step to completion in its own process group (Ctrl-C meanwhile stops it too); rejects on failure. */
  run(title: string, command: string, args: readonly string[], options: StartOptions): Promise<void> {
    return new Promise((resolve, reject) => {
      const entry = { name: title, child: spawnInOwnGroup(command, args, options), output: options.output };
      this.children.push(entry);
      const done = (error?: Error) => {
        this.children.splice(this.children.indexOf(entry), 1);
        if (error) reject(error);
        else resolve();
      };
      entry.child.on("error", (error) => done(new Error(`${title}: ${error.message}`)));
      entry.child.on("exit", (code, signal) => {
        if (code === 0) return done();
        const tail = options.output === "inherit" ? "" : `\n${logTail(options.output)}`;
        done(new Error(`${title} failed (${signal ?? `exit ${String(code)}`})${tail}`));
      });
    });
  }

  /** True when any long-running child is still up. */
  get alive(): boolean {
    return this.children.some(({ child }) => isRunning(child));
  }

  /**
   * SIGTERM to every group, SIGKILL after `graceMs` (or once the leaders have exited) to what is left, including
   * groups whose leader exited long ago but left a member behind. Safe to call twice.
   */
  async stop(graceMs = 5000): Promise<void> {
    this.stopping = true;
    for (const { child } of this.children) killGroup(child, "SIGTERM");
    const deadline = Date.now() + graceMs;
    while (Date.now() < deadline && this.alive) await sleep(100);
    for (const { child } of this.children) killGroup(child, "SIGKILL");
  }

  /** The synchronous last resort (process "exit"): SIGKILL to every group still running. */
  killNow(): void {
    this.stopping = true;
    for (const { child } of this.children) killGroup(child, "SIGKILL");
  }

  /**
   * Ctrl-C, SIGTERM and SIGHUP stop every group and exit (`code`); so does the process ending any other way (the
   * synchronous SIGKILL then). For commands that own their servers until they end: npm start, the e2e run.
   */
  stopOnSignals(code = 130): void {
    const stopAndExit = () => void this.stop().then(() => process.exit(code));
    process.on("SIGINT", stopAndExit);
    process.on("SIGTERM", stopAndExit);
    process.on("SIGHUP", stopAndExit);
    process.on("exit", () => this.killNow());
  }

  private died(entry: (typeof this.children)[number], why: string) {
    if (this.stopping || !this.children.includes(entry)) return;
    this.onUnexpectedExit?.(entry.name, why);
  }
}

const isRunning = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Spawns `command` as the leader of a new process group, its output to a log file (appended) or the terminal. */
function spawnInOwnGroup(command: string, args: readonly string[], options: StartOptions): ChildProcess {
  const fd = options.output === "inherit" ? undefined : openSync(options.output, "a");
  try {
    return spawn(command, args, {
      cwd: options.cwd ?? REPO_ROOT,
      env: { ...process.env, ...QUIET_TOOLS, ...options.env },
      stdio: ["ignore", fd ?? "inherit", fd ?? "inherit"],
      detached: true,
    });
  } finally {
    if (fd !== undefined) closeSync(fd); // the child has its own copy
  }
}

/** Signals the child's whole process group (npx, hardhat, next's workers), even when the leader has exited. */
function killGroup(child: ChildProcess, signal: NodeJS.Signals) {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // the group is gone
  }
}

/** The last lines of a log file, for an error message. */
export function logTail(file: string, lines = 30): string {
  if (!existsSync(file)) return `(no log at ${file})`;
  return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
}

/**
 * Polls `ok` until it is true; fails after `timeoutMs` (the message names `what`), or at once when `child` exits
 * meanwhile (a server that crashed at start should not cost the whole timeout).
 */
export async function waitFor(
  what: string,
  ok: () => Promise<boolean>,
  timeoutMs: number,
  child?: { process: ChildProcess; log?: string | undefined },
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await ok().catch(() => false)) return;
    if (child && !isRunning(child.process)) {
      const log = child.log ? `:\n${logTail(child.log)}` : "";
      const how = child.process.signalCode ?? `exit ${String(child.process.exitCode)}`;
      throw new Error(`${what}: the process exited (${how})${log}`);
    }
    if (Date.now() >= deadline) {
      throw new Error(
        `timed out after ${timeoutMs / 1000} s waiting for ${what}${child?.log ? ` (log: ${child.log})` : ""}`,
      );
    }
    await sleep(250);
  }
}

/** One JSON-RPC call to `rpc` (Node's fetch: CI machines have Node, nothing else is promised). */
export async function rpcCall(rpc: string, method: string, params: unknown[] = []): Promise<unknown> {
  const response = await fetch(rpc, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    signal: AbortSignal.timeout(5000),
  });
  if (!response.ok) throw new Error(`${rpc}: HTTP ${response.status}`);
  const body = (await response.json()) as { result?: unknown; error?: { message: string } };
  if (body.error) throw new Error(`${rpc} ${method}: ${body.error.message}`);
  return body.result;
}

/** True when a JSON-RPC node answers at `rpc`. */
export const rpcAnswers = (rpc: string) =>
  rpcCall(rpc, "eth_blockNumber").then(
    () => true,
    () => false,
  );

/** True when something accepts HTTP at `url` with a 2xx answer. */
export const httpOk = (url: string) =>
  fetch(url, { signal: AbortSignal.timeout(5000) }).then(
    (r) => r.ok,
    () => false,
  );

/** True when something listens on 127.0.0.1:`port` (a server of someone else's, or one left behind). */
export const portTaken = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect({ port, host: "127.0.0.1" });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });

/** Ports a run takes from the environment: each key's variable, and the port used when it is not set. */
export type PortSettings<K extends string> = Record<K, readonly [variable: string, fallback: number]>;

/**
 * The ports of a run, each from its environment variable or its default: `{ chain: ["E2E_CHAIN_PORT", 8547] }` is
 * `{ chain: 8547 }` unless E2E_CHAIN_PORT is set. A value that is not a port (an integer 1-65535) is refused, named.
 */
export function portsFromEnv<K extends string>(
  settings: PortSettings<K>,
  env: NodeJS.ProcessEnv = process.env,
): Record<K, number> {
  const ports = {} as Record<K, number>;
  for (const key of Object.keys(settings) as K[]) {
    const [variable, fallback] = settings[key];
    const value = env[variable] ?? String(fallback);
    const port = Number(value);
    if (!Number.isInteger(port) || port < 1 || port > 65_535)
      throw new Error(`${variable}=${value} is not a port (an integer from 1 to 65535)`);
    ports[key] = port;
  }
  return ports;
}

/**
 * Refuses to start a run on a port something already listens on (a server of someone else's, or one left behind),
 * naming the variable that moves it: before anything is started, rather than a server failing half way.
 */
export async function refuseTakenPorts<K extends string>(
  settings: PortSettings<K>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  const ports = portsFromEnv(settings, env);
  for (const key of Object.keys(settings) as K[])
    if (await portTaken(ports[key])) throw new Error(`port ${ports[key]} is in use; set ${settings[key][0]}`);
}

export interface NodeOptions {
  port: number;
  /** The node's log file, or "ignore"-like silence by default: `${workDir}/node.log` is the usual choice. */
  log: string;
  /**
   * Start the chain in the past, so that a demo of this many daily rounds ends about now (npm start, e2e); without
   * it the chain starts now (the indexer tests move time forward themselves).
   */
  demoRoundsEndingNow?: number;
  timeoutMs?: number;
}

/** Starts `hardhat node` on 127.0.0.1:`port` in its own process group and waits until it answers. */
export async function startNode(groups: ProcessGroups, options: NodeOptions): Promise<{ rpc: string }> {
  const rpc = `http://127.0.0.1:${options.port}`;
  if (await rpcAnswers(rpc)) throw new Error(`a node already answers at ${rpc}: stop it or choose another port`);
  const genesis =
    options.demoRoundsEndingNow === undefined
      ? undefined
      : demoGenesisDate(options.demoRoundsEndingNow, Date.now()).toISOString();
  const node = groups.start(
    "the Hardhat node",
    bin("hardhat"),
    ["node", "--hostname", "127.0.0.1", "--port", String(options.port)],
    { output: options.log, env: genesis ? { HARDHAT_INITIAL_DATE: genesis } : {} },
  );
  await waitFor(`the Hardhat node at ${rpc}`, () => rpcAnswers(rpc), options.timeoutMs ?? 120_000, {
    process: node,
    log: options.log,
  });
  return { rpc };
}

export interface DeployOptions {
  rpc: string;
  /** Demo rounds to generate (scripts/demo.ts); 0 deploys only (scripts/deploy.ts). */
  rounds: number;
  seed?: number;
  /**
   * Isolated outputs: the deployments file, the demo directory and a throw-away Ignition deployment id under this
   * directory's name. Without it, the repository's defaults (deployments/deployedContracts.ts, .demo, Ignition's
   * chain-31337 journal): what npm start publishes for the app and the scripts.
   */
  workDir?: string;
  /** The demo directory when not isolated (DEMO_DIR, default .demo). */
  demoDir?: string;
  /** The local token contract (LOCAL_NMR: NMRLike or MockNMR); the deploy script's default otherwise. */
  token?: "NMRLike" | "MockNMR";
  /** The deploy step's output: a log file, or "inherit". */
  output: string;
}

export interface Deployed {
  deploymentsFile: string;
  demoDir: string;
  demoJson: string;
  stake: { address: `0x${string}`; deployBlock: number };
  nmr: { address: `0x${string}`; deployBlock: number };
}

/** Deploys with Ignition and, with rounds > 0, generates the demo history, on the node at `rpc`. */
export async function deploy(groups: ProcessGroups, options: DeployOptions): Promise<Deployed> {
  const isolated = options.workDir !== undefined;
  const deploymentsFile = isolated
    ? path.join(options.workDir!, "deployedContracts.ts")
    : path.join(REPO_ROOT, "deployments", "deployedContracts.ts");
  const demoDir = isolated ? path.join(options.workDir!, "demo") : path.resolve(REPO_ROOT, options.demoDir ?? ".demo");
  const deploymentId = isolated ? `test-${path.basename(options.workDir!)}` : undefined; // test-*: git-ignored
  const env: NodeJS.ProcessEnv = {
    LOCAL_RPC_URL: options.rpc,
    DEMO_DIR: demoDir,
    DEMO_ROUNDS: String(options.rounds),
    ...(options.seed === undefined ? {} : { DEMO_SEED: String(options.seed) }),
    ...(options.token ? { LOCAL_NMR: options.token } : {}),
    ...(isolated ? { DEPLOYMENTS_FILE: deploymentsFile, IGNITION_DEPLOYMENT_ID: deploymentId } : {}),
  };
  const script = options.rounds > 0 ? "scripts/demo.ts" : "scripts/deploy.ts";
  if (isolated) mkdirSync(options.workDir!, { recursive: true });
  try {
    await groups.run(script, bin("hardhat"), ["run", script, "--network", "localhost"], {
      env,
      output: options.output,
    });
  } finally {
    // An isolated run's Ignition journal is of no use once the chain is gone.
    if (deploymentId)
      rmSync(path.join(REPO_ROOT, "ignition", "deployments", deploymentId), { recursive: true, force: true });
  }
  const chainId = Number(await rpcCall(options.rpc, "eth_chainId"));
  const chain = readDeployments(deploymentsFile)[String(chainId)];
  const contract = (name: string) => {
    const entry = chain?.[name];
    if (!entry) throw new Error(`${script} wrote no ${name} for chain ${chainId} in ${deploymentsFile}`);
    return { address: entry.address, deployBlock: entry.deployBlock };
  };
  return {
    deploymentsFile,
    demoDir,
    demoJson: path.join(demoDir, "demo.json"),
    stake: contract("PortfolioStake"),
    nmr: contract("NMR"),
  };
}

/**
 * How often Ponder asks the node for its newest block. It polls on a timer, whether or not the last poll was answered:
 * 400 ms still indexes a new block within about half a second (the app's 1 s target) with half the requests of 200 ms
 * on a busy machine. (Why a starved node used to stall Ponder for good: indexer/ponder.config.ts.)
 */
export const PONDER_POLLING_MS = 400;

export interface PonderOptions {
  rpc: string;
  port: number;
  deploymentsFile: string;
  log: string;
  /** `ponder start --schema <schema>` (a production run) or `ponder dev`. */
  mode: { start: string } | "dev";
  /**
   * Embedded PGlite directory, or a Postgres connection string (DATABASE_URL); without it, ponder.config.ts chooses
   * (PGlite in indexer/.ponder, in a directory named after the chain).
   */
  database?: { pgliteDir: string } | { postgresUrl: string };
  /** How often Ponder asks the node for its newest block (default PONDER_POLLING_MS). */
  pollingMs?: number;
  chainId?: number;
}

/** Starts the indexer (indexer/, Ponder) against `rpc` in its own process group; does not wait (see ponderReady). */
export function startPonder(groups: ProcessGroups, options: PonderOptions): { url: string; process: ChildProcess } {
  const args =
    options.mode === "dev"
      ? ["dev", "--port", String(options.port), "--disable-ui"]
      : ["start", "--schema", options.mode.start, "--port", String(options.port)];
  const child = groups.start("the indexer", bin("ponder"), args, {
    cwd: path.join(REPO_ROOT, "indexer"),
    output: options.log,
    env: {
      PONDER_RPC_URL: options.rpc,
      CHAIN_ID: String(options.chainId ?? 31337),
      DEPLOYMENTS_FILE: options.deploymentsFile,
      POLLING_INTERVAL_MS: String(options.pollingMs ?? PONDER_POLLING_MS),
      ...(options.database === undefined
        ? { PGLITE_DIR: "", DATABASE_URL: "" }
        : "pgliteDir" in options.database
          ? { PGLITE_DIR: options.database.pgliteDir, DATABASE_URL: "" }
          : { DATABASE_URL: options.database.postgresUrl }),
    },
  });
  return { url: `http://127.0.0.1:${options.port}`, process: child };
}

/** True once Ponder has finished its backfill (/ready answers 200). */
export const ponderReady = (url: string) =>
  fetch(`${url}/ready`, { signal: AbortSignal.timeout(5000) }).then(
    (r) => r.status === 200,
    () => false,
  );

// ── the web app (app/, Next) ─────────────────────────────────────────────────────────────────────────────────────

const APP = path.join(REPO_ROOT, "app");

/** What the app's build bakes in (NEXT_PUBLIC_*): the chain it talks to and the indexer it may read from. */
export interface AppPublicEnv {
  NEXT_PUBLIC_RPC_URL: string;
  NEXT_PUBLIC_CHAIN_ID: string;
  NEXT_PUBLIC_INDEXER_URL?: string;
}

/**
 * What `next build` reads, to tell whether the last build is still good (with the baked-in env, in the stamp): the
 * app's sources and configuration (its tsconfig extends the root's tsconfig.base.json; Next loads app/.env* at build
 * time), the one workspace package it imports, @portfolio-stake/core (its sources, and the package.json whose exports
 * resolve them), and the lockfile (dependency versions). Not scripts/ (no app file may import it: the package
 * boundaries lint rule), nor the deployments file or demo.json, which the app reads at run time
 * (app/src/lib/contracts/deploymentsFile.ts), nor app/e2e and app/scripts, which no page imports (the build's type
 * check reads them, but nothing built changes with them; `npm run typecheck` checks them).
 */
export const APP_BUILD_INPUTS = [
  "app/src",
  "app/public",
  "app/next.config.ts",
  "app/tsconfig.json",
  "app/package.json",
  "app/.env",
  "app/.env.local",
  "app/.env.production",
  "app/.env.production.local",
  "tsconfig.base.json",
  "packages/core/src",
  "packages/core/package.json",
  "package-lock.json",
] as const;

function filesUnder(abs: string): string[] {
  if (!existsSync(abs)) return [];
  if (!statSync(abs).isDirectory()) return [abs];
  return readdirSync(abs, { withFileTypes: true })
    .filter((e) => e.name !== "node_modules" && !e.name.startsWith("."))
    .flatMap((e) => filesUnder(path.join(abs, e.name)))
    .sort();
}

/** A hash of every build input's path and content (under `root`: the repository), and of the baked-in env. */
export function appBuildStamp(env: AppPublicEnv, root: string = REPO_ROOT): string {
  const hash = createHash("sha256");
  for (const input of APP_BUILD_INPUTS)
    for (const file of filesUnder(path.join(root, input))) {
      hash.update(path.relative(root, file)).update("\0").update(readFileSync(file)).update("\0");
    }
  hash.update(JSON.stringify(Object.entries(env).sort()));
  return hash.digest("hex");
}

/**
 * `next build` into app/`distDir`, unless the build there was made from the same inputs (its stamp file matches):
 * a warm `npm start` or e2e run then starts in seconds instead of rebuilding for a minute.
 */
export async function buildApp(
  groups: ProcessGroups,
  options: { distDir: string; env: AppPublicEnv; log: string; force?: boolean },
): Promise<{ reused: boolean; seconds: number }> {
  const started = Date.now();
  const dist = path.join(APP, options.distDir);
  const stampFile = path.join(dist, "portfolio-stake-build-stamp");
  const stamp = appBuildStamp(options.env);
  if (
    !options.force &&
    existsSync(path.join(dist, "BUILD_ID")) &&
    existsSync(stampFile) &&
    readFileSync(stampFile, "utf8") === stamp
  )
    return { reused: true, seconds: (Date.now() - started) / 1000 };
  rmSync(stampFile, { force: true }); // a build that fails half way is never taken for a good one
  await groups.run("next build", bin("next"), ["build"], {
    cwd: APP,
    env: { ...options.env, NEXT_DIST_DIR: options.distDir },
    output: options.log,
  });
  writeFileSync(stampFile, stamp);
  return { reused: false, seconds: (Date.now() - started) / 1000 };
}

/**
 * `next start` on 127.0.0.1:`port` from app/`distDir`, in its own process group; resolves once the main page
 * answers 200 (not merely once Next says "Ready": its first answer is what a user waits for).
 */
export async function startApp(
  groups: ProcessGroups,
  options: { port: number; distDir: string; env: NodeJS.ProcessEnv; log: string; timeoutMs?: number },
): Promise<{ url: string }> {
  const url = `http://127.0.0.1:${options.port}`;
  const next = groups.start("the web app", bin("next"), ["start", "-H", "127.0.0.1", "-p", String(options.port)], {
    cwd: APP,
    env: { ...options.env, NEXT_DIST_DIR: options.distDir },
    output: options.log,
  });
  await waitFor(`the web app at ${url}`, () => httpOk(`${url}/`), options.timeoutMs ?? 120_000, {
    process: next,
    log: options.log === "inherit" ? undefined : options.log,
  });
  return { url };
}
