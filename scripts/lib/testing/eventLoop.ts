/**
 * How often other callbacks ran while `work` was under way: a callback that re-schedules itself with setImmediate runs
 * once per yield to the event loop, and never while synchronous work holds it. Counted, not timed (a loaded machine
 * stretches any wall-clock bound).
 */
export async function callbacksDuring<T>(work: () => Promise<T>): Promise<{ result: T; callbacks: number }> {
  let running = true;
  let callbacks = 0;
  const probe = () => {
    if (!running) return;
    callbacks++;
    setImmediate(probe);
  };
  setImmediate(probe);
  try {
    return { result: await work(), callbacks };
  } finally {
    running = false;
  }
}
