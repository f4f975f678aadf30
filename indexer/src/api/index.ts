/**
 * The indexer's API: GraphQL at /graphql (every table, filters, relations), the SQL client at /sql, and a few
 * REST routes for what the web app asks most (numbers as strings: they are wei or 18-decimal rates).
 */
import { Hono } from "hono";
import { and, client, desc, eq, gte, graphql, inArray, isNotNull, lte, replaceBigInts } from "ponder";
import { db } from "ponder:api";
import schema from "ponder:schema";
import { isOpenRound, sliceOf, stakeAtRound, summarizeExposure } from "@portfolio-stake/core/exposure";
import type { IndexedEventKind } from "@portfolio-stake/core/history";

const app = new Hono();
app.use("/sql/*", client({ db, schema }));
app.use("/", graphql({ db, schema }));
app.use("/graphql", graphql({ db, schema }));

const json = <T>(value: T) => replaceBigInts(value, (v) => String(v));
const isAddress = (s: string) => /^0x[0-9a-fA-F]{40}$/.test(s);

/**
 * An account (nonce and models included: `models` is modelsOf, the zero ID at a freed slot), the models proposed to
 * it and not yet accepted, and its events newest first.
 */
app.get("/accounts/:address/history", async (c) => {
  const address = c.req.param("address").toLowerCase() as `0x${string}`;
  if (!isAddress(address)) return c.json({ error: `"${address}" is not an address` }, 400);
  const [row] = await db.select().from(schema.account).where(eq(schema.account.address, address));
  const proposals = await db
    .select()
    .from(schema.modelProposal)
    .where(eq(schema.modelProposal.account, address))
    .orderBy(schema.modelProposal.proposedAtBlock);
  const events = await db
    .select()
    .from(schema.accountEvent)
    .where(eq(schema.accountEvent.account, address))
    .orderBy(desc(schema.accountEvent.blockNumber), desc(schema.accountEvent.logIndex));
  return c.json(json({ account: row ?? null, proposals, events }));
});

/** The account's registry: bound models by slot (modelsOf), pending proposals, and its nonce (nonces). */
app.get("/accounts/:address/registry", async (c) => {
  const address = c.req.param("address").toLowerCase() as `0x${string}`;
  if (!isAddress(address)) return c.json({ error: `"${address}" is not an address` }, 400);
  const [row] = await db.select().from(schema.account).where(eq(schema.account.address, address));
  const proposals = await db
    .select()
    .from(schema.modelProposal)
    .where(eq(schema.modelProposal.account, address))
    .orderBy(schema.modelProposal.proposedAtBlock);
  return c.json(
    json({
      account: address,
      nonce: row?.nonce ?? 0n,
      modelCount: row?.modelCount ?? 0,
      models: row?.models ?? [],
      proposals: proposals.map((p) => p.id),
    }),
  );
});

/** Contract parameters as last set (ParameterUpdated), the burn mode and sink (BurnConfigured). */
app.get("/parameters", async (c) => {
  const rows = await db.select().from(schema.parameter);
  return c.json(json(Object.fromEntries(rows.map((r) => [r.name, r.name === "burnSink" ? r.address : r.value]))));
});

/**
 * The rewards pool and owed rewards as totals() reports them (rewardsPool; owedTotal = owedRewards, still owed;
 * owedReserve, paid by refills and not yet claimed), the last refill's pro-rata index, and lifetime sums.
 */
app.get("/rewards", async (c) => {
  const [row] = await db.select().from(schema.rewards).where(eq(schema.rewards.id, "global"));
  return c.json(
    json(
      row ?? {
        id: "global",
        rewardsPool: 0n,
        owedTotal: 0n,
        owedReserve: 0n,
        owedFactor: 10n ** 36n,
        owedEpoch: 0,
        owedScale: 0,
        totalFunded: 0n,
        totalToOwed: 0n,
        totalClaimed: 0n,
      },
    ),
  );
});

/** A model's rate per round, oldest first. */
app.get("/models/:id/performance", async (c) => {
  const id = c.req.param("id").toLowerCase() as `0x${string}`;
  if (!/^0x[0-9a-f]{32}$/.test(id)) return c.json({ error: `"${id}" is not a bytes16 model id` }, 400);
  const rows = await db
    .select()
    .from(schema.modelRound)
    .where(eq(schema.modelRound.model, id))
    .orderBy(schema.modelRound.round);
  return c.json(json({ model: id, rounds: rows }));
});

/** Every account's weight on a model in round r: per account, its latest vector effective at or before r. */
app.get("/rounds/:round/allocations", async (c) => {
  const r = Number(c.req.param("round"));
  const modelId = c.req.query("model")?.toLowerCase() as `0x${string}` | undefined;
  if (!Number.isInteger(r) || r < 0) return c.json({ error: "round must be a non-negative integer" }, 400);
  const rows = await db
    .select()
    .from(schema.allocation)
    .where(lte(schema.allocation.effectiveRound, r))
    .orderBy(
      schema.allocation.account,
      desc(schema.allocation.effectiveRound),
      desc(schema.allocation.blockNumber),
      desc(schema.allocation.logIndex),
    );
  const latest = new Map<string, (typeof rows)[number]>();
  for (const row of rows) if (!latest.has(row.account)) latest.set(row.account, row);
  // Per model as expanded when the vector was set: the model bound to each slot then (a slot may be reused later).
  const ids = [...latest.values()].map((v) => v.id);
  const weights = ids.length
    ? await db
        .select()
        .from(schema.allocationWeight)
        .where(
          modelId
            ? and(inArray(schema.allocationWeight.allocationId, ids), eq(schema.allocationWeight.model, modelId))
            : inArray(schema.allocationWeight.allocationId, ids),
        )
    : [];
  const out = weights
    .filter((w) => w.bps > 0)
    .map((w) => ({ account: w.account, model: w.model, bps: w.bps, effectiveRound: w.effectiveRound }));
  return c.json(json({ round: r, allocations: out }));
});

