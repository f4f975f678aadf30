/**
 * The test runner behind `npm test` and the `test:*` scripts.
 *
 *   node --import tsx scripts/test/run.ts              everything (npm test): the gate, then the heavy stages side by side
 *   node --import tsx scripts/test/run.ts --fast       the gate only (npm run test:fast)
 *   node --import tsx scripts/test/run.ts <task>       one task in the foreground: contracts | fuzz | unit | coverage |
 *                                                      integration | e2e | indexer (npm run test:contracts, ...)
 *
 * Options for the whole run: --jobs N (heavy stages at a time; TEST_JOBS, default 3), --fuzz-shards N (FUZZ_SHARDS,
 * default 1), --only a,b / --skip a,b (heavy stages by name, the gate always runs; "fuzz" means every shard),
 * --full-logs (print every stage's whole log, not only a failed one's tail), --list (print the plan and exit).
 * Measured on 2 cores (2026-12-01, with other work on the machine): the heavy stages took 3:41-4:00 three at a time
 * against 4:23-4:27 two at a time, since the indexer and e2e stages spend part of their time waiting on their own
 * servers; the 2,000 fuzz sequences take about 75 s alone, and two shards gained nothing.
 *
 * The gate, fail-fast: compile (contracts + TypeChain), then lint, typecheck and unit tests side by side. When it
 * fails, nothing else runs. The heavy stages, longest first, at most --jobs at a time:
 *   coverage     test/contracts under solidity-coverage, then the 100% gate (scripts/check-coverage.js). It builds in
 *                build/coverage/ (scripts/test/hardhat.coverage.config.ts), so the instrumented build never replaces
 *                the artifacts that the other stages read.
 *   fuzz         test/invariants, FUZZ_RUNS (default 2000) sequences uninstrumented, in --fuzz-shards processes
 *                (FUZZ_SHARD=i/n: sequence indexes with index % n == i, same seeds); the shards' counts must add up.
 *   integration  test/integration (replay, demo, operator/keeper, rebalance) uninstrumented.
 *   e2e          scripts/e2e.ts: its own Hardhat node (8547), demo, Ponder (42075), next build, next start (3100),
 *                Playwright.
 *   indexer      indexer/test/run.ts twice, on PGlite and on a throw-away PostgreSQL server (55432): its own Hardhat
 *                node (8552) and Ponder (42071).
 * The heavy stages run with SKIP_COMPILE=1 (see hardhat.config.ts): the gate compiled, and a compile, even a no-op
 * one, rewrites cache/solidity-files-cache.json, which another Hardhat process could then read half written.
 * Every stage writes build/test-logs/<stage>.log; a failed stage's log tail is printed when it ends (TEST_LOG_TAIL
 * lines, default 200), and every stage still runs to the end. Last, a table of each stage's start, wall time and
 * status, and the total (also in build/test-logs/timings.json). Exit status 1 when any stage failed.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..");
const LOGS = path.join(ROOT, "build", "test-logs");
const BIN = (name: string) => path.join(ROOT, "node_modules", ".bin", name);
const NPM = process.platform === "win32" ? "npm.cmd" : "npm";

/** Files under `dir` (relative to the root) whose names end with `suffix`; `deep` descends into subfolders. */
function testFiles(dir: string, suffix: string, deep: boolean): string[] {
  const abs = path.join(ROOT, dir);
  if (!existsSync(abs)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(abs, { withFileTypes: true })) {
    const rel = path.posix.join(dir, entry.name);
    if (entry.isDirectory() && deep) out.push(...testFiles(rel, suffix, deep));
    else if (!entry.isDirectory() && entry.name.endsWith(suffix)) out.push(rel);
  }
  return out.sort();
}

const CONTRACT_TESTS = "test/contracts/**/*.test.ts";
const contractTests = () => testFiles("test/contracts", ".test.ts", true);
const INVARIANT_TEST = "test/invariants/invariants.test.ts";
const INTEGRATION_TESTS = "test/integration/*.test.ts";
const integrationTests = () => testFiles("test/integration", ".test.ts", false);
const PURE_TESTS = "scripts/lib/**/*.test.ts";
const pureTests = () => testFiles("scripts/lib", ".test.ts", true);

