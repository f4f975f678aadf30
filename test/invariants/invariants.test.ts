/**
 * Property / invariant fuzzing of PortfolioStake (shared/DESIGN.md "Invariants").
 *
 * Thousands of short random action sequences (deposits, valid and invalid reallocations by stakers, managers and
 * signatures, withdrawal requests and claims by stakers and by others on their behalf, round openings, publications,
 * settlements, reward funding, pause, parameter changes, model registration, donations), each started from one of a
 * few base states restored with loadFixture (evm_snapshot/evm_revert), with every invariant checked after every
 * action. The harness is in test/helpers/invariant/ (mirror, inputs, actions, checks; see its index.ts).
 *
 * Environment:
 *   FUZZ_RUNS=n      number of sequences (default 2000; under solidity-coverage 40)
 *   FUZZ_SEED=x      master seed, decimal or 0x-hex, or "random" (default 0x5eed0001)
 *   FUZZ_SHARD=i/n   run only the sequences whose index (0..FUZZ_RUNS-1) is i modulo n, with the same per-sequence
 *                    seeds as the whole run: n processes with 0/n .. (n-1)/n together run exactly the FUZZ_RUNS sequences
 *                    of one unsharded run (needs a fixed FUZZ_SEED)
 *   FUZZ_BASE=b FUZZ_SEQ=i   replay one sequence (printed with every failure), e.g. with FUZZ_VERBOSE=1
 *   FUZZ_MIN_LEN / FUZZ_MAX_LEN   actions per sequence (default 2..6: the bases supply the history)
 *   FUZZ_VERBOSE=1   print every action;  FUZZ_STATS=1  print the revert reasons seen
 */
import { expect } from "chai";
import hre, { ethers, network } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { DAY, bindModels, deployFixture, mintTo, modelIds, NMR } from "../helpers/fixtures";
import { readEip712Domain } from "@portfolio-stake/core/eip712";
import { Prng, hexSeed, mixSeed, parseSeed } from "@portfolio-stake/core/prng";
import {
  InvariantError,
  InvariantRun,
  StateReader,
  initialMirror,
  newStats,
  readerArtifact,
  type Mirror,
  type World,
} from "../helpers/invariant";

const COVERAGE = Boolean((hre as unknown as { __SOLIDITY_COVERAGE_RUNNING?: boolean }).__SOLIDITY_COVERAGE_RUNNING);
const SEED = parseSeed(process.env.FUZZ_SEED, 0x5eed0001);
const RUNS = Number(process.env.FUZZ_RUNS ?? (COVERAGE ? 40 : 2000));
const MIN_LEN = Number(process.env.FUZZ_MIN_LEN ?? 2);
const MAX_LEN = Number(process.env.FUZZ_MAX_LEN ?? 6);
const ONLY_BASE = process.env.FUZZ_BASE === undefined ? undefined : Number(process.env.FUZZ_BASE);
const ONLY_SEQ = process.env.FUZZ_SEQ === undefined ? undefined : Number(process.env.FUZZ_SEQ);
const VERBOSE = Boolean(process.env.FUZZ_VERBOSE);
const SHARD = parseShard(process.env.FUZZ_SHARD);
if (SHARD.count > 1 && process.env.FUZZ_SEED?.trim().toLowerCase() === "random") {
  throw new Error("FUZZ_SHARD needs a fixed FUZZ_SEED: with FUZZ_SEED=random every shard would draw its own seed");
}
/** Sequence indexes 0..RUNS-1 this process runs. */
const IN_SHARD = Array.from({ length: Math.max(RUNS, 0) }, (_, i) => i).filter((i) => i % SHARD.count === SHARD.index);
const SHARD_LABEL = SHARD.count > 1 ? `shard ${SHARD.index}/${SHARD.count}: ${IN_SHARD.length} of ${RUNS}` : `${RUNS}`;

/** FUZZ_SHARD "i/n" (0 <= i < n); unset: the whole run, 0/1. */
function parseShard(text: string | undefined): { index: number; count: number } {
  if (text === undefined || text.trim() === "") return { index: 0, count: 1 };
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || !(count >= 1) || !(index < count)) {
    throw new Error(`FUZZ_SHARD must be i/n with 0 <= i < n, e.g. 0/2 and 1/2 (got "${text}")`);
  }
  return { index, count };
}

