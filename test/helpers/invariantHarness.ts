/**
 * Property/invariant fuzzing harness for PortfolioStake.
 *
 * A run drives the contract with random action sequences (seeded PRNG) and, after every action, reads the chain in one
 * eth_call (InvariantReader) and checks:
 *
 * - the explicit invariants of shared/DESIGN.md, each written directly against chain reads:
 *   I1 solvency and conservation of NMR (contract balance == stakes + pending + pool [+ donations]; totals() == sums
 *      over accounts; wallets + contract + burned == minted),
 *   I2 every stored vector sums to 10,000 (or is all zero before the first one) and has one weight per registered model,
 *   I3 open rounds keep the stake and vector read when they opened; every Settled event matches that snapshot and
 *      roundDelta() of the published rates,
 *   I4 nobody but the staker changes its balance, pending withdrawal or wallet (settlement aside); a staker's wallet
 *      only grows by its own claimWithdrawal,
 *   I5 admin/operator/pauser actions never change balances; settlement burns at most rateCap x stake at risk per round,
 *   M  monotonicity (currentRound, nextSettleRound, nonces, allocation counts, lifetime totals);
 * - exact agreement with a mirror model (`Mirror`) written from the interface NatSpec: every call must succeed exactly
 *   when the mirror says it is allowed, revert with the error the mirror names otherwise, and leave exactly the state
 *   (accounts, totals, wallets, vectors, stakes) and events the mirror predicts.
 *   W  a pending withdrawal is burned only by rounds it was at risk in (DESIGN.md "Withdrawals").
 */
import { ethers } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { NMRLike, PortfolioStake } from "../../typechain-types";
import {
  accountRoundResult,
  buildRoundTree,
  roundDelta,
  unprovableRoundResult,
  type RoundResultArg,
  type RoundTree,
} from "../../scripts/lib/results";
import { Prng } from "./prng";
import type { ChainAccount, ChainState, StateReader } from "./invariantReader";

// ───────────────────────────────────────── Constants (from the contract's NatSpec) ─────────────────────────────────

export const BPS = 10_000;
export const MAX_MODELS = 64;
export const VECTOR_HISTORY = 256;
const RATE_SCALE = 10n ** 18n;
const HOUR = 3_600;
const DAY = 24 * HOUR;
const NMR = 10n ** 18n;
const ZERO = ethers.ZeroAddress;
const ZERO_MODEL = "0x" + "00".repeat(16);

export const BOUNDS = {
  withdrawalDelay: [0, 60 * DAY],
  minRoundInterval: [12 * HOUR, 7 * DAY],
  resolutionDelay: [1 * DAY, 60 * DAY],
  publishWindow: [1 * DAY, 30 * DAY],
  proofGracePeriod: [1 * DAY, 30 * DAY],
} as const;
export const RATE_CAP_BOUNDS = [10n ** 15n, 25n * 10n ** 16n] as const;
/** Rounds re-read after each action, at most (the rounds opened in the sequence and unsettled ones, newest first). */
const WINDOW = 12;

// ───────────────────────────────────────────── Mirror state ─────────────────────────────────────────────────────────

export interface Params {
  withdrawalDelay: number;
  minRoundInterval: number;
  resolutionDelay: number;
  publishWindow: number;
  rateCap: bigint;
  proofGracePeriod: number;
}

export interface MVector {
  round: number; // effective round
  w: number[]; // registry order, as long as the registry when stored (later models weigh zero)
}

export interface MAccount {
  addr: string; // lower-case
  label: string;
  models: string[]; // lower-case bytes16, registry order
  balance: bigint;
  pending: bigint;
  unpaid: bigint;
  totalRewarded: bigint;
  totalBurned: bigint;
  withdrawalLastRound: number;
  releaseAt: number;
  nextSettleRound: number;
  manager: string; // lower-case, ZERO for none
  vectors: MVector[];
  stakeCps: { round: number; value: bigint }[];
  nonce: number;
  /** Withdrawal requests since the last claim: amount and the last round it was at risk in. */
  tranches: { amount: bigint; lastRound: number }[];
  /** Burns taken from the pending withdrawal since the last claim, by round. */
  pendingBurns: { round: number; amount: bigint }[];
}

export interface MSnap {
  stake: bigint;
  w: number[];
}

export interface MRound {
  openedAt: number;
  resolvesAt: number;
  deadline: number;
  proofDeadline: number; // published but unprovable for an account after this: may settle as zero for it
  cap: bigint;
  root: string | null;
  rates: Record<string, bigint> | null;
  /** Chain reads of stakeAt/allocationAt taken right after the round opened, per staker. */
  snaps: Record<string, MSnap>;
}

export interface Mirror {
  firstRound: number;
  now: number; // timestamp of the latest block
  current: number;
  lastOpenedAt: number;
  paused: boolean;
  params: Params;
  pool: bigint;
  donated: bigint;
  minted: bigint;
  burned: bigint; // sum of Settled.burned ever observed
  wallets: Record<string, bigint>; // token balances of the holders (lower-case)
  accounts: Record<string, MAccount>;
  rounds: Record<number, MRound>;
  owners: Record<string, string>; // modelId -> owner
  proposals: Record<string, string>; // modelId -> account it is proposed to (not accepted yet)
  foreignModels: string[]; // models in the round files that are not registered here
  modelCounter: number;
}

/** Chain handles shared by every sequence of one base. */
export interface World {
  provider: { request(args: { method: string; params?: unknown[] }): Promise<unknown> };
  stake: PortfolioStake;
  nmr: NMRLike;
  stakeAddress: string;
  nmrAddress: string;
  admin: string;
  operator: string;
  pauser: string;
  manager: string;
  keeper: string;
  outsider: string;
  stakers: string[];
  /** Every actor that may call something (stakers first). */
  actors: string[];
  /** Token holders the reader reads (stakers, operator, keeper, the contract). */
  holders: string[];
  signers: Record<string, HardhatEthersSigner>;
  reader: StateReader;
  chainId: bigint;
  gas: string;
}

export interface Stats {
  sequences: number;
  actions: number;
  reverted: number;
  checks: number;
  settledRounds: number;
  claims: number;
  byKind: Record<string, { ok: number; reverted: number }>;
  /** Revert reasons seen, by action kind ("kind: Error"). */
  reverts: Record<string, number>;
}

export function newStats(): Stats {
  return { sequences: 0, actions: 0, reverted: 0, checks: 0, settledRounds: 0, claims: 0, byKind: {}, reverts: {} };
}

export class InvariantError extends Error {}

interface SettledEvent {
  account: string;
  round: number;
  stakeAtRisk: bigint;
  rates: bigint[];
  delta: bigint;
  paid: bigint;
  burned: bigint;
  unpaidRewards: bigint;
  balance: bigint;
  unprovable: boolean;
}

interface ActionRecord {
  kind: string;
  caller: string;
  ok: boolean;
  privileged: boolean; // admin, operator or pauser action
  /** Accounts whose storage the action writes (their open rounds are all re-read after it). */
  subjects: string[];
  claimed?: { account: string; amount: bigint };
  settled?: SettledEvent[];
}

interface TxOutcome {
  ok: boolean;
  hash?: string;
  error?: string;
}

interface AccountResultsArg {
  account: string;
  models: string[];
  results: RoundResultArg[];
}

// ─────────────────────────────────────────── Mirror helpers ─────────────────────────────────────────────────────────

const trees = new Map<string, RoundTree>();

function low(address: string): string {
  return address.toLowerCase();
}

function pad(w: readonly number[], n: number): number[] {
  const out = w.slice(0, n);
  while (out.length < n) out.push(0);
  return out;
}

export function stakeAt(a: MAccount, round: number): bigint {
  for (let i = a.stakeCps.length - 1; i >= 0; i--) if (a.stakeCps[i].round <= round) return a.stakeCps[i].value;
  return 0n;
}

/** The vector in force at `round` padded to the registry, or null before the first one. */
export function vectorAt(a: MAccount, round: number): number[] | null {
  for (let i = a.vectors.length - 1; i >= 0; i--)
    if (a.vectors[i].round <= round) return pad(a.vectors[i].w, a.models.length);
  return null;
}

/** Whether allocationAt(round) reverts AllocationHistoryPruned: only the newest VECTOR_HISTORY vectors are kept. */
function vectorPruned(a: MAccount, round: number): boolean {
  const count = a.vectors.length;
  if (count <= VECTOR_HISTORY) return false;
  return round < a.vectors[count - VECTOR_HISTORY].round;
}

function setCheckpoint(a: MAccount, round: number, value: bigint) {
  const last = a.stakeCps[a.stakeCps.length - 1];
  if (last && last.round === round) last.value = value;
  else a.stakeCps.push({ round, value });
}

function registryHash(models: readonly string[]): string {
  return ethers.keccak256(ethers.concat(models.map((m) => ethers.zeroPadBytes(m, 32))));
}

function sum(xs: readonly number[]): number {
  return xs.reduce((s, x) => s + x, 0);
}

function short(address: string, w: World): string {
  const a = low(address);
  const names: [string, string][] = [
    [w.admin, "admin"],
    [w.operator, "operator"],
    [w.pauser, "pauser"],
    [w.manager, "manager"],
    [w.keeper, "keeper"],
    [w.outsider, "outsider"],
    [w.stakeAddress, "stake"],
    [ZERO, "zero"],
  ];
  const i = w.stakers.indexOf(a);
  if (i >= 0) return ["alice", "bob", "carol", "dave", "erin"][i] ?? `staker${i}`;
  for (const [addr, name] of names) if (addr === a) return name;
  return a.slice(0, 10);
}

function fmt(x: bigint): string {
  return x.toString();
}

// ─────────────────────────────────────────────── The run ────────────────────────────────────────────────────────────

export class InvariantRun {
  /** Human-readable actions of the sequence so far (printed on failure). */
  readonly log: string[] = [];
  private prev: ChainState | undefined;
  private seqStartRound: number;
  private warpTo = 0;
  private lastError = "";
  /** Latest nonce read per account (nonces are read only after signed reallocations and at sequence ends). */
  private readonly nonces = new Map<string, bigint>();
  private readonly stakeIface: ethers.Interface;
  private readonly tokenIface: ethers.Interface;

  constructor(
    readonly w: World,
    readonly m: Mirror,
    readonly rng: Prng,
    readonly stats: Stats,
  ) {
    this.seqStartRound = m.current;
    this.stakeIface = w.stake.interface as unknown as ethers.Interface;
    this.tokenIface = w.nmr.interface as unknown as ethers.Interface;
  }

  // ─────────────────────────────────────────── Driving ───────────────────────────────────────────

  /**
   * Checks the starting state completely (all actors, model lists) and remembers it as the previous read. A sequence
   * restored from a base with loadFixture passes the base's final read instead: the chain state is identical.
   */
  async begin(state?: ChainState) {
    this.seqStartRound = this.m.current;
    if (state) {
      this.prev = state;
      for (const [addr, nonce] of Object.entries(this.m.accounts)) this.nonces.set(addr, BigInt(nonce.nonce));
    } else await this.check(undefined, "begin");
  }

  /** The latest chain read (staker accounts). */
  get lastState(): ChainState | undefined {
    return this.prev;
  }

  /** Final check of the sequence: all actors and model lists too (`step(false, true)` includes it). */
  async end() {
    await this.check(undefined, "end");
  }

  /**
   * One random action followed by the invariant checks. `setup` biases towards funding the accounts; `last` makes the
   * check after the action the sequence's final (complete) check.
   */
  async step(setup = false, last = false) {
    const kinds: [keyof InvariantRun & string, number][] = setup
      ? [
          ["deposit", 30],
          ["setAllocation", 25],
          ["fundRewards", 10],
          ["advanceRound", 15],
          ["publishRound", 10],
          ["settle", 10],
        ]
      : [
          ["deposit", 9],
          ["setAllocation", 7],
          ["setAllocationInvalid", 4],
          ["setAllocationFor", 5],
          ["setAllocationBySig", 2],
          ["setManager", 3],
          ["requestWithdrawal", 7],
          ["requestWithdrawalOther", 2],
          ["claimWithdrawal", 6],
          ["claimWithdrawalOther", 2],
          ["advanceRound", 13],
          ["publishRound", 7],
          ["settle", 9],
          ["settleBatch", 4],
          ["fundRewards", 4],
          ["pauseToggle", 2],
          ["setParameter", 3],
          ["proposeModels", 2],
          ["acceptModels", 2],
          ["invalidateNonces", 1],
          ["donate", 1],
        ];
    if (!setup && this.rng.bool(0.06)) this.warp();
    const kind = this.rng.weighted(kinds);
    const rec = await (this[kind] as () => Promise<ActionRecord>).call(this);
    await this.after(rec, last);
  }

