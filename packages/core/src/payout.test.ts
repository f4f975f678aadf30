/**
 * The payout module (packages/core/src/payout.ts): score configurations (presets, inline JSON, files), every refusal
 * naming its field, and the exact arithmetic from scores to a leaf's rate. Pure: `node --import tsx --test
 * packages/core/src/payout.test.ts`. Publishing with a configuration on chain is test/integration/score-config.test.ts.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  PRESETS,
  PayoutConfigError,
  checkAgainstRound,
  describePayoutConfig,
  givenRate,
  loadPayoutConfig,
  parsePayoutConfig,
  payoutRate,
  type PayoutConfig,
} from "./payout";

const ATOMIC: PayoutConfig = PRESETS["numerai-2026-atomic"]!;
const LEGACY: PayoutConfig = PRESETS["numerai-2024"]!;
const E18 = 10n ** 18n;

/** The problems of the configuration `value` is refused for. */
function refusal(value: unknown): string[] {
  try {
    parsePayoutConfig(value, "test");
  } catch (e) {
    assert.ok(e instanceof PayoutConfigError, String(e));
    assert.match(e.message, /^test: the score configuration is refused; nothing was published/);
    return e.problems;
  }
  assert.fail(`expected ${JSON.stringify(value)} to be refused`);
}