/** Short round lifecycle so that a 10-action sequence sees rounds open, resolve, publish, expire and settle. */
const FAST = { withdrawalDelay: DAY, minRoundInterval: 12n * 3600n, resolutionDelay: DAY, publishWindow: DAY };

/**
 * The parameter sets of the roots, applied in an order every step of which satisfies the exposure rule:
 * - fast: the unit fixture's R = 1 and 5% cap with the short lifecycle (19 rounds open at once, 95%);
 * - numerai: Numerai's 2026 rules, R = 64 and a cap of 100% of the slice, short lifecycle (19 open, 30%);
 * - extreme: exactly 100% of a stake committed: 12-hour rounds open 3.5 days (8 at once), R = 8, cap 100%;
 * - bounds: every time parameter at its hard bound (PortfolioStake's MAX_RESOLUTION_DELAY 60 days, MAX_PUBLISH_WINDOW
 *   30 days, MAX_PROOF_GRACE_PERIOD 30 days, MIN_ROUND_INTERVAL_FLOOR 12 hours, MAX_WITHDRAWAL_DELAY 60 days), R at
 *   MAX_SLICE_DIVISOR (1024) and the cap at MAX_RATE_CAP (100%): 241 rounds open at once (the 256-vector ring's
 *   design case) x 1/1024 = 23.5% of a stake.
 */
type RootKind = "default" | "fast" | "numerai" | "numeraiShortPool" | "extreme" | "transition" | "bounds";
const ROOT_SETTINGS: Record<RootKind, [string, bigint][]> = {
  default: [],
  fast: [
    ["setResolutionDelay", FAST.resolutionDelay],
    ["setPublishWindow", FAST.publishWindow],
    ["setMinRoundInterval", FAST.minRoundInterval],
    ["setWithdrawalDelay", FAST.withdrawalDelay],
  ],
  numerai: [
    ["setResolutionDelay", FAST.resolutionDelay],
    ["setPublishWindow", FAST.publishWindow],
    ["setSliceDivisor", 64n],
    ["setRateCap", 10n ** 18n],
    ["setMinRoundInterval", FAST.minRoundInterval],
    ["setWithdrawalDelay", FAST.withdrawalDelay],
  ],
  numeraiShortPool: [],
  // Daily rounds open 5 + 1 + 1 days: 8 at once x 1/8 = 100% (then transitionPrefix switches to 12-hour rounds).
  transition: [
    ["setPublishWindow", DAY],
    ["setProofGracePeriod", DAY],
    ["setResolutionDelay", 5n * DAY],
    ["setSliceDivisor", 8n],
    ["setRateCap", 10n ** 18n],
    ["setMinRoundInterval", DAY],
    ["setWithdrawalDelay", DAY],
  ],
  extreme: [
    ["setResolutionDelay", DAY],
    ["setPublishWindow", DAY],
    ["setProofGracePeriod", 36n * 3600n],
    ["setSliceDivisor", 8n],
    ["setRateCap", 10n ** 18n],
    ["setMinRoundInterval", 12n * 3600n],
    ["setWithdrawalDelay", DAY],
  ],
  // From the fixture's 2-day rounds, R = 1, 5%: R first, so that each step keeps open rounds x cap / R <= 100%.
  bounds: [
    ["setSliceDivisor", 1024n],
    ["setRateCap", 10n ** 18n],
    ["setResolutionDelay", 60n * DAY],
    ["setPublishWindow", 30n * DAY],
    ["setProofGracePeriod", 30n * DAY],
    ["setMinRoundInterval", 12n * 3600n],
    ["setWithdrawalDelay", 60n * DAY],
  ],
};