  /** Counts an action and runs the checks that follow it. */
  private async after(rec: ActionRecord, last = false) {
    this.stats.actions++;
    const k = (this.stats.byKind[rec.kind] ??= { ok: 0, reverted: 0 });
    if (rec.ok) k.ok++;
    else {
      const reason = `${rec.kind}: ${this.lastError}`;
      this.stats.reverts[reason] = (this.stats.reverts[reason] ?? 0) + 1;
      k.reverted++;
      this.stats.reverted++;
    }
    await this.check(rec, last ? "end" : rec.ok ? "full" : "light");
  }

  fail(message: string): never {
    throw new InvariantError(message);
  }

  private note(text: string) {
    this.log.push(`#${this.log.length + 1} t=${this.m.now} r=${this.m.current} ${text}`);
  }

  private acct(address: string): MAccount {
    const a = this.m.accounts[low(address)];
    if (!a) this.fail(`no mirror account for ${address}`);
    return a;
  }

  private name(address: string) {
    return short(address, this.w);
  }

  private nextTs(): number {
    const ts = Math.max(this.m.now + 1, this.warpTo);
    this.warpTo = 0;
    return ts;
  }

  private async rpc(method: string, params: unknown[] = []): Promise<unknown> {
    return this.w.provider.request({ method, params });
  }

  /** Sends a transaction mined at exactly `ts`; a revert is returned, not thrown (the failed tx is mined too). */
  private async send(from: string, to: string, data: string, ts: number): Promise<TxOutcome> {
    await this.rpc("evm_setNextBlockTimestamp", [ts]);
    try {
      const hash = (await this.rpc("eth_sendTransaction", [{ from, to, data, gas: this.w.gas }])) as string;
      this.m.now = ts;
      return { ok: true, hash };
    } catch (e) {
      const revert = (e as { data?: unknown }).data;
      if (typeof revert !== "string") throw e;
      this.m.now = ts;
      return { ok: false, error: this.errorName(revert) };
    }
  }

  private errorName(data: string): string {
    for (const iface of [this.stakeIface, this.tokenIface]) {
      try {
        const parsed = iface.parseError(data);
        if (parsed) return parsed.name;
      } catch {
        /* not this interface */
      }
    }
    return `unknown(${data.slice(0, 10)})`;
  }

  /** Compares an outcome with the mirror's prediction (null: must succeed). */
  private expectOutcome(what: string, predicted: string | null, out: TxOutcome) {
    this.lastError = out.error ?? "";
    if (predicted === null && !out.ok) this.fail(`${what}: expected success, reverted with ${out.error}`);
    if (predicted !== null && out.ok) this.fail(`${what}: expected revert ${predicted}, succeeded`);
    if (predicted !== null && out.error !== predicted)
      this.fail(`${what}: expected revert ${predicted}, got ${out.error}`);
  }

  private async logsOf(hash: string): Promise<ethers.LogDescription[]> {
    const receipt = (await this.rpc("eth_getTransactionReceipt", [hash])) as {
      logs: { address: string; topics: string[]; data: string }[];
    };
    const out: ethers.LogDescription[] = [];
    for (const log of receipt.logs) {
      if (low(log.address) !== this.w.stakeAddress) continue;
      const parsed = this.stakeIface.parseLog(log);
      if (parsed) out.push(parsed);
    }
    return out;
  }

  private encode(fn: string, args: unknown[]): string {
    return this.stakeIface.encodeFunctionData(fn, args);
  }

  private record(kind: string, caller: string, ok: boolean, privileged = false, subjects = [caller]): ActionRecord {
    return { kind, caller: low(caller), ok, privileged, subjects: subjects.map(low) };
  }

  // ──────────────────────────────────────── Random inputs ────────────────────────────────────────

  private amount(max: bigint): bigint {
    const r = this.rng;
    return r.weighted<() => bigint>([
      [() => 1n, 3],
      [() => r.bigint(1n, NMR), 15],
      [() => r.bigint(NMR, 100n * NMR), 40],
      [() => r.bigint(100n * NMR, 5_000n * NMR), 20],
      [() => (max > 0n ? r.bigint(1n, max) : 1n), 10],
    ])();
  }

  /** k weights summing to 10,000 (zeros allowed). */
  private split(k: number): number[] {
    const r = this.rng;
    if (k === 1) return [BPS];
    const style = r.int(0, 3);
    if (style === 0) {
      const base = Math.floor(BPS / k);
      const out = Array.from({ length: k }, () => base);
      out[r.int(0, k - 1)] += BPS - base * k;
      return out;
    }
    if (style === 1) {
      const out = Array.from({ length: k }, () => 0);
      out[r.int(0, k - 1)] = BPS;
      return out;
    }
    const cuts = Array.from({ length: k - 1 }, () => r.int(0, BPS)).sort((x, y) => x - y);
    const out: number[] = [];
    let prev = 0;
    for (const c of cuts) {
      out.push(c - prev);
      prev = c;
    }
    out.push(BPS - prev);
    return out;
  }

  private validVector(a: MAccount): { ids: string[]; bps: number[] } {
    const r = this.rng;
    const n = a.models.length;
    const style = r.weighted<string>([
      ["canonical", 35],
      ["subset", 50],
      ["single", 15],
    ]);
    if (style === "canonical") return { ids: [...a.models], bps: this.split(n) };
    if (style === "single") return { ids: [r.pick(a.models)], bps: [BPS] };
    const ids = r.shuffle(a.models).slice(0, r.int(1, n));
    return { ids, bps: this.split(ids.length) };
  }

  private unknownModel(): string {
    let id: string;
    do id = this.rng.hex(16);
    while (this.m.owners[id] !== undefined || id === ZERO_MODEL);
    return id;
  }

  /** A vector with (usually) one defect; the mirror, not the generator, decides the expected error. */
  private invalidVector(a: MAccount): { ids: string[]; bps: number[]; defect: string } {
    const r = this.rng;
    const { ids, bps } = a.models.length ? this.validVector(a) : { ids: [this.unknownModel()], bps: [BPS] };
    const at = () => r.int(0, ids.length);
    const defect = r.pick([
      "sum",
      "tooLarge",
      "duplicate",
      "foreign",
      "unknown",
      "zeroId",
      "lengthMismatch",
      "empty",
      "tooMany",
      "allZero",
    ]);
    switch (defect) {
      case "sum": {
        const i = r.int(0, bps.length - 1);
        if (bps[i] > 0 && r.bool()) bps[i] -= r.int(1, bps[i]);
        else bps[i] += r.int(1, Math.max(1, 65_535 - bps[i]));
        if (bps[i] > 65_535) bps[i] = 65_535;
        break;
      }
      case "tooLarge":
        bps[r.int(0, bps.length - 1)] = r.int(BPS + 1, 65_535);
        break;
      case "duplicate": {
        const j = r.int(0, ids.length - 1);
        const i = at();
        ids.splice(i, 0, ids[j]);
        bps.splice(i, 0, r.bool() ? 0 : r.int(0, BPS));
        break;
      }
      case "foreign": {
        const foreign = Object.keys(this.m.owners).filter((id) => this.m.owners[id] !== a.addr);
        const i = at();
        ids.splice(i, 0, r.pick(foreign));
        bps.splice(i, 0, 0);
        break;
      }
      case "unknown": {
        const i = at();
        ids.splice(i, 0, this.unknownModel());
        bps.splice(i, 0, 0);
        break;
      }
      case "zeroId": {
        const i = at();
        ids.splice(i, 0, ZERO_MODEL);
        bps.splice(i, 0, 0);
        break;
      }
      case "lengthMismatch":
        if (r.bool()) bps.push(0);
        else bps.pop();
        break;
      case "empty":
        ids.length = 0;
        bps.length = 0;
        break;
      case "tooMany":
        while (ids.length <= MAX_MODELS) {
          ids.push(this.unknownModel());
          bps.push(0);
        }
        break;
      case "allZero":
        bps.fill(0);
        break;
    }
    return { ids, bps, defect };
  }

  // ──────────────────────────────────── Mirror rules (NatSpec) ────────────────────────────────────

  /** _setAllocation's checks, in the contract's order; null when the vector is accepted. */
  private vectorError(account: string, ids: string[], bps: number[]): string | null {
    const m = this.m;
    if (m.paused) return "EnforcedPause";
    if (ids.length !== bps.length) return "LengthMismatch";
    if (ids.length === 0) return "EmptyAllocation";
    if (ids.length > MAX_MODELS) return "TooManyModels";
    const a = this.acct(account);
    const canonical = ids.length === a.models.length && ids.every((id, i) => low(id) === a.models[i]);
    let total = 0;
    if (canonical) {
      for (const w of bps) if (w > BPS) return "WeightTooLarge";
      total = sum(bps);
    } else {
      const seen = new Set<number>();
      for (let i = 0; i < ids.length; i++) {
        const owner = m.owners[low(ids[i])];
        if (owner === undefined) return "UnknownModel";
        if (owner !== a.addr) return "ModelNotOwned";
        const slot = a.models.indexOf(low(ids[i]));
        if (seen.has(slot)) return "DuplicateModel";
        seen.add(slot);
        if (bps[i] > BPS) return "WeightTooLarge";
        total += bps[i];
      }
    }
    if (total !== BPS) return "InvalidWeightSum";
    const effective = m.current + 1;
    const last = a.vectors[a.vectors.length - 1];
    const replaces = last !== undefined && last.round === effective;
    if (
      !replaces &&
      a.vectors.length >= VECTOR_HISTORY &&
      a.nextSettleRound !== 0 &&
      effective - (VECTOR_HISTORY - 1) > a.nextSettleRound
    ) {
      return "SettlementBehind";
    }
    return null;
  }

  private storeVector(account: string, ids: string[], bps: number[]): MVector {
    const a = this.acct(account);
    const weights = a.models.map(() => 0);
    ids.forEach((id, i) => (weights[a.models.indexOf(low(id))] = bps[i]));
    const effective = this.m.current + 1;
    const last = a.vectors[a.vectors.length - 1];
    if (last && last.round === effective) last.w = weights;
    else a.vectors.push({ round: effective, w: weights });
    return { round: effective, w: weights };
  }

  private settleable(round: number, ts: number): boolean {
    const rd = this.m.rounds[round];
    return rd !== undefined && (rd.root !== null || ts > rd.deadline);
  }

  /** Whether settling `round` for `a` verifies rates (published, stake at risk, a vector in force). */
  private needsProof(a: MAccount, round: number): boolean {
    const rd = this.m.rounds[round];
    return rd !== undefined && rd.root !== null && stakeAt(a, round) !== 0n && vectorAt(a, round) !== null;
  }

