import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { APP_MIN_RATES, walkForwardView } from "./walkForward";

describe("walk-forward evaluation in the app", () => {
  const rounds = Array.from({ length: 40 }, (_, i) => 100 + i);
  // Model a earns 1% every round, b loses 1%: equal weight earns 0 per round.
  const series = [rounds.map(() => 0.01), rounds.map(() => -0.01)];

  it("scores each method from the first round with enough public results, on the slices", () => {
    const view = walkForwardView(series, rounds, ["a", "b"], { minBps: 0, maxBps: 10_000 });
    assert.ok(!("error" in view), JSON.stringify(view));
    assert.equal(view.delay, 20);
    assert.equal(view.rounds[0], 100 + 20 + APP_MIN_RATES);
    assert.equal(view.rounds.length, 40 - 20 - APP_MIN_RATES);
    const equal = view.lines.find((l) => l.id === "equal")!;
    assert.ok(equal.values.every((v) => Math.abs(v) < 1e-15));
    // Probability puts (nearly) everything on a: close to +1% a round.
    const probability = view.lines.find((l) => l.id === "probability")!;
    assert.ok(probability.values.at(-1)! > 0.009 * view.rounds.length);
    assert.equal(view.summaries.at(-1)!.label, "Best single model in hindsight (a)");
    assert.deepEqual(
      view.lines.map((l) => l.id),
      [
        "equal",
        "inverse-volatility",
        "probability",
        "min-variance",
        "tangency",
        "risk-parity",
        "probability-decorrelated",
      ],
    );
  });

  it("says in words when there are too few rounds, or the bounds do not fit", () => {
    const short = walkForwardView([[0.01, 0.02]], [1, 2], ["a"], { minBps: 0, maxBps: 10_000 });
    assert.ok("error" in short && short.error.includes("needs 26 rounds"), JSON.stringify(short));
    const tight = walkForwardView(series, rounds, ["a", "b"], { minBps: 0, maxBps: 4000 });
    assert.ok("error" in tight && tight.error.includes("less than 10,000"), JSON.stringify(tight));
  });
});
