/**
 * An independent model of PortfolioStake's accounting, written from the specification (shared/DESIGN.md and the
 * NatSpec of IPortfolioStake), never by calling or transcribing the contract. Tests drive it with the same actions
 * they send on chain and compare the two to the wei.
 *
 * The rules it encodes:
 * - Anything an account changes while round c is the current round (deposit, withdrawal request, reallocation,
 *   settlement result) takes effect from round c + 1: stakes are checkpoints keyed by the round they take effect in,
 *   and round r puts at risk the newest checkpoint whose key is <= r (likewise for weight vectors).
 * - No leverage: round r puts at risk a slice of the stake it opened with, stake / R (R the round's slice divisor),
 *   limited to what the account has left to lose when it settles (balance, plus the pending withdrawal if it was at
 *   risk in r). Gains and losses are both measured on that amount.
 * - delta(r) = sum over the account's models of (atRisk x w / 10,000) x rate / 1e18, each model's term truncated
 *   toward zero (a loss is never rounded up into a bigger loss, a gain never rounded up into a bigger gain), rates
 *   clipped at the round's cap.
 * - A loss is burned from the balance, then from the pending withdrawal only if the round is <= the account's
 *   withdrawalLastRound (the pending amount was at risk in it), and never beyond both.
 * - A gain is paid from the rewards pool as far as it goes; the rest is owed. Every refill pays owed rewards first,
 *   the same fraction of every account's owed amount (pro rata), the rest going to the pool. Bookkeeping, as
 *   IPortfolioStake's RewardsFunded documents it: a factor F (1e36 at the start of an epoch) is multiplied by the
 *   share still owed after each refill, rounded up, and by 1e18 whenever it falls below 1e18 (the scale counts it);
 *   an account owed x when the factor was F0 at scale k0 is owed ceil(x F / (F0 1e18^(k - k0))) now (1 wei when
 *   more than two scales apart); a refill that pays everything starts a new epoch. What refills paid is credited to the account's stake by
 *   its next settlement or by claimRewards.
 * - A round that was never published (its deadline passed) counts as zero for everybody.
 * - A published round settled as unprovable for an account (after its proof deadline) counts as zero for it.
 *
 * The model does not know about time: the caller decides when a round may be published or settled, and the chain
 * has to agree (tests check the reverts separately).
 */

export const BPS = 10_000n;
export const RATE_SCALE = 10n ** 18n;
export const DEFAULT_RATE_CAP = 5n * 10n ** 16n; // 5%
export const OWED_FACTOR_ONE = 10n ** 36n;
/** The factor is kept at or above this by multiplying it by it (the scale counts how often). */
export const OWED_SCALE_STEP = 10n ** 18n;

function ceilDiv(a: bigint, b: bigint): bigint {
  return (a + b - 1n) / b;
}

function abs(x: bigint): bigint {
  return x < 0n ? -x : x;
}

function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

/**
 * One model's contribution to a round's delta, by sign and magnitude: the stake on the model is
 * floor(stake x weight / 10,000), and the term is sign(rate) x floor(modelStake x |rate| / 1e18). Every division is
 * of non-negative numbers, so the result does not depend on how the language rounds signed division.
 */
export function modelTerm(stake: bigint, weight: bigint, rate: bigint): bigint {
  if (stake < 0n || weight < 0n || weight > BPS) throw new Error(`bad stake ${stake} or weight ${weight}`);
  const modelStake = (stake * weight) / BPS;
  const magnitude = (modelStake * abs(rate)) / RATE_SCALE;
  return rate < 0n ? -magnitude : magnitude;
}

/** Sum of modelTerm over slots (weights and rates in registry order; a missing rate counts as zero). */
export function referenceDelta(stake: bigint, weights: readonly bigint[], rates: readonly bigint[]): bigint {
  let delta = 0n;
  for (let slot = 0; slot < weights.length; slot++) delta += modelTerm(stake, weights[slot]!, rates[slot] ?? 0n);
  return delta;
}