  /**
   * Simulates settle/settleBatch on a copy of the mirror; returns the error the contract must raise, or the Settled
   * events it must emit and the state to adopt.
   */
  private simulateSettle(
    entries: AccountResultsArg[],
    ts: number,
  ): { error: string } | { events: SettledEvent[]; accounts: Record<string, MAccount>; pool: bigint; burned: bigint } {
    const m = this.m;
    const work: Record<string, MAccount> = {};
    let pool = m.pool;
    let burnedTotal = 0n;
    const events: SettledEvent[] = [];
    for (const entry of entries) {
      const addr = low(entry.account);
      const a = (work[addr] ??= structuredClone(m.accounts[addr] ?? this.emptyAccount(addr)));
      if (a.nextSettleRound === 0) return { error: "AccountNotStaking" };
      let next = a.nextSettleRound;
      let modelsChecked = false;
      let balance = a.balance;
      let pending = a.pending;
      let unpaid = a.unpaid;
      let paidSum = 0n;
      let burnedBal = 0n;
      let burnedPend = 0n;
      const balanceBefore = a.balance;
      // Idempotent settlement: the leading results for rounds already settled are skipped.
      let k = 0;
      while (k < entry.results.length && Number(entry.results[k].round) < next) k++;
      if (k === entry.results.length) continue;
      for (const res of entry.results.slice(k)) {
        const round = Number(res.round);
        if (round !== next) return { error: "RoundOutOfOrder" };
        const rd = m.rounds[round];
        if (rd === undefined) return { error: "RoundNotSettleable" };
        const unprovable = Boolean(res.unprovable);
        if (unprovable) {
          if (rd.root === null) return { error: "RoundNotPublished" };
          if (ts <= rd.proofDeadline) return { error: "ProofGracePeriodActive" };
        } else if (rd.root === null && ts <= rd.deadline) return { error: "RoundNotSettleable" };
        const stake = stakeAt(a, round);
        const rates = a.models.map(() => 0n);
        let delta = 0n;
        const weights = vectorAt(a, round);
        if (!unprovable && rd.root !== null && stake !== 0n && weights !== null) {
          if (!modelsChecked) {
            const same =
              entry.models.length === a.models.length && entry.models.every((id, i) => low(id) === a.models[i]);
            if (!same) return { error: "ModelListMismatch" };
            modelsChecked = true;
          }
          if (res.slots.length !== res.rates.length) return { error: "LengthMismatch" };
          const seen = new Set<number>();
          let leavesInTree = true;
          for (let i = 0; i < res.slots.length; i++) {
            const slot = res.slots[i];
            if (slot >= entry.models.length) return { error: "InvalidModelSlot" };
            if (seen.has(slot)) return { error: "DuplicateModelResult" };
            seen.add(slot);
            const published = res.rates[i];
            if (rd.rates?.[a.models[slot]] !== published) leavesInTree = false;
            // A published rate beyond the round's cap is applied at the cap.
            const rate = published > rd.cap ? rd.cap : published < -rd.cap ? -rd.cap : published;
            rates[slot] = rate;
            const modelStake = (stake * BigInt(weights[slot])) / BigInt(BPS);
            delta += (modelStake * rate) / RATE_SCALE;
          }
          for (let s = 0; s < a.models.length; s++) {
            if (!seen.has(s) && weights[s] !== 0) return { error: "MissingModelResult" };
          }
          if (!leavesInTree) return { error: "InvalidProof" };
        }
        // Loss: from the balance, then from the pending withdrawal if it was at risk in this round.
        let burned = 0n;
        if (delta < 0n) {
          const loss = -delta;
          const fromBalance = loss < balance ? loss : balance;
          const rest = loss - fromBalance;
          const fromPending = round <= a.withdrawalLastRound ? (rest < pending ? rest : pending) : 0n;
          balance -= fromBalance;
          pending -= fromPending;
          burnedBal += fromBalance;
          burnedPend += fromPending;
          burned = fromBalance + fromPending;
          if (fromPending > 0n) a.pendingBurns.push({ round, amount: fromPending });
        }
        // Gain plus rewards owed earlier, from the pool as far as it goes.
        const owed = unpaid + (delta > 0n ? delta : 0n);
        let paid = 0n;
        if (owed !== 0n) {
          paid = owed < pool ? owed : pool;
          pool -= paid;
          unpaid = owed - paid;
          balance += paid;
          paidSum += paid;
        }
        events.push({
          account: addr,
          round,
          stakeAtRisk: stake,
          rates,
          delta,
          paid,
          burned,
          unpaidRewards: unpaid,
          balance,
          unprovable,
        });
        next++;
      }
      a.nextSettleRound = next;
      if (balance !== balanceBefore) setCheckpoint(a, m.current + 1, balance);
      a.balance = balance;
      a.pending = pending;
      a.unpaid = unpaid;
      a.totalRewarded += paidSum;
      a.totalBurned += burnedBal + burnedPend;
      burnedTotal += burnedBal + burnedPend;
    }
    return { events, accounts: work, pool, burned: burnedTotal };
  }

  private emptyAccount(addr: string): MAccount {
    return newAccount(addr, this.name(addr), []);
  }

  // ─────────────────────────────────────────── Actions ───────────────────────────────────────────

  async deposit(staker?: string, fixedAmount?: bigint): Promise<ActionRecord> {
    const r = this.rng;
    const who = staker ?? r.pick(this.w.stakers);
    const a = this.acct(who);
    const wallet = this.m.wallets[who];
    const amount =
      fixedAmount ??
      r.weighted<() => bigint>([
        [() => 0n, 3],
        [() => this.amount(wallet), 94],
        [() => wallet + r.bigint(1n, NMR), 3],
      ])();
    const ts = this.nextTs();
    const predicted = this.m.paused
      ? "EnforcedPause"
      : amount === 0n
        ? "ZeroAmount"
        : amount > wallet
          ? "InsufficientBalance" // NMRLike's (its selector differs from the staking contract's error)
          : null;
    const out = await this.send(who, this.w.stakeAddress, this.encode("deposit", [amount]), ts);
    this.note(`${this.name(who)} deposit ${fmt(amount)} -> ${out.ok ? "ok" : out.error}`);
    this.expectOutcome("deposit", predicted, out);
    if (out.ok) {
      if (a.nextSettleRound === 0) a.nextSettleRound = this.m.current + 1;
      a.balance += amount;
      setCheckpoint(a, this.m.current + 1, a.balance);
      this.m.wallets[who] -= amount;
      this.m.wallets[this.w.stakeAddress] += amount;
    }
    return this.record("deposit", who, out.ok);
  }

  private async allocationTx(
    kind: string,
    caller: string,
    account: string,
    ids: string[],
    bps: number[],
    data: string,
    predicted: string | null,
    by: string,
    ts: number,
    extra = "",
  ): Promise<ActionRecord> {
    const out = await this.send(caller, this.w.stakeAddress, data, ts);
    this.note(
      `${this.name(caller)} ${kind}(${this.name(account)}) [${ids.map((id) => id.slice(2, 8)).join(",")}]` +
        ` [${bps.join(",")}]${extra} -> ${out.ok ? "ok" : out.error}`,
    );
    this.expectOutcome(kind, predicted, out);
    if (out.ok) {
      this.acct(account).nonce++; // every reallocation uses the account's nonce (NonceUsed)
      const stored = this.storeVector(account, ids, bps);
      const events = (await this.logsOf(out.hash!)).filter((e) => e.name === "AllocationSet");
      if (events.length !== 1) this.fail(`${kind}: ${events.length} AllocationSet events`);
      const e = events[0];
      const weights = (e.args.weights as bigint[]).map(Number);
      if (
        low(e.args.staker) !== low(account) ||
        Number(e.args.effectiveRound) !== stored.round ||
        low(e.args.by) !== low(by) ||
        weights.join(",") !== stored.w.join(",")
      ) {
        this.fail(
          `${kind}: AllocationSet(${e.args.staker}, ${e.args.effectiveRound}, ${e.args.by}, [${weights}]) expected ` +
            `(${account}, ${stored.round}, ${by}, [${stored.w}])`,
        );
      }
    }
    return this.record(kind, caller, out.ok, false, [account]);
  }

  async setAllocation(staker?: string): Promise<ActionRecord> {
    const who = staker ?? this.rng.pick(this.w.stakers);
    const { ids, bps } = this.validVector(this.acct(who));
    const ts = this.nextTs();
    const predicted = this.vectorError(who, ids, bps);
    return this.allocationTx(
      "setAllocation",
      who,
      who,
      ids,
      bps,
      this.encode("setAllocation", [ids, bps]),
      predicted,
      who,
      ts,
    );
  }

  async setAllocationInvalid(): Promise<ActionRecord> {
    const r = this.rng;
    const account = r.pick(this.w.stakers);
    const a = this.acct(account);
    const { ids, bps, defect } = this.invalidVector(a);
    const viaFor = r.bool(0.3);
    const caller = viaFor && a.manager !== ZERO && r.bool() ? a.manager : account;
    const ts = this.nextTs();
    const predicted = this.vectorError(account, ids, bps);
    if (predicted === null) this.fail(`generator: invalid vector (${defect}) accepted by the mirror`);
    const data = viaFor
      ? this.encode("setAllocationFor", [account, ids, bps])
      : this.encode("setAllocation", [ids, bps]);
    return this.allocationTx(
      viaFor ? "setAllocationFor" : "setAllocation",
      caller,
      account,
      ids,
      bps,
      data,
      predicted,
      caller,
      ts,
      ` (${defect})`,
    );
  }

  async setAllocationFor(): Promise<ActionRecord> {
    const r = this.rng;
    const account = r.pick(this.w.stakers);
    const a = this.acct(account);
    const others = this.w.actors.filter((x) => x !== account && x !== a.manager);
    const caller = r.weighted<() => string>([
      [() => account, 20],
      [() => (a.manager !== ZERO ? a.manager : account), 50],
      [() => r.pick(others), 30],
    ])();
    const { ids, bps } = r.bool(0.85) ? this.validVector(a) : this.invalidVector(a);
    const ts = this.nextTs();
    const predicted =
      caller !== account && caller !== a.manager ? "NotStakerOrManager" : this.vectorError(account, ids, bps);
    const data = this.encode("setAllocationFor", [account, ids, bps]);
    return this.allocationTx("setAllocationFor", caller, account, ids, bps, data, predicted, caller, ts);
  }

  async setAllocationBySig(): Promise<ActionRecord> {
    const r = this.rng;
    const account = r.pick(this.w.stakers);
    const a = this.acct(account);
    const signerAddr = r.weighted<() => string>([
      [() => account, 40],
      [() => (a.manager !== ZERO ? a.manager : account), 40],
      [() => r.pick(this.w.actors.filter((x) => x !== account && x !== a.manager)), 20],
    ])();
    const nonce = r.bool(0.85) ? a.nonce : r.bool() || a.nonce === 0 ? a.nonce + 1 : a.nonce - 1;
    const { ids, bps } = r.bool(0.85) ? this.validVector(a) : this.invalidVector(a);
    const caller = r.pick(this.w.actors);
    const ts = this.nextTs();
    const deadline = r.bool(0.9) ? ts + r.int(0, 3 * DAY) : ts - r.int(1, 100);
    const signature = await this.w.signers[signerAddr].signTypedData(
      { name: "PortfolioStake", version: "1", chainId: this.w.chainId, verifyingContract: this.w.stakeAddress },
      {
        SetAllocation: [
          { name: "account", type: "address" },
          { name: "modelIds", type: "bytes16[]" },
          { name: "bps", type: "uint16[]" },
          { name: "nonce", type: "uint256" },
          { name: "deadline", type: "uint256" },
        ],
      },
      { account, modelIds: ids, bps, nonce, deadline },
    );
    let predicted: string | null;
    if (ts > deadline) predicted = "SignatureExpired";
    else if (nonce !== a.nonce) predicted = "InvalidNonce";
    else if (signerAddr !== account && (a.manager === ZERO || signerAddr !== a.manager)) predicted = "InvalidSignature";
    else predicted = this.vectorError(account, ids, bps);
    const by = signerAddr === account ? account : a.manager;
    const data = this.encode("setAllocationBySig", [account, ids, bps, nonce, deadline, signature]);
    const rec = await this.allocationTx(
      "setAllocationBySig",
      caller,
      account,
      ids,
      bps,
      data,
      predicted,
      by,
      ts,
      ` signed by ${this.name(signerAddr)} nonce ${nonce}`,
    );
    return rec;
  }

