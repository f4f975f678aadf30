/** The delay before a result is public. Run: node --import tsx --test packages/core/src/suggest/timing.test.ts */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { delayFromRoundTimes, NUMERAI_DAILY_DELAY } from "./timing";

const DAY = 86_400;

/** Rounds opening Tuesday to Saturday from Tuesday 2026-01-06, each resolving `resolution` seconds after opening. */
function schedule(count: number, resolution: number) {
  const out = [];
  let day = Date.UTC(2026, 0, 6) / 1000;
  for (let round = 1; out.length < count; day += DAY) {
    const weekday = new Date(day * 1000).getUTCDay();
    if (weekday >= 2 && weekday <= 6) out.push({ round: round++, openedAt: day, resolvesAt: day + resolution });
  }
  return out;
}

describe("delay from round times (packages/core/src/suggest/timing.ts)", function () {
  it("is 20 rounds for daily rounds (Tuesday to Saturday) resolving 28 days after opening", function () {
    assert.equal(delayFromRoundTimes(schedule(60, 28 * DAY)), NUMERAI_DAILY_DELAY);
  });

  it("counts a round opening at the very second of resolution as after it, and takes the largest delay", function () {
    const times = [
      { round: 1, openedAt: 0, resolvesAt: 200 },
      { round: 2, openedAt: 100, resolvesAt: 250 },
      { round: 3, openedAt: 200, resolvesAt: 300 },
      { round: 4, openedAt: 240, resolvesAt: 400 },
      { round: 5, openedAt: 260, resolvesAt: 500 },
    ];
    // Round 1 → round 3 (opens at 200): 2. Round 2 → round 5 (260 ≥ 250): 3. Rounds 3-5: nothing opens after.
    assert.equal(delayFromRoundTimes(times), 3);
    assert.equal(delayFromRoundTimes(times.slice(0, 2)), null);
    assert.equal(delayFromRoundTimes([]), null);
  });
});