async function root(kind: RootKind) {
  const f = await deployFixture();
  const { stake, nmr, admin, operator, keeper, carol } = f;
  const stakeAddress = await stake.getAddress();
  // A keeper with NMR (it funds rewards and donates); carol crosses the 16-model word boundary. The token is NMRLike
  // (burns through its `mint`), so every burn must take NMR out of its totalSupply (checked after every action).
  await mintTo(nmr, keeper.address, NMR(1_000_000));
  await nmr.connect(keeper).approve(stakeAddress, ethers.MaxUint256);
  await bindModels(stake, operator, carol, modelIds("carol-extra", 14));
  for (const [setter, value] of ROOT_SETTINGS[kind === "numeraiShortPool" ? "numerai" : kind]) {
    await (stake.connect(admin) as unknown as Record<string, (v: bigint) => Promise<unknown>>)[setter]!(value);
  }
  if (kind === "bounds") {
    // The base is meant to sit on the contract's own bounds: a bound that moves makes this fail, not drift.
    const p = await stake.parameters();
    const got = [p.resolutionDelay, p.publishWindow, p.proofGracePeriod, p.minRoundInterval, p.withdrawalDelay];
    const want = [
      await stake.MAX_RESOLUTION_DELAY(),
      await stake.MAX_PUBLISH_WINDOW(),
      await stake.MAX_PROOF_GRACE_PERIOD(),
      await stake.MIN_ROUND_INTERVAL_FLOOR(),
      await stake.MAX_WITHDRAWAL_DELAY(),
    ];
    expect([...got, p.sliceDivisor, p.rateCap]).to.deep.equal([
      ...want,
      await stake.MAX_SLICE_DIVISOR(),
      await stake.MAX_RATE_CAP(),
    ]);
  }
  const { abi, bytecode } = readerArtifact();
  const reader = await new ethers.ContractFactory(abi, bytecode, admin).deploy();
  const low = (x: string) => x.toLowerCase();
  const stakers = [f.alice, f.bob, f.carol].map((s) => low(s.address));
  const others = [f.manager, f.keeper, f.outsider].map((s) => low(s.address));
  const holders = [...stakers, low(operator.address), low(keeper.address), low(stakeAddress)];
  const signers = Object.fromEntries(
    [f.admin, f.operator, f.pauser, f.alice, f.bob, f.carol, f.manager, f.keeper, f.outsider].map((s) => [
      low(s.address),
      s,
    ]),
  );
  const world: World = {
    provider: network.provider,
    stake,
    nmr,
    stakeAddress: low(stakeAddress),
    nmrAddress: low(await nmr.getAddress()),
    admin: low(admin.address),
    operator: low(operator.address),
    pauser: low(f.pauser.address),
    manager: low(f.manager.address),
    keeper: low(keeper.address),
    outsider: low(f.outsider.address),
    stakers,
    actors: [...stakers, ...others],
    holders,
    signers,
    reader: new StateReader(
      network.provider,
      await reader.getAddress(),
      stakeAddress,
      await nmr.getAddress(),
      holders,
      stakers,
    ),
    domain: await readEip712Domain(stake),
    gas: COVERAGE ? "0x" + (200_000_000).toString(16) : "0x" + (15_000_000).toString(16),
    smallRefills: kind === "numeraiShortPool",
  };
  // Two models that appear in the round files but are not registered here (other Numerai participants).
  const foreign = modelIds("not-staking-here", 2).map(low);
  return { world, mirror: await initialMirror(world, foreign) };
}

async function fastRoot() {
  return root("fast");
}
async function defaultRoot() {
  return root("default");
}
async function numeraiRoot() {
  return root("numerai");
}
async function shortPoolRoot() {
  return root("numeraiShortPool");
}
async function transitionRoot() {
  return root("transition");
}
async function extremeRoot() {
  return root("extreme");
}
async function boundsRoot() {
  return root("bounds");
}

interface Base {
  name: string;
  root: () => Promise<{ world: World; mirror: Mirror }>;
  prefix: number;
  /** Fill alice's ring of 256 weight vectors first (SettlementBehind, pruned history). */
  ring?: boolean;
  /** Open long-lived rounds, then switch to short frequent ones: caps lowered by the exposure rule. */
  transition?: boolean;
  /** After the random prefix, gains beyond the pool (owed) and a refill paying part of them (see owedPrefix). */
  owed?: boolean;
  /** Rounds published in order after the random prefix, every staker settled to the first (see spanPrefix). */
  spans?: boolean;
}

