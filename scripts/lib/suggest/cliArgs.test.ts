/** The command line of npm run suggest. Run: node --import tsx --test scripts/lib/suggest/cliArgs.test.ts */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseArgs } from "./cliArgs";

describe("npm run suggest's arguments (scripts/lib/suggest/cliArgs.ts)", function () {
  it("reads flags, with the environment variables as fallbacks and the defaults", function () {
    const args = parseArgs(["--evaluate", "--results", "data", "--delay", "22", "--max-weight", "25%"], {
      WINDOW: "90",
    });
    assert.deepEqual(args, {
      evaluate: true,
      results: "data",
      delay: 22,
      window: 90,
      minRates: 20,
      every: 1,
      minBps: 0,
      maxBps: 2500,
      scoreConfig: "numerai-2026-atomic",
      sliceDivisor: 64,
      markdown: false,
      network: undefined,
    });
    const fromEnv = parseArgs([], { EVALUATE: "1", RESULTS_FILE: "x.csv", DELAY: "0", EVERY: "5" });
    assert.equal(fromEnv.evaluate, true);
    assert.equal(fromEnv.results, "x.csv");
    assert.equal(fromEnv.delay, 0);
    assert.equal(fromEnv.every, 5);
    assert.equal(parseArgs([], {}).delay, undefined, "no delay given: derived from the chain, else 20");
    assert.equal(parseArgs(["--window", "30"], { WINDOW: "90" }).window, 30, "the flag wins");
  });

  it("refuses unknown flags, missing values and bad numbers in words", function () {
    assert.throws(() => parseArgs(["--evalute"], {}), /unknown argument "--evalute"; flags: --evaluate/);
    assert.throws(() => parseArgs(["--results"], {}), /--results needs a value/);
    assert.throws(() => parseArgs(["--results", "--evaluate"], {}), /--results needs a value/);
    assert.throws(
      () => parseArgs(["--window", "1"], {}),
      /--window \(WINDOW\)="1" must be a whole number of at least 2/,
    );
    assert.throws(() => parseArgs([], { DELAY: "-1" }), /DELAY\)="-1"/);
    assert.throws(() => parseArgs(["--min-weight", "abc"], {}), /MIN_WEIGHT="abc"/);
  });
});
