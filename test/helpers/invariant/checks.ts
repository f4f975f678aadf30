/**
 * The invariant checks of the fuzz (shared/DESIGN.md "Invariants"), run after every action on one eth_call read of the
 * chain (./reader.ts):
 *   I1 solvency and conservation of NMR (contract balance == stakes + pending + pool + owed rewards paid by refills
 *      and not yet credited [+ donations]; totals() == sums over accounts; wallets + contract + burned == minted),
 *   I2 every stored vector sums to 10,000 (or is all zero before the first one) and has one weight per registered model,
 *   I3 open rounds keep the stake and vector read when they opened; every Settled event matches that snapshot and
 *      roundDelta() of the published rates,
 *   I4 nobody but the staker changes its balance, pending withdrawal or wallet (settlement aside); a staker's wallet
 *      only grows by its own claimWithdrawal,
 *   I5 admin/operator/pauser actions never change balances; settlement burns at most rateCap x stake at risk per round,
 *   I6 no leverage: the rounds open at once commit at most 100% of a stake (sum of cap / R), and each account's open
 *      rounds at most its largest opening stake; a round's loss is taken whole (never cut at what is left) and its
 *      gain paid or owed whole, both measured on the same amount (Settled.stakeAtRisk <= stake / R); while anything
 *      is owed the pool is empty (refills pay owed rewards first),
 *   M  monotonicity (currentRound, nextSettleRound, nonces, allocation counts, lifetime totals),
 *   W  a pending withdrawal is burned only by rounds it was at risk in (DESIGN.md "Withdrawals"),
 * and exact agreement of every account, total, wallet, vector and stake with the mirror (./mirror.ts).
 */
import { ethers } from "ethers";
import { roundDelta } from "@portfolio-stake/core/results";
import type { ChainAccount, ChainState } from "./reader";
import {
  BPS,
  MAX_EXPOSURE,
  RATE_SCALE,
  WINDOW,
  ZERO,
  fail,
  exposure,
  fail as failRun,
  owedNow,
  pad,
  registryHash,
  short,
  stakeAt,
  sum,
  vectorAt,
  vectorPruned,
  type ActionRecord,
  type MAccount,
  type Mirror,
  type SettledEvent,
  type SpanSettledEvent,
  type Stats,
  type World,
} from "./mirror";

/** What the checks read and update on the run they check (InvariantRun in ./actions.ts). */
export interface CheckedRun {
  readonly w: World;
  readonly m: Mirror;
  readonly stats: Stats;
  /** The previous chain read (staker accounts), compared with the next one (monotonicity, I4, I5). */
  prev: ChainState | undefined;
  /** Latest nonce read per account (nonces are read only after signed reallocations and at sequence ends). */
  readonly nonces: Map<string, bigint>;
  /** The current round when the sequence began (its end check re-reads every round opened since). */
  readonly seqStartRound: number;
  /**
   * Checks this run has made. After an action that writes no staker, the staker whose every open round is re-read
   * turns with it: counted per run (not in the shared Stats), so a sequence checks the same things whether it runs in
   * the whole fuzz, in a shard (FUZZ_SHARD) or alone (FUZZ_BASE / FUZZ_SEQ).
   */
  checks: number;
}

/** Checks the round's schedule and root as roundInfo() reports them against the mirror. */
export async function checkRoundInfo(w: World, m: Mirror, round: number) {
  const info = await w.stake.roundInfo(round);
  const rd = m.rounds[round]!;
  const got = [
    info.openedAt,
    info.resolvesAt,
    info.deadline,
    info.proofDeadline,
    info.rateCap,
    info.sliceDivisor,
    info.publishedRun,
  ]
    .map(Number)
    .join(",");
  const want = [rd.openedAt, rd.resolvesAt, rd.deadline, rd.proofDeadline, rd.cap, rd.divisor, rd.publishedRun]
    .map(Number)
    .join(",");
  if (got !== want || info.root !== (rd.root ?? ethers.ZeroHash)) {
    fail(`roundInfo(${round}) = ${got} ${info.root}, expected ${want} ${rd.root}`);
  }
}