const ALL_BASES: Base[] = [
  { name: "fresh, fast rounds", root: fastRoot, prefix: 0 },
  { name: "20 random actions in, fast rounds", root: fastRoot, prefix: 20 },
  { name: "40 random actions in, fast rounds", root: fastRoot, prefix: 40 },
  { name: "70 random actions in, fast rounds", root: fastRoot, prefix: 70 },
  { name: "100 random actions in, fast rounds", root: fastRoot, prefix: 100 },
  { name: "30 random actions in, default parameters", root: defaultRoot, prefix: 30 },
  { name: "60 random actions in, default parameters", root: defaultRoot, prefix: 60 },
  { name: "40 random actions in, Numerai 2026 (R = 64, cap 100% of the slice)", root: numeraiRoot, prefix: 40 },
  { name: "80 random actions in, Numerai 2026 (R = 64, cap 100% of the slice)", root: numeraiRoot, prefix: 80 },
  {
    name: "60 random actions in, Numerai 2026, refills of at most 1 NMR, then gains beyond the pool (owed rewards)",
    root: shortPoolRoot,
    prefix: 60,
    owed: true,
  },
  { name: "40 random actions in, extreme bounds (8 rounds open x 1/8, 100% committed)", root: extremeRoot, prefix: 40 },
  { name: "80 random actions in, extreme bounds (8 rounds open x 1/8, 100% committed)", root: extremeRoot, prefix: 80 },
  {
    name: "40 random actions in, hard time bounds (resolution 60 d, window 30 d, grace 30 d, 12-hour rounds: 241 open x 1/1024, cap 100%)",
    root: boundsRoot,
    prefix: 40,
  },
  {
    name: "80 random actions in, hard time bounds (resolution 60 d, window 30 d, grace 30 d, 12-hour rounds: 241 open x 1/1024, cap 100%)",
    root: boundsRoot,
    prefix: 80,
  },
  {
    name: "parameter transition (8 daily rounds open 7 days, then 12-hour rounds), then 20 random actions",
    root: transitionRoot,
    prefix: 20,
    transition: true,
  },
  {
    name: "Numerai 2026 (R = 64, cap 100%), 9 rounds published in order, stakers settled to the first (spans)",
    root: numeraiRoot,
    prefix: 0,
    spans: true,
  },
  {
    name: "hard time bounds (R = 1024, cap 100%), 9 rounds published in order, stakers settled to the first (spans)",
    root: boundsRoot,
    prefix: 0,
    spans: true,
  },
  { name: "alice's 256-vector ring full, then 20 random actions, fast rounds", root: fastRoot, prefix: 20, ring: true },
];
/**
 * Under solidity-coverage the ring base is left out: its 256-round prefix re-reads every round after every action,
 * which instrumented takes most of the coverage run and its memory (the ring is covered by unit tests; the full fuzz,
 * uninstrumented, runs it).
 */
const BASES: Base[] = COVERAGE ? ALL_BASES.filter((b) => !b.ring) : ALL_BASES;

const stats = newStats();

function failure(e: unknown, where: string, seed: number, run: InvariantRun | undefined, replay: string): Error {
  const message = e instanceof Error ? e.message : String(e);
  const log = run ? run.log.slice(-40).join("\n    ") : "";
  const header = e instanceof InvariantError ? "Invariant violated" : "Unexpected error";
  const err = new Error(
    `${header} in ${where} (sequence seed ${hexSeed(seed)}): ${message}\n` +
      `  reproduce: FUZZ_SEED=${hexSeed(SEED)} ${replay} FUZZ_VERBOSE=1 npx hardhat test test/invariants/invariants.test.ts\n` +
      `  actions (latest last):\n    ${log}`,
  );
  if (!(e instanceof InvariantError) && e instanceof Error) err.stack = `${err.message}\n${e.stack}`;
  return err;
}

