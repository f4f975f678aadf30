/**
 * The keeper's span path: which of an account's unsettled rounds settle together with settleSpans (planned by
 * @portfolio-stake/core/spans from the chain's views), and the settleSpans entry for them, with each boundary's
 * multiproof of the account's cumulative (kind-1) leaves.
 *
 * Reads are batched: the rounds' roundInfo (the same for every account: read once per run once published, since a
 * published round never changes) and each account's stakeAt / allocationAt over its backlog go through the
 * contract's `multicall` as one eth_call. Only the boundary rounds' trees are loaded: a 20-round span needs two.
 */
import type { PortfolioStake } from "../../typechain-types";
import type { IPortfolioStake } from "../../typechain-types/contracts/PortfolioStake";
import { ZERO_ROOT } from "./chain";
import type { RoundBook } from "./leafFiles";
import { accountSpanBoundary, normaliseModelId } from "@portfolio-stake/core/results";
import type { IndexedRoundTree } from "./roundTrees";
import { planSpans, type SpanPiece, type SpanRoundInfo } from "@portfolio-stake/core/spans";

/** settleSpans's entry for one account, the account as a plain address string. */
export type SpanEntry = IPortfolioStake.SpanResultsStruct & { account: string };

/** Round data the planner needs, cached once published (a published round's root, cap and run are final). */
export class SpanRounds {
  private readonly published = new Map<bigint, SpanRoundInfo>();

  constructor(private readonly stake: PortfolioStake) {}

  /** roundInfo of rounds from..to (one multicall for the ones not cached). */
  async read(from: bigint, to: bigint): Promise<Map<bigint, SpanRoundInfo>> {
    const out = new Map<bigint, SpanRoundInfo>();
    const missing: bigint[] = [];
    for (let r = from < 1n ? 1n : from; r <= to; r++) {
      const known = this.published.get(r);
      if (known) out.set(r, known);
      else missing.push(r);
    }
    if (missing.length === 0) return out;
    const results = await multicallView(
      this.stake,
      missing.map((r) => this.stake.interface.encodeFunctionData("roundInfo", [r])),
    );
    missing.forEach((r, i) => {
      const [info] = this.stake.interface.decodeFunctionResult("roundInfo", results[i]!) as unknown as [
        IPortfolioStake.RoundInfoStructOutput,
      ];
      const value: SpanRoundInfo = {
        published: info.root !== ZERO_ROOT,
        publishedRun: Number(info.publishedRun),
        rateCap: info.rateCap,
        sliceDivisor: info.sliceDivisor,
      };
      if (value.published) this.published.set(r, value);
      out.set(r, value);
    });
    return out;
  }

  /** Forgets rounds before `round` (the keeper's window moved past them). */
  evictBefore(round: bigint) {
    for (const r of [...this.published.keys()]) if (r < round) this.published.delete(r);
  }
}

/** Runs view calls through the contract's multicall as one eth_call; the results in order. */
export async function multicallView(stake: PortfolioStake, calls: string[]): Promise<string[]> {
  if (calls.length === 0) return [];
  return [...(await stake.multicall.staticCall(calls))];
}

/** What an account's span plan needs from the chain besides the rounds. */
export interface AccountSpanState {
  stakes: Map<bigint, bigint>; // stakeAt by round
  weights: Map<bigint, bigint[]>; // allocationAt weights by round (registry order)
  vectorStarts: bigint[];
}

/** stakeAt and allocationAt of rounds from..to in one multicall; vector starts where the weights change. */
export async function readAccountSpanState(
  stake: PortfolioStake,
  account: string,
  from: bigint,
  to: bigint,
  lastAllocationRound: bigint,
): Promise<AccountSpanState> {
  const rounds: bigint[] = [];
  for (let r = from; r <= to; r++) rounds.push(r);
  const calls = rounds.flatMap((r) => [
    stake.interface.encodeFunctionData("stakeAt", [account, r]),
    stake.interface.encodeFunctionData("allocationAt", [account, r]),
  ]);
  const results = await multicallView(stake, calls);
  const stakes = new Map<bigint, bigint>();
  const weights = new Map<bigint, bigint[]>();
  rounds.forEach((r, i) => {
    const [value] = stake.interface.decodeFunctionResult("stakeAt", results[2 * i]!);
    stakes.set(r, BigInt(value as bigint));
    const [, bps] = stake.interface.decodeFunctionResult("allocationAt", results[2 * i + 1]!);
    weights.set(
      r,
      [...(bps as bigint[])].map((w) => BigInt(w)),
    );
  });
  // A new vector starts where the weights change, and at the newest vector's effective round (it may repeat the
  // weights before it). A vector set again with the same weights earlier than that is not seen here: the contract
  // then refuses the span (SpanVectorChanged) and the keeper settles the account round by round.
  const vectorStarts = [from];
  for (let r = from + 1n; r <= to; r++) if (!sameWeights(weights.get(r), weights.get(r - 1n))) vectorStarts.push(r);
  if (lastAllocationRound > from && lastAllocationRound <= to) vectorStarts.push(lastAllocationRound);
  return { stakes, weights, vectorStarts };
}

const sameWeights = (a: readonly bigint[] | undefined, b: readonly bigint[] | undefined) =>
  a !== undefined && b !== undefined && a.length === b.length && a.every((w, i) => w === b[i]);

