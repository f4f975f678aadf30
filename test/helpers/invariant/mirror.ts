/**
 * The invariant fuzz's model of PortfolioStake (test/invariants/invariants.test.ts): the mirror state, written from the
 * interface NatSpec, and its rules. Every action in ./actions.ts must succeed exactly when these rules allow it, revert
 * with the error they name otherwise, and leave exactly the state and events they predict:
 * - `vectorError` / `storeVector`: _setAllocation's checks in the contract's order, and where a vector is stored;
 * - `simulateSettle`: settle / settleBatch on a copy of the mirror (owed rewards refills paid credited first; each
 *   round's slice limited to what is left; losses from the balance, then from a pending withdrawal at risk; gains from
 *   the pool, the rest owed);
 * - `fundOwed` / `owedNow`: refills pay owed rewards pro rata (factor and epochs, as RewardsFunded documents);
 * - `admitRound` / `exposureError`: the exposure rule of openRound and of the parameter setters;
 * - stake checkpoints and the 64-vector ring (`stakeAt`, `vectorAt`, `vectorPruned`).
 * Also the chain handles shared by every sequence of a base (`World`), the run statistics and the action record the
 * checks (./checks.ts) read.
 */
import { ethers } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { NMRLike, PortfolioStake } from "../../../typechain-types";
import type { RoundResultArg, RoundTree } from "@portfolio-stake/core/results";
import type { Eip712Domain } from "@portfolio-stake/core/eip712";
import type { StateReader } from "./reader";

// ───────────────────────────────────────── Constants (from the contract's NatSpec) ─────────────────────────────────

export const BPS = 10_000;
export const MAX_MODELS = 64;
export const VECTOR_HISTORY = 256;
export const RATE_SCALE = 10n ** 18n;
export const HOUR = 3_600;
export const DAY = 24 * HOUR;
export const NMR = 10n ** 18n;
export const ZERO = ethers.ZeroAddress;
export const ZERO_MODEL = "0x" + "00".repeat(16);

export const BOUNDS = {
  withdrawalDelay: [0, 60 * DAY],
  minRoundInterval: [12 * HOUR, 7 * DAY],
  resolutionDelay: [1 * DAY, 60 * DAY],
  publishWindow: [1 * DAY, 30 * DAY],
  proofGracePeriod: [1 * DAY, 30 * DAY],
} as const;
export const RATE_CAP_BOUNDS = [10n ** 15n, 10n ** 18n] as const;
export const SLICE_DIVISOR_BOUNDS = [1, 1024] as const;
/** The open rounds together never commit more than this share of a stake (1e18 = 100%). */
export const MAX_EXPOSURE = 10n ** 18n;
export const OWED_FACTOR_ONE = 10n ** 36n;
export const OWED_SCALE_STEP = 10n ** 18n;
/** Rounds re-read after each action, at most (the rounds opened in the sequence and unsettled ones, newest first). */
export const WINDOW = 12;

// ───────────────────────────────────────────── Mirror state ─────────────────────────────────────────────────────────

export interface Params {
  withdrawalDelay: number;
  minRoundInterval: number;
  resolutionDelay: number;
  publishWindow: number;
  rateCap: bigint;
  proofGracePeriod: number;
  sliceDivisor: number;
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
  unpaid: bigint; // owed rewards as stored, at owedFactor / owedEpoch below (see owedNow)
  owedFactor: bigint;
  owedEpoch: number;
  owedScale: number;
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
  divisor: number;
  root: string | null;
  rates: Record<string, bigint> | null;
  /** Cumulative rate of each model in the published tree (the previous published round's plus the capped rate). */
  cumulatives: Record<string, bigint> | null;
  /** Published rounds ending here under this cap and divisor (0: unpublished), as publishRound sets it. */
  publishedRun: number;
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
  owedTotal: bigint;
  owedReserve: bigint;
  owedFactor: bigint;
  owedEpoch: number;
  owedScale: number;
  /** openRound's exposure queue: rounds before oldestOpenRound are closed; openExposure sums the others. */
  oldestOpenRound: number;
  openExposure: bigint;
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
  /** The contract's EIP-712 domain (ERC-5267), read once per base. */
  domain: Eip712Domain;
  gas: string;
  /** Refills of at most 1 NMR: the pool runs short, so gains are owed and refills pay them pro rata. */
  smallRefills?: boolean;
}

