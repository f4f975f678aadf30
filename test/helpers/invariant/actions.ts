/**
 * The runs of the invariant fuzz: `InvariantRun` drives PortfolioStake with one random action at a time (seeded PRNG,
 * inputs from ./inputs.ts), each sent as a raw transaction mined at a chosen timestamp, predicts its outcome with the
 * mirror rules (./mirror.ts), applies it to the mirror, and checks every invariant after it (./checks.ts). A revert is
 * an outcome like any other: it must be the error the mirror names, and change nothing.
 */
import { ethers } from "ethers";
import { accountSpanBoundary, buildRoundTree } from "@portfolio-stake/core/results";
import type { TypedContractEvent, TypedLogDescription } from "../../../typechain-types/common";
import { signSetAllocation } from "../eip712";
import { typedEvent } from "../events";
import type { Prng } from "@portfolio-stake/core/prng";
import type { ChainState } from "./reader";
import { checkInvariants, checkPendingAtRisk, checkRoundInfo } from "./checks";
import { amount as randomAmount, invalidVector, rateFor, settleEntry, unknownModel, validVector } from "./inputs";
import {
  BOUNDS,
  DAY,
  HOUR,
  InvariantError,
  MAX_MODELS,
  NMR,
  RATE_CAP_BOUNDS,
  SLICE_DIVISOR_BOUNDS,
  VECTOR_HISTORY,
  WINDOW,
  ZERO,
  ZERO_MODEL,
  acceptedSpanEnds,
  acct,
  admitRound,
  exposureError,
  fmt,
  fundOwed,
  owedNow,
  owedSnapshot,
  low,
  setCheckpoint,
  settleable,
  short,
  simulateSettle,
  simulateSpans,
  storeVector,
  trees,
  vectorAt,
  vectorError,
  vectorPruned,
  type AccountResultsArg,
  type ActionRecord,
  type ClaimedRewards,
  type MAccount,
  type Mirror,
  type SettledEvent,
  type Stats,
  type TxOutcome,
  type World,
  type SpanBoundaryArg,
  type SpanResultsArg,
  type SpanSettledEvent,
} from "./mirror";

const PARAM_NAMES = [
  "withdrawalDelay",
  "minRoundInterval",
  "resolutionDelay",
  "publishWindow",
  "rateCap",
  "proofGracePeriod",
  "sliceDivisor",
] as const;
type ParamName = (typeof PARAM_NAMES)[number];

/** The actions `step` picks from: the methods of InvariantRun callable without arguments that return an ActionRecord. */
type ActionName = {
  [K in keyof InvariantRun]: InvariantRun[K] extends () => Promise<ActionRecord> ? K : never;
}[keyof InvariantRun];

export class InvariantRun {
  /** Human-readable actions of the sequence so far (printed on failure). */
  readonly log: string[] = [];
  /** The previous chain read (staker accounts); the checks compare the next read with it. */
  prev: ChainState | undefined;
  /** The current round when the sequence began. */
  seqStartRound: number;
  /** Invariant checks made by this run (see CheckedRun.checks). */
  checks = 0;
  private warpTo = 0;
  private lastError = "";
  /** Latest nonce read per account (nonces are read only after signed reallocations and at sequence ends). */
  readonly nonces = new Map<string, bigint>();
  private readonly stakeIface: ethers.Interface;
  private readonly tokenIface: ethers.Interface;