/** What one settled round must report (the contract's Settled event). */
export interface ExpectedSettled {
  account: string;
  round: bigint;
  stakeAtRisk: bigint;
  rates: bigint[];
  delta: bigint;
  paid: bigint;
  burned: bigint;
  unpaidRewards: bigint;
  balance: bigint;
  unprovable: boolean;
}

/** The fields of IPortfolioStake.AccountView the model keeps. */
/** What a SpanSettled event reports. */
export interface ExpectedSpanSettled {
  account: string;
  fromRound: bigint;
  toRound: bigint;
  stakeAtRisk: bigint;
  rateSums: bigint[];
  delta: bigint;
  paid: bigint;
  burned: bigint;
  unpaidRewards: bigint;
  balance: bigint;
}

export interface ExpectedAccount {
  balance: bigint;
  pendingWithdrawal: bigint;
  withdrawalLastRound: bigint;
  nextSettleRound: bigint;
  unpaidRewards: bigint;
  claimableRewards: bigint;
  totalRewarded: bigint;
  totalBurned: bigint;
}

interface Checkpoint<T> {
  round: bigint; // effective from this round on
  value: T;
}

interface RefAccount {
  models: string[]; // registry order, lower-case bytes16
  balance: bigint;
  pending: bigint;
  withdrawalLastRound: bigint;
  nextSettleRound: bigint; // 0: never staked
  unpaid: bigint; // owed, as of owedFactor / owedEpoch below
  owedFactor: bigint;
  owedEpoch: bigint;
  owedScale: bigint;
  totalRewarded: bigint;
  totalBurned: bigint;
  stakes: Checkpoint<bigint>[];
  vectors: Checkpoint<bigint[]>[];
}

export interface SettleOptions {
  /** Prove only the models weighted in the round (zero-weight models then report rate 0). Default: prove every
   * registered model that has a leaf, as packages/core/src/results.ts accountRoundResult does. */
  onlyWeighted?: boolean;
  /** Settle published rounds as unprovable: zero for the account (allowed after the round's proof deadline). */
  unprovable?: boolean;
}

/** Newest checkpoint whose round is <= `round`. */
function lookup<T>(list: Checkpoint<T>[], round: bigint): T | undefined {
  let found: T | undefined;
  for (const c of list) {
    if (c.round <= round) found = c.value;
    else break;
  }
  return found;
}

/** Writes `value` as the checkpoint effective from `round` (replacing one already there for that round). */
function write<T>(list: Checkpoint<T>[], round: bigint, value: T): void {
  const last = list[list.length - 1];
  if (last && last.round > round) throw new Error(`checkpoint for round ${round} after one for ${last.round}`);
  if (last && last.round === round) last.value = value;
  else list.push({ round, value });
}

export class ReferenceModel {
  currentRound: bigint;
  rewardsPool = 0n;
  /** Owed rewards not yet paid by a refill, all accounts. */
  owedTotal = 0n;
  /** Paid by refills, not yet credited to the accounts' stakes. */
  owedReserve = 0n;
  owedFactor = OWED_FACTOR_ONE;
  owedEpoch = 0n;
  owedScale = 0n;
  /** NMR burned by every settlement so far. */
  burned = 0n;
  /** NMR sent out by claimed withdrawals. */
  claimed = 0n;
  private readonly accounts = new Map<string, RefAccount>();
  private readonly caps = new Map<bigint, bigint>();
  private readonly divisors = new Map<bigint, bigint>();
  private readonly published = new Map<bigint, Map<string, bigint>>();

  constructor(readonly firstRound: bigint) {
    this.currentRound = firstRound - 1n;
  }

  private key(address: string): string {
    return address.toLowerCase();
  }

  private get(address: string): RefAccount {
    const a = this.accounts.get(this.key(address));
    if (!a) throw new Error(`reference: unknown account ${address}`);
    return a;
  }

  private account(address: string): RefAccount {
    const k = this.key(address);
    let a = this.accounts.get(k);
    if (!a) {
      a = {
        models: [],
        balance: 0n,
        pending: 0n,
        withdrawalLastRound: 0n,
        nextSettleRound: 0n,
        unpaid: 0n,
        owedFactor: 0n,
        owedEpoch: 0n,
        owedScale: 0n,
        totalRewarded: 0n,
        totalBurned: 0n,
        stakes: [],
        vectors: [],
      };
      this.accounts.set(k, a);
    }
    return a;
  }

