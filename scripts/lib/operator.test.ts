/**
 * The operator job's results files (packages/core/src/resultsFile.ts, scripts/lib/operator.ts): CSV and JSON parsing, the
 * payout formula, clipping, zero-filling, and every problem of a bad file named with its line. Pure TypeScript, no
 * chain: run with `node --import tsx --test scripts/lib/*.test.ts`. Publishing and the keeper, which need a chain, are
 * in test/integration/operator-keeper.test.ts.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { id as keccakOfText, parseEther } from "ethers";
import {
  ResultsFileError,
  listFew,
  publicationSummary,
  ratesFromRows,
  readResultsFile,
  summariseRates,
  toModelId,
  type RateOptions,
} from "./operator";
import { PRESETS, PayoutConfigError, type PayoutConfig } from "@portfolio-stake/core/payout";
import { parseResultsCsv, parseResultsJson, type ResultRow } from "@portfolio-stake/core/resultsFile";

const tmp = () => mkdtempSync(path.join(tmpdir(), "portfolio-stake-jobs-"));
const UUID = "8c0a6f3e-1d2b-4c5d-9e8f-0a1b2c3d4e5f";
const UUID_ID = "0x8c0a6f3e1d2b4c5d9e8f0a1b2c3d4e5f";
const hexId = (byte: string) => "0x" + byte.repeat(16);
/** An 18-decimal rate. */
const RATE = (fraction: number | string) => parseEther(String(fraction));
/** clip(0.5 CORR + 2 MMC, ±5%): what these tests apply unless they say otherwise. */
const CONFIG: PayoutConfig = PRESETS["numerai-2024"]!;

/** `fn` throws an Error whose message matches `pattern` (chai's `to.throw(regex)`). */
function assertThrowsMatching(fn: () => unknown, pattern: RegExp) {
  assert.throws(fn, (e: unknown) => e instanceof Error && pattern.test(e.message), `expected ${pattern}`);
}

/** The single problem `ratesFromRows` reports for these rows. */
function onlyProblem(rows: ResultRow[], options: Partial<RateOptions> = {}): string {
  try {
    ratesFromRows(rows, { config: CONFIG, ...options });
  } catch (error) {
    assert.ok(error instanceof ResultsFileError);
    assert.equal(error.problems.length, 1, error.message);
    return error.problems[0]!;
  }
  assert.fail("expected the rows to be rejected");
}

function csv(header: string, lines: string[]) {
  return [header, ...lines].join("\n") + "\n";
}