  constructor(
    readonly w: World,
    readonly m: Mirror,
    readonly rng: Prng,
    readonly stats: Stats,
  ) {
    this.seqStartRound = m.current;
    this.stakeIface = w.stake.interface;
    this.tokenIface = w.nmr.interface;
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
    // Owed rewards are steered towards being paid and claimed: with an account whose owed rewards a refill has paid
    // (something claimable), claimRewards is likely; with rewards owed and nothing claimable yet, a refill is.
    const claimable = this.w.stakers.some((x) => {
      const acc = this.m.accounts[x];
      return acc !== undefined && acc.unpaid > owedNow(this.m, acc);
    });
    const owing = this.m.owedTotal > 0n;
    // settleSpans is likely while some staker has a span the contract accepts (by the mirror), so that it is not
    // exercised only by its refusals.
    const spanReady = this.w.stakers.some((x) => {
      const acc = this.m.accounts[x];
      return (
        acc !== undefined &&
        acc.nextSettleRound > this.m.firstRound &&
        acceptedSpanEnds(this.m, acc, acc.nextSettleRound - 1, acc.balance).length > 0
      );
    });
    const kinds: [ActionName, number][] = setup
      ? [
          ["deposit", 30],
          ["setAllocation", 25],
          ["fundRewards", 4],
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
          ["settleSpans", spanReady ? 60 : 4],
          ["fundRewards", owing && !claimable ? 15 : 5],
          ["claimRewards", claimable ? 25 : 3],
          ["pauseToggle", 2],
          ["setParameter", 3],
          ["proposeModels", 2],
          ["acceptModels", 2],
          ["invalidateNonces", 1],
          ["donate", 1],
        ];
    if (!setup && this.rng.bool(0.06)) this.warp();
    const kind = this.rng.weighted(kinds);
    const rec = await this[kind]();
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
    return acct(this.m, address);
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

  /** The contract's `event` logs of transaction `hash`, decoded (e.g. `this.w.stake.filters.Settled`). */
  private async logsOf<E extends TypedContractEvent>(hash: string, event: E): Promise<TypedLogDescription<E>[]> {
    const receipt = (await this.rpc("eth_getTransactionReceipt", [hash])) as {
      logs: { address: string; topics: string[]; data: string }[];
    };
    const out: TypedLogDescription<E>[] = [];
    for (const log of receipt.logs) {
      if (low(log.address) !== this.w.stakeAddress) continue;
      const parsed = typedEvent(this.stakeIface.parseLog(log), event);
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

  // ─────────────────────────────────────────── Actions ───────────────────────────────────────────

  async deposit(staker?: string, fixedAmount?: bigint): Promise<ActionRecord> {
    const r = this.rng;
    const who = staker ?? r.pick(this.w.stakers);
    const a = this.acct(who);
    const wallet = this.m.wallets[who]!;
    const amount =
      fixedAmount ??
      r.weighted<() => bigint>([
        [() => 0n, 3],
        [() => randomAmount(r, wallet), 94],
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
      this.m.wallets[who]! -= amount;
      this.m.wallets[this.w.stakeAddress]! += amount;
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
      const stored = storeVector(this.m, account, ids, bps);
      const events = await this.logsOf(out.hash!, this.w.stake.filters.AllocationSet);
      if (events.length !== 1) this.fail(`${kind}: ${events.length} AllocationSet events`);
      const e = events[0]!;
      const weights = e.args.weights.map(Number);
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
    const { ids, bps } = validVector(this.rng, this.acct(who));
    const ts = this.nextTs();
    const predicted = vectorError(this.m, who, ids, bps);
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
    const { ids, bps, defect } = invalidVector(r, this.m, a);
    const viaFor = r.bool(0.3);
    const caller = viaFor && a.manager !== ZERO && r.bool() ? a.manager : account;
    const ts = this.nextTs();
    const predicted = vectorError(this.m, account, ids, bps);
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
    const { ids, bps } = r.bool(0.85) ? validVector(r, a) : invalidVector(r, this.m, a);
    const ts = this.nextTs();
    const predicted =
      caller !== account && caller !== a.manager ? "NotStakerOrManager" : vectorError(this.m, account, ids, bps);
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
    const { ids, bps } = r.bool(0.85) ? validVector(r, a) : invalidVector(r, this.m, a);
    const caller = r.pick(this.w.actors);
    const ts = this.nextTs();
    const deadline = r.bool(0.9) ? ts + r.int(0, 3 * DAY) : ts - r.int(1, 100);
    const signature = await signSetAllocation(this.w.signers[signerAddr]!, this.w.domain, {
      account,
      modelIds: ids,
      bps,
      nonce,
      deadline,
    });
    let predicted: string | null;
    if (ts > deadline) predicted = "SignatureExpired";
    else if (nonce !== a.nonce) predicted = "InvalidNonce";
    else if (signerAddr !== account && (a.manager === ZERO || signerAddr !== a.manager)) predicted = "InvalidSignature";
    else predicted = vectorError(this.m, account, ids, bps);
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
    const funded = this.w.stakers.filter((s) => this.m.accounts[s]!.balance > 0n);
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
      const events = await this.logsOf(out.hash!, this.w.stake.filters.WithdrawalClaimed);
      if (events.length !== 1 || low(events[0]!.args.staker) !== low(who) || events[0]!.args.amount !== amount) {
        this.fail(
          `claimWithdrawal: WithdrawalClaimed events ${events.map((e) => e.args.toString())}, expected ${amount}`,
        );
      }
      this.m.wallets[who]! += amount;
      this.m.wallets[this.w.stakeAddress]! -= amount;
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
    const pending = this.w.stakers.filter((s) => this.m.accounts[s]!.pending > 0n);
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
        const { entry, desc } = settleEntry(this.rng, this.m, this.w, who, a.nextSettleRound, count, ts, true);
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
      onTime || r.bool(0.95) ? this.w.operator : r.pick([this.w.admin, this.w.outsider, this.w.stakers[0]!]);
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
      // The cap the exposure rule admits (lowered when rounds opened under earlier parameters leave less room).
      const cap = admitRound(m, ts);
      const round = ++m.current;
      m.lastOpenedAt = ts;
      const resolvesAt = ts + m.params.resolutionDelay;
      const deadline = resolvesAt + m.params.publishWindow;
      if (cap < m.params.rateCap) this.stats.capsLowered++;
      m.rounds[round] = {
        openedAt: ts,
        resolvesAt,
        deadline,
        proofDeadline: deadline + m.params.proofGracePeriod,
        cap,
        divisor: m.params.sliceDivisor,
        root: null,
        rates: null,
        cumulatives: null,
        publishedRun: 0,
        snaps: {},
      };
      await checkRoundInfo(this.w, this.m, round);
    }
    return this.record("openRound", caller, out.ok, true);
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

  /** A random publication, or (scripted prefixes) `fixed`: the operator publishes that round with that rate pattern. */
  async publishRound(fixed?: { round: number; pattern: string }): Promise<ActionRecord> {
    const r = this.rng;
    const m = this.m;
    const caller = fixed || r.bool(0.95) ? this.w.operator : r.pick([this.w.admin, this.w.keeper]);
    const opened = Object.keys(m.rounds).map(Number);
    const unpublished = opened.filter((n) => m.rounds[n]!.root === null && m.rounds[n]!.deadline > m.now);
    let round: number;
    let zeroRoot = false;
    const variant = r.weighted<string>([
      ["valid", 75],
      ["unknown", 4],
      ["zeroRoot", 4],
      ["published", 6],
      ["any", 11],
    ]);
    if (fixed) {
      round = fixed.round;
      const rd = m.rounds[round]!;
      this.warpTo = Math.max(this.warpTo, m.now + 1, rd.resolvesAt);
    } else if (variant === "valid" && unpublished.length) {
      // Mostly the oldest one, so that rounds are published in order and their published runs grow (settleSpans
      // needs a run covering its segment); sometimes any, out of order.
      round = r.bool(0.7) ? Math.min(...unpublished) : r.pick(unpublished);
      const rd = m.rounds[round]!;
      const lo = Math.max(m.now + 1, rd.resolvesAt);
      this.warpTo = Math.max(this.warpTo, r.bool(0.8) ? lo : r.int(lo, rd.deadline));
    } else if (variant === "unknown") {
      round = r.bool() ? m.current + 1 : m.firstRound - 1;
    } else if (variant === "published" && opened.some((n) => m.rounds[n]!.root !== null)) {
      round = r.pick(opened.filter((n) => m.rounds[n]!.root !== null));
    } else {
      round = opened.length ? r.pick(opened) : m.current + 1;
      zeroRoot = variant === "zeroRoot";
    }
    const rd = m.rounds[round];
    const cap = rd?.cap ?? m.params.rateCap;
    const pattern =
      fixed?.pattern ??
      r.weighted<string>([
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
    const omitted = !fixed && r.bool(0.03) ? r.pick(models) : undefined;
    const rates: Record<string, bigint> = {};
    for (const id of models) if (id !== omitted) rates[id] = rateFor(r, cap, pattern);
    // Cumulatives continue the latest round published before this one (a round never opened gets none: refused).
    let previous: Record<string, bigint> | null = null;
    for (let k = round - 1; k >= m.firstRound && previous === null; k--) previous = m.rounds[k]?.cumulatives ?? null;
    const cumulatives: Record<string, bigint> = {};
    for (const [id, rate] of Object.entries(rates)) {
      cumulatives[id] = (previous?.[id] ?? 0n) + (rate > cap ? cap : rate < -cap ? -cap : rate);
    }
    const tree = buildRoundTree(
      round,
      Object.entries(rates).map(([modelId, rate]) => ({ modelId, rate, cumulative: cumulatives[modelId]! })),
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
      rd!.root = root;
      rd!.rates = rates;
      rd!.cumulatives = cumulatives;
      const before = m.rounds[round - 1];
      rd!.publishedRun =
        before && before.root !== null && before.cap === rd!.cap && before.divisor === rd!.divisor
          ? Math.min(before.publishedRun + 1, 65_535)
          : 1;
      await checkRoundInfo(this.w, this.m, round);
    }
    return this.record("publishRound", caller, out.ok, true);
  }

  /** Number of consecutive rounds from `start` that are settleable at `ts`. */
  private available(start: number, ts: number): number {
    let n = 0;
    while (start + n <= this.m.current && settleable(this.m, start + n, ts)) n++;
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
    const sim = simulateSettle(this.m, this.w, entries, ts);
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
      const logs = await this.logsOf(out.hash!, this.w.stake.filters.Settled);
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
      if (got.length !== sim.events.length || got.some((e, i) => show(e) !== show(sim.events[i]!))) {
        this.fail(
          `${kind}: Settled events differ from the mirror\n  got:\n    ${got.map(show).join("\n    ")}\n  expected:\n    ` +
            sim.events.map(show).join("\n    "),
        );
      }
      const claimed = (await this.logsOf(out.hash!, this.w.stake.filters.RewardsClaimed)).map(
        (e): ClaimedRewards => ({
          account: low(e.args.staker),
          amount: e.args.amount,
          unpaidRewards: e.args.unpaidRewards,
          balance: e.args.balance,
        }),
      );
      const showClaim = (c: ClaimedRewards) =>
        `${this.name(c.account)} ${c.amount} unpaid=${c.unpaidRewards} balance=${c.balance}`;
      if (claimed.map(showClaim).join("; ") !== sim.claims.map(showClaim).join("; ")) {
        this.fail(
          `${kind}: RewardsClaimed events [${claimed.map(showClaim).join("; ")}], mirror [${sim.claims.map(showClaim).join("; ")}]`,
        );
      }
      rec.rewardsClaimed = claimed;
      for (const [addr, acct] of Object.entries(sim.accounts)) {
        this.m.accounts[addr] = acct;
        checkPendingAtRisk(acct);
      }
      this.m.pool = sim.pool;
      this.m.owedTotal = sim.owedTotal;
      this.m.owedReserve = sim.owedReserve;
      this.m.burned += sim.burned;
      this.m.wallets[this.w.stakeAddress]! -= sim.burned;
      rec.settled = got;
      this.stats.settledRounds += got.length;
      this.stats.gainsShort += got.filter((e) => e.delta > 0n && e.paid < e.delta).length;
      this.stats.gains += got.filter((e) => e.delta > 0n).length;
    }
    return rec;
  }

  /** Timestamp for a settlement: now and then exactly at, or just past, the deadline of an unpublished round. */
  private settleTimestamp(): number {
    const r = this.rng;
    const m = this.m;
    if (r.bool(0.35)) {
      const deadlines = this.w.stakers
        .map((s) => m.rounds[m.accounts[s]!.nextSettleRound])
        .filter((rd) => rd !== undefined && rd.root === null && rd.deadline >= m.now + 1)
        .map((rd) => rd!.deadline + (r.bool(0.8) ? 1 : 0));
      if (deadlines.length) this.warpTo = Math.max(this.warpTo, r.pick(deadlines));
    }
    return this.nextTs();
  }

  /** Mostly a staker with rounds to settle; sometimes any staker, rarely an account that never staked. */
  private settleAccount(ts: number, exclude: Record<string, number> = {}): string {
    const r = this.rng;
    const m = this.m;
    const staking = this.w.stakers.filter((s) => m.accounts[s]!.nextSettleRound !== 0);
    const ready = staking.filter((s) => this.available(exclude[s] ?? m.accounts[s]!.nextSettleRound, ts) > 0);
    if (ready.length && r.bool(0.8)) return r.pick(ready);
    if (staking.length && r.bool(0.9)) return r.pick(staking);
    return r.pick(this.w.actors);
  }

  async settle(): Promise<ActionRecord> {
    const r = this.rng;
    const m = this.m;
    const ts = this.settleTimestamp();
    const account = this.settleAccount(ts);
    const a = m.accounts[low(account)]!;
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
    const { entry, desc } = settleEntry(r, this.m, this.w, account, start, count, ts);
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
      const { entry, desc } = settleEntry(r, this.m, this.w, account, start, count, ts);
      next[account] = start + count;
      entries.push(entry);
      descs.push(desc);
    }
    return this.settleTx(entries, descs, this.w.keeper, ts);
  }

  /**
   * One account's span from its next round: one to three segments ending at published rounds (mostly valid ones,
   * sometimes crossing a change, an unpublished round or the balance bound, or a tampered boundary); sometimes an
   * overtaken entry, or another account's entry in the same batch. The mirror predicts the outcome exactly
   * (simulateSpans).
   */
  async settleSpans(): Promise<ActionRecord> {
    const r = this.rng;
    const m = this.m;
    const ts = this.nextTs();
    const staking = this.w.stakers.filter((s) => m.accounts[s]!.nextSettleRound > m.firstRound);
    if (!staking.length) return this.record("settleSpans", this.w.keeper, false);
    const entries: SpanResultsArg[] = [];
    const descs: string[] = [];
    // Accounts with a segment the contract accepts from their next round (by the mirror) are picked mostly.
    const ready = staking.filter((s) => {
      const a = m.accounts[s]!;
      return acceptedSpanEnds(m, a, a.nextSettleRound - 1, a.balance).length > 0;
    });
    for (let e = r.bool(0.2) ? 2 : 1; e > 0; e--) {
      const account = ready.length && r.bool(0.85) ? r.pick(ready) : r.pick(staking);
      const a = m.accounts[low(account)]!;
      let from = a.nextSettleRound - 1;
      if (r.bool(0.05) && from > m.firstRound) from -= 1; // overtaken: skipped
      const ends: number[] = [];
      let at = from;
      for (let k = r.int(1, 3); k > 0 && at < m.current; k--) {
        // Mostly an end the contract accepts (the mirror's published run, stake, vector, balance and bounds); else
        // a round whose published run covers at..y (which may cross a change or the balance bound), or any opened
        // round.
        const accepted = acceptedSpanEnds(m, a, at, a.balance);
        const covered: number[] = [];
        for (let y = at + 1; y <= m.current; y++) if ((m.rounds[y]?.publishedRun ?? 0) >= y - at + 1) covered.push(y);
        const y =
          accepted.length && r.bool(0.85)
            ? r.pick(accepted)
            : covered.length && r.bool(0.7)
              ? r.pick(covered)
              : Math.min(m.current, at + r.int(1, 8));
        ends.push(y);
        at = y;
      }
      if (!ends.length) continue;
      const boundaries: SpanBoundaryArg[] = [];
      let unbuildable = false;
      for (const [i, round] of [from, ...ends].entries()) {
        const rd = m.rounds[round];
        const tree = rd?.root ? trees.get(rd.root) : undefined;
        // The weighted models of the segments the boundary bounds (all models, sometimes).
        const sides = [i > 0 ? round : undefined, i < ends.length ? round + 1 : undefined];
        const weighted = a.models.map((_, slot) =>
          sides.some((x) => x !== undefined && (vectorAt(a, x)?.[slot] ?? 0) > 0) ? 1 : 0,
        );
        if (!tree) {
          unbuildable = true;
          break;
        }
        // A model the operator omitted from the tree has no leaf: its slot is left out (MissingModelResult if weighted).
        const registry = a.models.map((id) => (m.rounds[round]!.cumulatives?.[id] === undefined ? ZERO_MODEL : id));
        const b = accountSpanBoundary(round, tree, registry, r.bool(0.5) ? weighted : undefined);
        if (b.slots.length === 0) {
          unbuildable = true;
          break;
        }
        boundaries.push({ ...b, round: Number(b.round) });
      }
      if (unbuildable) continue;
      let desc = `${short(account, this.w)} [${[from, ...ends].join(",")}]`;
      if (r.bool(0.05)) {
        const b = boundaries[boundaries.length - 1]!;
        b.cumulatives = b.cumulatives.map((c, i) => (i === 0 ? c + 1n : c));
        desc += " tampered";
      }
      entries.push({ account, models: [...a.models], boundaries });
      descs.push(desc);
    }
    if (!entries.length) return this.record("settleSpans", this.w.keeper, false);
    const sim = simulateSpans(m, this.w, entries);
    const predicted = "error" in sim ? sim.error : null;
    const out = await this.send(this.w.keeper, this.w.stakeAddress, this.encode("settleSpans", [entries]), ts);
    this.note(`keeper settleSpans [${descs.join("; ")}] -> ${out.ok ? "ok" : out.error}`);
    this.expectOutcome("settleSpans", predicted, out);
    const rec = this.record(
      "settleSpans",
      this.w.keeper,
      out.ok,
      false,
      entries.map((e) => e.account),
    );
    if (out.ok && !("error" in sim)) {
      const got: SpanSettledEvent[] = (await this.logsOf(out.hash!, this.w.stake.filters.SpanSettled)).map((e) => ({
        account: low(e.args.staker),
        fromRound: Number(e.args.fromRound),
        toRound: Number(e.args.toRound),
        stakeAtRisk: e.args.stakeAtRisk,
        rateSums: [...e.args.rateSums].map((x: bigint) => BigInt(x)),
        delta: e.args.delta,
        paid: e.args.paid,
        burned: e.args.burned,
        unpaidRewards: e.args.unpaidRewards,
        balance: e.args.balance,
      }));
      const show = (e: SpanSettledEvent) =>
        `${this.name(e.account)} ${e.fromRound}..${e.toRound} stake=${e.stakeAtRisk} sums=[${e.rateSums}] ` +
        `delta=${e.delta} paid=${e.paid} burned=${e.burned} unpaid=${e.unpaidRewards} balance=${e.balance}`;
      if (got.map(show).join("\n") !== sim.events.map(show).join("\n")) {
        this.fail(
          `settleSpans: SpanSettled events differ from the mirror\n  got:\n    ${got.map(show).join("\n    ")}\n` +
            `  expected:\n    ${sim.events.map(show).join("\n    ")}`,
        );
      }
      const claimed = (await this.logsOf(out.hash!, this.w.stake.filters.RewardsClaimed)).map(
        (e): ClaimedRewards => ({
          account: low(e.args.staker),
          amount: e.args.amount,
          unpaidRewards: e.args.unpaidRewards,
          balance: e.args.balance,
        }),
      );
      const showClaim = (c: ClaimedRewards) =>
        `${this.name(c.account)} ${c.amount} unpaid=${c.unpaidRewards} balance=${c.balance}`;
      if (claimed.map(showClaim).join("; ") !== sim.claims.map(showClaim).join("; "))
        this.fail(`settleSpans: RewardsClaimed events [${claimed.map(showClaim).join("; ")}] differ from the mirror`);
      rec.rewardsClaimed = claimed;
      rec.spanSettled = got;
      for (const [addr, acct] of Object.entries(sim.accounts)) {
        this.m.accounts[addr] = acct;
        checkPendingAtRisk(acct);
      }
      this.m.pool = sim.pool;
      this.m.owedTotal = sim.owedTotal;
      this.m.owedReserve = sim.owedReserve;
      this.m.burned += sim.burned;
      this.m.wallets[this.w.stakeAddress]! -= sim.burned;
      this.stats.settledRounds += got.reduce((n, e) => n + e.toRound - e.fromRound + 1, 0);
      this.stats.spanSegments += got.length;
    }
    return rec;
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
    // Mostly small refills, so that the pool often runs short and owed rewards are paid pro rata by later refills.
    const amount = r.weighted<() => bigint>([
      [() => 0n, 4],
      [() => r.bigint(1n, NMR), this.w.smallRefills ? 200 : 25],
      [() => r.bigint(1n, 10n * NMR), this.w.smallRefills ? 0 : 45],
      [() => r.bigint(10n * NMR, 2_000n * NMR), this.w.smallRefills ? 0 : 22],
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
      // Owed rewards first, pro rata; the rest to the pool.
      const toOwed = fundOwed(this.m, amount);
      if (toOwed > 0n) this.stats.owedRefills++;
      this.m.pool += amount - toOwed;
      this.m.wallets[funder]! -= amount;
      this.m.wallets[this.w.stakeAddress]! += amount;
      const [event] = await this.logsOf(out.hash!, this.w.stake.filters.RewardsFunded);
      const got = event ? [event.args.toOwed, event.args.pool, event.args.owedTotal, event.args.owedFactor] : [];
      const want = [toOwed, this.m.pool, this.m.owedTotal, this.m.owedFactor];
      if (got.join(",") !== want.join(",") || Number(event?.args.owedEpoch) !== this.m.owedEpoch)
        this.fail(
          `RewardsFunded(toOwed, pool, owedTotal, owedFactor) = ${got}, mirror ${want} epoch ${this.m.owedEpoch}`,
        );
    }
    return this.record("fundRewards", funder, out.ok, funder === this.w.operator);
  }

  /** Anyone credits an account's owed rewards that refills paid to its stake (NothingToClaim when there are none). */
  async claimRewards(): Promise<ActionRecord> {
    const r = this.rng;
    const m = this.m;
    // Mostly an account refills have paid something (when there is one), else anyone.
    const paidSome = this.w.stakers.filter((x) => {
      const acc = m.accounts[x]!;
      return acc.unpaid > owedNow(m, acc);
    });
    const account =
      paidSome.length && r.bool(0.8)
        ? r.pick(paidSome)
        : r.bool(0.9)
          ? r.pick(this.w.stakers)
          : r.pick([this.w.outsider, this.w.keeper]);
    const caller = r.bool(0.6) ? account : r.pick([this.w.keeper, this.w.outsider, this.w.operator]);
    const a = m.accounts[low(account)];
    const left = a ? owedNow(m, a) : 0n;
    const paid = a ? a.unpaid - left : 0n;
    const ts = this.nextTs();
    const out = await this.send(caller, this.w.stakeAddress, this.encode("claimRewards", [account]), ts);
    this.note(`${this.name(caller)} claimRewards(${this.name(account)}) -> ${out.ok ? `ok ${fmt(paid)}` : out.error}`);
    this.expectOutcome("claimRewards", paid === 0n ? "NothingToClaim" : null, out);
    const rec = this.record("claimRewards", caller, out.ok, false, [account]);
    if (out.ok && a) {
      m.owedReserve -= paid;
      a.unpaid = left;
      owedSnapshot(m, a);
      a.balance += paid;
      a.totalRewarded += paid;
      setCheckpoint(a, m.current + 1, a.balance);
      rec.rewardsClaimed = [{ account: a.addr, amount: paid, unpaidRewards: left, balance: a.balance }];
      this.stats.rewardClaims++;
    }
    return rec;
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
      const { entry, desc } = settleEntry(
        this.rng,
        this.m,
        this.w,
        staker,
        this.acct(staker).nextSettleRound,
        count,
        ts,
        true,
      );
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

  /**
   * Scripted parameter transition (the root opens daily rounds that stay open 7 days, 8 at once x 1/8 = 100%): eight
   * such rounds, then 12-hour rounds open 3 days (7 x 1/8 = 87.5%) while the old ones are still open, so openRound
   * must lower new rounds' caps to the room left (checked by I6 after every action).
   */
  async transitionPrefix() {
    for (let i = 0; i < 8; i++) await this.after(await this.advanceRound(true));
    for (const [name, value] of [
      ["resolutionDelay", DAY],
      ["minRoundInterval", 12 * HOUR],
    ] as const) {
      const rec = await this.setParameter({ name, value: BigInt(value) });
      await this.after(rec);
      if (!rec.ok) this.fail(`transition prefix: set ${name} reverted ${this.lastError}`);
    }
    const before = this.stats.capsLowered;
    for (let i = 0; i < 10; i++) await this.after(await this.advanceRound(true));
    if (this.stats.capsLowered === before) this.fail("transition prefix: no round had its cap lowered");
  }

  /**
   * Scripted owed rewards (a base whose refills are at most 1 NMR): every staker deposits 1,000 NMR and weights its
   * models, a round opens, is published with every rate at +cap and every staker is settled through it, so that the
   * gains go beyond the small pool and are owed; then one small refill pays part of them (something to claim).
   */
  async owedPrefix() {
    if (this.m.paused) await this.unpauseIfPaused();
    for (const staker of this.w.stakers) {
      await this.after(await this.deposit(staker, 1_000n * NMR));
      await this.after(await this.setAllocation(staker));
    }
    await this.after(await this.advanceRound(true));
    const round = this.m.current;
    const published = await this.publishRound({ round, pattern: "posCap" });
    await this.after(published);
    if (!published.ok) this.fail(`owed prefix: publishRound ${round} reverted ${this.lastError}`);
    for (const staker of this.w.stakers) {
      const avail = this.available(this.acct(staker).nextSettleRound, this.m.now + 1);
      if (!avail) continue;
      const ts = this.nextTs();
      const start = this.acct(staker).nextSettleRound;
      const { entry, desc } = settleEntry(this.rng, this.m, this.w, staker, start, Math.min(avail, 50), ts, true);
      const rec = await this.settleTx([entry], [desc], this.w.keeper, ts);
      await this.after(rec);
      if (!rec.ok) this.fail(`owed prefix: settlement reverted ${this.lastError}`);
    }
    if (this.m.owedTotal === 0n) this.fail("owed prefix: no gain went beyond the pool");
    await this.after(await this.fundRewards());
  }

  /**
   * Scripted history for span settlement: every staker deposits 1,000 NMR and weights its models, then `rounds` + 1
   * rounds open on time and are published in order as they resolve (so their published runs grow), and every staker
   * is settled through the first of them (its next span starts at a published boundary, its stake and vector
   * constant over the rest).
   */
  async spanPrefix(rounds = 8) {
    if (this.m.paused) await this.unpauseIfPaused();
    for (const staker of this.w.stakers) {
      await this.after(await this.deposit(staker, 1_000n * NMR));
      await this.after(await this.setAllocation(staker));
    }
    const first = this.m.current + 1;
    const publish = async (all: boolean) => {
      for (let round = first; round <= this.m.current; round++) {
        const rd = this.m.rounds[round]!;
        if (rd.root !== null) continue;
        if (!all && rd.resolvesAt >= this.m.now) break;
        const rec = await this.publishRound({ round, pattern: "random" });
        await this.after(rec);
        if (!rec.ok) this.fail(`span prefix: publishRound ${round} reverted ${this.lastError}`);
      }
    };
    for (let i = 0; i <= rounds; i++) {
      await this.after(await this.advanceRound(true));
      await publish(false);
    }
    await publish(true);
    for (const staker of this.w.stakers) {
      const start = this.acct(staker).nextSettleRound;
      const ts = this.nextTs();
      const avail = Math.min(this.available(start, ts), first - start + 1);
      if (avail <= 0) continue;
      const { entry, desc } = settleEntry(this.rng, this.m, this.w, staker, start, avail, ts, true);
      const rec = await this.settleTx([entry], [desc], this.w.keeper, ts);
      await this.after(rec);
      if (!rec.ok) this.fail(`span prefix: settlement reverted ${this.lastError}`);
    }
    const ready = this.w.stakers.filter((x) => {
      const a = this.acct(x);
      return acceptedSpanEnds(this.m, a, a.nextSettleRound - 1, a.balance).length > 0;
    });
    if (!ready.length) this.fail("span prefix: no staker has a span the contract accepts");
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

  /** A random parameter change (by the admin mostly), or `fixed` by the admin (scripted prefixes). */
  async setParameter(fixed?: { name: ParamName; value: bigint }): Promise<ActionRecord> {
    const r = this.rng;
    const m = this.m;
    const caller = fixed
      ? this.w.admin
      : r.bool(0.9)
        ? this.w.admin
        : r.pick([this.w.operator, this.w.pauser, this.w.outsider]);
    const name = fixed?.name ?? r.pick(PARAM_NAMES);
    let value: bigint;
    let inBounds: boolean;
    if (fixed) {
      value = fixed.value;
      const [lo, hi] =
        name === "rateCap"
          ? RATE_CAP_BOUNDS
          : name === "sliceDivisor"
            ? SLICE_DIVISOR_BOUNDS.map(BigInt)
            : BOUNDS[name].map(BigInt);
      inBounds = value >= lo && value <= hi;
    } else if (name === "rateCap") {
      const [lo, hi] = RATE_CAP_BOUNDS;
      value = r.weighted<() => bigint>([
        [() => lo, 10],
        [() => hi, 20],
        [() => 5n * 10n ** 16n, 20],
        [() => r.bigint(lo, 10n ** 17n), 20],
        [() => r.bigint(lo, hi), 15],
        [() => lo - r.bigint(1n, lo), 7],
        [() => hi + r.bigint(1n, 10n ** 18n), 8],
      ])();
      inBounds = value >= lo && value <= hi;
    } else if (name === "sliceDivisor") {
      const [lo, hi] = SLICE_DIVISOR_BOUNDS;
      value = BigInt(
        r.weighted<() => number>([
          [() => lo, 15],
          [() => 64, 25],
          [() => r.int(lo, 100), 30],
          [() => hi, 10],
          [() => 0, 10],
          [() => hi + r.int(1, 1000), 10],
        ])(),
      );
      inBounds = value >= BigInt(lo) && value <= BigInt(hi);
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
    const fn = "set" + name[0]!.toUpperCase() + name.slice(1);
    const ts = this.nextTs();
    const next = { ...m.params, [name]: name === "rateCap" ? value : Number(value) };
    const predicted =
      caller !== this.w.admin
        ? "AccessControlUnauthorizedAccount"
        : !inBounds
          ? "ParameterOutOfBounds"
          : exposureError(next);
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
        p.sliceDivisor,
      ].join(",");
      const want = [
        m.params.withdrawalDelay,
        m.params.minRoundInterval,
        m.params.resolutionDelay,
        m.params.publishWindow,
        m.params.rateCap,
        m.params.proofGracePeriod,
        m.params.sliceDivisor,
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
    if (out.ok) for (const id of ids) m.proposals[id] = a!.addr;
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
    const unknown = () => unknownModel(r, m);
    const ids = r.weighted<() => string[]>([
      [() => (mine.length ? mine.slice(0, Math.max(1, MAX_MODELS - a.models.length)) : [unknown()]), 40],
      [() => (mine.length ? mine : [unknown()]), 10],
      [() => (mine.length ? r.shuffle(mine).slice(0, r.int(1, Math.min(3, mine.length))) : [unknown()]), 20],
      [() => (others.length ? [r.pick(others)] : [unknown()]), 10],
      [() => (mine[0] !== undefined ? [mine[0], mine[0]] : []), 8],
      [() => [], 4],
      [() => [unknown()], 8],
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
    this.m.wallets[this.w.keeper]! -= amount;
    this.m.wallets[this.w.stakeAddress]! += amount;
    return this.record("donate", this.w.keeper, true);
  }

  // ─────────────────────────────────────────── Checks ────────────────────────────────────────────

  /** Reads the chain and checks every invariant (./checks.ts); `mode` says how much is re-read. */
  async check(rec: ActionRecord | undefined, mode: "begin" | "end" | "full" | "light", fromRound?: number) {
    await checkInvariants(this, rec, mode, fromRound);
  }
}