  // ── operator ──

  register(address: string, models: readonly string[]): void {
    this.account(address).models.push(...models.map((m) => m.toLowerCase()));
  }

  /** `rateCap` and `sliceDivisor` as the chain's roundInfo reports them (openRound may lower the cap). */
  openRound(rateCap: bigint = DEFAULT_RATE_CAP, sliceDivisor = 1n): bigint {
    this.currentRound += 1n;
    this.caps.set(this.currentRound, rateCap);
    this.divisors.set(this.currentRound, sliceDivisor);
    return this.currentRound;
  }

  publish(round: bigint, rates: readonly { modelId: string; rate: bigint }[]): void {
    if (!this.caps.has(round)) throw new Error(`reference: round ${round} was never opened`);
    if (this.published.has(round)) throw new Error(`reference: round ${round} published twice`);
    this.published.set(round, new Map(rates.map(({ modelId, rate }) => [modelId.toLowerCase(), rate])));
  }

  isPublished(round: bigint): boolean {
    return this.published.has(round);
  }

  /** A refill: owed rewards first, pro rata, the rest to the pool. Returns what went to owed rewards. */
  fund(amount: bigint): bigint {
    const toOwed = min(amount, this.owedTotal);
    if (toOwed > 0n) {
      if (toOwed === this.owedTotal) {
        this.owedEpoch += 1n;
        this.owedFactor = OWED_FACTOR_ONE;
        this.owedScale = 0n;
      } else {
        this.owedFactor = ceilDiv(this.owedFactor * (this.owedTotal - toOwed), this.owedTotal);
        if (this.owedFactor < OWED_SCALE_STEP) {
          this.owedFactor *= OWED_SCALE_STEP;
          this.owedScale += 1n;
        }
      }
      this.owedTotal -= toOwed;
      this.owedReserve += toOwed;
    }
    this.rewardsPool += amount - toOwed;
    return toOwed;
  }

  /** Pays `gain` from the pool as far as it goes and owes the rest (both settlement paths); returns what was paid. */
  private payGain(a: RefAccount, gain: bigint): bigint {
    const paid = min(gain, this.rewardsPool);
    this.rewardsPool -= paid;
    if (gain > paid) {
      a.unpaid = this.owedNow(a) + gain - paid;
      a.owedFactor = this.owedFactor;
      a.owedEpoch = this.owedEpoch;
      a.owedScale = this.owedScale;
      this.owedTotal += gain - paid;
    }
    a.balance += paid;
    a.totalRewarded += paid;
    return paid;
  }

  private owedNow(a: RefAccount): bigint {
    if (a.unpaid === 0n || a.owedEpoch !== this.owedEpoch) return 0n;
    const steps = this.owedScale - a.owedScale;
    if (steps > 2n) return 1n;
    return ceilDiv(a.unpaid * this.owedFactor, a.owedFactor * OWED_SCALE_STEP ** steps);
  }

  /** Credits to the balance what refills paid of the account's owed rewards; returns it. */
  private syncOwed(a: RefAccount): bigint {
    const left = this.owedNow(a);
    const paid = a.unpaid - left;
    if (paid === 0n) return 0n;
    this.owedReserve -= paid;
    a.unpaid = left;
    a.owedFactor = this.owedFactor;
    a.owedEpoch = this.owedEpoch;
    a.owedScale = this.owedScale;
    a.balance += paid;
    a.totalRewarded += paid;
    return paid;
  }

  /** claimRewards: what refills paid the account goes to its stake from the next round. */
  claimRewards(address: string): bigint {
    const a = this.get(address);
    const paid = this.syncOwed(a);
    if (paid === 0n) throw new Error(`reference: ${address} has nothing to claim`);
    write(a.stakes, this.currentRound + 1n, a.balance);
    return paid;
  }

  // ── staker ──