/** One command of a stage. `need` names files that must exist (an empty test folder is a failure, not a pass). */
interface Step {
  cmd: string;
  args: string[];
  env?: Record<string, string>;
  need?: { what: string; files: string[] };
  /** A step that has nothing to do: printed, not run. */
  skip?: string;
}
interface Stage {
  name: string;
  steps: () => Step[];
  /** Solo wall time in seconds, measured on 2 cores (only used to start the longest stages first). */
  estimate: number;
}

/** `hardhat test` on `files`; in `npm test` after its compile (--no-compile), on its own with the usual compile. */
const hardhatTest = (files: string[], what: string, env: Record<string, string>, compiled: boolean): Step => ({
  cmd: BIN("hardhat"),
  args: ["test", ...(compiled ? ["--no-compile"] : []), ...files],
  env,
  need: { what, files },
});

// ── gate ────────────────────────────────────────────────────────────────────────────────────────────────────────────

const compile: Stage = {
  name: "compile",
  estimate: 11,
  steps: () => [{ cmd: BIN("hardhat"), args: ["compile", "--quiet"] }],
};

// Type-aware ESLint needs the TypeChain types, hence after compile.
const lint: Stage = { name: "lint", estimate: 65, steps: () => [{ cmd: NPM, args: ["run", "--silent", "lint"] }] };

/** Root, app and indexer. */
const typecheck: Stage = {
  name: "typecheck",
  estimate: 55,
  steps: () => [{ cmd: NPM, args: ["run", "--silent", "typecheck"] }],
};

const unitSteps = (): Step[] => {
  const pure = pureTests();
  return [
    pure.length
      ? { cmd: process.execPath, args: ["--import", "tsx", "--test", ...pure] }
      : { cmd: "", args: [], skip: `no ${PURE_TESTS}` },
    { cmd: NPM, args: ["run", "--silent", "test", "-w", "@portfolio-stake/core"] },
    { cmd: NPM, args: ["run", "--silent", "test:unit", "-w", "app"] },
  ];
};
const unit: Stage = { name: "unit", estimate: 14, steps: unitSteps };

// ── heavy stages ────────────────────────────────────────────────────────────────────────────────────────────────────