/** Whether `tree` holds a cumulative leaf for every slot of `models` weighted in `weights`. */
export function provesCumulatives(
  tree: Pick<IndexedRoundTree, "cumulativeIndexByModel">,
  models: readonly string[],
  weights: readonly bigint[],
): boolean {
  return models.every(
    (id, slot) => (weights[slot] ?? 0n) === 0n || tree.cumulativeIndexByModel.has(normaliseModelId(id)),
  );
}

/** What the keeper does first for an account: a span entry, per-round rounds up to `spanFrom`, or per round only. */
export type FirstPiece =
  | { kind: "spans"; boundaries: bigint[] }
  | { kind: "rounds"; spanFrom?: bigint } // per round, up to the next span's first round if one follows
  | { kind: "none" };

export interface SpanPlanContext {
  stake: PortfolioStake;
  book: RoundBook;
  rounds: SpanRounds;
  now: bigint;
  current: bigint;
  minSpanRounds: number;
}

/**
 * Plans the account's backlog with planSpans and returns what to do first. Boundary trees are loaded as the plan
 * needs them (a boundary whose tree is missing, refused, or lacks a weighted model's cumulative leaf is unprovable and
 * the plan is made again without it), so only a few trees are read for a long backlog.
 */
export async function firstPiece(
  ctx: SpanPlanContext,
  account: string,
  view: { nextSettleRound: bigint; balance: bigint; claimableRewards: bigint; lastAllocationRound: bigint },
  models: readonly string[],
): Promise<{ piece: FirstPiece; weights?: Map<bigint, bigint[]> }> {
  const next = view.nextSettleRound;
  const last = ctx.current;
  if (next === 0n || last - next + 1n < BigInt(ctx.minSpanRounds)) return { piece: { kind: "none" } };
  const infos = await ctx.rounds.read(next - 1n, last);
  // Rounds before the first published run long enough for a span need no more reads.
  if (![...infos.values()].some((i) => i.publishedRun >= ctx.minSpanRounds + 1)) return { piece: { kind: "none" } };
  const state = await readAccountSpanState(ctx.stake, account, next, last, view.lastAllocationRound);
  const provable = new Map<string, boolean>(); // `${boundary}:${vectorRound}`
  for (;;) {
    const unknown: [bigint, bigint][] = [];
    const plan = planSpans({
      nextSettleRound: next,
      lastRound: last,
      round: (r) => infos.get(r),
      stakeAt: (r) => state.stakes.get(r) ?? 0n,
      vectorStarts: state.vectorStarts,
      weighted: (r) => (state.weights.get(r) ?? []).some((w) => w !== 0n),
      provable: (boundary, vectorRound) => {
        const known = provable.get(`${boundary}:${vectorRound}`);
        if (known !== undefined) return known;
        unknown.push([boundary, vectorRound]);
        return true; // assumed, then checked below
      },
      // The ledger starts from the balance plus what refills paid (settlement credits it first).
      balance: view.balance + view.claimableRewards,
      minSpanRounds: ctx.minSpanRounds,
    });
    const first: SpanPiece | undefined = plan.pieces[0];
    // Check only what the first piece (or the span right after a per-round piece) relies on.
    const relied = new Set<string>();
    const spans = first?.kind === "spans" ? first : plan.pieces[1]?.kind === "spans" ? plan.pieces[1] : undefined;
    if (spans)
      for (const seg of plan.segments)
        if (seg.from > spans.boundaries[0]! && seg.to <= spans.boundaries[spans.boundaries.length - 1]!) {
          relied.add(`${seg.from - 1n}:${seg.from}`);
          relied.add(`${seg.to}:${seg.from}`);
        }
    const toCheck = unknown.filter(([b, v]) => relied.has(`${b}:${v}`));
    if (toCheck.length === 0) {
      if (!first) return { piece: { kind: "none" } };
      if (first.kind === "spans") return { piece: first, weights: state.weights };
      const after = plan.pieces[1];
      return {
        piece: after?.kind === "spans" ? { kind: "rounds", spanFrom: after.boundaries[0]! + 1n } : { kind: "rounds" },
      };
    }
    for (const [boundary, vectorRound] of toCheck) {
      const status = await ctx.book.status(boundary, ctx.now);
      const ok =
        status.kind === "published" && provesCumulatives(status.tree, models, state.weights.get(vectorRound) ?? []);
      provable.set(`${boundary}:${vectorRound}`, ok);
    }
  }
}

/**
 * The settleSpans entry for `boundaries`: each boundary proves the models weighted in the segments it bounds (the
 * contract wants every one of them; more are allowed).
 */
export async function spanEntry(
  ctx: Pick<SpanPlanContext, "book" | "now">,
  account: string,
  models: string[],
  boundaries: readonly bigint[],
  weights: ReadonlyMap<bigint, bigint[]>,
): Promise<SpanEntry> {
  const out: IPortfolioStake.SpanBoundaryStruct[] = [];
  for (const [i, round] of boundaries.entries()) {
    // The slots weighted in the segment the boundary ends or the one it starts (the contract wants all of them).
    const weighted = models.map(() => 0n);
    const add = (segmentFrom: bigint) =>
      (weights.get(segmentFrom) ?? []).forEach((w, slot) => {
        if (w !== 0n) weighted[slot] = 1n;
      });
    if (i > 0) add(boundaries[i - 1]! + 1n);
    if (i < boundaries.length - 1) add(round + 1n);
    const status = await ctx.book.status(round, ctx.now);
    if (status.kind !== "published") throw new Error(`round ${round} is no longer provable: ${status.kind}`);
    out.push(accountSpanBoundary(round, status.tree, models, weighted));
  }
  return { account, models, boundaries: out };
}