  async setManager(): Promise<ActionRecord> {
    const r = this.rng;
    const who = r.bool(0.85) ? r.pick(this.w.stakers) : r.pick(this.w.actors);
    const manager = r.pick([ZERO, this.w.manager, this.w.manager, this.w.outsider, this.w.keeper, ...this.w.stakers]);
    const ts = this.nextTs();
    const out = await this.send(who, this.w.stakeAddress, this.encode("setManager", [manager]), ts);
    this.note(`${this.name(who)} setManager(${this.name(manager)}) -> ${out.ok ? "ok" : out.error}`);
    this.expectOutcome("setManager", null, out);
    this.acct(who).manager = low(manager);
    this.acct(who).nonce++; // a manager change voids older signatures
    return this.record("setManager", who, out.ok);
  }

  /** The staker voids its signatures below a new nonce (sometimes not above the current one, or too far). */
  async invalidateNonces(): Promise<ActionRecord> {
    const r = this.rng;
    const who = r.pick(this.w.stakers);
    const a = this.acct(who);
    const jump = r.weighted<() => number>([
      [() => 1, 50],
      [() => r.int(2, 70_000), 30],
      [() => 0, 10],
      [() => 65_536, 5],
      [() => 65_535, 5],
    ])();
    const newNonce = a.nonce + jump;
    const ts = this.nextTs();
    const predicted = jump === 0 || jump > 65_535 ? "InvalidNonceJump" : null;
    const out = await this.send(who, this.w.stakeAddress, this.encode("invalidateNonces", [newNonce]), ts);
    this.note(`${this.name(who)} invalidateNonces(${newNonce}) (nonce ${a.nonce}) -> ${out.ok ? "ok" : out.error}`);
    this.expectOutcome("invalidateNonces", predicted, out);
    if (out.ok) a.nonce = newNonce;
    return this.record("invalidateNonces", who, out.ok);
  }

  private async withdrawalRequest(who: string, amount: bigint, kind: string): Promise<ActionRecord> {
    const a = this.acct(who);
    const ts = this.nextTs();
    const predicted =
      amount === 0n
        ? "ZeroAmount"
        : amount > a.balance
          ? "InsufficientBalance"
          : a.pending !== 0n && a.withdrawalLastRound !== this.m.current
            ? "WithdrawalPending" // one pending withdrawal at a time; requests in the same round add up
            : null;
    const out = await this.send(who, this.w.stakeAddress, this.encode("requestWithdrawal", [amount]), ts);
    this.note(
      `${this.name(who)} requestWithdrawal ${fmt(amount)} (balance ${fmt(a.balance)}) -> ${out.ok ? "ok" : out.error}`,
    );
    this.expectOutcome("requestWithdrawal", predicted, out);
    if (out.ok) {
      a.balance -= amount;
      a.pending += amount;
      a.withdrawalLastRound = this.m.current;
      a.releaseAt = ts + this.m.params.withdrawalDelay;
      setCheckpoint(a, this.m.current + 1, a.balance);
      a.tranches.push({ amount, lastRound: this.m.current });
    }
    return this.record(kind, who, out.ok);
  }

  async requestWithdrawal(): Promise<ActionRecord> {
    const r = this.rng;
    const funded = this.w.stakers.filter((s) => this.m.accounts[s].balance > 0n);
    const who = funded.length && r.bool(0.85) ? r.pick(funded) : r.pick(this.w.stakers);
    const bal = this.acct(who).balance;
    const amount = r.weighted<() => bigint>([
      [() => 0n, 4],
      [() => 1n, 4],
      [() => (bal > 0n ? r.bigint(1n, bal) : 1n), 45],
      [() => bal, 22],
      [() => bal + 1n, 10],
      [() => bal + r.bigint(1n, 1000n * NMR), 5],
    ])();
    return this.withdrawalRequest(who, amount, "requestWithdrawal");
  }

  /** A manager, keeper or outsider "withdrawing" for someone: it can only touch its own account. */
  async requestWithdrawalOther(): Promise<ActionRecord> {
    const r = this.rng;
    const victim = r.pick(this.w.stakers);
    const a = this.acct(victim);
    const caller =
      a.manager !== ZERO && r.bool(0.6) ? a.manager : r.pick([this.w.manager, this.w.outsider, this.w.keeper]);
    const amount = r.bool() ? a.balance : r.bigint(1n, 100n * NMR);
    return this.withdrawalRequest(caller, amount, "requestWithdrawalOther");
  }

  private async claim(who: string, kind: string): Promise<ActionRecord> {
    const a = this.acct(who);
    const ts = this.nextTs();
    let predicted: string | null = null;
    if (a.pending === 0n) predicted = "NothingToClaim";
    else if (ts < a.releaseAt) predicted = "WithdrawalLocked";
    else if (a.nextSettleRound <= a.withdrawalLastRound) predicted = "RoundsUnsettled";
    const out = await this.send(who, this.w.stakeAddress, this.encode("claimWithdrawal", []), ts);
    this.note(
      `${this.name(who)} claimWithdrawal (pending ${fmt(a.pending)}, releaseAt ${a.releaseAt}, next ${a.nextSettleRound}, ` +
        `last ${a.withdrawalLastRound}) -> ${out.ok ? "ok" : out.error}`,
    );
    this.expectOutcome("claimWithdrawal", predicted, out);
    const rec = this.record(kind, who, out.ok);
    if (out.ok) {
      const amount = a.pending;
      const events = (await this.logsOf(out.hash!)).filter((e) => e.name === "WithdrawalClaimed");
      if (events.length !== 1 || low(events[0].args.staker) !== low(who) || events[0].args.amount !== amount) {
        this.fail(
          `claimWithdrawal: WithdrawalClaimed events ${events.map((e) => e.args.toString())}, expected ${amount}`,
        );
      }
      this.m.wallets[who] += amount;
      this.m.wallets[this.w.stakeAddress] -= amount;
      a.pending = 0n;
      a.tranches = [];
      a.pendingBurns = [];
      rec.claimed = { account: low(who), amount };
      this.stats.claims++;
    }
    return rec;
  }

  async claimWithdrawal(): Promise<ActionRecord> {
    const r = this.rng;
    const pending = this.w.stakers.filter((s) => this.m.accounts[s].pending > 0n);
    const who = pending.length && r.bool(0.8) ? r.pick(pending) : r.pick(this.w.stakers);
    let a = this.acct(who);
    // Half the time, first settle (as an action of its own) the rounds the pending amount was at risk in.
    if (a.pending > 0n && a.nextSettleRound <= a.withdrawalLastRound && r.bool(0.5)) {
      const needed = a.withdrawalLastRound - a.nextSettleRound + 1;
      const lastNeeded = this.m.rounds[a.withdrawalLastRound];
      if (this.available(a.nextSettleRound, this.m.now + 1) < needed && lastNeeded?.root === null && r.bool(0.5)) {
        this.warpTo = Math.max(this.warpTo, lastNeeded.deadline + 1); // let them expire unpublished
      }
      const ts = this.nextTs();
      const count = Math.min(needed, this.available(a.nextSettleRound, ts));
      if (count > 0) {
        const { entry, desc } = this.settleEntry(who, a.nextSettleRound, count, ts, true);
        await this.after(await this.settleTx([entry], [desc], this.w.keeper, ts));
        a = this.acct(who);
      }
    }
    // Aim at the release time, or just before it, most of the time.
    if (a.pending > 0n && a.releaseAt > this.m.now + 1 && r.bool(0.7))
      this.warpTo = a.releaseAt - (r.bool(0.3) ? 1 : 0);
    return this.claim(who, "claimWithdrawal");
  }

  async claimWithdrawalOther(): Promise<ActionRecord> {
    const r = this.rng;
    const victim = this.acct(r.pick(this.w.stakers));
    const caller =
      victim.manager !== ZERO && r.bool(0.6)
        ? victim.manager
        : r.pick([this.w.manager, this.w.outsider, this.w.keeper]);
    return this.claim(caller, "claimWithdrawalOther");
  }

  async advanceRound(onTime = false): Promise<ActionRecord> {
    const r = this.rng;
    const m = this.m;
    const caller =
      onTime || r.bool(0.95) ? this.w.operator : r.pick([this.w.admin, this.w.outsider, this.w.stakers[0]]);
    if (onTime && m.lastOpenedAt !== 0) {
      this.warpTo = Math.max(this.warpTo, m.lastOpenedAt + m.params.minRoundInterval);
    } else if (m.lastOpenedAt !== 0) {
      const due = m.lastOpenedAt + m.params.minRoundInterval;
      const target = r.weighted<() => number>([
        [() => due, 20],
        [() => due - 1, 8],
        [() => due + r.int(1, 6 * HOUR), 52],
        [() => due + r.int(6 * HOUR, m.params.resolutionDelay + m.params.publishWindow + 2 * DAY), 20],
      ])();
      this.warpTo = Math.max(this.warpTo, target);
    } else if (r.bool(0.5)) {
      this.warpTo = m.now + r.int(1, DAY);
    }
    const ts = this.nextTs();
    let predicted: string | null = null;
    if (caller !== this.w.operator) predicted = "AccessControlUnauthorizedAccount";
    else if (m.lastOpenedAt !== 0 && ts < m.lastOpenedAt + m.params.minRoundInterval) predicted = "RoundTooEarly";
    const out = await this.send(caller, this.w.stakeAddress, this.encode("openRound", []), ts);
    this.note(`${this.name(caller)} openRound -> ${out.ok ? `ok round ${m.current + 1}` : out.error}`);
    this.expectOutcome("openRound", predicted, out);
    if (out.ok) {
      const round = ++m.current;
      m.lastOpenedAt = ts;
      const resolvesAt = ts + m.params.resolutionDelay;
      const deadline = resolvesAt + m.params.publishWindow;
      m.rounds[round] = {
        openedAt: ts,
        resolvesAt,
        deadline,
        proofDeadline: deadline + m.params.proofGracePeriod,
        cap: m.params.rateCap,
        root: null,
        rates: null,
        snaps: {},
      };
      await this.checkRoundInfo(round);
    }
    return this.record("openRound", caller, out.ok, true);
  }

  private async checkRoundInfo(round: number) {
    const info = await this.w.stake.roundInfo(round);
    const rd = this.m.rounds[round];
    const got = [info.openedAt, info.resolvesAt, info.deadline, info.proofDeadline, info.rateCap].map(Number).join(",");
    const want = [rd.openedAt, rd.resolvesAt, rd.deadline, rd.proofDeadline, rd.cap].map(Number).join(",");
    if (got !== want || info.root !== (rd.root ?? ethers.ZeroHash)) {
      this.fail(`roundInfo(${round}) = ${got} ${info.root}, expected ${want} ${rd.root}`);
    }
  }

  /** Makes the next transaction land on an interesting timestamp (a release time, a resolution or deadline edge). */
  private warp() {
    const r = this.rng;
    const m = this.m;
    const targets: number[] = [m.now + r.int(1, 2 * DAY)];
    for (const s of this.w.stakers) {
      const a = this.acct(s);
      if (a.pending > 0n) targets.push(a.releaseAt - 1, a.releaseAt);
    }
    for (let round = Math.max(m.firstRound, m.current - WINDOW); round <= m.current; round++) {
      const rd = m.rounds[round];
      if (!rd) continue;
      if (rd.root !== null) {
        targets.push(rd.proofDeadline, rd.proofDeadline + 1);
        continue;
      }
      targets.push(rd.resolvesAt - 1, rd.resolvesAt, rd.deadline, rd.deadline + 1);
    }
    if (m.lastOpenedAt) targets.push(m.lastOpenedAt + m.params.minRoundInterval - 1);
    const future = targets.filter((t) => t > m.now + 1);
    const target = future.length ? r.pick(future) : m.now + 1;
    this.warpTo = Math.max(this.warpTo, target);
    this.note(`warp: next transaction at ${target}`);
  }

  private rateFor(cap: bigint, pattern: string): bigint {
    const r = this.rng;
    switch (pattern) {
      case "negCap":
        return -cap;
      case "posCap":
        return cap;
      case "zero":
        return 0n;
      case "tiny":
        return r.bigint(-1000n, 1000n);
      case "extremes":
        return r.pick([-cap, -cap + 1n, -1n, 0n, 1n, cap - 1n, cap]);
      case "negative":
        return -r.bigint(0n, cap);
      case "overCap": // an operator error: the contract applies such a rate at the round's cap
        return r.pick([
          cap + 1n,
          -cap - 1n,
          r.bigint(-cap, cap),
          r.bigint(cap, 9n * RATE_SCALE),
          -r.bigint(cap, 9n * RATE_SCALE),
        ]);
      default:
        return r.bigint(-cap, cap);
    }
  }