const COVERAGE_MIN = process.env.COVERAGE_MIN ?? "100";
const coverageSteps = (): Step[] => {
  rmSync(path.join(ROOT, "coverage", "coverage-summary.json"), { force: true }); // never gate on a stale report
  return [
    {
      cmd: BIN("hardhat"),
      args: ["--config", "scripts/test/hardhat.coverage.config.ts", "coverage", "--testfiles", CONTRACT_TESTS],
      // coverage compiles its instrumented build (in build/coverage/); the instrumented suite (256-vector ring and
      // 64-model tests) needs more than Node's default heap
      env: {
        SKIP_COMPILE: "0",
        NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --max-old-space-size=8192`.trim(),
      },
      need: { what: CONTRACT_TESTS, files: contractTests() },
    },
    { cmd: process.execPath, args: ["scripts/check-coverage.js", COVERAGE_MIN] },
  ];
};
const coverage: Stage = { name: "coverage", estimate: 142, steps: coverageSteps };

const FUZZ_RUNS = process.env.FUZZ_RUNS ?? "2000";
/** FUZZ_SEED=random is drawn here, once, so that every shard runs the same seed (the test refuses random with shards). */
if (process.env.FUZZ_SEED?.trim().toLowerCase() === "random") {
  process.env.FUZZ_SEED = `0x${Math.floor(Math.random() * 2 ** 32)
    .toString(16)
    .padStart(8, "0")}`;
  console.log(`FUZZ_SEED=random: drew FUZZ_SEED=${process.env.FUZZ_SEED}`);
}
const fuzzSteps = (compiled: boolean, shard?: string): Step[] => {
  const env: Record<string, string> = { FUZZ_RUNS };
  if (shard) env.FUZZ_SHARD = shard;
  return [
    hardhatTest(existsSync(path.join(ROOT, INVARIANT_TEST)) ? [INVARIANT_TEST] : [], INVARIANT_TEST, env, compiled),
  ];
};
const fuzzShard = (shard: number, shards: number): Stage => ({
  name: shards > 1 ? `fuzz-${shard + 1}of${shards}` : "fuzz",
  estimate: 76 / shards + 3,
  steps: () => fuzzSteps(true, shards > 1 ? `${shard}/${shards}` : undefined),
});

const integrationSteps = (compiled: boolean) => [hardhatTest(integrationTests(), INTEGRATION_TESTS, {}, compiled)];
const integration: Stage = { name: "integration", estimate: 15, steps: () => integrationSteps(true) };

const e2e: Stage = { name: "e2e", estimate: 64, steps: () => [{ cmd: NPM, args: ["run", "test:e2e", "-w", "app"] }] };

const indexer: Stage = { name: "indexer", estimate: 270, steps: () => [{ cmd: NPM, args: ["test", "-w", "indexer"] }] };

/** The fuzz shards print "N sequences, ..." (one line each); together they must make FUZZ_RUNS. */
function checkFuzzTotal(results: Result[]): string | undefined {
  const shards = results.filter((r) => r.name.startsWith("fuzz"));
  if (!shards.length || shards.some((r) => r.status !== "ok")) return undefined;
  if (process.env.FUZZ_BASE !== undefined || process.env.FUZZ_SEQ !== undefined) return undefined; // a replay
  let total = 0;
  for (const r of shards) {
    const m = /(\d+) sequences, \d+ actions/.exec(readFileSync(r.log, "utf8"));
    if (!m) return `fuzz: no "N sequences" line in ${path.relative(ROOT, r.log)}; cannot check the total`;
    total += Number(m[1]);
  }
  if (total !== Number(FUZZ_RUNS)) return `fuzz: the shards ran ${total} sequences in all, not FUZZ_RUNS=${FUZZ_RUNS}`;
  if (shards.length > 1) say(`✔ fuzz: ${total} sequences in all (${shards.length} shards)`);
  return undefined;
}

// ── running ─────────────────────────────────────────────────────────────────────────────────────────────────────────

interface Result {
  name: string;
  status: "ok" | "FAILED" | "skipped" | "stopped";
  start: number;
  end: number;
  log: string;
  note?: string;
}

const T0 = Date.now();
const running = new Set<ChildProcess>();
/** Stages running now, with their start times (for the heartbeat). */
const active = new Map<string, number>();
let interrupted = false;

const mmss = (ms: number) => {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
};
const say = (line: string) => console.log(`[${mmss(Date.now() - T0)}] ${line}`);

const BASE_ENV = {
  HARDHAT_DISABLE_TELEMETRY_PROMPT: "true",
  NEXT_TELEMETRY_DISABLED: "1",
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: "1",
  PONDER_TELEMETRY_DISABLED: "true",
};

/** Runs one command with its output appended to `out` (or inherited); resolves to its exit code. */
function exec(step: Step, out: "inherit" | number, extraEnv: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(step.cmd, step.args, {
      cwd: ROOT,
      env: { ...process.env, ...BASE_ENV, ...extraEnv, ...step.env },
      stdio: out === "inherit" ? "inherit" : ["ignore", out, out],
      detached: out !== "inherit", // its own process group, so that an interrupt stops all of it
    });
    running.add(child);
    child.on("error", (e) => {
      running.delete(child);
      if (typeof out === "number") writeFileSync(out, `\n${e.message}\n`);
      else console.error(e.message);
      resolve(127);
    });
    child.on("exit", (code, signal) => {
      running.delete(child);
      // Whatever the stage left behind in its process group goes with it (servers it started in their own
      // process groups, like the dev-chain harness's, are stopped by their starter).
      if (out !== "inherit" && child.pid) killGroup(child.pid, "SIGTERM");
      resolve(code ?? (signal ? 128 : 1));
    });
  });
}

function killGroup(pid: number, signal: NodeJS.Signals) {
  killPid(-pid, signal);
}
function killPid(pid: number, signal: NodeJS.Signals) {
  try {
    process.kill(pid, signal);
  } catch {
    /* already gone */
  }
}

/**
 * Every process below `root` (from /proc; none elsewhere than Linux), including the servers a stage started in their
 * own process group or session (the indexer test's node and Ponder), which an interrupt must stop too.
 */
function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  let entries: string[];
  try {
    entries = readdirSync("/proc").filter((e) => /^\d+$/.test(e));
  } catch {
    return [];
  }
  for (const entry of entries) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8"); // "pid (comm) state ppid ..."
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      /* exited meanwhile */
    }
  }
  const out: number[] = [];
  const walk = (pid: number) => {
    for (const child of children.get(pid) ?? []) {
      out.push(child);
      walk(child);
    }
  };
  walk(root);
  return out;
}

function describe(step: Step) {
  const envs = Object.entries(step.env ?? {}).map(([k, v]) => `${k}=${v} `);
  const shown =
    step.cmd === process.execPath
      ? "node"
      : path.isAbsolute(step.cmd)
        ? path.relative(ROOT, step.cmd).replace(/^node_modules\/\.bin\//, "")
        : step.cmd;
  const args = step.args.length > 8 ? [...step.args.slice(0, 8), `... (${step.args.length - 8} more)`] : step.args;
  return `${envs.join("")}${shown} ${args.join(" ")}`;
}

const TAIL = Number(process.env.TEST_LOG_TAIL ?? 200);
let fullLogs = false;

function printLog(r: Result, all: boolean) {
  const lines = readFileSync(r.log, "utf8").trimEnd().split("\n");
  const shown = all ? lines : lines.slice(-TAIL);
  const file = path.relative(ROOT, r.log);
  console.log(
    `┌── ${r.name} (${shown.length === lines.length ? file : `${file}, last ${shown.length} of ${lines.length} lines`})`,
  );
  for (const line of shown) console.log(`│ ${line}`);
  console.log(`└── ${r.name}: ${r.status}${r.note ? ` (${r.note})` : ""}`);
}

/** Runs a stage's steps one after another into its log file. */
async function runStage(stage: Stage, extraEnv: Record<string, string>): Promise<Result> {
  const log = path.join(LOGS, `${stage.name}.log`);
  const start = Date.now() - T0;
  mkdirSync(LOGS, { recursive: true });
  const fd = openSync(log, "w");
  active.set(stage.name, Date.now());
  let status: Result["status"] = "ok";
  let note: string | undefined;
  say(`▶ ${stage.name}`);
  try {
    for (const step of stage.steps()) {
      if (interrupted) {
        status = "stopped";
        break;
      }
      if (step.skip) {
        writeFileSync(fd, `── skipped: ${step.skip}\n`);
        continue;
      }
      writeFileSync(fd, `── ${describe(step)}\n`);
      if (step.need && !step.need.files.length) {
        writeFileSync(fd, `no test files match ${step.need.what}\n`);
        [status, note] = ["FAILED", `no files match ${step.need.what}`];
        break;
      }
      const code = await exec(step, fd, extraEnv);
      if (code !== 0) {
        [status, note] = [interrupted ? "stopped" : "FAILED", `exit ${code}: ${describe(step)}`];
        break;
      }
    }
  } catch (e) {
    writeFileSync(fd, `\n${String(e)}\n`);
    [status, note] = ["FAILED", String(e)];
  }
  const result: Result = { name: stage.name, status, start, end: Date.now() - T0, log, note };
  closeSync(fd);
  active.delete(stage.name);
  const took = mmss(result.end - result.start);
  if (result.status === "ok") {
    say(`✔ ${stage.name} (${took})`);
    if (fullLogs) printLog(result, true);
  } else {
    say(`✘ ${stage.name} ${result.status} after ${took}${result.note ? `: ${result.note}` : ""}`);
    printLog(result, fullLogs);
  }
  return result;
}

/** Runs stages at most `limit` at a time, in the given order; resolves with every result. */
async function pool(stages: Stage[], limit: number, env: Record<string, string>): Promise<Result[]> {
  const results: Result[] = [];
  const queue = [...stages];
  const worker = async () => {
    for (let stage = queue.shift(); stage; stage = queue.shift()) {
      if (interrupted) {
        results.push({ name: stage.name, status: "skipped", start: 0, end: 0, log: "", note: "interrupted" });
        continue;
      }
      results.push(await runStage(stage, env));
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, stages.length) }, worker));
  return stages.map((s) => results.find((r) => r.name === s.name)!);
}

function table(results: Result[]) {
  const w = Math.max(5, ...results.map((r) => r.name.length));
  console.log(`\n${"stage".padEnd(w)}  start   wall  status`);
  for (const r of results) {
    const times =
      r.status === "skipped" ? "     -      -" : `${mmss(r.start).padStart(6)} ${mmss(r.end - r.start).padStart(6)}`;
    console.log(`${r.name.padEnd(w)} ${times}  ${r.status}${r.note ? `  ${r.note}` : ""}`);
  }
  const failed = results.filter((r) => r.status !== "ok" && r.status !== "skipped");
  console.log(
    `${"total".padEnd(w)} ${"".padStart(6)} ${mmss(Date.now() - T0).padStart(6)}  ${interrupted ? "interrupted" : failed.length ? `${failed.length} failed` : "ok"}`,
  );
  writeFileSync(
    path.join(LOGS, "timings.json"),
    JSON.stringify(
      {
        date: new Date(T0).toISOString(),
        totalSeconds: (Date.now() - T0) / 1000,
        stages: results.map((r) => ({
          name: r.name,
          status: r.status,
          startSeconds: r.start / 1000,
          wallSeconds: (r.end - r.start) / 1000,
        })),
      },
      null,
      2,
    ) + "\n",
  );
}

/** A line every minute naming what is still running, so that a long quiet stretch is not taken for a hang. */
function heartbeat() {
  const timer = setInterval(
    () => {
      const now = Date.now();
      const names = [...active].map(([name, since]) => `${name} (${mmss(now - since)})`);
      if (names.length) say(`… running: ${names.join(", ")}`);
    },
    Number(process.env.TEST_HEARTBEAT_SECONDS ?? 60) * 1000,
  );
  timer.unref();
  return timer;
}

function onInterrupt() {
  process.on("SIGINT", stopAll);
  process.on("SIGTERM", stopAll);
  function stopAll() {
    if (interrupted) process.exit(130);
    interrupted = true;
    console.log("\ninterrupted: stopping every stage (again to exit at once)");
    for (const child of running) {
      if (!child.pid) continue;
      const tree = descendants(child.pid); // before the group goes: its members' children are re-parented then
      killGroup(child.pid, "SIGTERM");
      for (const pid of tree) killPid(pid, "SIGTERM");
    }
  }
}

interface Options {
  fast: boolean;
  jobs: number;
  shards: number;
  only?: string[];
  skip: string[];
  list: boolean;
}

function parseArgs(argv: string[]): Options & { task?: string; extra: string[] } {
  const o: Options & { task?: string; extra: string[] } = {
    extra: [],
    fast: false,
    jobs: Number(process.env.TEST_JOBS ?? 3),
    shards: Number(process.env.FUZZ_SHARDS ?? 1),
    skip: [],
    list: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (o.task) {
      o.extra.push(a); // a task's own arguments
      continue;
    }
    const value = () => {
      const v = a.includes("=") ? a.slice(a.indexOf("=") + 1) : argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === "--fast") o.fast = true;
    else if (a === "--list") o.list = true;
    else if (a === "--full-logs") fullLogs = true;
    else if (a.startsWith("--jobs")) o.jobs = Number(value());
    else if (a.startsWith("--fuzz-shards")) o.shards = Number(value());
    else if (a.startsWith("--only")) o.only = value().split(",");
    else if (a.startsWith("--skip")) o.skip = value().split(",");
    else if (!a.startsWith("-")) o.task = a;
    else throw new Error(`unknown argument ${a} (see the comment at the top of scripts/test/run.ts)`);
  }
  if (!(o.jobs >= 1) || !(o.shards >= 1)) throw new Error("--jobs and --fuzz-shards must be at least 1");
  return o;
}

/** The whole run: the gate (fail-fast), then the heavy stages. */
async function pipeline(o: Options): Promise<number> {
  const picked = (name: string) =>
    (!o.only || o.only.some((n) => name === n || name.startsWith(`${n}-`))) &&
    !o.skip.some((n) => name === n || name.startsWith(`${n}-`));
  const heavy = [
    coverage,
    ...Array.from({ length: o.shards }, (_, i) => fuzzShard(i, o.shards)),
    integration,
    e2e,
    indexer,
  ]
    .filter((s) => picked(s.name))
    .sort((a, b) => b.estimate - a.estimate);
  const gate = [lint, typecheck, unit];
  if (o.list) {
    console.log(`gate: ${compile.name}, then ${gate.map((s) => s.name).join(" + ")}`);
    if (!o.fast) console.log(`heavy (${o.jobs} at a time, longest first): ${heavy.map((s) => s.name).join(", ")}`);
    for (const s of [compile, ...gate, ...(o.fast ? [] : heavy)])
      for (const step of s.steps())
        console.log(`  ${s.name.padEnd(12)} ${step.skip ? `(skipped: ${step.skip})` : describe(step)}`);
    return 0;
  }
  rmSync(LOGS, { recursive: true, force: true });
  mkdirSync(LOGS, { recursive: true });
  onInterrupt();
  say(`gate: compile, then ${gate.map((s) => s.name).join(" + ")}; logs in ${path.relative(ROOT, LOGS)}/`);
  const beat = heartbeat();
  const results = await pool([compile], 1, {});
  if (results[0]!.status === "ok") results.push(...(await pool(gate, gate.length, {})));
  const gateOk = results.every((r) => r.status === "ok");
  if (!o.fast && gateOk) {
    say(`heavy stages, ${o.jobs} at a time: ${heavy.map((s) => s.name).join(", ")}`);
    const heavyResults = await pool(heavy, o.jobs, { SKIP_COMPILE: "1" });
    results.push(...heavyResults);
    const fuzzProblem = checkFuzzTotal(heavyResults);
    if (fuzzProblem) {
      say(`✘ ${fuzzProblem}`);
      results.push({ name: "fuzz total", status: "FAILED", start: 0, end: 0, log: "", note: fuzzProblem });
    }
  } else if (!o.fast) {
    say("the gate failed: the heavy stages do not run");
    for (const s of heavy)
      results.push({ name: s.name, status: "skipped", start: 0, end: 0, log: "", note: "gate failed" });
  }
  clearInterval(beat);
  table(results);
  return results.some((r) => r.status !== "ok" && r.status !== "skipped") || !gateOk ? 1 : 0;
}

/**
 * One task in the foreground, output straight to the terminal (npm run test:contracts, test:fuzz, ...). `extra`
 * arguments go to its `hardhat test` (e.g. npm run test:contracts -- --grep settle).
 */
async function foreground(task: string, extra: string[]): Promise<number> {
  const tasks: Record<string, () => Step[]> = {
    // The contract suites and a short fuzz (FUZZ_RUNS, default 50): the day-to-day loop.
    contracts: () => {
      const files = [...contractTests(), INVARIANT_TEST];
      const missing = !contractTests().length || !existsSync(path.join(ROOT, INVARIANT_TEST));
      return [
        hardhatTest(
          missing ? [] : files,
          `${CONTRACT_TESTS} and ${INVARIANT_TEST}`,
          { FUZZ_RUNS: process.env.FUZZ_RUNS ?? "50" },
          false,
        ),
      ];
    },
    // The long fuzz: FUZZ_RUNS (default 2000), FUZZ_SEED and FUZZ_SHARD from the environment.
    fuzz: () => fuzzSteps(false, process.env.FUZZ_SHARD),
    unit: unitSteps,
    coverage: () => [compile.steps()[0]!, ...coverageSteps()],
    integration: () => integrationSteps(false),
    e2e: e2e.steps,
    indexer: indexer.steps,
  };
  const steps = tasks[task];
  if (!steps) throw new Error(`unknown task ${task}; one of ${Object.keys(tasks).join(", ")}`);
  for (const step of steps()) {
    if (extra.length && step.cmd === BIN("hardhat") && step.args[0] === "test") step.args.push(...extra);
    if (step.skip) {
      console.log(`── skipped: ${step.skip}`);
      continue;
    }
    if (step.need && !step.need.files.length) {
      console.error(`no test files match ${step.need.what}`);
      return 1;
    }
    console.log(`── ${describe(step)}`);
    const code = await exec(step, "inherit", {});
    if (code !== 0) return code;
  }
  return 0;
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const code = o.task ? await foreground(o.task, o.extra) : await pipeline(o);
  process.exitCode = interrupted ? 130 : code;
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