export interface Stats {
  sequences: number;
  actions: number;
  reverted: number;
  checks: number;
  settledRounds: number;
  /** SpanSettled events (segments settled by settleSpans). */
  spanSegments: number;
  claims: number;
  /** Refills that paid owed rewards, claimRewards calls that credited some, rounds opened with a lowered cap. */
  owedRefills: number;
  rewardClaims: number;
  /** Settled rounds with a gain, and those whose gain the pool could not pay in full. */
  gains: number;
  gainsShort: number;
  capsLowered: number;
  byKind: Record<string, { ok: number; reverted: number }>;
  /** Revert reasons seen, by action kind ("kind: Error"). */
  reverts: Record<string, number>;
}

export function newStats(): Stats {
  return {
    sequences: 0,
    actions: 0,
    reverted: 0,
    checks: 0,
    settledRounds: 0,
    spanSegments: 0,
    claims: 0,
    owedRefills: 0,
    rewardClaims: 0,
    gains: 0,
    gainsShort: 0,
    capsLowered: 0,
    byKind: {},
    reverts: {},
  };
}

export class InvariantError extends Error {}

/** Fails the run with an invariant violation. */
export function fail(message: string): never {
  throw new InvariantError(message);
}

export interface SettledEvent {
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

/** RewardsClaimed: owed rewards refills paid, credited to the stake (claimRewards, or a settlement's first step). */
export interface ClaimedRewards {
  account: string;
  amount: bigint;
  unpaidRewards: bigint;
  balance: bigint;
}

export interface ActionRecord {
  kind: string;
  caller: string;
  ok: boolean;
  privileged: boolean; // admin, operator or pauser action
  /** Accounts whose storage the action writes (their open rounds are all re-read after it). */
  subjects: string[];
  claimed?: { account: string; amount: bigint };
  settled?: SettledEvent[];
  /** SpanSettled events of a settleSpans (one per segment). */
  spanSettled?: SpanSettledEvent[];
  /** Owed rewards credited to stakes by this action (RewardsClaimed events). */
  rewardsClaimed?: ClaimedRewards[];
}

export interface TxOutcome {
  ok: boolean;
  hash?: string;
  error?: string;
}

export interface AccountResultsArg {
  account: string;
  models: string[];
  results: RoundResultArg[];
}

// ─────────────────────────────────────────── Mirror helpers ─────────────────────────────────────────────────────────

/** Published round trees by root (a sequence settles with the proofs of the rounds its base published). */
export const trees = new Map<string, RoundTree>();

export function low(address: string): string {
  return address.toLowerCase();
}

export function pad(w: readonly number[], n: number): number[] {
  const out = w.slice(0, n);
  while (out.length < n) out.push(0);
  return out;
}

export function stakeAt(a: MAccount, round: number): bigint {
  for (let i = a.stakeCps.length - 1; i >= 0; i--) if (a.stakeCps[i]!.round <= round) return a.stakeCps[i]!.value;
  return 0n;
}

/** The vector in force at `round` padded to the registry, or null before the first one. */
export function vectorAt(a: MAccount, round: number): number[] | null {
  for (let i = a.vectors.length - 1; i >= 0; i--)
    if (a.vectors[i]!.round <= round) return pad(a.vectors[i]!.w, a.models.length);
  return null;
}

/** Whether allocationAt(round) reverts AllocationHistoryPruned: only the newest VECTOR_HISTORY vectors are kept. */
export function vectorPruned(a: MAccount, round: number): boolean {
  const count = a.vectors.length;
  if (count <= VECTOR_HISTORY) return false;
  return round < a.vectors[count - VECTOR_HISTORY]!.round;
}

export function setCheckpoint(a: MAccount, round: number, value: bigint) {
  const last = a.stakeCps[a.stakeCps.length - 1];
  if (last && last.round === round) last.value = value;
  else a.stakeCps.push({ round, value });
}

export function registryHash(models: readonly string[]): string {
  return ethers.keccak256(ethers.concat(models.map((m) => ethers.zeroPadBytes(m, 32))));
}

export function sum(xs: readonly number[]): number {
  return xs.reduce((s, x) => s + x, 0);
}

/** A short name for an address (alice, bob, carol, manager, keeper, ...), for logs and messages. */
export function short(address: string, w: World): string {
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

export function fmt(x: bigint): string {
  return x.toString();
}

/** The mirror account of `address` (fails if there is none). */
export function acct(m: Mirror, address: string): MAccount {
  const a = m.accounts[low(address)];
  if (!a) fail(`no mirror account for ${address}`);
  return a;
}

/** The mirror of an account that never appeared (no models, nothing staked). */
export function emptyAccount(w: World, addr: string): MAccount {
  return newAccount(addr, short(addr, w), []);
}

// ──────────────────────────────────────── Mirror rules (NatSpec) ────────────────────────────────────────

function ceilDiv(a: bigint, b: bigint): bigint {
  return (a + b - 1n) / b;
}

/** The share of a stake (1e18 = 100%) a round with this cap and slice divisor can take, rounded up. */
export function exposure(cap: bigint, divisor: number): bigint {
  return ceilDiv(cap, BigInt(divisor));
}

/** Rounds that can be open at once under `p`: each open from its opening to its proof deadline. */
export function openRoundsAtOnce(p: Params): number {
  return Math.floor((p.resolutionDelay + p.publishWindow + p.proofGracePeriod) / p.minRoundInterval) + 1;
}

/** The parameter rule (after the bounds): null, or "ExposureTooHigh". */
export function exposureError(p: Params): string | null {
  return BigInt(openRoundsAtOnce(p)) * exposure(p.rateCap, p.sliceDivisor) > MAX_EXPOSURE ? "ExposureTooHigh" : null;
}

/**
 * openRound at `ts`: closes the rounds past their proof deadline (oldest first, stopping at the first still open)
 * and admits the new round, lowering its cap to the room left. Returns the new round's cap; updates the queue.
 */
export function admitRound(m: Mirror, ts: number): bigint {
  const round = m.current + 1;
  let oldest = m.oldestOpenRound;
  let open = m.openExposure;
  while (oldest < round) {
    const rd = m.rounds[oldest]!;
    if (rd.proofDeadline >= ts) break;
    open -= exposure(rd.cap, rd.divisor);
    oldest++;
  }
  const room = MAX_EXPOSURE - open;
  let cap = m.params.rateCap;
  if (exposure(cap, m.params.sliceDivisor) > room) cap = room * BigInt(m.params.sliceDivisor);
  m.oldestOpenRound = oldest;
  m.openExposure = open + exposure(cap, m.params.sliceDivisor);
  return cap;
}

/** What `a` is owed now: its stored amount times the factor's fall since, rounded up (zero after a new epoch). */
export function owedNow(m: Pick<Mirror, "owedFactor" | "owedEpoch" | "owedScale">, a: MAccount): bigint {
  if (a.unpaid === 0n || a.owedEpoch !== m.owedEpoch) return 0n;
  const steps = m.owedScale - a.owedScale;
  if (steps > 2) return 1n;
  return ceilDiv(a.unpaid * m.owedFactor, a.owedFactor * OWED_SCALE_STEP ** BigInt(steps));
}

/** Records that `a`'s stored owed amount is as of the current factor, epoch and scale. */
export function owedSnapshot(m: Mirror, a: MAccount) {
  a.owedFactor = m.owedFactor;
  a.owedEpoch = m.owedEpoch;
  a.owedScale = m.owedScale;
}

/** A refill of `amount`: owed rewards first, pro rata; returns the part that went to them (the rest: the pool). */
export function fundOwed(m: Mirror, amount: bigint): bigint {
  const toOwed = amount < m.owedTotal ? amount : m.owedTotal;
  if (toOwed === 0n) return 0n;
  if (toOwed === m.owedTotal) {
    m.owedEpoch++;
    m.owedFactor = OWED_FACTOR_ONE;
    m.owedScale = 0;
  } else {
    m.owedFactor = ceilDiv(m.owedFactor * (m.owedTotal - toOwed), m.owedTotal);
    if (m.owedFactor < OWED_SCALE_STEP) {
      m.owedFactor *= OWED_SCALE_STEP;
      m.owedScale++;
    }
  }
  m.owedTotal -= toOwed;
  m.owedReserve += toOwed;
  return toOwed;
}

/** _setAllocation's checks, in the contract's order; null when the vector is accepted. */
export function vectorError(m: Mirror, account: string, ids: string[], bps: number[]): string | null {
  if (ids.length !== bps.length) return "LengthMismatch";
  if (ids.length === 0) return "EmptyAllocation";
  if (ids.length > MAX_MODELS) return "TooManyModels";
  const a = acct(m, account);
  const canonical = ids.length === a.models.length && ids.every((id, i) => low(id) === a.models[i]);
  let total = 0;
  if (canonical) {
    for (const w of bps) if (w > BPS) return "WeightTooLarge";
    total = sum(bps);
  } else {
    const seen = new Set<number>();
    for (let i = 0; i < ids.length; i++) {
      const owner = m.owners[low(ids[i]!)];
      if (owner === undefined) return "UnknownModel";
      if (owner !== a.addr) return "ModelNotOwned";
      const slot = a.models.indexOf(low(ids[i]!));
      if (seen.has(slot)) return "DuplicateModel";
      seen.add(slot);
      if (bps[i]! > BPS) return "WeightTooLarge";
      total += bps[i]!;
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

/** Stores an accepted vector for the next round (a second one in the same round replaces it). */
export function storeVector(m: Mirror, account: string, ids: string[], bps: number[]): MVector {
  const a = acct(m, account);
  const weights = a.models.map(() => 0);
  ids.forEach((id, i) => (weights[a.models.indexOf(low(id))] = bps[i]!));
  const effective = m.current + 1;
  const last = a.vectors[a.vectors.length - 1];
  if (last && last.round === effective) last.w = weights;
  else a.vectors.push({ round: effective, w: weights });
  return { round: effective, w: weights };
}

/** Whether `round` can be settled at `ts`: published, or past its deadline unpublished (then it counts as zero). */
export function settleable(m: Mirror, round: number, ts: number): boolean {
  const rd = m.rounds[round];
  return rd !== undefined && (rd.root !== null || ts > rd.deadline);
}

/** Whether settling `round` for `a` verifies rates (published, stake at risk, a vector in force). */
export function needsProof(m: Mirror, a: MAccount, round: number): boolean {
  const rd = m.rounds[round];
  return (
    rd !== undefined && rd.root !== null && stakeAt(a, round) / BigInt(rd.divisor) !== 0n && vectorAt(a, round) !== null
  );
}

/**
 * Simulates settle/settleBatch on a copy of the mirror; returns the error the contract must raise, or the Settled
 * events it must emit and the state to adopt.
 */
export function simulateSettle(
  m: Mirror,
  w: World,
  entries: AccountResultsArg[],
  ts: number,
):
  | { error: string }
  | {
      events: SettledEvent[];
      claims: ClaimedRewards[];
      accounts: Record<string, MAccount>;
      pool: bigint;
      owedTotal: bigint;
      owedReserve: bigint;
      burned: bigint;
    } {
  const work: Record<string, MAccount> = {};
  let pool = m.pool;
  let owedTotal = m.owedTotal;
  let owedReserve = m.owedReserve;
  let burnedTotal = 0n;
  const events: SettledEvent[] = [];
  const claims: ClaimedRewards[] = [];
  for (const entry of entries) {
    const addr = low(entry.account);
    const a = (work[addr] ??= structuredClone(m.accounts[addr] ?? emptyAccount(w, addr)));
    if (a.nextSettleRound === 0) return { error: "AccountNotStaking" };
    let next = a.nextSettleRound;
    let modelsChecked = false;
    const balanceBefore = a.balance;
    // Idempotent settlement: the leading results for rounds already settled are skipped.
    let k = 0;
    while (k < entry.results.length && Number(entry.results[k]!.round) < next) k++;
    if (k === entry.results.length) continue;
    // Owed rewards refills paid since the account's last update are credited first.
    const owedLeft = owedNow(m, a);
    const owedPaid = a.unpaid - owedLeft;
    if (owedPaid !== 0n) {
      owedReserve -= owedPaid;
      a.unpaid = owedLeft;
      owedSnapshot(m, a);
    }
    let balance = a.balance + owedPaid;
    let pending = a.pending;
    let unpaid = a.unpaid;
    let newlyOwed = 0n;
    let paidSum = owedPaid;
    let burnedBal = 0n;
    let burnedPend = 0n;
    if (owedPaid !== 0n) claims.push({ account: addr, amount: owedPaid, unpaidRewards: unpaid, balance });
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
      // The round's slice, limited to what earlier losses left (stake, plus the pending withdrawal if at risk).
      const available = balance + (round <= a.withdrawalLastRound ? pending : 0n);
      const slice = stakeAt(a, round) / BigInt(rd.divisor);
      const stake = slice < available ? slice : available;
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
          const slot = res.slots[i]!;
          if (slot >= entry.models.length) return { error: "InvalidModelSlot" };
          if (seen.has(slot)) return { error: "DuplicateModelResult" };
          seen.add(slot);
          const published = res.rates[i]!;
          if (rd.rates?.[a.models[slot]!] !== published) leavesInTree = false;
          // A published rate beyond the round's cap is applied at the cap.
          const rate = published > rd.cap ? rd.cap : published < -rd.cap ? -rd.cap : published;
          rates[slot] = rate;
          const modelStake = (stake * BigInt(weights[slot]!)) / BigInt(BPS);
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
      // A gain from the pool as far as it goes; the rest is owed (paid pro rata by later refills).
      let paid = 0n;
      if (delta > 0n) {
        paid = delta < pool ? delta : pool;
        pool -= paid;
        unpaid += delta - paid;
        newlyOwed += delta - paid;
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
    if (newlyOwed !== 0n) {
      a.unpaid = unpaid;
      owedSnapshot(m, a);
      owedTotal += newlyOwed;
    }
    a.totalRewarded += paidSum;
    a.totalBurned += burnedBal + burnedPend;
    burnedTotal += burnedBal + burnedPend;
  }
  return { events, claims, accounts: work, pool, owedTotal, owedReserve, burned: burnedTotal };
}

// ─────────────────────────────────────────── Building the mirror ───────────────────────────────────────────

export function newAccount(addr: string, label: string, models: string[]): MAccount {
  return {
    addr,
    label,
    models,
    balance: 0n,
    pending: 0n,
    unpaid: 0n,
    owedFactor: 0n,
    owedEpoch: 0,
    owedScale: 0,
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
  const [staked, pending, pool, owed, reserve] = await stake.totals();
  if (staked !== 0n || pending !== 0n || pool !== 0n || owed !== 0n || reserve !== 0n)
    throw new Error("initialMirror expects an empty system");
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
      sliceDivisor: Number(p.sliceDivisor),
    },
    pool: 0n,
    owedTotal: 0n,
    owedReserve: 0n,
    owedFactor: OWED_FACTOR_ONE,
    owedEpoch: 0,
    owedScale: 0,
    oldestOpenRound: 0,
    openExposure: 0n,
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
  m.oldestOpenRound = m.firstRound;
  for (const h of w.holders) m.wallets[h] = await w.nmr.balanceOf(h);
  for (const addr of w.actors) {
    const models = (await stake.modelsOf(addr)).map(low);
    m.accounts[addr] = newAccount(addr, short(addr, w), models);
    for (const id of models) m.owners[id] = addr;
  }
  return m;
}

// ─────────────────────────────────────────── Span settlement ───────────────────────────────────────────

export interface SpanBoundaryArg {
  round: number;
  slots: number[];
  cumulatives: bigint[];
  proof: string[];
  proofFlags: boolean[];
}

export interface SpanResultsArg {
  account: string;
  models: string[];
  boundaries: SpanBoundaryArg[];
}

export interface SpanSettledEvent {
  account: string;
  fromRound: number;
  toRound: number;
  stakeAtRisk: bigint;
  rateSums: bigint[];
  delta: bigint;
  paid: bigint;
  burned: bigint;
  unpaidRewards: bigint;
  balance: bigint;
}

/**
 * Simulates settleSpans on a copy of the mirror, in the contract's order of checks (IPortfolioStake.settleSpans):
 * per entry the account, the boundary count, overtaken (skipped) or out of order, the model list; per segment the
 * boundary order, publication run (a), stake checkpoint (b), vector (c), balance (d), then the first boundary's and
 * the end boundary's slots and proofs (e: a proof holds when every cumulative is the mirror's for that round and
 * model), then per weighted slot its presence at both ends and its bound (f). Returns the error the contract must
 * raise, or the SpanSettled events and the new state (exact: each model's term is truncated toward zero).
 */
export function simulateSpans(
  m: Mirror,
  w: World,
  entries: SpanResultsArg[],
):
  | { error: string }
  | {
      events: SpanSettledEvent[];
      claims: ClaimedRewards[];
      accounts: Record<string, MAccount>;
      pool: bigint;
      owedTotal: bigint;
      owedReserve: bigint;
      burned: bigint;
    } {
  const size = entries.reduce((s, e) => s + e.boundaries.length, 0);
  if (size > 256) return { error: "BatchTooLarge" };
  const work: Record<string, MAccount> = {};
  let pool = m.pool;
  let owedTotal = m.owedTotal;
  let owedReserve = m.owedReserve;
  let burnedTotal = 0n;
  const events: SpanSettledEvent[] = [];
  const claims: ClaimedRewards[] = [];
  for (const entry of entries) {
    const addr = low(entry.account);
    const a = (work[addr] ??= structuredClone(m.accounts[addr] ?? emptyAccount(w, addr)));
    if (a.nextSettleRound === 0) return { error: "AccountNotStaking" };
    if (entry.boundaries.length < 2) return { error: "SpanTooShort" };
    const first = entry.boundaries[0]!.round;
    if (a.nextSettleRound - 1 > first) continue;
    if (a.nextSettleRound - 1 < first) return { error: "RoundOutOfOrder" };
    const same = entry.models.length === a.models.length && entry.models.every((id, i) => low(id) === a.models[i]);
    if (!same) return { error: "ModelListMismatch" };
    const owedLeft = owedNow(m, a);
    const owedPaid = a.unpaid - owedLeft;
    if (owedPaid !== 0n) {
      owedReserve -= owedPaid;
      a.unpaid = owedLeft;
      owedSnapshot(m, a);
    }
    const balanceBefore = a.balance;
    let balance = a.balance + owedPaid;
    let unpaid = a.unpaid;
    let newlyOwed = 0n;
    let paidSum = owedPaid;
    let burnedSum = 0n;
    if (owedPaid !== 0n) claims.push({ account: addr, amount: owedPaid, unpaidRewards: unpaid, balance });
    /** A boundary's proven cumulatives by slot, or the error its check raises. */
    const prove = (b: SpanBoundaryArg): Map<number, bigint> | string => {
      if (b.slots.length !== b.cumulatives.length) return "LengthMismatch";
      const proven = new Map<number, bigint>();
      let holds = b.slots.length > 0;
      for (let i = 0; i < b.slots.length; i++) {
        const slot = b.slots[i]!;
        if (slot >= entry.models.length || a.models[slot] === ZERO_MODEL) return "InvalidModelSlot";
        if (proven.has(slot)) return "DuplicateModelResult";
        proven.set(slot, b.cumulatives[i]!);
        if (m.rounds[b.round]?.cumulatives?.[a.models[slot]!] !== b.cumulatives[i]) holds = false;
      }
      return holds ? proven : "InvalidProof";
    };
    let start: Map<number, bigint> | undefined;
    let last = first;
    for (let i = 1; i < entry.boundaries.length; i++) {
      const x = last + 1;
      const y = entry.boundaries[i]!.round;
      if (y < x) return { error: "RoundOutOfOrder" };
      const n = y - x + 1;
      const rd = m.rounds[y];
      if ((rd?.publishedRun ?? 0) < n + 1) return { error: "SpanNotPublished" };
      let key = 0;
      let stake = 0n;
      for (const c of a.stakeCps) if (c.round <= y) ({ round: key, value: stake } = c);
      if (key > x) return { error: "SpanStakeChanged" };
      const weights = vectorAt(a, x);
      if (weights === null || a.vectors.some((v) => v.round > x && v.round <= y)) return { error: "SpanVectorChanged" };
      const slice = stake / BigInt(rd!.divisor);
      const cap = rd!.cap;
      const needed = slice + (BigInt(n) * slice * cap + RATE_SCALE - 1n) / RATE_SCALE;
      if (balance < needed) return { error: "SpanTooRisky" };
      if (start === undefined) {
        const p = prove(entry.boundaries[0]!);
        if (typeof p === "string") return { error: p };
        start = p;
      }
      const end = prove(entry.boundaries[i]!);
      if (typeof end === "string") return { error: end };
      const rateSums = a.models.map(() => 0n);
      let delta = 0n;
      for (let slot = 0; slot < a.models.length; slot++) {
        const wt = BigInt(weights[slot] ?? 0);
        if (wt === 0n) continue;
        if (!start.has(slot) || !end.has(slot)) return { error: "MissingModelResult" };
        const sum = end.get(slot)! - start.get(slot)!;
        const bound = BigInt(n) * cap;
        if (sum > bound || sum < -bound) return { error: "SpanResultOutOfBounds" };
        rateSums[slot] = sum;
        delta += (((slice * wt) / BigInt(BPS)) * sum) / RATE_SCALE;
      }
      let paid = 0n;
      let burned = 0n;
      if (delta < 0n) {
        burned = -delta; // (d) keeps it within the balance
        balance -= burned;
        burnedSum += burned;
      } else if (delta > 0n) {
        paid = delta < pool ? delta : pool;
        pool -= paid;
        unpaid += delta - paid;
        newlyOwed += delta - paid;
        balance += paid;
        paidSum += paid;
      }
      events.push({
        account: addr,
        fromRound: x,
        toRound: y,
        stakeAtRisk: slice,
        rateSums,
        delta,
        paid,
        burned,
        unpaidRewards: unpaid,
        balance,
      });
      start = end;
      last = y;
    }
    a.nextSettleRound = last + 1;
    if (balance !== balanceBefore) setCheckpoint(a, m.current + 1, balance);
    a.balance = balance;
    if (newlyOwed !== 0n) {
      a.unpaid = unpaid;
      owedSnapshot(m, a);
      owedTotal += newlyOwed;
    }
    a.totalRewarded += paidSum;
    a.totalBurned += burnedSum;
    burnedTotal += burnedSum;
  }
  return { events, claims, accounts: work, pool, owedTotal, owedReserve, burned: burnedTotal };
}

/**
 * The ends y of segments from boundary `at` (x = at + 1) that settleSpans accepts for account `a` with `balance`,
 * by the mirror: both boundaries' trees built, (a) published run, (b) no stake checkpoint in x+1..y, (c) a vector at x
 * and none in x+1..y, (d) the balance bound, and (f) every weighted model present at both ends and within n x cap.
 * Used by the generator to pick spans the contract will accept (the outcome is still predicted by simulateSpans).
 */
export function acceptedSpanEnds(m: Mirror, a: MAccount, at: number, balance: bigint): number[] {
  const out: number[] = [];
  const startRd = m.rounds[at];
  if (!startRd?.root || !trees.has(startRd.root) || !startRd.cumulatives) return out;
  const x = at + 1;
  const weights = vectorAt(a, x);
  if (weights === null) return out;
  for (let y = x; y <= m.current; y++) {
    const n = y - x + 1;
    const rd = m.rounds[y];
    if (a.vectors.some((v) => v.round > x && v.round <= y)) break;
    if (a.stakeCps.some((c) => c.round > x && c.round <= y)) break;
    if (!rd?.root || !trees.has(rd.root) || !rd.cumulatives) continue;
    if (rd.publishedRun < n + 1) continue;
    let stake = 0n;
    for (const c of a.stakeCps) if (c.round <= y) stake = c.value;
    const slice = stake / BigInt(rd.divisor);
    if (balance < slice + (BigInt(n) * slice * rd.cap + RATE_SCALE - 1n) / RATE_SCALE) continue;
    const fits = a.models.every((id, slot) => {
      if ((weights[slot] ?? 0) === 0) return true;
      const s = startRd.cumulatives![id];
      const e = rd.cumulatives![id];
      if (s === undefined || e === undefined) return false;
      const bound = BigInt(n) * rd.cap;
      return e - s <= bound && s - e <= bound;
    });
    if (fits) out.push(y);
  }
  return out;
}