  async publishRound(): Promise<ActionRecord> {
    const r = this.rng;
    const m = this.m;
    const caller = r.bool(0.95) ? this.w.operator : r.pick([this.w.admin, this.w.keeper]);
    const opened = Object.keys(m.rounds).map(Number);
    const unpublished = opened.filter((n) => m.rounds[n].root === null && m.rounds[n].deadline > m.now);
    let round: number;
    let zeroRoot = false;
    const variant = r.weighted<string>([
      ["valid", 75],
      ["unknown", 4],
      ["zeroRoot", 4],
      ["published", 6],
      ["any", 11],
    ]);
    if (variant === "valid" && unpublished.length) {
      round = r.pick(unpublished);
      const rd = m.rounds[round];
      const lo = Math.max(m.now + 1, rd.resolvesAt);
      this.warpTo = Math.max(this.warpTo, r.bool(0.8) ? lo : r.int(lo, rd.deadline));
    } else if (variant === "unknown") {
      round = r.bool() ? m.current + 1 : m.firstRound - 1;
    } else if (variant === "published" && opened.some((n) => m.rounds[n].root !== null)) {
      round = r.pick(opened.filter((n) => m.rounds[n].root !== null));
    } else {
      round = opened.length ? r.pick(opened) : m.current + 1;
      zeroRoot = variant === "zeroRoot";
    }
    const rd = m.rounds[round];
    const cap = rd?.cap ?? m.params.rateCap;
    const pattern = r.weighted<string>([
      ["random", 40],
      ["negCap", 12],
      ["posCap", 8],
      ["zero", 5],
      ["tiny", 5],
      ["extremes", 15],
      ["negative", 15],
      ["overCap", 3],
    ]);
    const models = [...Object.keys(m.owners), ...m.foreignModels];
    const omitted = r.bool(0.03) ? r.pick(models) : undefined;
    const rates: Record<string, bigint> = {};
    for (const id of models) if (id !== omitted) rates[id] = this.rateFor(cap, pattern);
    const tree = buildRoundTree(
      round,
      Object.entries(rates).map(([modelId, rate]) => ({ modelId, rate })),
    );
    const root = zeroRoot ? ethers.ZeroHash : tree.root;
    const ts = this.nextTs();
    let predicted: string | null = null;
    if (caller !== this.w.operator) predicted = "AccessControlUnauthorizedAccount";
    else if (rd === undefined) predicted = "UnknownRound";
    else if (zeroRoot) predicted = "InvalidRoot";
    else if (rd.root !== null) predicted = "RoundAlreadyPublished";
    else if (ts < rd.resolvesAt) predicted = "RoundNotResolved";
    else if (ts > rd.deadline) predicted = "PublishDeadlinePassed";
    const out = await this.send(
      caller,
      this.w.stakeAddress,
      this.encode("publishRound", [round, root, `ipfs://fuzz/${round}`]),
      ts,
    );
    this.note(
      `${this.name(caller)} publishRound ${round} (${pattern}${omitted ? `, ${omitted.slice(2, 8)} omitted` : ""}` +
        `${zeroRoot ? ", zero root" : ""}) -> ${out.ok ? "ok" : out.error}`,
    );
    this.expectOutcome("publishRound", predicted, out);
    if (out.ok) {
      trees.set(root, tree);
      rd.root = root;
      rd.rates = rates;
      await this.checkRoundInfo(round);
    }
    return this.record("publishRound", caller, out.ok, true);
  }

  /** Builds one account's settlement entry for `count` rounds from `start`, possibly with one defect. */
  private settleEntry(
    account: string,
    start: number,
    count: number,
    ts: number,
    clean = false,
  ): { entry: AccountResultsArg; desc: string } {
    const r = this.rng;
    const m = this.m;
    const a = this.m.accounts[low(account)] ?? this.emptyAccount(low(account));
    const onlyWeighted = r.bool(0.4);
    const results: RoundResultArg[] = [];
    for (let round = start; round < start + count; round++) {
      const rd = m.rounds[round];
      const tree = rd?.root ? trees.get(rd.root)! : null;
      const weights = vectorAt(a, round) ?? a.models.map(() => 0);
      // Past its proof deadline a published round may settle as unprovable (zero) for the account: always when its
      // tree lacks a weighted model's leaf (the operator omitted one), sometimes anyway.
      const pastGrace = rd !== undefined && rd.root !== null && ts > rd.proofDeadline;
      const missingLeaf =
        pastGrace &&
        this.needsProof(a, round) &&
        weights.some((w, slot) => w !== 0 && rd.rates?.[a.models[slot]] === undefined);
      if (pastGrace && (missingLeaf || r.bool(0.15))) results.push(unprovableRoundResult(round));
      else results.push(accountRoundResult(round, tree, a.models, onlyWeighted ? weights : undefined));
    }
    let models = [...a.models];
    const anyProof = results.some(
      (res) => this.needsProof(a, Number(res.round)) && settleableNow(this, Number(res.round), ts),
    );
    if (!anyProof && r.bool(0.3)) models = [];
    let desc = `${this.name(account)} ${start}..${start + count - 1}${onlyWeighted ? " weighted" : ""}`;
    if (!clean && r.bool(0.12) && results.length) {
      const defect = r.pick([
        "rate",
        "drop",
        "duplicate",
        "badSlot",
        "length",
        "models",
        "order",
        "emptyModels",
        "unprovableEarly",
        "unprovableUnpublished",
      ]);
      const proofRounds = results.filter((res) => this.needsProof(a, Number(res.round)));
      const target = proofRounds.length ? r.pick(proofRounds) : r.pick(results);
      const rd = m.rounds[Number(target.round)];
      switch (defect) {
        case "rate":
          if (target.rates.length) {
            const i = r.int(0, target.rates.length - 1);
            const cap = rd?.cap ?? 0n;
            target.rates[i] = target.rates[i] + 1n <= cap ? target.rates[i] + 1n : target.rates[i] - 1n;
          }
          break;
        case "drop": {
          const weights = vectorAt(a, Number(target.round));
          const weighted = target.slots.map((s, i) => [s, i] as const).filter(([s]) => weights && weights[s] !== 0);
          if (weighted.length && rd?.root) {
            const [dropSlot] = r.pick(weighted);
            const keep = a.models.map((_, s) => (s !== dropSlot && target.slots.includes(s) ? 1 : 0));
            const rebuilt = accountRoundResult(target.round, trees.get(rd.root)!, a.models, keep);
            Object.assign(target, rebuilt);
          }
          break;
        }
        case "duplicate":
          if (target.slots.length) {
            const i = r.int(0, target.slots.length - 1);
            target.slots.push(target.slots[i]);
            target.rates.push(target.rates[i]);
          }
          break;
        case "badSlot":
          target.slots.push(a.models.length + r.int(0, 3));
          target.rates.push(0n);
          break;
        case "length":
          if (target.rates.length) target.rates.pop();
          else target.rates.push(0n);
          break;
        case "models":
          if (models.length >= 2) {
            const i = r.int(0, models.length - 2);
            [models[i], models[i + 1]] = [models[i + 1], models[i]];
          } else models = [...models, this.unknownModel()];
          break;
        case "order":
          if (r.bool() || results.length === 1) results[0].round = BigInt(start + 1);
          else results[results.length - 1].round = results[results.length - 2].round;
          break;
        case "emptyModels":
          models = [];
          break;
        case "unprovableEarly": {
          // A published round flagged unprovable before its proof deadline: ProofGracePeriodActive.
          const early = results.findIndex((res) => {
            const x = m.rounds[Number(res.round)];
            return x !== undefined && x.root !== null && ts <= x.proofDeadline;
          });
          if (early >= 0) results[early] = unprovableRoundResult(results[early].round);
          break;
        }
        case "unprovableUnpublished": {
          // An unpublished round flagged unprovable: RoundNotPublished (expired rounds need no flag).
          const unpublished = results.findIndex((res) => m.rounds[Number(res.round)]?.root === null);
          if (unpublished >= 0) results[unpublished] = unprovableRoundResult(results[unpublished].round);
          break;
        }
      }
      desc += ` defect:${defect}@${target.round}`;
    }
    return { entry: { account, models, results }, desc };
  }

  /** Number of consecutive rounds from `start` that are settleable at `ts`. */
  private available(start: number, ts: number): number {
    let n = 0;
    while (start + n <= this.m.current && this.settleable(start + n, ts)) n++;
    return n;
  }

  private async settleTx(
    entries: AccountResultsArg[],
    descs: string[],
    caller: string,
    ts: number,
  ): Promise<ActionRecord> {
    const batch = entries.length !== 1 || this.rng.bool(0.3);
    const data = batch ? this.encode("settleBatch", [entries]) : this.encode("settle", [entries[0]]);
    const sim = this.simulateSettle(entries, ts);
    const predicted = "error" in sim ? sim.error : null;
    const out = await this.send(caller, this.w.stakeAddress, data, ts);
    const kind = batch ? "settleBatch" : "settle";
    this.note(`${this.name(caller)} ${kind} [${descs.join("; ")}] -> ${out.ok ? "ok" : out.error}`);
    this.expectOutcome(kind, predicted, out);
    const rec = this.record(
      kind,
      caller,
      out.ok,
      false,
      entries.map((e) => e.account),
    );
    if (out.ok && !("error" in sim)) {
      const logs = (await this.logsOf(out.hash!)).filter((e) => e.name === "Settled");
      const got: SettledEvent[] = logs.map((e) => ({
        account: low(e.args.staker),
        round: Number(e.args.round),
        stakeAtRisk: e.args.stakeAtRisk,
        rates: [...e.args.rates].map((x: bigint) => BigInt(x)),
        delta: e.args.delta,
        paid: e.args.paid,
        burned: e.args.burned,
        unpaidRewards: e.args.unpaidRewards,
        balance: e.args.balance,
        unprovable: e.args.unprovable,
      }));
      const show = (e: SettledEvent) =>
        `${this.name(e.account)} r${e.round} stake=${e.stakeAtRisk} rates=[${e.rates}] delta=${e.delta} paid=${e.paid} ` +
        `burned=${e.burned} unpaid=${e.unpaidRewards} balance=${e.balance}${e.unprovable ? " unprovable" : ""}`;
      if (got.length !== sim.events.length || got.some((e, i) => show(e) !== show(sim.events[i]))) {
        this.fail(
          `${kind}: Settled events differ from the mirror\n  got:\n    ${got.map(show).join("\n    ")}\n  expected:\n    ` +
            sim.events.map(show).join("\n    "),
        );
      }
      for (const [addr, acct] of Object.entries(sim.accounts)) {
        this.m.accounts[addr] = acct;
        this.checkPendingAtRisk(acct);
      }
      this.m.pool = sim.pool;
      this.m.burned += sim.burned;
      this.m.wallets[this.w.stakeAddress] -= sim.burned;
      rec.settled = got;
      this.stats.settledRounds += got.length;
    }
    return rec;
  }

  /** Timestamp for a settlement: now and then exactly at, or just past, the deadline of an unpublished round. */
  private settleTimestamp(): number {
    const r = this.rng;
    const m = this.m;
    if (r.bool(0.35)) {
      const deadlines = this.w.stakers
        .map((s) => m.rounds[m.accounts[s].nextSettleRound])
        .filter((rd) => rd !== undefined && rd.root === null && rd.deadline >= m.now + 1)
        .map((rd) => rd.deadline + (r.bool(0.8) ? 1 : 0));
      if (deadlines.length) this.warpTo = Math.max(this.warpTo, r.pick(deadlines));
    }
    return this.nextTs();
  }

