/**
 * Random inputs of the invariant fuzz, drawn from the sequence's seeded PRNG: amounts, valid and invalid weight
 * vectors (the mirror, not the generator, decides which error an invalid one must raise), published rates, and
 * settlement entries with proofs from the published trees (sometimes with one defect). Drawing order is part of the
 * sequence: the same seed gives the same inputs.
 */
import { accountRoundResult, unprovableRoundResult, type RoundResultArg } from "@portfolio-stake/core/results";
import type { Prng } from "@portfolio-stake/core/prng";
import {
  BPS,
  MAX_MODELS,
  NMR,
  RATE_SCALE,
  ZERO_MODEL,
  emptyAccount,
  low,
  needsProof,
  settleable,
  short,
  trees,
  vectorAt,
  type AccountResultsArg,
  type MAccount,
  type Mirror,
  type World,
} from "./mirror";

/** An amount: mostly 1..5,000 NMR, sometimes 1 wei, sometimes up to `max`. */
export function amount(rng: Prng, max: bigint): bigint {
  const r = rng;
  return r.weighted<() => bigint>([
    [() => 1n, 3],
    [() => r.bigint(1n, NMR), 15],
    [() => r.bigint(NMR, 100n * NMR), 40],
    [() => r.bigint(100n * NMR, 5_000n * NMR), 20],
    [() => (max > 0n ? r.bigint(1n, max) : 1n), 10],
  ])();
}

/** k weights summing to 10,000 (zeros allowed). */
export function split(rng: Prng, k: number): number[] {
  const r = rng;
  if (k === 1) return [BPS];
  const style = r.int(0, 3);
  if (style === 0) {
    const base = Math.floor(BPS / k);
    const out = Array.from({ length: k }, () => base);
    out[r.int(0, k - 1)]! += BPS - base * k;
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

/** A valid vector for `a`: its canonical list, a reordered subset, or a single model. */
export function validVector(rng: Prng, a: MAccount): { ids: string[]; bps: number[] } {
  const r = rng;
  const n = a.models.length;
  const style = r.weighted<string>([
    ["canonical", 35],
    ["subset", 50],
    ["single", 15],
  ]);
  if (style === "canonical") return { ids: [...a.models], bps: split(r, n) };
  if (style === "single") return { ids: [r.pick(a.models)], bps: [BPS] };
  const ids = r.shuffle(a.models).slice(0, r.int(1, n));
  return { ids, bps: split(r, ids.length) };
}

/** A model ID registered to nobody. */
export function unknownModel(rng: Prng, m: Mirror): string {
  let id: string;
  do id = rng.hex(16);
  while (m.owners[id] !== undefined || id === ZERO_MODEL);
  return id;
}

/** A vector with (usually) one defect; the mirror, not the generator, decides the expected error. */
export function invalidVector(rng: Prng, m: Mirror, a: MAccount): { ids: string[]; bps: number[]; defect: string } {
  const r = rng;
  const { ids, bps } = a.models.length ? validVector(r, a) : { ids: [unknownModel(r, m)], bps: [BPS] };
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
      if (bps[i]! > 0 && r.bool()) bps[i]! -= r.int(1, bps[i]!);
      else bps[i]! += r.int(1, Math.max(1, 65_535 - bps[i]!));
      if (bps[i]! > 65_535) bps[i] = 65_535;
      break;
    }
    case "tooLarge":
      bps[r.int(0, bps.length - 1)] = r.int(BPS + 1, 65_535);
      break;
    case "duplicate": {
      const j = r.int(0, ids.length - 1);
      const i = at();
      ids.splice(i, 0, ids[j]!);
      bps.splice(i, 0, r.bool() ? 0 : r.int(0, BPS));
      break;
    }
    case "foreign": {
      const foreign = Object.keys(m.owners).filter((id) => m.owners[id] !== a.addr);
      const i = at();
      ids.splice(i, 0, r.pick(foreign));
      bps.splice(i, 0, 0);
      break;
    }
    case "unknown": {
      const i = at();
      ids.splice(i, 0, unknownModel(r, m));
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
        ids.push(unknownModel(r, m));
        bps.push(0);
      }
      break;
    case "allZero":
      bps.fill(0);
      break;
  }
  return { ids, bps, defect };
}

/** A published rate for a round with rate cap `cap`, by pattern (see publishRound). */
export function rateFor(rng: Prng, cap: bigint, pattern: string): bigint {
  const r = rng;
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

/** Builds one account's settlement entry for `count` rounds from `start`, possibly with one defect. */
export function settleEntry(
  rng: Prng,
  m: Mirror,
  w: World,
  account: string,
  start: number,
  count: number,
  ts: number,
  clean = false,
): { entry: AccountResultsArg; desc: string } {
  const r = rng;
  const a = m.accounts[low(account)] ?? emptyAccount(w, low(account));
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
      needsProof(m, a, round) &&
      weights.some((wt, slot) => {
        const id = a.models[slot];
        return wt !== 0 && id !== undefined && rd.rates?.[id] === undefined;
      });
    if (pastGrace && (missingLeaf || r.bool(0.15))) results.push(unprovableRoundResult(round));
    else results.push(accountRoundResult(round, tree, a.models, onlyWeighted ? weights : undefined));
  }
  let models = [...a.models];
  const anyProof = results.some((res) => needsProof(m, a, Number(res.round)) && settleable(m, Number(res.round), ts));
  if (!anyProof && r.bool(0.3)) models = [];
  let desc = `${short(account, w)} ${start}..${start + count - 1}${onlyWeighted ? " weighted" : ""}`;
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
    const proofRounds = results.filter((res) => needsProof(m, a, Number(res.round)));
    const target = proofRounds.length ? r.pick(proofRounds) : r.pick(results);
    const rd = m.rounds[Number(target.round)];
    switch (defect) {
      case "rate":
        if (target.rates.length) {
          const i = r.int(0, target.rates.length - 1);
          const cap = rd?.cap ?? 0n;
          target.rates[i] = target.rates[i]! + 1n <= cap ? target.rates[i]! + 1n : target.rates[i]! - 1n;
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
          target.slots.push(target.slots[i]!);
          target.rates.push(target.rates[i]!);
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
          [models[i], models[i + 1]] = [models[i + 1]!, models[i]!];
        } else models = [...models, unknownModel(r, m)];
        break;
      case "order":
        if (r.bool() || results.length === 1) results[0]!.round = BigInt(start + 1);
        else results[results.length - 1]!.round = results[results.length - 2]!.round;
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
        const hit = results[early];
        if (hit) results[early] = unprovableRoundResult(hit.round);
        break;
      }
      case "unprovableUnpublished": {
        // An unpublished round flagged unprovable: RoundNotPublished (expired rounds need no flag).
        const unpublished = results.findIndex((res) => m.rounds[Number(res.round)]?.root === null);
        const hit = results[unpublished];
        if (hit) results[unpublished] = unprovableRoundResult(hit.round);
        break;
      }
    }
    desc += ` defect:${defect}@${target.round}`;
  }
  return { entry: { account, models, results }, desc };
}