describe("operator job: results files", function () {
  it("reads CSV: quoted cells, BOM, CRLF, extra columns in any order, NA or empty as no score, line numbers", function () {
    const text = '\uFEFFtc,"model",mmc,corr\r\n0.1,"' + UUID + '",NA,0.02\r\n\r\n0.2,' + hexId("11") + ",,-1e-2\r\n";
    const dir = tmp();
    writeFileSync(path.join(dir, "r.csv"), text);
    const rows = readResultsFile(path.join(dir, "r.csv"));
    assert.deepEqual(rows, [
      { line: "line 2", model: UUID, scores: { TC: "0.1", MMC: null, CORR: "0.02" } },
      { line: "line 4", model: hexId("11"), scores: { TC: "0.2", MMC: null, CORR: "-1e-2" } },
    ]);
    const { rates } = ratesFromRows(rows, { config: CONFIG });
    assert.deepEqual(rates, [
      { modelId: UUID_ID, rate: RATE("0.01") },
      { modelId: hexId("11"), rate: RATE("-0.005") },
    ]);
  });

  it("reads JSON: an array or {round, results}, strings or numbers, null or NA as no score", function () {
    const rows = parseResultsJson(
      JSON.stringify({
        round: 1001,
        results: [
          { model: UUID, corr: "0.02", MMC: 0.001, corr60: "NA" },
          { model: hexId("22"), rate: null },
        ],
      }),
    );
    assert.deepEqual(rows, [
      { line: "results[0]", model: UUID, scores: { CORR: "0.02", MMC: "0.001", CORR60: null }, round: "1001" },
      { line: "results[1]", model: hexId("22"), rate: null, round: "1001" },
    ]);
    const array = parseResultsJson(JSON.stringify([{ model: hexId("33"), rate: "-0.0123" }]));
    assert.deepEqual(ratesFromRows(array, { config: CONFIG }).rates, [{ modelId: hexId("33"), rate: RATE("-0.0123") }]);
  });

  it("applies the score configuration, clips (rates too), reports clipped lines and zero-fills registered models", function () {
    const rows = parseResultsCsv(csv("model,corr,mmc", [`${hexId("aa")},0.04,0.01`, `${hexId("bb")},-0.02,-0.02`]));
    const byDefault = ratesFromRows(rows, {
      config: CONFIG,
      registered: [hexId("aa"), hexId("bb"), hexId("cc")],
    });
    // 0.5 x 0.04 + 2 x 0.01 = 4%; 0.5 x -0.02 + 2 x -0.02 = -5% (exactly at the cap, not clipped).
    assert.deepEqual(byDefault.rates, [
      { modelId: hexId("aa"), rate: RATE("0.04") },
      { modelId: hexId("bb"), rate: RATE("-0.05") },
      { modelId: hexId("cc"), rate: 0n },
    ]);
    assert.deepEqual(byDefault.zeroFilled, [hexId("cc")]);
    assert.deepEqual(byDefault.clipped, []);

    const corrOnly = { ...CONFIG, scores: { CORR: "1" }, clip: "0.03" };
    const custom = ratesFromRows(rows, { config: corrOnly });
    assert.deepEqual(
      custom.rates.map((r) => r.rate),
      [RATE("0.03"), RATE("-0.02")],
    );
    assert.deepEqual(custom.clipped, ["line 2"]);
    const given = ratesFromRows(parseResultsCsv(csv("model,rate", [`${hexId("aa")},0.2`])), { config: CONFIG });
    assert.equal(given.rates[0]!.rate, RATE("0.05"));
    assert.deepEqual(given.clipped, ["line 2"]);
  });

  it("names each bad line and its problem", function () {
    const scores = (line: string) => parseResultsCsv(csv("model,corr,mmc", [`${hexId("01")},0.01,0.001`, line]));
    const cases: [string, ResultRow[], Partial<RateOptions>, RegExp][] = [
      ["not a model ID", scores("not-a-uuid,0.01,0"), {}, /^line 3: "not-a-uuid" is not a model UUID or bytes16 ID$/],
      ["model missing", scores(",0.01,0"), {}, /^line 3: the model is missing$/],
      ["duplicate model", scores(`${hexId("01")},0.02,0`), {}, /^line 3: model 0x(01){16} already appears at line 2$/],
      ["non-numeric score", scores(`${hexId("02")},abc,0`), {}, /^line 3: CORR "abc" is not a number$/],
      [
        "score in percent",
        scores(`${hexId("02")},0.01,2.5`),
        {},
        /^line 3: MMC 2.5 is outside \[-1, 1\]: scores are fractions/,
      ],
      [
        "score just above 1",
        scores(`${hexId("02")},1.0000000000000000000001,0`),
        {},
        /^line 3: CORR 1.0000000000000000000001 is outside \[-1, 1\]/,
      ],
      ["cell count", scores(`${hexId("02")},0.01`), {}, /^line 3: 2 cells, the header has 3$/],
      [
        "unregistered model",
        scores(`${hexId("02")},0.01,0`),
        { registered: [hexId("01")], unknownModels: "error" },
        /^line 3: model 0x(02){16} is not registered on chain/,
      ],
      ["rate empty", parseResultsCsv(csv("model,rate", [`${hexId("02")},`])), {}, /^line 2: the rate is empty$/],
      [
        "rate non-numeric",
        parseResultsCsv(csv("model,rate", [`${hexId("02")},1%`])),
        {},
        /^line 2: rate "1%" is not a number$/,
      ],
      [
        "rate in percent",
        parseResultsCsv(csv("model,rate", [`${hexId("02")},3`])),
        {},
        /^line 2: rate 3 is more than 100% of the slice/,
      ],
      [
        "other round",
        parseResultsCsv(csv("round,model,rate", [`1001,${hexId("02")},0.01`])),
        { round: 1002n },
        /^line 2: names round 1001, but round 1002 is being published$/,
      ],
      [
        "JSON item not an object",
        parseResultsJson('[{"model": "' + hexId("02") + '", "rate": "0"}, 7]'),
        {},
        /^results\[1\]: is not an object/,
      ],
      [
        "JSON rate and scores",
        parseResultsJson(JSON.stringify([{ model: hexId("02"), rate: "0", corr: "0" }])),
        {},
        /^results\[0\]: gives both a rate and scores \(corr\)/,
      ],
      [
        "JSON corr without mmc",
        parseResultsJson(
          JSON.stringify([
            { model: hexId("01"), corr: "0.01", mmc: "0" },
            { model: hexId("02"), corr: "0.01" },
          ]),
        ),
        {},
        /^results\[1\]: has no MMC score \(the score configuration needs it; NA for none\)$/,
      ],
      [
        "JSON boolean score",
        parseResultsJson(JSON.stringify([{ model: hexId("02"), corr: true, mmc: 0 }])),
        {},
        /^results\[0\]: CORR "true" is not a number$/,
      ],
    ];
    for (const [name, rows, options, pattern] of cases) assert.match(onlyProblem(rows, options), pattern, name);
  });

  it("lists every problem of a file at once, and publishes nothing", function () {
    const rows = parseResultsCsv(
      csv("model,corr,mmc", ["bad,0,0", `${hexId("01")},x,0`, `${hexId("01")},0,0`, `${hexId("02")},0,0`]),
    );
    assert.throws(
      () => ratesFromRows(rows, { config: CONFIG }),
      (e: unknown) =>
        e instanceof ResultsFileError &&
        /has 3 problem\(s\); nothing was published/.test(e.message) &&
        ["line 2:", "line 3:", "line 4: model"].every((p, i) => e.problems[i]!.startsWith(p)),
    );
    // A wrong file usually repeats one mistake: at most 25 problems are listed.
    const many = parseResultsCsv(
      csv(
        "model,rate",
        Array.from({ length: 40 }, (_, i) => `m${i},0`),
      ),
    );
    assertThrowsMatching(() => ratesFromRows(many, { config: CONFIG }), /40 problem\(s\)[\s\S]*… and 15 more$/);
  });

  it("rejects unusable files and headers as a whole", function () {
    const dir = tmp();
    assertThrowsMatching(() => readResultsFile(path.join(dir, "missing.csv")), /missing.csv does not exist/);
    writeFileSync(path.join(dir, "bad.json"), "{results: [");
    assertThrowsMatching(() => readResultsFile(path.join(dir, "bad.json")), /bad.json is not valid JSON/);
    assertThrowsMatching(() => parseResultsJson('{"rows": []}'), /expected an array of results/);
    assertThrowsMatching(
      () => parseResultsCsv("id,corr,mmc\n"),
      /line 1: the header must name a "model" column \(found: id, corr, mmc\)/,
    );
    assertThrowsMatching(
      () => parseResultsCsv("model,corr,mmc,rate\n"),
      /line 1: give score columns \(corr, mmc\) or a rate column, not both/,
    );
    assertThrowsMatching(
      () => parseResultsCsv("model,name\n"),
      /line 1: the header must name score columns \(such as corr and mmc\) or a rate column/,
    );
    assertThrowsMatching(() => parseResultsCsv("model,rate,Rate\n"), /line 1: the header names column "rate" twice/);
  });

  it("refuses a file without a column the score configuration needs, once for the file, naming the field", function () {
    const rows = parseResultsCsv(csv("model,corr20,mmc", [`${hexId("01")},0.01,0`, `${hexId("02")},0.02,0`]));
    assert.match(
      onlyProblem(rows, { config: { ...CONFIG, scores: { CORR20: "5", MMC20: "1" } } }),
      /^the results file has no MMC20 column, which the score configuration needs \(scores.MMC20\)$/,
    );
    // The same file under a configuration it carries is fine: score columns are matched case-insensitively.
    const { rates } = ratesFromRows(rows, { config: { ...CONFIG, scores: { CORR20: "5", MMC: "1" }, clip: "1" } });
    assert.deepEqual(
      rates.map((r) => r.rate),
      [RATE("0.05"), RATE("0.1")],
    );
  });

  it("refuses a configuration the round's on-chain terms do not allow, before reading any row", function () {
    const rows = parseResultsCsv(csv("model,corr,mmc", ["not-a-model,0.01,0"]));
    const onChain = { round: 7n, rateCap: RATE("0.05"), sliceDivisor: 1n };
    assert.throws(
      () => ratesFromRows(rows, { config: { ...CONFIG, clip: "0.06", sliceDivisor: 64 }, onChain }),
      (e: unknown) =>
        e instanceof PayoutConfigError &&
        e.problems.length === 2 &&
        /^clip 0.06 \(6%\) is above round 7's on-chain rateCap 5%$/.test(e.problems[0]!) &&
        /^sliceDivisor 64 is not round 7's on-chain sliceDivisor 1/.test(e.problems[1]!),
    );
    // Within the terms, the rows are read (and this one is wrong).
    assert.throws(() => ratesFromRows(rows, { config: CONFIG, onChain }), ResultsFileError);
  });

  it("converts Numerai model UUIDs to bytes16 IDs", function () {
    assert.equal(toModelId(UUID.toUpperCase()), UUID_ID);
  });

  it("refuses a file without rows for weighted registered models, unless asked to publish them at rate 0", function () {
    const registered = Array.from({ length: 20 }, (_, i) => hexId((i + 16).toString(16)));
    const rows = parseResultsCsv(
      csv(
        "model,rate",
        registered.slice(0, 12).map((m) => `${m},0.01`),
      ),
    );
    const weighted = registered.slice(5); // 8 of them (indices 12-19) have no row
    const problem = onlyProblem(rows, { registered, weighted });
    assert.match(problem, /^8 registered model\(s\) weighted in this round have no row: /);
    assert.match(problem, new RegExp(`${registered[16]} and 3 more; published at rate 0 their stakers would get 0`));
    const zero = ratesFromRows(rows, { config: CONFIG, registered, weighted, missingModels: "zero" });
    assert.deepEqual(zero.zeroFilledWeighted, registered.slice(12));
    assert.equal(zero.rates.length, 20);
    // Unweighted registered models without a row are not a problem of their own.
    assert.equal(
      ratesFromRows(rows, { config: CONFIG, registered, weighted: registered.slice(0, 12) }).rates.length,
      20,
    );
  });

  it("refuses a header-only or truncated file: more than maxMissingShare of registered models without a row", function () {
    const registered = Array.from({ length: 20 }, (_, i) => hexId((i + 16).toString(16)));
    const headerOnly = parseResultsCsv(csv("model,corr,mmc", []));
    assert.equal(
      onlyProblem(headerOnly, { registered, maxMissingShare: 0.1, missingModels: "zero" }),
      "20 of 20 registered models (100%) have no row, more than the 10% allowed: a truncated or wrong file? " +
        "(MAX_MISSING_SHARE raises the bound)",
    );
    const rows = (n: number) =>
      parseResultsCsv(
        csv(
          "model,rate",
          registered.slice(0, n).map((m) => `${m},0`),
        ),
      );
    assert.equal(ratesFromRows(rows(18), { config: CONFIG, registered, maxMissingShare: 0.1 }).zeroFilled.length, 2);
    assert.match(onlyProblem(rows(17), { registered, maxMissingShare: 0.1 }), /^3 of 20 registered models \(15%\)/);
  });

  it("summarises a large file in a few lines: counts, then a few examples and 'and N more'", function () {
    const models = Array.from({ length: 1010 }, (_, i) => "0x" + (i + 1).toString(16).padStart(32, "0"));
    const rows = parseResultsCsv(
      csv(
        "model,rate",
        models.map((m) => `${m},0.9`),
      ),
    ); // all clipped to 5%
    const registered = [...models, hexId("ee")];
    const summary = summariseRates(ratesFromRows(rows, { config: CONFIG, registered, unknownModels: "error" }));
    assert.deepEqual(summary, [
      "rows 1010, registered 1011, missing 1 (rate 0), clipped 1010, unregistered 0; 1011 leaves",
      `  missing: ${hexId("ee")}`,
      "  clipped to the configuration's clip: line 2, line 3, line 4, line 5, line 6 and 1005 more",
    ]);
    assert.equal(listFew(["a", "b"]), "a, b");
  });

  it("refuses an absurd exponent or digit count at once, naming the line", function () {
    const started = performance.now();
    const rows = parseResultsCsv(
      csv("model,corr,mmc", [`${hexId("01")},1e999999999,0`, `${hexId("02")},0.${"1".repeat(1_000_000)},0`]),
    );
    let problems: string[] = [];
    try {
      ratesFromRows(rows, { config: CONFIG });
    } catch (e) {
      problems = (e as ResultsFileError).problems;
    }
    assert.deepEqual(problems, [
      'line 2: CORR "1e999999999" is out of range',
      `line 3: CORR "0.${"1".repeat(38)}… (1000002 characters)" is out of range`,
    ]);
    assert.ok(performance.now() - started < 1000, `took ${performance.now() - started} ms`);
  });
});

