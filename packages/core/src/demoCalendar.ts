/**
 * The demo's calendar: which days open a round, and when a fresh local chain must start for a demo of n rounds to end
 * about now. Pure date arithmetic, shared by the demo generator (scripts/lib/demo.ts) and the dev-chain harness
 * (devChain.ts), which starts the node in the past.
 */

/** Numerai opens daily rounds Tuesday to Saturday (UTC day numbers, 0 = Sunday). */
export const OPEN_WEEKDAYS = [2, 3, 4, 5, 6];
const DAY = 86_400;

/** Days the generator moves the clock to open `rounds` rounds, starting the day after `startSeconds` (Unix time). */
export function demoCalendarDays(
  rounds: number,
  startSeconds: number,
  weekdays: readonly number[] = OPEN_WEEKDAYS,
): number {
  let opened = 0;
  let days = 0;
  while (opened < rounds) {
    days++;
    if (weekdays.includes(new Date((startSeconds + days * DAY) * 1000).getUTCDay())) opened++;
  }
  return days;
}

/**
 * The genesis date for a fresh local node such that the demo's `rounds` rounds end about now (an hour before
 * `nowMs`): the history is in the recent past and the chain clock then runs with the wall clock.
 */
export function demoGenesisDate(rounds: number, nowMs: number, weekdays: readonly number[] = OPEN_WEEKDAYS): Date {
  const now = Math.floor(nowMs / 1000) - 3600;
  for (let back = 1; ; back++) {
    if (demoCalendarDays(rounds, now - back * DAY, weekdays) <= back) return new Date((now - back * DAY) * 1000);
  }
}