  /** Mostly a staker with rounds to settle; sometimes any staker, rarely an account that never staked. */
  private settleAccount(ts: number, exclude: Record<string, number> = {}): string {
    const r = this.rng;
    const m = this.m;
    const staking = this.w.stakers.filter((s) => m.accounts[s].nextSettleRound !== 0);
    const ready = staking.filter((s) => this.available(exclude[s] ?? m.accounts[s].nextSettleRound, ts) > 0);
    if (ready.length && r.bool(0.8)) return r.pick(ready);
    if (staking.length && r.bool(0.9)) return r.pick(staking);
    return r.pick(this.w.actors);
  }

  async settle(): Promise<ActionRecord> {
    const r = this.rng;
    const m = this.m;
    const ts = this.settleTimestamp();
    const account = this.settleAccount(ts);
    const a = m.accounts[low(account)];
    let start = a.nextSettleRound || m.current;
    // Sometimes a keeper that was overtaken: its results start with rounds already settled (skipped, no revert).
    if (a.nextSettleRound > m.firstRound && r.bool(0.12)) start = Math.max(m.firstRound, start - r.int(1, 3));
    const avail = this.available(start, ts);
    const count = r.weighted<() => number>([
      [() => (avail ? r.int(1, Math.min(avail, 8)) : 1), 80],
      [() => avail + 1, 12],
      [() => 0, 3],
      [() => avail, 5],
    ])();
    const { entry, desc } = this.settleEntry(account, start, count, ts);
    const caller = r.pick([this.w.keeper, this.w.keeper, this.w.outsider, account, this.w.manager]);
    return this.settleTx([entry], [desc], caller, ts);
  }

  async settleBatch(): Promise<ActionRecord> {
    const r = this.rng;
    const ts = this.settleTimestamp();
    const n = r.int(1, 3);
    const next: Record<string, number> = {};
    const entries: AccountResultsArg[] = [];
    const descs: string[] = [];
    for (let i = 0; i < n; i++) {
      const account = this.settleAccount(ts, next);
      const a = this.acct(account);
      const start = next[account] ?? (a.nextSettleRound || this.m.current);
      const avail = this.available(start, ts);
      const count = avail ? r.int(1, Math.min(avail, 6)) : r.bool(0.8) ? 0 : 1;
      const { entry, desc } = this.settleEntry(account, start, count, ts);
      next[account] = start + count;
      entries.push(entry);
      descs.push(desc);
    }
    return this.settleTx(entries, descs, this.w.keeper, ts);
  }

  async fundRewards(): Promise<ActionRecord> {
    const r = this.rng;
    const funder = r.weighted<string>([
      [this.w.operator, 40],
      [this.w.keeper, 30],
      [r.pick(this.w.stakers), 20],
      [this.w.outsider, 10],
    ]);
    const wallet = this.m.wallets[funder] ?? 0n;
    const amount = r.weighted<() => bigint>([
      [() => 0n, 4],
      [() => r.bigint(1n, 10n * NMR), 60],
      [() => r.bigint(10n * NMR, 2_000n * NMR), 32],
      [() => wallet + 1n, 4],
    ])();
    const ts = this.nextTs();
    let predicted: string | null = null;
    if (amount === 0n) predicted = "ZeroAmount";
    else if (funder === this.w.outsider) predicted = "InsufficientAllowance";
    else if (amount > wallet) predicted = "InsufficientBalance";
    const out = await this.send(funder, this.w.stakeAddress, this.encode("fundRewards", [amount]), ts);
    this.note(`${this.name(funder)} fundRewards ${fmt(amount)} -> ${out.ok ? "ok" : out.error}`);
    this.expectOutcome("fundRewards", predicted, out);
    if (out.ok) {
      this.m.pool += amount;
      this.m.wallets[funder] -= amount;
      this.m.wallets[this.w.stakeAddress] += amount;
    }
    return this.record("fundRewards", funder, out.ok, funder === this.w.operator);
  }

  async pauseToggle(): Promise<ActionRecord> {
    const r = this.rng;
    const caller = r.bool(0.85) ? this.w.pauser : r.pick([this.w.admin, this.w.operator, this.w.outsider]);
    const pause = r.bool(this.m.paused ? 0.1 : 0.85);
    const ts = this.nextTs();
    let predicted: string | null = null;
    if (caller !== this.w.pauser) predicted = "AccessControlUnauthorizedAccount";
    else if (pause && this.m.paused) predicted = "EnforcedPause";
    else if (!pause && !this.m.paused) predicted = "ExpectedPause";
    const out = await this.send(caller, this.w.stakeAddress, this.encode(pause ? "pause" : "unpause", []), ts);
    this.note(`${this.name(caller)} ${pause ? "pause" : "unpause"} -> ${out.ok ? "ok" : out.error}`);
    this.expectOutcome(pause ? "pause" : "unpause", predicted, out);
    if (out.ok) this.m.paused = pause;
    return this.record(pause ? "pause" : "unpause", caller, out.ok, true);
  }

  /**
   * Scripted history that fills `staker`'s ring of VECTOR_HISTORY weight vectors: one reallocation per round without
   * settling (the 65th must revert SettlementBehind), then settlement of everything settleable and a few more
   * vectors, so that the oldest rounds' vectors are pruned (allocationAt reverts AllocationHistoryPruned).
   */
  async ringPrefix(staker: string) {
    if (this.m.paused) await this.unpauseIfPaused();
    await this.after(await this.deposit(staker, 1_000n * NMR));
    let behind = false;
    for (let i = 0; i <= VECTOR_HISTORY + 1; i++) {
      const rec = await this.setAllocation(staker);
      behind ||= !rec.ok && this.lastError === "SettlementBehind";
      await this.after(rec);
      await this.after(await this.advanceRound(true));
    }
    if (!behind) this.fail("ring prefix: no reallocation reverted SettlementBehind");
    // (settlement replaces the mirror's account object: always look it up again)
    for (let avail = this.available(this.acct(staker).nextSettleRound, this.m.now + 1); avail > 0; ) {
      const ts = this.nextTs();
      const count = Math.min(avail, 50);
      const { entry, desc } = this.settleEntry(staker, this.acct(staker).nextSettleRound, count, ts, true);
      const rec = await this.settleTx([entry], [desc], this.w.keeper, ts);
      await this.after(rec);
      if (!rec.ok) this.fail(`ring prefix: settlement reverted ${this.lastError}`);
      avail = this.available(this.acct(staker).nextSettleRound, this.m.now + 1);
    }
    for (let i = 0; i < 3; i++) {
      await this.after(await this.setAllocation(staker));
      await this.after(await this.advanceRound(true));
    }
    if (!vectorPruned(this.acct(staker), this.m.firstRound)) this.fail("ring prefix: no vector was pruned");
  }

  /** Lifts a pause left by a prefix, so that every sequence of a base does not start paused. */
  async unpauseIfPaused() {
    if (!this.m.paused) return;
    const out = await this.send(this.w.pauser, this.w.stakeAddress, this.encode("unpause", []), this.nextTs());
    this.note(`pauser unpause -> ${out.ok ? "ok" : out.error}`);
    this.expectOutcome("unpause", null, out);
    this.m.paused = false;
    await this.check(this.record("unpause", this.w.pauser, true, true), "full");
  }

  async setParameter(): Promise<ActionRecord> {
    const r = this.rng;
    const m = this.m;
    const caller = r.bool(0.9) ? this.w.admin : r.pick([this.w.operator, this.w.pauser, this.w.outsider]);
    const name = r.pick([
      "withdrawalDelay",
      "minRoundInterval",
      "resolutionDelay",
      "publishWindow",
      "rateCap",
      "proofGracePeriod",
    ] as const);
    let value: bigint;
    let inBounds: boolean;
    if (name === "rateCap") {
      const [lo, hi] = RATE_CAP_BOUNDS;
      value = r.weighted<() => bigint>([
        [() => lo, 10],
        [() => hi, 25],
        [() => 5n * 10n ** 16n, 20],
        [() => r.bigint(lo, hi), 30],
        [() => lo - r.bigint(1n, lo), 7],
        [() => hi + r.bigint(1n, 10n ** 18n), 8],
      ])();
      inBounds = value >= lo && value <= hi;
    } else {
      const [lo, hi] = BOUNDS[name];
      value = BigInt(
        r.weighted<() => number>([
          [() => lo, 25],
          [() => lo + r.int(0, 2 * DAY), 45],
          [() => r.int(lo, hi), 10],
          [() => hi, 5],
          [() => (lo > 0 ? lo - r.int(1, lo) : hi + 1), 7],
          [() => hi + r.int(1, 10 * DAY), 8],
        ])(),
      );
      inBounds = value >= BigInt(lo) && value <= BigInt(hi);
    }
    const fn = "set" + name[0].toUpperCase() + name.slice(1);
    const ts = this.nextTs();
    const predicted =
      caller !== this.w.admin ? "AccessControlUnauthorizedAccount" : inBounds ? null : "ParameterOutOfBounds";
    const out = await this.send(caller, this.w.stakeAddress, this.encode(fn, [value]), ts);
    this.note(`${this.name(caller)} ${fn}(${value}) -> ${out.ok ? "ok" : out.error}`);
    this.expectOutcome(fn, predicted, out);
    if (out.ok) {
      if (name === "rateCap") m.params.rateCap = value;
      else m.params[name] = Number(value);
      const p = await this.w.stake.parameters();
      const got = [
        p.withdrawalDelay,
        p.minRoundInterval,
        p.resolutionDelay,
        p.publishWindow,
        p.rateCap,
        p.proofGracePeriod,
      ].join(",");
      const want = [
        m.params.withdrawalDelay,
        m.params.minRoundInterval,
        m.params.resolutionDelay,
        m.params.publishWindow,
        m.params.rateCap,
        m.params.proofGracePeriod,
      ].join(",");
      if (got !== want) this.fail(`parameters() = ${got}, expected ${want}`);
    }
    return this.record(fn, caller, out.ok, true);
  }

  /** The operator (rarely someone else) proposes models to an account; nothing is bound until it accepts. */
  async proposeModels(): Promise<ActionRecord> {
    const r = this.rng;
    const m = this.m;
    const caller = r.bool(0.9) ? this.w.operator : r.pick([this.w.admin, this.w.outsider]);
    const account = r.bool(0.95) ? r.pick(this.w.stakers) : ZERO;
    const a = m.accounts[low(account)];
    const fresh = () => ethers.dataSlice(ethers.id(`fuzz-model-${m.modelCounter++}-${r.u32()}`), 0, 16);
    const pending = Object.keys(m.proposals);
    const ids = r.weighted<() => string[]>([
      [() => [fresh()], 45],
      [() => [fresh(), fresh()], 20],
      [() => [r.pick(Object.keys(m.owners))], 8],
      [() => (pending.length ? [r.pick(pending)] : [fresh()]), 6], // re-proposed, possibly to another account
      [() => [fresh(), ZERO_MODEL], 5],
      [() => [], 4],
      [() => Array.from({ length: MAX_MODELS + 1 - (a?.models.length ?? 0) }, fresh), 6],
      [
        () => {
          const id = fresh();
          return [id, id];
        },
        6,
      ],
    ])();
    const ts = this.nextTs();
    let predicted: string | null = null;
    if (caller !== this.w.operator) predicted = "AccessControlUnauthorizedAccount";
    else if (account === ZERO) predicted = "ZeroAddress";
    else if (ids.length === 0) predicted = "InvalidModelId";
    else {
      for (const id of ids) {
        if (id === ZERO_MODEL) {
          predicted = "InvalidModelId";
          break;
        }
        if (m.owners[id] !== undefined) {
          predicted = "ModelAlreadyRegistered";
          break;
        }
      }
    }
    const out = await this.send(caller, this.w.stakeAddress, this.encode("proposeModels", [account, ids]), ts);
    this.note(
      `${this.name(caller)} proposeModels(${this.name(account)}, ${ids.length} ids) -> ${out.ok ? "ok" : out.error}`,
    );
    this.expectOutcome("proposeModels", predicted, out);
    if (out.ok) for (const id of ids) m.proposals[id] = a.addr;
    return this.record("proposeModels", caller, out.ok, true);
  }