describe("the README's operator summary", function () {
  it("is what publish-round prints for a full tournament file (14,300 rows, 32 registered, UNKNOWN_MODELS=skip)", function () {
    // Deterministic model UUIDs and scores; 32 registered models, three of them (lines 212, 4410 and 9000) over the clip.
    const uuid = (i: number) =>
      keccakOfText(`model ${i}`)
        .slice(2, 34)
        .replace(/^(.{8})(.{4})(.{4})(.{4})/, "$1-$2-$3-$4-");
    const clippedAt = new Set([212, 4410, 9000]);
    const registeredLines = new Set([...clippedAt, ...Array.from({ length: 29 }, (_, k) => 7 + k * 491)]);
    const lines = Array.from({ length: 14_300 }, (_, i) => {
      const line = i + 2;
      const [corr, mmc] = clippedAt.has(line) ? ["0.25", "0.01"] : [((i % 101) - 50) / 1000, ((i % 41) - 20) / 1000];
      return `${uuid(i)},${corr},${mmc}`;
    });
    const rows = parseResultsCsv(csv("model,corr,mmc", lines));
    const registered = [...registeredLines].map((line) => toModelId(uuid(line - 2)));
    const config = PRESETS["numerai-2026-atomic"]!;
    const rates = ratesFromRows(rows, { config, registered, unknownModels: "skip" });
    const printed = publicationSummary(1234n, config, rates, "skip");

    const readme = readFileSync(path.join(__dirname, "..", "..", "README.md"), "utf8");
    const example = /It prints a summary instead of every line number[^]*?:\n\n```\n([\s\S]*?)\n```/.exec(readme)?.[1];
    assert.ok(example, "README.md has the summary example");
    assert.deepEqual(example.split("\n"), printed);
  });
});