  deposit(address: string, amount: bigint): void {
    const a = this.account(address);
    const effective = this.currentRound + 1n;
    if (a.nextSettleRound === 0n) a.nextSettleRound = effective;
    a.balance += amount;
    write(a.stakes, effective, a.balance);
  }

  /** `weights` in registry order (basis points summing to 10,000). */
  setAllocation(address: string, weights: readonly (number | bigint)[]): void {
    const a = this.get(address);
    const w = weights.map((x) => BigInt(x));
    if (w.length !== a.models.length) throw new Error("reference: weights must cover the whole registry");
    if (w.reduce((s, x) => s + x, 0n) !== BPS) throw new Error("reference: weights must sum to 10,000");
    write(a.vectors, this.currentRound + 1n, w);
  }

  requestWithdrawal(address: string, amount: bigint): void {
    const a = this.get(address);
    if (amount <= 0n || amount > a.balance) throw new Error(`reference: cannot withdraw ${amount} of ${a.balance}`);
    // One pending withdrawal at a time: requests in the same round add up, a later one waits for the claim.
    if (a.pending !== 0n && a.withdrawalLastRound !== this.currentRound)
      throw new Error("reference: a withdrawal from an earlier round is still pending");
    a.balance -= amount;
    a.pending += amount;
    a.withdrawalLastRound = this.currentRound;
    write(a.stakes, this.currentRound + 1n, a.balance);
  }

  /** The whole pending withdrawal leaves; the caller checks the delay on chain. */
  claimWithdrawal(address: string): bigint {
    const a = this.get(address);
    if (a.pending === 0n) throw new Error("reference: nothing to claim");
    if (a.nextSettleRound <= a.withdrawalLastRound) throw new Error("reference: rounds at risk are unsettled");
    const amount = a.pending;
    a.pending = 0n;
    this.claimed += amount;
    return amount;
  }

  // ── views ──

  stakeAt(address: string, round: bigint): bigint {
    return lookup(this.get(address).stakes, round) ?? 0n;
  }

  /** The weights in force at `round` in registry order (all zero before the first vector). */
  weightsAt(address: string, round: bigint): bigint[] {
    const a = this.get(address);
    return lookup(a.vectors, round) ?? a.models.map(() => 0n);
  }

  modelsOf(address: string): string[] {
    return [...this.get(address).models];
  }

  view(address: string): ExpectedAccount {
    const a = this.get(address);
    return {
      balance: a.balance,
      pendingWithdrawal: a.pending,
      withdrawalLastRound: a.withdrawalLastRound,
      nextSettleRound: a.nextSettleRound,
      unpaidRewards: this.owedNow(a),
      claimableRewards: a.unpaid - this.owedNow(a),
      totalRewarded: a.totalRewarded,
      totalBurned: a.totalBurned,
    };
  }

  /** Sums over every account, the pool and owed rewards: the contract must hold staked + pending + pool + reserve. */
  totals(): {
    staked: bigint;
    pendingWithdrawals: bigint;
    rewardsPool: bigint;
    owedRewards: bigint;
    owedReserve: bigint;
  } {
    let staked = 0n;
    let pendingWithdrawals = 0n;
    for (const a of this.accounts.values()) {
      staked += a.balance;
      pendingWithdrawals += a.pending;
    }
    return {
      staked,
      pendingWithdrawals,
      rewardsPool: this.rewardsPool,
      owedRewards: this.owedTotal,
      owedReserve: this.owedReserve,
    };
  }

  // ── settlement ──

  /** The rates the account's proof for `round` carries, in registry order (undefined: no leaf or not proved). */
  private provedRates(a: RefAccount, round: bigint, weights: bigint[], opts: SettleOptions): (bigint | undefined)[] {
    const leaves = this.published.get(round)!;
    const cap = this.caps.get(round)!;
    return a.models.map((id, slot) => {
      if (opts.onlyWeighted && weights[slot] === 0n) return undefined;
      const rate = leaves.get(id);
      if (rate === undefined) {
        if (weights[slot] !== 0n) throw new Error(`reference: weighted model ${id} has no leaf in round ${round}`);
        return undefined;
      }
      // A published rate beyond the round's cap is applied at the cap.
      return rate > cap ? cap : rate < -cap ? -cap : rate;
    });
  }