describe("payout module: score configurations", function () {
  it("has the 2024 rule and Numerai's 2026 atomic staking as presets, each valid", function () {
    assert.deepEqual(LEGACY, {
      formula: "weighted-sum",
      scores: { CORR: "0.5", MMC: "2" },
      payoutFactor: "1",
      clip: "0.05",
      sliceDivisor: 1,
    });
    assert.deepEqual(ATOMIC, {
      formula: "weighted-sum",
      scores: { CORR: "5", MMC: "1" },
      payoutFactor: "1",
      clip: "1",
      sliceDivisor: 64,
    });
    for (const [name, preset] of Object.entries(PRESETS)) assert.deepEqual(parsePayoutConfig(preset), preset, name);
    assert.equal(describePayoutConfig(ATOMIC), "rate = clip(1 x (5 CORR + 1 MMC), ±100%) of a 1/64 slice");
    assert.equal(
      describePayoutConfig(PRESETS["numerai-2026-atomic-60"]!),
      "rate = clip(1 x (3 CORR60 + 15 MMC60), ±100%) of a 1/64 slice",
    );
  });

  it("normalises score names to upper case and numbers to strings", function () {
    assert.deepEqual(
      parsePayoutConfig({
        formula: "weighted-sum",
        scores: { corr20: 0.75, Mmc20: "2.25" },
        payoutFactor: 0.5,
        clip: "0.05",
        sliceDivisor: 64,
      }),
      {
        formula: "weighted-sum",
        scores: { CORR20: "0.75", MMC20: "2.25" },
        payoutFactor: "0.5",
        clip: "0.05",
        sliceDivisor: 64,
      },
    );
  });

  it("refuses every bad field with a message naming it, all at once", function () {
    const cases: [string, unknown, RegExp[]][] = [
      ["not an object", [ATOMIC], [/^expected an object like \{"formula":"weighted-sum"/]],
      [
        "missing fields",
        { scores: { CORR: "1" } },
        [/^formula is missing$/, /^payoutFactor is missing$/, /^clip is missing$/, /^sliceDivisor is missing$/],
      ],
      ["unknown field", { ...ATOMIC, cap: "0.05" }, [/^unknown field\(s\) cap; the fields are formula, scores/]],
      ["unknown formula", { ...ATOMIC, formula: "sum" }, [/^formula "sum" is not one of weighted-sum$/]],
      [
        "unknown score",
        { ...ATOMIC, scores: { CORR: "5", MMC02: "1" } },
        [/^scores.MMC02: "MMC02" is not a known score \(known: CORR, MMC, CORR20/],
      ],
      ["score twice", { ...ATOMIC, scores: { CORR: "5", corr: "1" } }, [/^scores.corr: CORR is named twice$/]],
      ["no scores", { ...ATOMIC, scores: {} }, [/^scores must name at least one score and its multiplier/]],
      ["scores not an object", { ...ATOMIC, scores: ["CORR"] }, [/^scores must name at least one score/]],
      ["non-numeric multiplier", { ...ATOMIC, scores: { CORR: "five" } }, [/^scores.CORR "five" is not a number$/]],
      [
        "boolean multiplier",
        { ...ATOMIC, scores: { CORR: true } },
        [/^scores.CORR must be a decimal \(a string such as "0.5", or a number\), not true$/],
      ],
      [
        "negative multiplier",
        { ...ATOMIC, scores: { CORR: "-1" } },
        [/^scores.CORR -1 is negative: it would pay for bad scores$/],
      ],
      ["zero clip", { ...ATOMIC, clip: "0" }, [/^clip 0 must be above 0 and at most 1 \(a fraction: 0.05 = 5%\)$/]],
      ["negative clip", { ...ATOMIC, clip: "-0.05" }, [/^clip -0.05 must be above 0 and at most 1/]],
      ["clip in percent", { ...ATOMIC, clip: 5 }, [/^clip 5 must be above 0 and at most 1/]],
      [
        "clip just above 1",
        { ...ATOMIC, clip: "1.0000000000000000001" },
        [/^clip 1.0000000000000000001 has more than 18 decimals$/],
      ],
      [
        "clip too fine",
        { ...ATOMIC, clip: "0.0000000000000000001" },
        [/^clip 0.0000000000000000001 has more than 18 decimals$/],
      ],
      ["non-numeric clip", { ...ATOMIC, clip: "5%" }, [/^clip "5%" is not a number$/]],
      ["zero payout factor", { ...ATOMIC, payoutFactor: "0" }, [/^payoutFactor 0 must be above 0 and at most 1/]],
      ["payout factor above 1", { ...ATOMIC, payoutFactor: "8" }, [/^payoutFactor 8 must be above 0 and at most 1/]],
      ["fractional R", { ...ATOMIC, sliceDivisor: 6.4 }, [/^sliceDivisor 6.4 must be a whole number from 1 to 1024$/]],
      [
        "R as a string",
        { ...ATOMIC, sliceDivisor: "64" },
        [/^sliceDivisor "64" must be a whole number from 1 to 1024$/],
      ],
      ["R zero", { ...ATOMIC, sliceDivisor: 0 }, [/^sliceDivisor 0 must be a whole number/]],
      ["R above the bound", { ...ATOMIC, sliceDivisor: 1025 }, [/^sliceDivisor 1025 must be a whole number/]],
      [
        "several at once",
        { ...ATOMIC, clip: "2", sliceDivisor: -1, scores: { CORR: "x" } },
        [/^scores.CORR "x"/, /^clip 2/, /^sliceDivisor -1/],
      ],
    ];
    for (const [name, value, patterns] of cases) {
      const problems = refusal(value);
      assert.equal(problems.length, patterns.length, `${name}: ${problems.join(" | ")}`);
      patterns.forEach((p, i) => assert.match(problems[i]!, p, name));
    }
  });

  it("loads a preset, inline JSON or a file, and says what is wrong with anything else", function () {
    const dir = mkdtempSync(path.join(tmpdir(), "portfolio-stake-payout-"));
    const file = path.join(dir, "config.json");
    writeFileSync(file, JSON.stringify({ ...LEGACY, payoutFactor: "0.08" }));
    assert.deepEqual(loadPayoutConfig("numerai-2026-atomic"), ATOMIC);
    assert.deepEqual(loadPayoutConfig(` ${JSON.stringify(ATOMIC)} `), ATOMIC);
    assert.deepEqual(loadPayoutConfig(file), { ...LEGACY, payoutFactor: "0.08" });
    // A preset is copied: changing what was loaded does not change the preset.
    loadPayoutConfig("numerai-2024").scores.CORR = "9";
    assert.equal(PRESETS["numerai-2024"]!.scores.CORR, "0.5");
    assert.throws(
      () => loadPayoutConfig(undefined),
      /^Error: Set SCORE_CONFIG: a preset \(numerai-2024, numerai-2026-atomic/,
    );
    assert.throws(() => loadPayoutConfig("numerai-2025"), /"numerai-2025" is neither a preset .* nor an existing file/);
    assert.throws(() => loadPayoutConfig('{"scores":'), /SCORE_CONFIG is not valid JSON/);
    writeFileSync(file, JSON.stringify({ ...LEGACY, clip: "0" }));
    assert.throws(
      () => loadPayoutConfig(file),
      (e: unknown) => e instanceof PayoutConfigError && e.source === file && /^clip 0 must/.test(e.problems[0]!),
    );
  });

  it("checks a configuration against the round's on-chain rateCap and sliceDivisor", function () {
    const terms = { round: 1200n, rateCap: E18, sliceDivisor: 64n };
    checkAgainstRound(ATOMIC, terms); // equal to both: accepted
    checkAgainstRound({ ...ATOMIC, clip: "0.5" }, terms); // below the cap: accepted
    assert.throws(
      () => checkAgainstRound(ATOMIC, { ...terms, rateCap: E18 / 2n }),
      (e: unknown) =>
        e instanceof PayoutConfigError &&
        e.problems.join() === "clip 1 (100%) is above round 1200's on-chain rateCap 50%",
    );
    assert.throws(
      () => checkAgainstRound(ATOMIC, { ...terms, sliceDivisor: 32n }),
      (e: unknown) =>
        e instanceof PayoutConfigError &&
        e.problems.join() ===
          "sliceDivisor 64 is not round 1200's on-chain sliceDivisor 32 (the round puts 1/32 of each stake at risk)",
    );
  });
});

describe("payout module: from scores to a rate", function () {
  it("is exact, rounds once toward zero after the payout factor, then clips", function () {
    // 0.5 x 0.02332635 + 2 x -0.00908312 = -0.006503065 (round 843, NB_EXAMPLE_MODEL).
    assert.deepEqual(payoutRate({ CORR: "0.02332635", MMC: "-0.00908312" }, LEGACY), {
      rate: -6_503_065_000_000_000n,
      clipped: false,
    });
    // 0.5 x 0.02870239 + 2 x -5.92400944e-18 = 0.014351194999999988151981...: truncated once, not per term.
    assert.equal(payoutRate({ CORR: "0.02870239", MMC: "-5.92400944e-18" }, LEGACY).rate, 14_351_194_999_999_988n);
    // Negative results round toward zero too: 1/3 x -1e-18 is 0, not -1e-18.
    const third = { ...ATOMIC, scores: { CORR: "1" }, payoutFactor: "0.333333333333333333" };
    assert.equal(payoutRate({ CORR: "-0.000000000000000001" }, third).rate, 0n);
    assert.equal(payoutRate({ CORR: "-0.000000000000000003" }, third).rate, -0n);
    assert.equal(payoutRate({ CORR: "-0.000000000000000004" }, third).rate, -1n);
    // The payout factor applies before the clip: 0.08 x (5 x 0.1 + 1 x 0.05) = 4.4%, inside a 5% clip.
    const scaled = { ...ATOMIC, payoutFactor: "0.08", clip: "0.05" };
    assert.deepEqual(payoutRate({ CORR: "0.1", MMC: "0.05" }, scaled), { rate: 44n * 10n ** 15n, clipped: false });
    assert.deepEqual(payoutRate({ CORR: "0.2", MMC: "0.05" }, scaled), { rate: 5n * 10n ** 16n, clipped: true });
    // Atomic staking: 5 CORR + 1 MMC clipped at ±100% of the slice.
    assert.deepEqual(payoutRate({ CORR: "-0.25", MMC: "-0.1" }, ATOMIC), { rate: -E18, clipped: true });
    assert.deepEqual(payoutRate({ CORR: "0.03", MMC: "0.004" }, ATOMIC), { rate: 154n * 10n ** 15n, clipped: false });
  });

  it("counts NA as 0, ignores scores the configuration does not name, and refuses a missing or bad score", function () {
    assert.equal(payoutRate({ CORR: "0.04", MMC: null, TC: "0.9" }, LEGACY).rate, 2n * 10n ** 16n);
    assert.equal(payoutRate({ CORR: null, MMC: null }, LEGACY).rate, 0n);
    assert.throws(
      () => payoutRate({ CORR: "0.01" }, LEGACY),
      /^Error: has no MMC score \(the score configuration needs it; NA for none\)$/,
    );
    assert.throws(() => payoutRate({ CORR: "0.01", MMC: "1e" }, LEGACY), /^Error: MMC "1e" is not a number$/);
    assert.throws(() => payoutRate({ CORR: "-1.5", MMC: "0" }, LEGACY), /^Error: CORR -1.5 is outside \[-1, 1\]/);
    assert.throws(() => payoutRate({ CORR: "1e-5000", MMC: "0" }, LEGACY), /^Error: CORR "1e-5000" is out of range$/);
    assert.equal(payoutRate({ CORR: "-1", MMC: "1" }, ATOMIC).rate, -E18); // -5 + 1, clipped at -100%
  });

  it("clips a given rate like a computed one and refuses one beyond 100% of the slice", function () {
    assert.deepEqual(givenRate("0.2", LEGACY), { rate: 5n * 10n ** 16n, clipped: true });
    assert.deepEqual(givenRate("-0.0123", LEGACY), { rate: -123n * 10n ** 14n, clipped: false });
    assert.deepEqual(givenRate("-1", ATOMIC), { rate: -E18, clipped: false });
    assert.throws(() => givenRate("1.5", ATOMIC), /^Error: rate 1.5 is more than 100% of the slice/);
    assert.throws(() => givenRate("1%", ATOMIC), /^Error: rate "1%" is not a number$/);
  });
});
