import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { formatTime } from "@/lib/format";
import {
  claimWindowText,
  nextRoundOpening,
  nextRoundOpeningText,
  owedRewardsWhenText,
  type RoundSchedule,
  withdrawalClaimWindow,
} from "./dates";

const DAY = 86_400;
const E = 10n ** 18n;
// The deploy defaults: daily rounds, resolution after 30 days, publish window 10 days, proof grace 10 days.
const T0 = 1_800_000_000; // round 1 opens here
const schedule = (round: number, published = false): RoundSchedule => {
  const openedAt = T0 + (round - 1) * DAY;
  return {
    round,
    resolvesAt: openedAt + 30 * DAY,
    deadline: openedAt + 40 * DAY,
    proofDeadline: openedAt + 50 * DAY,
    published,
  };
};

describe("withdrawalClaimWindow", () => {
  test("a request in round 40: the last at-risk round's resolution, not the 7-day delay, sets the date", () => {
    // Now: 2 hours into round 40; settled through round 9, rounds 10-40 (all open) still to settle.
    const now = T0 + 39 * DAY + 7200;
    const rounds = Array.from({ length: 40 }, (_, i) => schedule(i + 1, i + 1 <= 9));
    const w = withdrawalClaimWindow({ releaseAt: now + 7 * DAY, lastRound: 40, nextSettleRound: 10, rounds, now });
    // Round 40 opened at T0 + 39 days: resolves 30 days later, proof deadline 50 days later.
    assert.deepEqual(w, {
      earliest: T0 + 69 * DAY,
      latest: T0 + 89 * DAY,
      limitedBy: { kind: "round", round: 40 },
      latestRound: 40,
    });
    assert.equal(w.earliest - now, 30 * DAY - 7200); // about 4 weeks, where the old text said "in 7 days"
  });

  test("the delay sets the date when every at-risk round resolves before it", () => {
    const now = T0 + 39 * DAY;
    const w = withdrawalClaimWindow({
      releaseAt: now + 60 * DAY,
      lastRound: 40,
      nextSettleRound: 40,
      rounds: [schedule(40)],
      now,
    });
    assert.deepEqual(w, {
      earliest: now + 60 * DAY,
      latest: now + 60 * DAY,
      limitedBy: { kind: "delay" },
      latestRound: undefined,
    });
  });

  test("published rounds can be settled now; their proof deadline is still the latest bound", () => {
    const now = T0 + 75 * DAY; // round 40 resolved (T0 + 69 d) and is published
    const w = withdrawalClaimWindow({
      releaseAt: T0 + 46 * DAY,
      lastRound: 40,
      nextSettleRound: 38,
      rounds: [schedule(38, true), schedule(39, true), schedule(40, true)],
      now,
    });
    assert.deepEqual(w, { earliest: now, latest: T0 + 89 * DAY, limitedBy: { kind: "now" }, latestRound: 40 });
  });

  test("an unpublished round past its resolution: from now (publication may come any time), latest its proof deadline", () => {
    const now = T0 + 75 * DAY;
    const w = withdrawalClaimWindow({ releaseAt: T0, lastRound: 40, nextSettleRound: 40, rounds: [schedule(40)], now });
    assert.equal(w.earliest, now);
    assert.equal(w.latest, T0 + 89 * DAY);
  });

  test("rounds past their proof deadline (absent from the open rounds) and settled rounds hold nothing back", () => {
    const now = T0 + 200 * DAY;
    const w = withdrawalClaimWindow({ releaseAt: T0, lastRound: 40, nextSettleRound: 30, rounds: [], now });
    assert.deepEqual(w, { earliest: now, latest: now, limitedBy: { kind: "now" }, latestRound: undefined });
    const settled = withdrawalClaimWindow({
      releaseAt: T0 + 50 * DAY,
      lastRound: 40,
      nextSettleRound: 41,
      rounds: [schedule(40)],
      now: T0 + 45 * DAY,
    });
    assert.deepEqual(settled.limitedBy, { kind: "delay" });
    assert.equal(settled.earliest, T0 + 50 * DAY);
  });

  test("the text gives both dates and the reason", () => {
    const now = T0 + 39 * DAY;
    const w = withdrawalClaimWindow({
      releaseAt: now + 7 * DAY,
      lastRound: 40,
      nextSettleRound: 40,
      rounds: [schedule(40)],
      now,
    });
    assert.equal(
      claimWindowText(w, now),
      `from about ${formatTime(T0 + 69 * DAY)} (in 30 days), at the latest ${formatTime(T0 + 89 * DAY)} (round 40's proof deadline: after it an unpublished or unprovable round counts as zero); round 40, the last one it is at risk in, resolves then and must be published and settled first. Anyone may send the settlement, you included.`,
    );
  });
});

describe("nextRoundOpening", () => {
  test("the newest round's opening + minRoundInterval", () => {
    assert.deepEqual(nextRoundOpening(T0, DAY, T0 + 3600), { kind: "scheduled", at: T0 + DAY });
    assert.deepEqual(nextRoundOpening(T0, DAY, T0 + DAY), { kind: "due", since: T0 + DAY });
    assert.deepEqual(nextRoundOpening(null, DAY, T0), { kind: "first" });
  });
  test("in words", () => {
    assert.equal(
      nextRoundOpeningText(81, { kind: "scheduled", at: T0 + DAY }, T0 + 3600),
      `round 81, expected to open at ${formatTime(T0 + DAY)} (in 23 hours; the operator opens it, never earlier)`,
    );
    assert.match(
      nextRoundOpeningText(81, { kind: "due", since: T0 }, T0 + 5),
      /^round 81, as soon as the operator opens it/,
    );
  });
});

describe("owedRewardsWhenText", () => {
  test("claimable now, the rest at the next refill", () => {
    assert.equal(
      owedRewardsWhenText(2n * E, 3n * E),
      "2.00 NMR can be claimed now. 3.00 NMR becomes claimable at the next refill of the rewards pool (pro rata if the refill is short); refills have no schedule, so there is no date for it.",
    );
    assert.match(owedRewardsWhenText(0n, 3n * E), /^3\.00 NMR becomes claimable at the next refill/);
    assert.equal(owedRewardsWhenText(1n * E, 0n), "1.00 NMR can be claimed now.");
    assert.equal(owedRewardsWhenText(0n, 0n), "Nothing is owed.");
  });
});