  /** Settles the account's next round, which must be `round`. Published: its rates; otherwise zero (expired). */
  settle(address: string, round: bigint, opts: SettleOptions = {}): ExpectedSettled {
    const a = this.get(address);
    if (a.nextSettleRound === 0n) throw new Error(`reference: ${address} never staked`);
    if (round !== a.nextSettleRound)
      throw new Error(`reference: ${address} settles ${a.nextSettleRound}, not ${round}`);
    if (round > this.currentRound) throw new Error(`reference: round ${round} is not open`);

    // Refills since the account's last settlement paid part of what it is owed: credited first.
    this.syncOwed(a);
    const available = a.balance + (round <= a.withdrawalLastRound ? a.pending : 0n);
    const stakeAtRisk = min(this.stakeAt(address, round) / this.divisors.get(round)!, available);
    const weights = this.weightsAt(address, round);
    const rates = a.models.map(() => 0n);
    let delta = 0n;
    const unprovable = Boolean(opts.unprovable) && this.published.has(round);
    if (!unprovable && this.published.has(round) && stakeAtRisk > 0n && weights.some((w) => w > 0n)) {
      const proved = this.provedRates(a, round, weights, opts);
      proved.forEach((rate, slot) => {
        if (rate === undefined) return;
        rates[slot] = rate;
        delta += modelTerm(stakeAtRisk, weights[slot]!, rate);
      });
    }

    let burned = 0n;
    if (delta < 0n) {
      const loss = -delta;
      const fromBalance = min(loss, a.balance);
      const fromPending = round <= a.withdrawalLastRound ? min(loss - fromBalance, a.pending) : 0n;
      a.balance -= fromBalance;
      a.pending -= fromPending;
      burned = fromBalance + fromPending;
    }
    const paid = this.payGain(a, delta > 0n ? delta : 0n);
    a.totalBurned += burned;
    this.burned += burned;
    a.nextSettleRound = round + 1n;
    // The settled balance is the stake put at risk from the next round to open.
    write(a.stakes, this.currentRound + 1n, a.balance);

    return {
      account: address,
      round,
      stakeAtRisk,
      rates,
      delta,
      paid,
      burned,
      unpaidRewards: a.unpaid,
      balance: a.balance,
      unprovable,
    };
  }

  /**
   * settleSpans for one account, written from its rule (IPortfolioStake.settleSpans), not from the contract: the
   * boundaries b0 = nextSettleRound - 1 < b1 < ... cut segments x = b(i-1) + 1 .. y = b(i); a segment needs rounds
   * x - 1..y published under one cap c and divisor R, one stake and one stored vector over x..y, and a balance of at
   * least S + ceil(n S c / 1e18) (S = stake / R); its rate sums are the sums of the rounds' capped rates (a round whose
   * tree lacks the model adds nothing), each at most n c in size; its delta the sum of the per-model terms on them.
   * Throws, changing nothing, when a segment breaks the rule (the contract reverts); an entry already overtaken
   * (b0 < nextSettleRound - 1) returns no segment.
   */
  settleSpan(address: string, boundaries: readonly bigint[]): ExpectedSpanSettled[] {
    const a = this.get(address);
    if (boundaries.length < 2) throw new Error("reference: a span needs two boundaries");
    if (boundaries[0]! < a.nextSettleRound - 1n) return [];
    if (boundaries[0]! !== a.nextSettleRound - 1n)
      throw new Error("reference: the span does not start at the next round");
    const plan: { x: bigint; y: bigint; n: bigint; cap: bigint; stake: bigint; weights: bigint[]; sums: bigint[] }[] =
      [];
    for (let i = 1; i < boundaries.length; i++) {
      const x = boundaries[i - 1]! + 1n;
      const y = boundaries[i]!;
      if (y < x) throw new Error("reference: boundaries must increase");
      const n = y - x + 1n;
      const cap = this.caps.get(y);
      for (let k = x - 1n; k <= y; k++) {
        if (!this.published.has(k) || this.caps.get(k) !== cap || this.divisors.get(k) !== this.divisors.get(y))
          throw new Error(`reference: SpanNotPublished (${x}..${y})`);
      }
      const stake = this.stakeAt(address, x);
      for (let k = x; k <= y; k++)
        if (this.stakeAt(address, k) !== stake) throw new Error(`reference: SpanStakeChanged (${x}..${y})`);
      const weights = this.weightsAt(address, x);
      if (weights.every((w) => w === 0n) || a.vectors.some((v) => v.round > x && v.round <= y))
        throw new Error(`reference: SpanVectorChanged (${x}..${y})`);
      const sums = a.models.map((id, slot) => {
        if (weights[slot] === 0n) return 0n;
        let sum = 0n;
        for (let k = x; k <= y; k++) {
          const rate = this.published.get(k)!.get(id);
          if (rate !== undefined) sum += rate > cap! ? cap! : rate < -cap! ? -cap! : rate;
        }
        if (abs(sum) > n * cap!) throw new Error(`reference: SpanResultOutOfBounds (${slot})`);
        return sum;
      });
      plan.push({ x, y, n, cap: cap!, stake, weights, sums });
    }
    // The balance condition depends on the earlier segments' results: checked on a copy first, so a refusal changes
    // nothing.
    const trial = this.clone();
    trial.applySpan(address, plan);
    return this.applySpan(address, plan);
  }