// ───────────────────────────────────── W: pending burns ─────────────────────────────────────

/**
 * DESIGN.md "Withdrawals": a requested amount "stays burnable by rounds that were open when it was at risk". So the
 * pending burns of rounds >= r can only come from requests whose last at-risk round is >= r.
 */
export function checkPendingAtRisk(a: MAccount) {
  for (const { round } of a.pendingBurns) {
    const burnedSince = a.pendingBurns.filter((b) => b.round >= round).reduce((s, b) => s + b.amount, 0n);
    const atRisk = a.tranches.filter((t) => t.lastRound >= round).reduce((s, t) => s + t.amount, 0n);
    if (burnedSince > atRisk) {
      fail(
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
export function openFrom(m: Mirror, staker: string): number {
  const floor = Math.max(m.firstRound, m.current + 1 - WINDOW);
  let lo = Math.max(m.firstRound, m.current);
  const next = m.accounts[staker]!.nextSettleRound;
  if (next !== 0 && next < lo) lo = next;
  for (let r = lo - 1; r >= floor; r--) if (m.rounds[r] && m.rounds[r]!.resolvesAt > m.now) lo = r;
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
export async function checkInvariants(
  run: CheckedRun,
  rec: ActionRecord | undefined,
  mode: "begin" | "end" | "full" | "light",
  fromRound?: number,
) {
  const m = run.m;
  const w = run.w;
  const all = mode === "begin" || mode === "end";
  const accounts = all ? w.actors : w.stakers;
  const to = m.current + 1;
  // Accounts whose every open round is re-read: the ones the action wrote, else one staker in turn.
  const subjects = new Set((rec?.subjects ?? []).filter((x) => w.stakers.includes(x)));
  if (subjects.size === 0) subjects.add(w.stakers[run.checks % w.stakers.length]!);
  const fromRounds = accounts.map((addr) => {
    if (!w.stakers.includes(addr) || mode === "light") return to + 1;
    if (fromRound !== undefined) return fromRound;
    if (all) return Math.max(m.firstRound, Math.min(run.seqStartRound, openFrom(m, addr)));
    if (subjects.has(addr)) return openFrom(m, addr);
    return rec?.kind === "openRound" ? Math.max(m.firstRound, m.current) : to;
  });
  const nonceKinds = ["setAllocation", "setAllocationFor", "setAllocationBySig", "setManager", "invalidateNonces"];
  const readNonces = all || (rec !== undefined && nonceKinds.includes(rec.kind));
  // Per action the stakers' wallets and the contract; every holder at the begin/end reads.
  const holders = all ? w.holders : [...w.stakers, w.stakeAddress];
  const s = await w.reader.read(fromRounds, to, { models: all, nonces: readNonces, holders }, accounts);
  run.checks++;
  run.stats.checks++;
  const name = (address: string) => short(address, w);
  const where = rec ? `after ${rec.kind} by ${name(rec.caller)}` : mode;
  const fail: (msg: string) => never = (msg) => failRun(`${where}: ${msg}`);

  // ── Globals and monotonicity
  if (s.currentRound !== m.current) fail(`currentRound ${s.currentRound}, mirror ${m.current}`);
  if (s.paused !== m.paused) fail(`paused ${s.paused}, mirror ${m.paused}`);
  const prev = run.prev;
  if (prev && s.currentRound < prev.currentRound)
    fail(`M: currentRound went back ${prev.currentRound} -> ${s.currentRound}`);

  // ── I1: solvency and conservation
  const balanceOf = new Map(s.holders.map((h, i) => [h, s.holderBalances[i]]));
  const held = balanceOf.get(w.stakeAddress)!;
  const owed = s.staked + s.pendingWithdrawals + s.rewardsPool + s.owedReserve;
  if (held < owed) fail(`I1: contract holds ${held} < stakes + pending + pool + owed reserve ${owed}`);
  if (held !== owed + m.donated)
    fail(`I1: contract holds ${held} != stakes + pending + pool + owed reserve ${owed} + donations ${m.donated}`);
  if (s.owedRewards !== m.owedTotal) fail(`totals().owedRewards ${s.owedRewards}, mirror ${m.owedTotal}`);
  if (s.owedReserve !== m.owedReserve) fail(`totals().owedReserve ${s.owedReserve}, mirror ${m.owedReserve}`);
  // I6: refills pay owed rewards first, so the pool is empty whenever anything is owed.
  if (s.owedRewards !== 0n && s.rewardsPool !== 0n)
    fail(`I6: ${s.owedRewards} owed while the pool holds ${s.rewardsPool}`);
  // I6: the rounds open now (opened, proof deadline not passed) commit at most 100% of a stake together.
  let openExposure = 0n;
  const openRounds: number[] = [];
  for (let round = m.firstRound; round <= m.current; round++) {
    const rd = m.rounds[round];
    if (!rd || rd.proofDeadline < m.now) continue;
    openRounds.push(round);
    openExposure += exposure(rd.cap, rd.divisor);
  }
  if (openExposure > MAX_EXPOSURE)
    fail(`I6: the ${openRounds.length} open rounds commit ${openExposure} (1e18 = 100%) of a stake`);
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
  for (const h of w.holders) inWallets += balanceOf.get(h) ?? m.wallets[h]!;
  if (inWallets !== s.totalSupply)
    fail(`I1: holders hold ${inWallets}, totalSupply ${s.totalSupply}: NMR went elsewhere`);
  if (m.minted - s.totalSupply !== m.burned) {
    fail(`I1: minted ${m.minted} - supply ${s.totalSupply} != burned in Settled events ${m.burned}`);
  }
  // I1, per action: burned NMR leaves the token's supply (NMRLike burns through its `mint`): the supply falls by
  // exactly what this action's Settled events burned, and by nothing otherwise.
  if (prev) {
    const burnedNow = [...(rec?.settled ?? []), ...(rec?.spanSettled ?? [])].reduce((x, e) => x + e.burned, 0n);
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
      fail(`wallet of ${name(h)}: ${s.holderBalances[i]}, mirror ${m.wallets[h]}`);
  });

  // ── Per account: mirror equality, monotonicity, I4, I5, I2, I3
  const prevByAddr = new Map<string, ChainAccount>();
  if (prev) {
    const prevAccounts = prev.accounts.length === w.actors.length ? w.actors : w.stakers;
    prevAccounts.forEach((addr, i) => prevByAddr.set(addr, prev.accounts[i]!));
  }
  const settledBy = new Map<string, SettledEvent[]>();
  for (const e of rec?.settled ?? []) settledBy.set(e.account, [...(settledBy.get(e.account) ?? []), e]);
  const spansBy = new Map<string, SpanSettledEvent[]>();
  for (const e of rec?.spanSettled ?? []) spansBy.set(e.account, [...(spansBy.get(e.account) ?? []), e]);

  accounts.forEach((addr, i) => {
    const c = s.accounts[i]!;
    const a = m.accounts[addr]!;
    const who = name(addr);
    const want: [string, bigint | number | string, bigint | number | string][] = [
      ["balance", c.balance, a.balance],
      ["pendingWithdrawal", c.pendingWithdrawal, a.pending],
      ["withdrawalLastRound", c.withdrawalLastRound, a.withdrawalLastRound],
      ["withdrawalReleaseAt", c.withdrawalReleaseAt, a.releaseAt],
      ["nextSettleRound", c.nextSettleRound, a.nextSettleRound],
      ["unpaidRewards", c.unpaidRewards, owedNow(m, a)],
      ["claimableRewards", c.claimableRewards, a.unpaid - owedNow(m, a)],
      ["totalRewarded", c.totalRewarded, a.totalRewarded],
      ["totalBurned", c.totalBurned, a.totalBurned],
      ["manager", c.manager, a.manager],
      ["modelCount", c.modelCount, a.models.length],
      ["allocationCount", c.allocationCount, a.vectors.length],
      ["lastAllocationRound", c.lastAllocationRound, a.vectors.length ? a.vectors[a.vectors.length - 1]!.round : 0],
    ];
    if (c.nonce !== undefined) {
      want.push(["nonce", c.nonce, BigInt(a.nonce)]);
      const before = run.nonces.get(addr);
      if (before !== undefined && c.nonce < before) fail(`M: ${who}.nonce went back ${before} -> ${c.nonce}`);
      run.nonces.set(addr, c.nonce);
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

      // I4: nobody else moves a staker's NMR. Settlement and crediting owed rewards are the only outside actions
      // that change its money.
      const own = rec !== undefined && rec.caller === addr;
      const events = settledBy.get(addr) ?? [];
      const spans = spansBy.get(addr) ?? [];
      const credited = (rec?.rewardsClaimed ?? []).filter((x) => x.account === addr).reduce((x, e) => x + e.amount, 0n);
      const moneyBefore = p.balance + p.pendingWithdrawal;
      const moneyAfter = c.balance + c.pendingWithdrawal;
      if (
        !own &&
        events.length === 0 &&
        spans.length === 0 &&
        (c.balance !== p.balance + credited || c.pendingWithdrawal !== p.pendingWithdrawal)
      ) {
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
        if (moneyAfter !== moneyBefore - burned + paid + credited) {
          fail(
            `I5: ${who}'s balance+pending ${moneyBefore} -> ${moneyAfter}, events burned ${burned} paid ${paid} credited ${credited}`,
          );
        }
        for (const e of events) {
          // I6: no free option. A loss is taken whole (never cut at what is left), a gain is paid or owed whole,
          // and both are measured on the amount the round put at risk: |delta| <= stakeAtRisk x cap.
          if (e.delta < 0n && e.burned !== -e.delta)
            fail(`I6: round ${e.round} lost ${-e.delta} for ${who} but burned ${e.burned}`);
          const bound = (e.stakeAtRisk * m.rounds[e.round]!.cap) / RATE_SCALE;
          if ((e.delta < 0n ? -e.delta : e.delta) > bound)
            fail(`I6: round ${e.round} |delta| ${e.delta} above stakeAtRisk x cap ${bound} for ${who}`);
          const cap = m.rounds[e.round]!.cap;
          if (e.burned > (e.stakeAtRisk * cap) / RATE_SCALE) {
            fail(
              `I5: round ${e.round} burned ${e.burned} from ${who}, above rateCap x stake ${(e.stakeAtRisk * cap) / RATE_SCALE}`,
            );
          }
          if (e.delta < 0n ? e.burned > -e.delta : e.burned !== 0n)
            fail(`I5: round ${e.round} burned ${e.burned} for delta ${e.delta}`);
        }
      }
      // The same for span settlement: a segment x..y of n rounds puts stakeAtRisk at risk at most n x cap (its end
      // round's cap); a loss is burned whole from the balance (pending is untouched), a gain is paid or owed whole.
      if (spans.length) {
        const burned = spans.reduce((x, e) => x + e.burned, 0n);
        const paid = spans.reduce((x, e) => x + e.paid, 0n);
        if (c.pendingWithdrawal !== p.pendingWithdrawal)
          fail(`I5: settleSpans changed ${who}'s pending ${p.pendingWithdrawal} -> ${c.pendingWithdrawal}`);
        if (moneyAfter !== moneyBefore - burned + paid + credited) {
          fail(
            `I5: ${who}'s balance+pending ${moneyBefore} -> ${moneyAfter}, span events burned ${burned} paid ${paid} credited ${credited}`,
          );
        }
        for (const e of spans) {
          const n = BigInt(e.toRound - e.fromRound + 1);
          const bound = (e.stakeAtRisk * n * m.rounds[e.toRound]!.cap) / RATE_SCALE;
          if ((e.delta < 0n ? -e.delta : e.delta) > bound)
            fail(
              `I6: span ${e.fromRound}..${e.toRound} |delta| ${e.delta} above stakeAtRisk x n x cap ${bound} for ${who}`,
            );
          if (e.delta < 0n ? e.burned !== -e.delta || e.paid !== 0n : e.burned !== 0n || e.paid > e.delta)
            fail(
              `I5/I6: span ${e.fromRound}..${e.toRound} delta ${e.delta} burned ${e.burned} paid ${e.paid} for ${who}`,
            );
        }
      }
      if (rec?.kind === "deposit" && own && c.balance < p.balance) fail(`I4: deposit lowered ${who}'s balance`);
    }

    // I2 + I3 over the rounds read (stakers only)
    const registry = registryHash(a.models);
    for (let round = c.fromRound; round <= to && c.stakes.length > 0; round++) {
      const k = round - c.fromRound;
      const v = c.vectors[k]!;
      const stake = c.stakes[k]!;
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

  // I6: each account's open rounds commit at most its largest opening stake (stakes as checked against the chain).
  for (const addr of w.stakers) {
    const a = m.accounts[addr]!;
    let committed = 0n;
    let largest = 0n;
    for (const round of openRounds) {
      const rd = m.rounds[round]!;
      const stake = stakeAt(a, round);
      committed += ((stake / BigInt(rd.divisor)) * rd.cap) / RATE_SCALE;
      if (stake > largest) largest = stake;
    }
    if (committed > largest)
      fail(`I6: ${name(addr)}'s ${openRounds.length} open rounds commit ${committed}, above its stake ${largest}`);
  }

  // I3: each settled round's result depends only on the snapshot taken at its opening (its slice of it, limited to
  // what earlier losses left).
  for (const e of rec?.settled ?? []) {
    const rd = m.rounds[e.round]!;
    const snap = rd.snaps[e.account];
    if (!snap) fail(`I3: no opening snapshot of ${name(e.account)} for round ${e.round}`);
    if (e.stakeAtRisk > snap.stake / BigInt(rd.divisor))
      fail(
        `I3: Settled(${name(e.account)}, ${e.round}).stakeAtRisk ${e.stakeAtRisk} > snapshot ${snap.stake} / ${rd.divisor}`,
      );
    const a = m.accounts[e.account]!;
    // Published rates, applied at most at the round's cap.
    const clamp = (x: bigint) => (x > rd.cap ? rd.cap : x < -rd.cap ? -rd.cap : x);
    const ratesBySlot = a.models.map((id) => (rd.root && rd.rates ? clamp(rd.rates[id] ?? 0n) : 0n));
    // A round settled as unprovable counts as zero for the account; only a published round past its proof
    // deadline may be (the block time of the settlement is m.now).
    if (e.unprovable && (rd.root === null || m.now <= rd.proofDeadline))
      fail(`Settled(${name(e.account)}, ${e.round}) unprovable before its proof deadline or unpublished`);
    const expected = e.unprovable ? 0n : roundDelta(e.stakeAtRisk, pad(snap.w, a.models.length), ratesBySlot);
    if (e.delta !== expected)
      fail(`I3: Settled(${name(e.account)}, ${e.round}).delta ${e.delta} != roundDelta(snapshot) ${expected}`);
  }

  // I4: a staker's wallet grows only through its own claim, by exactly the claimed amount.
  if (prev) {
    const before = new Map(prev.holders.map((h, i) => [h, prev.holderBalances[i]]));
    w.stakers.forEach((h) => {
      const diff = balanceOf.get(h)! - before.get(h)!;
      if (diff > 0n && !(rec?.claimed && rec.claimed.account === h && rec.claimed.amount === diff)) {
        fail(`I4: ${name(h)}'s wallet grew by ${diff} through ${rec?.kind} by ${name(rec?.caller ?? ZERO)}`);
      }
      if (diff < 0n && !(rec && rec.caller === h))
        fail(`I4: ${name(h)}'s wallet shrank by ${-diff} through someone else's ${rec?.kind}`);
    });
  }

  // Keep the staker part as the previous read.
  if (all) {
    run.prev = { ...s, accounts: w.stakers.map((x) => s.accounts[w.actors.indexOf(x)]!) };
  } else {
    run.prev = s;
  }
}

function pendingDecreased(p: ChainAccount, c: ChainAccount): boolean {
  return c.pendingWithdrawal < p.pendingWithdrawal;
}