  /** A staker accepts models: mostly what is proposed to it, sometimes what is not (ModelNotProposed). */
  async acceptModels(): Promise<ActionRecord> {
    const r = this.rng;
    const m = this.m;
    const proposed = this.w.stakers.filter((x) => Object.values(m.proposals).includes(x));
    const who = proposed.length && r.bool(0.85) ? r.pick(proposed) : r.pick(this.w.stakers);
    let a = this.acct(who);
    // The usual flow: the operator proposes a model or two to the account first (checked as an action of its own).
    if (!Object.values(m.proposals).includes(a.addr) && a.models.length < MAX_MODELS && r.bool(0.7)) {
      const ids = Array.from({ length: r.int(1, 2) }, () =>
        ethers.dataSlice(ethers.id(`fuzz-model-${m.modelCounter++}-${r.u32()}`), 0, 16),
      );
      const out = await this.send(
        this.w.operator,
        this.w.stakeAddress,
        this.encode("proposeModels", [who, ids]),
        this.nextTs(),
      );
      this.note(`operator proposeModels(${this.name(who)}, ${ids.length} ids) -> ${out.ok ? "ok" : out.error}`);
      this.expectOutcome("proposeModels", null, out);
      for (const id of ids) m.proposals[id] = a.addr;
      await this.after(this.record("proposeModels", this.w.operator, true, true));
      a = this.acct(who);
    }
    const mine = Object.keys(m.proposals).filter((id) => m.proposals[id] === a.addr);
    const others = Object.keys(m.proposals).filter((id) => m.proposals[id] !== a.addr);
    const ids = r.weighted<() => string[]>([
      [() => (mine.length ? mine.slice(0, Math.max(1, MAX_MODELS - a.models.length)) : [this.unknownModel()]), 40],
      [() => (mine.length ? mine : [this.unknownModel()]), 10],
      [() => (mine.length ? r.shuffle(mine).slice(0, r.int(1, Math.min(3, mine.length))) : [this.unknownModel()]), 20],
      [() => (others.length ? [r.pick(others)] : [this.unknownModel()]), 10],
      [() => (mine.length ? [mine[0], mine[0]] : []), 8],
      [() => [], 4],
      [() => [this.unknownModel()], 8],
    ])();
    // The contract binds in order, each model checked against its proposal, then against the capacity.
    let predicted: string | null = ids.length === 0 ? "InvalidModelId" : null;
    const left = { ...m.proposals };
    let count = a.models.length;
    for (const id of ids) {
      if (predicted !== null) break;
      if (left[id] !== a.addr) predicted = "ModelNotProposed";
      else if (count === MAX_MODELS) predicted = "TooManyModels";
      else {
        delete left[id];
        count++;
      }
    }
    const ts = this.nextTs();
    const out = await this.send(who, this.w.stakeAddress, this.encode("acceptModels", [ids]), ts);
    this.note(`${this.name(who)} acceptModels(${ids.length} ids) -> ${out.ok ? "ok" : out.error}`);
    this.expectOutcome("acceptModels", predicted, out);
    if (out.ok) {
      for (const id of ids) {
        delete m.proposals[id];
        m.owners[id] = a.addr;
        a.models.push(id);
      }
    }
    return this.record("acceptModels", who, out.ok);
  }

  /** Plain token transfer to the contract: not staked, not in the pool; the contract must simply hold more. */
  async donate(): Promise<ActionRecord> {
    const amount = this.rng.bigint(1n, 50n * NMR);
    const ts = this.nextTs();
    const data = this.tokenIface.encodeFunctionData("transfer", [this.w.stakeAddress, amount]);
    const out = await this.send(this.w.keeper, this.w.nmrAddress, data, ts);
    this.note(`keeper transfers ${fmt(amount)} to the contract -> ${out.ok ? "ok" : out.error}`);
    this.expectOutcome("donate", null, out);
    this.m.donated += amount;
    this.m.wallets[this.w.keeper] -= amount;
    this.m.wallets[this.w.stakeAddress] += amount;
    return this.record("donate", this.w.keeper, true);
  }

  // ───────────────────────────────────── W: pending burns ─────────────────────────────────────

  /**
   * DESIGN.md "Withdrawals": a requested amount "stays burnable by rounds that were open when it was at risk". So the
   * pending burns of rounds >= r can only come from requests whose last at-risk round is >= r.
   */
  private checkPendingAtRisk(a: MAccount) {
    for (const { round } of a.pendingBurns) {
      const burnedSince = a.pendingBurns.filter((b) => b.round >= round).reduce((s, b) => s + b.amount, 0n);
      const atRisk = a.tranches.filter((t) => t.lastRound >= round).reduce((s, t) => s + t.amount, 0n);
      if (burnedSince > atRisk) {
        this.fail(
          `W: ${a.label}: rounds >= ${round} burned ${burnedSince} from the pending withdrawal, but only ${atRisk} of ` +
            `it was requested while such a round was open (requests: ${a.tranches.map((t) => `${t.amount}@${t.lastRound}`).join(", ")})`,
        );
      }
    }
  }

  // ─────────────────────────────────────────── Checks ────────────────────────────────────────────

  /**
   * First round still open for `staker`: not yet resolved, or not yet settled for it (at most WINDOW rounds back);
   * the current round is always included.
   */
  private openFrom(staker: string): number {
    const m = this.m;
    const floor = Math.max(m.firstRound, m.current + 1 - WINDOW);
    let lo = Math.max(m.firstRound, m.current);
    const next = m.accounts[staker].nextSettleRound;
    if (next !== 0 && next < lo) lo = next;
    for (let r = lo - 1; r >= floor; r--) if (m.rounds[r] && m.rounds[r].resolvesAt > m.now) lo = r;
    return Math.max(lo, floor);
  }