  private applySpan(
    address: string,
    plan: { x: bigint; y: bigint; n: bigint; cap: bigint; stake: bigint; weights: bigint[]; sums: bigint[] }[],
  ): ExpectedSpanSettled[] {
    const a = this.get(address);
    this.syncOwed(a);
    const out: ExpectedSpanSettled[] = [];
    for (const { x, y, n, cap, stake, weights, sums } of plan) {
      const slice = stake / this.divisors.get(y)!;
      const needed = slice + ceilDiv(n * slice * cap, RATE_SCALE);
      if (a.balance < needed) throw new Error(`reference: SpanTooRisky (${a.balance} < ${needed})`);
      const delta = referenceDelta(slice, weights, sums);
      const burned = delta < 0n ? -delta : 0n;
      a.balance -= burned;
      const paid = this.payGain(a, delta > 0n ? delta : 0n);
      a.totalBurned += burned;
      this.burned += burned;
      a.nextSettleRound = y + 1n;
      out.push({
        account: address,
        fromRound: x,
        toRound: y,
        stakeAtRisk: slice,
        rateSums: sums,
        delta,
        paid,
        burned,
        unpaidRewards: a.unpaid,
        balance: a.balance,
      });
    }
    write(a.stakes, this.currentRound + 1n, a.balance);
    return out;
  }

  /** Settles consecutive rounds from the account's next one up to `to` (inclusive). */
  settleUpTo(address: string, to: bigint, opts: SettleOptions = {}): ExpectedSettled[] {
    const out: ExpectedSettled[] = [];
    for (let r = this.get(address).nextSettleRound; r <= to; r++) out.push(this.settle(address, r, opts));
    return out;
  }

  /** Deep copy, to explore "what if" without disturbing the model. */
  clone(): ReferenceModel {
    const copy = new ReferenceModel(this.firstRound);
    copy.currentRound = this.currentRound;
    copy.rewardsPool = this.rewardsPool;
    copy.owedTotal = this.owedTotal;
    copy.owedReserve = this.owedReserve;
    copy.owedFactor = this.owedFactor;
    copy.owedEpoch = this.owedEpoch;
    copy.owedScale = this.owedScale;
    copy.burned = this.burned;
    copy.claimed = this.claimed;
    for (const [k, a] of this.accounts) {
      copy.accounts.set(k, {
        ...a,
        models: [...a.models],
        stakes: a.stakes.map((c) => ({ ...c })),
        vectors: a.vectors.map((c) => ({ round: c.round, value: [...c.value] })),
      });
    }
    for (const [r, c] of this.caps) copy.caps.set(r, c);
    for (const [r, d] of this.divisors) copy.divisors.set(r, d);
    for (const [r, m] of this.published) copy.published.set(r, new Map(m));
    return copy;
  }
}
