import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { OPEN_WEEKDAYS, demoCalendarDays, demoGenesisDate } from "./demoCalendar";

const DAY_MS = 86_400_000;

describe("demo calendar", () => {
  it("opens rounds only on Numerai's weekdays: 5 rounds take a week from a Sunday", () => {
    const sunday = Date.UTC(2026, 10, 29) / 1000; // 2026-11-29 was a Sunday
    assert.equal(new Date(sunday * 1000).getUTCDay(), 0);
    assert.equal(demoCalendarDays(5, sunday), 6); // Monday skipped, Tuesday..Saturday open
    assert.equal(demoCalendarDays(6, sunday), 9); // Sunday and Monday skipped again, then Tuesday
    assert.equal(demoCalendarDays(3, sunday, [0, 1, 2, 3, 4, 5, 6]), 3);
  });

  it("starts the chain far enough back for the demo's rounds to end within a day of now, an hour early", () => {
    const now = Date.UTC(2026, 11, 1, 21, 0, 0);
    for (const rounds of [1, 30, 80]) {
      const genesis = demoGenesisDate(rounds, now);
      const days = demoCalendarDays(rounds, genesis.getTime() / 1000, OPEN_WEEKDAYS);
      const end = genesis.getTime() + days * DAY_MS;
      assert.ok(end <= now - 3_600_000, `${rounds} rounds end before now less an hour`);
      assert.ok(end > now - 3_600_000 - DAY_MS, `${rounds} rounds end within a day of it`);
    }
  });
});