  /**
   * Reads the chain (one eth_call) and checks every invariant.
   * - `full` (after a successful action): money and every staker's account; for the accounts the action wrote (or, if
   *   it wrote none, one staker in turn) the stake and vector of every open round (unresolved or unsettled, up to
   *   WINDOW back) and of the next round; for the others the next round (after an openRound: the new round too, whose
   *   opening snapshot is recorded then).
   * - `light` (after a confirmed revert): money and accounts; the EVM reverted the whole call.
   * - `begin`/`end`: every actor, model lists, nonces, and for every staker every open round and every round opened
   *   since the sequence started (a base's final read covers every round from the first).
   * Every settlement also checks what the round put at risk (Settled.stakeAtRisk and delta) against the snapshot
   * recorded when it opened.
   */
  async check(rec: ActionRecord | undefined, mode: "begin" | "end" | "full" | "light", fromRound?: number) {
    const m = this.m;
    const w = this.w;
    const all = mode === "begin" || mode === "end";
    const accounts = all ? w.actors : w.stakers;
    const to = m.current + 1;
    // Accounts whose every open round is re-read: the ones the action wrote, else one staker in turn.
    const subjects = new Set((rec?.subjects ?? []).filter((x) => w.stakers.includes(x)));
    if (subjects.size === 0) subjects.add(w.stakers[this.stats.checks % w.stakers.length]);
    const fromRounds = accounts.map((addr) => {
      if (!w.stakers.includes(addr) || mode === "light") return to + 1;
      if (fromRound !== undefined) return fromRound;
      if (all) return Math.max(m.firstRound, Math.min(this.seqStartRound, this.openFrom(addr)));
      if (subjects.has(addr)) return this.openFrom(addr);
      return rec?.kind === "openRound" ? Math.max(m.firstRound, m.current) : to;
    });
    const nonceKinds = ["setAllocation", "setAllocationFor", "setAllocationBySig", "setManager", "invalidateNonces"];
    const readNonces = all || (rec !== undefined && nonceKinds.includes(rec.kind));
    // Per action the stakers' wallets and the contract; every holder at the begin/end reads.
    const holders = all ? w.holders : [...w.stakers, w.stakeAddress];
    const s = await w.reader.read(fromRounds, to, { models: all, nonces: readNonces, holders }, accounts);
    this.stats.checks++;
    const where = rec ? `after ${rec.kind} by ${this.name(rec.caller)}` : mode;
    const fail = (msg: string): never => this.fail(`${where}: ${msg}`);

    // ── Globals and monotonicity
    if (s.currentRound !== m.current) fail(`currentRound ${s.currentRound}, mirror ${m.current}`);
    if (s.paused !== m.paused) fail(`paused ${s.paused}, mirror ${m.paused}`);
    const prev = this.prev;
    if (prev && s.currentRound < prev.currentRound)
      fail(`M: currentRound went back ${prev.currentRound} -> ${s.currentRound}`);

    // ── I1: solvency and conservation
    const balanceOf = new Map(s.holders.map((h, i) => [h, s.holderBalances[i]]));
    const held = balanceOf.get(w.stakeAddress)!;
    const owed = s.staked + s.pendingWithdrawals + s.rewardsPool;
    if (held < owed) fail(`I1: contract holds ${held} < stakes + pending + pool ${owed}`);
    if (held !== owed + m.donated)
      fail(`I1: contract holds ${held} != stakes + pending + pool ${owed} + donations ${m.donated}`);
    let sumBalance = 0n;
    let sumPending = 0n;
    let sumBurned = 0n;
    for (const acc of s.accounts) {
      sumBalance += acc.balance;
      sumPending += acc.pendingWithdrawal;
      sumBurned += acc.totalBurned;
    }
    if (!all) {
      // Only stakers were read: everyone else must be empty (checked at the begin/end reads).
    }
    if (s.staked !== sumBalance) fail(`I1: totals().staked ${s.staked} != sum of balances ${sumBalance}`);
    if (s.pendingWithdrawals !== sumPending)
      fail(`I1: totals().pending ${s.pendingWithdrawals} != sum of pending ${sumPending}`);
    // Holders not read this time count at their mirror balance: any token moved to or from anyone still breaks the sum.
    let inWallets = 0n;
    for (const h of w.holders) inWallets += balanceOf.get(h) ?? m.wallets[h];
    if (inWallets !== s.totalSupply)
      fail(`I1: holders hold ${inWallets}, totalSupply ${s.totalSupply}: NMR went elsewhere`);
    if (m.minted - s.totalSupply !== m.burned) {
      fail(`I1: minted ${m.minted} - supply ${s.totalSupply} != burned in Settled events ${m.burned}`);
    }
    // I1, per action: burned NMR leaves the token's supply (NMRLike burns through its `mint`): the supply falls by
    // exactly what this action's Settled events burned, and by nothing otherwise.
    if (prev) {
      const burnedNow = (rec?.settled ?? []).reduce((x, e) => x + e.burned, 0n);
      if (prev.totalSupply - s.totalSupply !== burnedNow) {
        fail(
          `I1: totalSupply ${prev.totalSupply} -> ${s.totalSupply} (fell by ${prev.totalSupply - s.totalSupply}), ` +
            `this action burned ${burnedNow}`,
        );
      }
    }
    if (sumBurned !== m.burned) fail(`I1: sum of totalBurned ${sumBurned} != burned in Settled events ${m.burned}`);
    if (s.rewardsPool !== m.pool) fail(`rewards pool ${s.rewardsPool}, mirror ${m.pool}`);
    s.holders.forEach((h, i) => {
      if (s.holderBalances[i] !== m.wallets[h])
        fail(`wallet of ${this.name(h)}: ${s.holderBalances[i]}, mirror ${m.wallets[h]}`);
    });

    // ── Per account: mirror equality, monotonicity, I4, I5, I2, I3
    const prevByAddr = new Map<string, ChainAccount>();
    if (prev) {
      const prevAccounts = prev.accounts.length === w.actors.length ? w.actors : w.stakers;
      prevAccounts.forEach((addr, i) => prevByAddr.set(addr, prev.accounts[i]));
    }
    const settledBy = new Map<string, SettledEvent[]>();
    for (const e of rec?.settled ?? []) settledBy.set(e.account, [...(settledBy.get(e.account) ?? []), e]);

    accounts.forEach((addr, i) => {
      const c = s.accounts[i];
      const a = m.accounts[addr];
      const who = this.name(addr);
      const want: [string, bigint | number | string, bigint | number | string][] = [
        ["balance", c.balance, a.balance],
        ["pendingWithdrawal", c.pendingWithdrawal, a.pending],
        ["withdrawalLastRound", c.withdrawalLastRound, a.withdrawalLastRound],
        ["withdrawalReleaseAt", c.withdrawalReleaseAt, a.releaseAt],
        ["nextSettleRound", c.nextSettleRound, a.nextSettleRound],
        ["unpaidRewards", c.unpaidRewards, a.unpaid],
        ["totalRewarded", c.totalRewarded, a.totalRewarded],
        ["totalBurned", c.totalBurned, a.totalBurned],
        ["manager", c.manager, a.manager],
        ["modelCount", c.modelCount, a.models.length],
        ["allocationCount", c.allocationCount, a.vectors.length],
        ["lastAllocationRound", c.lastAllocationRound, a.vectors.length ? a.vectors[a.vectors.length - 1].round : 0],
      ];
      if (c.nonce !== undefined) {
        want.push(["nonce", c.nonce, BigInt(a.nonce)]);
        const before = this.nonces.get(addr);
        if (before !== undefined && c.nonce < before) fail(`M: ${who}.nonce went back ${before} -> ${c.nonce}`);
        this.nonces.set(addr, c.nonce);
      }
      for (const [field, got, expected] of want) {
        if (got !== expected) fail(`${who}.${field} = ${got}, mirror ${expected}`);
      }
      if (c.modelsHash !== undefined) {
        if (c.modelsLength !== a.models.length || c.modelsHash !== registryHash(a.models)) {
          fail(`${who}: modelsOf differs from the registered models`);
        }
      }

      const p = prevByAddr.get(addr);
      if (p) {
        // M: monotonicity
        const mono: [string, bigint | number, bigint | number][] = [
          ["nextSettleRound", p.nextSettleRound, c.nextSettleRound],
          ["allocationCount", p.allocationCount, c.allocationCount],
          ["lastAllocationRound", p.lastAllocationRound, c.lastAllocationRound],
          ["totalBurned", p.totalBurned, c.totalBurned],
          ["totalRewarded", p.totalRewarded, c.totalRewarded],
          ["modelCount", p.modelCount, c.modelCount],
        ];
        for (const [field, before, after] of mono)
          if (after < before) fail(`M: ${who}.${field} went back ${before} -> ${after}`);

        // I4: nobody else moves a staker's NMR. Settlement is the only outside action that changes its money.
        const own = rec !== undefined && rec.caller === addr;
        const events = settledBy.get(addr) ?? [];
        const moneyBefore = p.balance + p.pendingWithdrawal;
        const moneyAfter = c.balance + c.pendingWithdrawal;
        if (!own && events.length === 0 && (c.balance !== p.balance || c.pendingWithdrawal !== p.pendingWithdrawal)) {
          fail(
            `I4/I5: ${who}'s balance/pending changed (${p.balance}/${p.pendingWithdrawal} -> ${c.balance}/${c.pendingWithdrawal}) by someone else's ${rec?.kind}`,
          );
        }
        if (rec?.privileged && (c.balance !== p.balance || c.pendingWithdrawal !== p.pendingWithdrawal)) {
          fail(`I5: privileged ${rec.kind} changed ${who}'s balance/pending`);
        }
        if (pendingDecreased(p, c) && !(own && rec?.kind.startsWith("claim")) && events.every((e) => e.burned === 0n)) {
          fail(`I4: ${who}'s pending withdrawal decreased without its claim or a burn`);
        }
        // I5: settlement moves money only by capped burns and pool payouts.
        if (events.length) {
          const burned = events.reduce((x, e) => x + e.burned, 0n);
          const paid = events.reduce((x, e) => x + e.paid, 0n);
          if (moneyAfter !== moneyBefore - burned + paid) {
            fail(`I5: ${who}'s balance+pending ${moneyBefore} -> ${moneyAfter}, events burned ${burned} paid ${paid}`);
          }
          for (const e of events) {
            const cap = m.rounds[e.round].cap;
            if (e.burned > (e.stakeAtRisk * cap) / RATE_SCALE) {
              fail(
                `I5: round ${e.round} burned ${e.burned} from ${who}, above rateCap x stake ${(e.stakeAtRisk * cap) / RATE_SCALE}`,
              );
            }
            if (e.delta < 0n ? e.burned > -e.delta : e.burned !== 0n)
              fail(`I5: round ${e.round} burned ${e.burned} for delta ${e.delta}`);
          }
        }
        if (rec?.kind === "deposit" && own && c.balance < p.balance) fail(`I4: deposit lowered ${who}'s balance`);
      }

      // I2 + I3 over the rounds read (stakers only)
      const registry = registryHash(a.models);
      for (let round = c.fromRound; round <= to && c.stakes.length > 0; round++) {
        const k = round - c.fromRound;
        const v = c.vectors[k];
        const stake = c.stakes[k];
        if (v.pruned) {
          if (!vectorPruned(a, round)) fail(`I2: allocationAt(${who}, ${round}) reverted but the vector is kept`);
          continue;
        }
        if (vectorPruned(a, round)) fail(`allocationAt(${who}, ${round}) should revert AllocationHistoryPruned`);
        const total = sum(v.bps);
        if (v.bps.length !== c.modelCount || v.idsLength !== c.modelCount) {
          fail(
            `I2: allocationAt(${who}, ${round}) has ${v.bps.length} weights / ${v.idsLength} models, account has ${c.modelCount}`,
          );
        }
        if (v.idsHash !== registry) fail(`I2: allocationAt(${who}, ${round}) names models other than the account's`);
        if (total !== BPS && total !== 0) fail(`I2: allocationAt(${who}, ${round}) sums to ${total}`);
        if (v.bps.some((x) => x > BPS)) fail(`I2: allocationAt(${who}, ${round}) has a weight above 10,000`);
        const mirrorW = vectorAt(a, round);
        if (total === 0 && mirrorW !== null)
          fail(`I2: allocationAt(${who}, ${round}) is all zero after a vector was set`);
        const expectW = mirrorW ?? a.models.map(() => 0);
        if (v.bps.join(",") !== expectW.join(","))
          fail(`allocationAt(${who}, ${round}) = [${v.bps}], mirror [${expectW}]`);
        if (stake !== stakeAt(a, round)) fail(`stakeAt(${who}, ${round}) = ${stake}, mirror ${stakeAt(a, round)}`);
        if (round > m.current) continue;
        // I3: rounds that are open keep what they opened with.
        const rd = m.rounds[round];
        if (!rd) continue; // opened before the mirror existed (not the case for the bases used here)
        const snap = rd.snaps[addr];
        if (snap === undefined) {
          rd.snaps[addr] = { stake, w: [...v.bps] };
        } else {
          if (stake !== snap.stake)
            fail(`I3: stakeAt(${who}, ${round}) changed from ${snap.stake} to ${stake} after the round opened`);
          if (v.bps.join(",") !== pad(snap.w, v.bps.length).join(",")) {
            fail(`I3: allocationAt(${who}, ${round}) changed from [${snap.w}] to [${v.bps}] after the round opened`);
          }
        }
      }
    });

    // I3: each settled round's result depends only on the snapshot taken at its opening.
    for (const e of rec?.settled ?? []) {
      const rd = m.rounds[e.round];
      const snap = rd.snaps[e.account];
      if (!snap) fail(`I3: no opening snapshot of ${this.name(e.account)} for round ${e.round}`);
      if (e.stakeAtRisk !== snap.stake)
        fail(`I3: Settled(${this.name(e.account)}, ${e.round}).stakeAtRisk ${e.stakeAtRisk} != snapshot ${snap.stake}`);
      const a = m.accounts[e.account];
      // Published rates, applied at most at the round's cap.
      const clamp = (x: bigint) => (x > rd.cap ? rd.cap : x < -rd.cap ? -rd.cap : x);
      const ratesBySlot = a.models.map((id) => (rd.root && rd.rates ? clamp(rd.rates[id] ?? 0n) : 0n));
      // A round settled as unprovable counts as zero for the account; only a published round past its proof
      // deadline may be (the block time of the settlement is m.now).
      if (e.unprovable && (rd.root === null || m.now <= rd.proofDeadline))
        fail(`Settled(${this.name(e.account)}, ${e.round}) unprovable before its proof deadline or unpublished`);
      const expected = e.unprovable ? 0n : roundDelta(snap.stake, pad(snap.w, a.models.length), ratesBySlot);
      if (e.delta !== expected)
        fail(`I3: Settled(${this.name(e.account)}, ${e.round}).delta ${e.delta} != roundDelta(snapshot) ${expected}`);
    }

    // I4: a staker's wallet grows only through its own claim, by exactly the claimed amount.
    if (prev) {
      const before = new Map(prev.holders.map((h, i) => [h, prev.holderBalances[i]]));
      w.stakers.forEach((h) => {
        const diff = balanceOf.get(h)! - before.get(h)!;
        if (diff > 0n && !(rec?.claimed && rec.claimed.account === h && rec.claimed.amount === diff)) {
          fail(
            `I4: ${this.name(h)}'s wallet grew by ${diff} through ${rec?.kind} by ${this.name(rec?.caller ?? ZERO)}`,
          );
        }
        if (diff < 0n && !(rec && rec.caller === h))
          fail(`I4: ${this.name(h)}'s wallet shrank by ${-diff} through someone else's ${rec?.kind}`);
      });
    }

    // Keep the staker part as the previous read.
    if (all) {
      this.prev = { ...s, accounts: w.stakers.map((x) => s.accounts[w.actors.indexOf(x)]) };
    } else {
      this.prev = s;
    }
  }
}

function pendingDecreased(p: ChainAccount, c: ChainAccount): boolean {
  return c.pendingWithdrawal < p.pendingWithdrawal;
}

function settleableNow(run: InvariantRun, round: number, ts: number): boolean {
  const rd = run.m.rounds[round];
  return rd !== undefined && (rd.root !== null || ts > rd.deadline);
}

export function newAccount(addr: string, label: string, models: string[]): MAccount {
  return {
    addr,
    label,
    models,
    balance: 0n,
    pending: 0n,
    unpaid: 0n,
    totalRewarded: 0n,
    totalBurned: 0n,
    withdrawalLastRound: 0,
    releaseAt: 0,
    nextSettleRound: 0,
    manager: ZERO,
    vectors: [],
    stakeCps: [],
    nonce: 0,
    tranches: [],
    pendingBurns: [],
  };
}

/** Builds the mirror of a freshly deployed system from chain reads (nothing staked, no round opened yet). */
export async function initialMirror(w: World, foreignModels: string[]): Promise<Mirror> {
  const stake = w.stake;
  const p = await stake.parameters();
  const latest = (await w.provider.request({ method: "eth_getBlockByNumber", params: ["latest", false] })) as {
    timestamp: string;
  };
  const [staked, pending, pool] = await stake.totals();
  if (staked !== 0n || pending !== 0n || pool !== 0n) throw new Error("initialMirror expects an empty system");
  const m: Mirror = {
    firstRound: Number(await stake.firstRound()),
    now: Number(latest.timestamp),
    current: Number(await stake.currentRound()),
    lastOpenedAt: 0,
    paused: await stake.paused(),
    params: {
      withdrawalDelay: Number(p.withdrawalDelay),
      minRoundInterval: Number(p.minRoundInterval),
      resolutionDelay: Number(p.resolutionDelay),
      publishWindow: Number(p.publishWindow),
      rateCap: p.rateCap,
      proofGracePeriod: Number(p.proofGracePeriod),
    },
    pool: 0n,
    donated: 0n,
    minted: await w.nmr.totalSupply(),
    burned: 0n,
    wallets: {},
    accounts: {},
    rounds: {},
    owners: {},
    proposals: {},
    foreignModels,
    modelCounter: 0,
  };
  if (m.current !== m.firstRound - 1) throw new Error("initialMirror expects no round opened yet");
  for (const h of w.holders) m.wallets[h] = await w.nmr.balanceOf(h);
  for (const addr of w.actors) {
    const models = (await stake.modelsOf(addr)).map(low);
    m.accounts[addr] = newAccount(addr, short(addr, w), models);
    for (const id of models) m.owners[id] = addr;
  }
  return m;
}