/** Named fixture per base (loadFixture needs a stable, named function): root + a random, fully checked prefix. */
const baseFixtures = BASES.map((base, b) => {
  const fixture = async () => {
    const { world, mirror: rootMirror } = await loadFixture(base.root);
    const mirror = structuredClone(rootMirror);
    const seed = mixSeed(SEED, 0xba5e, b);
    const run = new InvariantRun(world, mirror, new Prng(seed), newStats());
    try {
      await run.begin();
      if (base.ring) await run.ringPrefix(world.stakers[0]!);
      if (base.transition) await run.transitionPrefix();
      for (let i = 0; i < base.prefix; i++) await run.step(i < 10 && !base.ring);
      if (base.owed) await run.owedPrefix();
      if (base.spans) await run.spanPrefix();
      await run.unpauseIfPaused();
      await run.check(undefined, "end", mirror.firstRound); // every round from the first one
    } catch (e) {
      throw failure(e, `the prefix of base ${b} (${base.name})`, seed, run, `FUZZ_BASE=${b} FUZZ_SEQ=0`);
    }
    return { world, mirror, state: run.lastState! };
  };
  Object.defineProperty(fixture, "name", { value: `fuzzBase${b}` });
  return fixture;
});

describe("PortfolioStake invariants (property fuzzing)", function () {
  this.timeout(0); // thousands of sequences in one test: the run length is set by FUZZ_RUNS, not by a timer
  it(`random action sequences keep every invariant (seed ${hexSeed(SEED)}, ${SHARD_LABEL} sequences)`, async function () {
    const started = Date.now();
    if (SHARD.count > 1)
      console.log(`      FUZZ_SHARD ${SHARD_LABEL} sequences (index % ${SHARD.count} == ${SHARD.index})`);
    for (let b = 0; b < BASES.length; b++) {
      if (ONLY_BASE !== undefined && b !== ONLY_BASE) continue;
      // Sequences i with i % bases == b start from base b; grouped so each base is built once (and only if this shard
      // runs one of its sequences). A sequence's seed depends on (seed, base, index) only, never on the shard.
      for (let i = b; i < RUNS; i += BASES.length) {
        if (i % SHARD.count !== SHARD.index) continue;
        const index = Math.floor(i / BASES.length);
        if (ONLY_SEQ !== undefined && index !== ONLY_SEQ) continue;
        const base = await loadFixture(baseFixtures[b]!);
        const seed = mixSeed(SEED, b, index);
        const rng = new Prng(seed);
        const run = new InvariantRun(base.world, structuredClone(base.mirror), rng, stats);
        const length = rng.int(MIN_LEN, MAX_LEN);
        try {
          await run.begin(base.state);
          for (let k = 0; k < length; k++) await run.step(false, k === length - 1);
        } catch (e) {
          throw failure(
            e,
            `base ${b} (${BASES[b]!.name}) sequence ${index}`,
            seed,
            run,
            `FUZZ_BASE=${b} FUZZ_SEQ=${index}`,
          );
        }
        stats.sequences++;
        if (VERBOSE)
          console.log(`  base ${b} sequence ${index} (seed ${hexSeed(seed)}):\n    ${run.log.join("\n    ")}`);
      }
    }
    const seconds = (Date.now() - started) / 1000;
    const kinds = Object.entries(stats.byKind)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${k} ${v.ok}/${v.ok + v.reverted}`)
      .join(", ");
    console.log(
      `      ${stats.sequences} sequences, ${stats.actions} actions (${stats.reverted} expected reverts), ` +
        `${stats.checks} invariant checks, ${stats.settledRounds} account-rounds settled, ` +
        `${stats.spanSegments} span segments settled, ${stats.claims} claims, ` +
        `${stats.gains} gains (${stats.gainsShort} beyond the pool), ${stats.owedRefills} refills paying owed rewards, ` +
        `${stats.rewardClaims} owed-reward claims, ` +
        `${stats.capsLowered} round caps lowered by the exposure rule, ` +
        `${seconds.toFixed(1)} s (seed ${hexSeed(SEED)}${SHARD.count > 1 ? `, shard ${SHARD.index}/${SHARD.count}` : ""})` +
        `\n      ok/attempted: ${kinds}`,
    );
    if (process.env.FUZZ_STATS) {
      const reverts = Object.entries(stats.reverts).sort(([, x], [, y]) => y - x);
      console.log(`      reverts:\n        ${reverts.map(([k, v]) => `${v} ${k}`).join("\n        ")}`);
    }
    expect(stats.sequences).to.be.greaterThan(0);
  });
});