/** Totals of a round: opened/published, accounts settled, stake at risk, result, paid, burned. */
app.get("/rounds/:round/totals", async (c) => {
  const r = Number(c.req.param("round"));
  if (!Number.isInteger(r) || r < 0) return c.json({ error: "round must be a non-negative integer" }, 400);
  const [row] = await db.select().from(schema.round).where(eq(schema.round.round, r));
  if (!row) return c.json({ error: `round ${r} was never opened` }, 404);
  return c.json(json(row));
});

/** The vector of `account` in force in round r (what allocationAt returns). */
app.get("/accounts/:address/vector/:round", async (c) => {
  const address = c.req.param("address").toLowerCase() as `0x${string}`;
  const r = Number(c.req.param("round"));
  const [row] = await db
    .select()
    .from(schema.allocation)
    .where(and(eq(schema.allocation.account, address), lte(schema.allocation.effectiveRound, r)))
    .orderBy(
      desc(schema.allocation.effectiveRound),
      desc(schema.allocation.blockNumber),
      desc(schema.allocation.logIndex),
    )
    .limit(1);
  return c.json(
    json({ account: address, round: r, weights: row?.weights ?? [], effectiveRound: row?.effectiveRound ?? null }),
  );
});

/** The account events that change its stake (balance), each carrying the balance after it. */
const BALANCE_CHANGES: IndexedEventKind[] = [
  "deposited",
  "withdrawal-requested",
  "settled",
  "span-settled",
  "rewards-claimed",
];

/**
 * What the account's rounds put at risk, from indexed events only (the app's exposure card computes the same from
 * the contract's views, with the same core functions): the next round's slice (its stake now / the current R, at the
 * current cap), and every open round (opened, proof deadline not passed at `at`) with its slice (the stake it opened
 * with / its R, as sliceAt), its cap (as roundInfo) and its most possible loss, slice x cap; `openRounds` is their
 * number N and `openMaxLoss` their sum Y. `?at=` is the time (unix seconds) "open" is judged at; by default the
 * newest block time the indexer has seen (a round opened or an account event).
 */
app.get("/accounts/:address/exposure", async (c) => {
  const address = c.req.param("address").toLowerCase() as `0x${string}`;
  if (!isAddress(address)) return c.json({ error: `"${address}" is not an address` }, 400);
  const atParam = c.req.query("at");
  if (atParam !== undefined && !/^\d+$/.test(atParam)) return c.json({ error: "at must be unix seconds" }, 400);
  const [head] = await db.select().from(schema.chainState).where(eq(schema.chainState.id, "head"));
  const currentRound = head?.openRound ?? 0;
  const [lastRound] = await db.select().from(schema.round).orderBy(desc(schema.round.openedAt)).limit(1);
  const [lastEvent] = await db
    .select({ timestamp: schema.accountEvent.timestamp })
    .from(schema.accountEvent)
    .orderBy(desc(schema.accountEvent.timestamp))
    .limit(1);
  const seen = [lastRound?.openedAt ?? 0n, lastEvent?.timestamp ?? 0n].reduce((a, b) => (a > b ? a : b));
  const at = atParam !== undefined ? Number(atParam) : Number(seen);
  const params = Object.fromEntries(
    (await db.select().from(schema.parameter)).map((row) => [row.name, row.value] as const),
  );
  const sliceDivisor = Number(params.sliceDivisor ?? 1n);
  const rateCap = params.rateCap ?? 0n;
  const changes = (
    await db
      .select({ openRound: schema.accountEvent.openRound, balance: schema.accountEvent.balance })
      .from(schema.accountEvent)
      .where(
        and(
          eq(schema.accountEvent.account, address),
          inArray(schema.accountEvent.kind, BALANCE_CHANGES),
          isNotNull(schema.accountEvent.balance),
        ),
      )
      .orderBy(schema.accountEvent.blockNumber, schema.accountEvent.logIndex)
  ).map((row) => ({ openRound: row.openRound, balance: row.balance! }));
  const candidates = await db
    .select()
    .from(schema.round)
    .where(gte(schema.round.proofDeadline, BigInt(at)));
  const open = candidates
    .map((r) => ({ ...r, openedAt: Number(r.openedAt), proofDeadline: Number(r.proofDeadline) }))
    .filter((r) => isOpenRound(r, at))
    .map((r) => ({
      round: r.round,
      slice: sliceOf(stakeAtRound(changes, r.round), r.sliceDivisor),
      sliceDivisor: r.sliceDivisor,
      rateCap: r.rateCap,
      proofDeadline: r.proofDeadline,
    }));
  const nextRound = currentRound + 1;
  const exposure = summarizeExposure(
    { round: nextRound, slice: sliceOf(stakeAtRound(changes, nextRound), sliceDivisor), sliceDivisor, rateCap },
    open,
  );
  return c.json(
    json({
      account: address,
      at,
      currentRound,
      next: exposure.next,
      open: exposure.open,
      openRounds: exposure.open.length,
      openMaxLoss: exposure.openMaxLoss,
    }),
  );
});

export default app;
