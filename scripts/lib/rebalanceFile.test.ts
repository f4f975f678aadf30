/**
 * The rebalance files (scripts/lib/rebalanceFile.ts): JSON and CSV in percent or basis points, UUIDs and model names,
 * the example files, and every problem of a bad file listed with its line or path. Pure TypeScript, no chain: run with
 * `node --import tsx --test scripts/lib/*.test.ts`. Checks against the chain, plans, sending and resuming are in
 * test/integration/rebalance.test.ts.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { dataSlice, id } from "ethers";
import { parseRebalanceCsv, parseRebalanceJson } from "@portfolio-stake/core/rebalanceFile";
import { readRebalanceFile } from "./rebalanceFileRead";
import { withAccountVector } from "./suggest";

/** `count` model IDs for one owner, made as test/helpers/fixtures.ts modelIds() makes them. */
const modelIds = (owner: string, count: number): string[] =>
  Array.from({ length: count }, (_, i) => dataSlice(id(`${owner}-model-${i}`), 0, 16));

/** The same ID as a dashed Numerai UUID. */
const asUuid = (id: string) => {
  const h = id.slice(2);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
};

describe("rebalance files (scripts/lib/rebalanceFile.ts)", function () {
  describe("file formats", function () {
    it("reads JSON in percent, basis points, UUIDs and model names", function () {
      const a = "0x90F79bf6EB2c4f870365E785982E1f101E93b906";
      const [m0, m1, m2, m3] = modelIds("x", 4) as [string, string, string, string];
      const parsed = parseRebalanceJson(
        JSON.stringify({
          unit: "percent",
          names: { alpha: asUuid(m0) },
          accounts: [
            {
              account: a.toLowerCase(),
              weights: [
                { model: "ALPHA", weight: 12.5 }, // names are case-insensitive; plain numbers in the file's unit
                { model: asUuid(m1), weight: "37.50%" },
                { model: m2.slice(2), bps: 2500 }, // 32 hex digits without 0x
                { model: m3.toUpperCase().replace("0X", "0x"), percent: "25" },
              ],
            },
          ],
        }),
      );
      assert.deepEqual(parsed.problems, []);
      assert.equal(parsed.accounts.length, 1);
      assert.equal(parsed.accounts[0]!.account, a);
      assert.deepEqual(
        parsed.accounts[0]!.weights.map((w) => [w.modelId, w.bps]),
        [
          [m0, 1250],
          [m1, 3750],
          [m2, 2500],
          [m3, 2500],
        ],
      );
      assert.equal(parsed.modelNames.get(m0), "alpha");
      // The default unit is basis points; what scripts/suggest.ts writes is valid as is.
      const suggested = withAccountVector(null, a, [m0, m1], [6000, 4000]);
      const fromSuggest = parseRebalanceJson(JSON.stringify(suggested));
      assert.deepEqual(fromSuggest.problems, []);
      assert.deepEqual(
        fromSuggest.accounts[0]!.weights.map((w) => w.bps),
        [6000, 4000],
      );
    });

    it("reads CSV in percent and basis points (unit column, comments, quotes, BOM, rows of one account anywhere)", function () {
      const [a, b] = [
        "0x90F79bf6EB2c4f870365E785982E1f101E93b906",
        "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65",
      ] as const;
      const [m0, m1, m2] = modelIds("x", 3) as [string, string, string];
      const csv = [
        "\uFEFF# targets",
        "Account,Model,Weight,Unit",
        `${a},${asUuid(m0)},25%,`,
        `${b},"${m2}",100,percent`,
        "",
        `${a},${m1},7500,bps`,
      ].join("\r\n");
      const parsed = parseRebalanceCsv(csv);
      assert.deepEqual(parsed.problems, []);
      assert.deepEqual(
        parsed.accounts.map((t) => [t.account, t.where, t.weights.map((w) => [w.modelId, w.bps, w.where])]),
        [
          [
            a,
            "lines 3, 6",
            [
              [m0, 2500, "line 3"],
              [m1, 7500, "line 6"],
            ],
          ],
          [b, "line 4", [[m2, 10_000, "line 4"]]],
        ],
      );
      const percentColumn = parseRebalanceCsv(`account,model,percent\n${a},${m0},60\n${a},${m1},40.00\n`);
      assert.deepEqual(percentColumn.problems, []);
      assert.deepEqual(
        percentColumn.accounts[0]!.weights.map((w) => w.bps),
        [6000, 4000],
      );
    });

    it("reads the example files", function () {
      for (const file of ["examples/rebalance.json", "examples/rebalance.csv"]) {
        const parsed = readRebalanceFile(path.join(__dirname, "..", "..", file));
        assert.deepEqual(parsed.problems, [], file);
        assert.equal(parsed.accounts.length, 1, file);
        assert.equal(
          parsed.accounts[0]!.weights.reduce((s, w) => s + w.bps, 0),
          10_000,
          file,
        );
      }
    });
  });

  describe("validation", function () {
    it("lists every problem of a CSV file with its line number", function () {
      const a = "0x90F79bf6EB2c4f870365E785982E1f101E93b906";
      const b = "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65";
      const c = "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc";
      const d = "0x976EA74026E726554dB657fA54763abd0C3a0aa9";
      const [m0, m1, m2] = modelIds("x", 3) as [string, string, string];
      const csv = [
        "account,model,weight", // line 1
        `${a},${m0},50%`, // 2
        `${a},${asUuid(m0)},50%`, // 3: the same model again, as a UUID
        `${b},${m0},33.333%`, // 4
        `${b},${m1},-10`, // 5
        `${b},${m2},lots`, // 6
        `${c},${m0},60%`, // 7
        `${c},${m1},39.5%`, // 8: c sums to 99.5%
        `${d},${m0},100`, // 9
        `${d},${m1},10`, // 10: d sums to 110 bps... of what was meant as percent
        `0x1234,${m0},100%`, // 11
        `${a},my_model,10%`, // 12
        `${b},${m0},120%,`, // 13: too many cells (3 columns)
        `${c},${m2},`, // 14
        `${d},${m2},10.5`, // 15: fractional basis points
      ].join("\n");
      const { problems } = parseRebalanceCsv(csv);
      assert.deepEqual(problems, [
        "line 13: 4 cells for 3 columns (quote values that contain commas)",
        `line 3: model ${m0} is listed twice for ${a} (first at line 2)`,
        "line 4: weight 33.333% has more than two decimals of a percent: the contract stores whole basis points (0.01%); use 33.33% or 33.34%",
        "line 5: weight -10 bps is negative",
        "line 6: weight “lots” is not a whole number of basis points: type a number such as 1250 (from 0 to 10000)",
        `line 11: account "0x1234" is not an address`,
        `line 12: model "my_model" is not a bytes16 ID (0x + 32 hex digits) or a Numerai model UUID (model names need a "names" map)`,
        "line 14: the weight is missing",
        "line 15: weight 10.5 bps is not a whole number of basis points",
      ]);
      // Sums are checked for accounts whose every row could be read: c (lines 7-8) is 0.5% short.
      const sums = parseRebalanceCsv(
        [
          "account,model,weight",
          `${c},${m0},60%`,
          `${c},${m1},39.5%`,
          `${d},${m0},90`,
          `${d},${m1},10`,
          `${a},${m0},60%`,
          `${a},${m1},4100`,
        ].join("\n"),
      );
      assert.deepEqual(sums.problems, [
        `${c} (lines 2-3): weights sum to 99.50% (9950 bps), 0.50% short of 100%`,
        `${d} (lines 4-5): weights sum to 1.00% (100 bps), 99.00% short of 100% (were these percentages? write "25%" or set the unit to percent)`,
        `${a} (lines 6-7): weights sum to 101.00% (10100 bps), 1.00% over 100%`,
      ]);
      const columns = parseRebalanceCsv(
        ["account,model,bps,unit", `${a},${m0},50%,`, `${a},${m1},5000,pounds`, `${b},${m0},10000,`].join("\n"),
      );
      assert.deepEqual(columns.problems, [
        'line 2: the bps column takes basis points, not "50%"',
        'line 3: unit "pounds" is not "percent" or "bps"',
      ]);
      assert.deepEqual(
        columns.accounts.map((t) => t.account),
        [b],
      );
    });

    it("lists every problem of a JSON file with its path", function () {
      const a = "0x90F79bf6EB2c4f870365E785982E1f101E93b906";
      const [m0, m1] = modelIds("x", 2) as [string, string];
      const { problems } = parseRebalanceJson(
        JSON.stringify({
          unit: "percents",
          names: { good: m0, bad: "not-an-id" },
          accounts: [
            {
              account: a,
              weights: [
                { model: "good", weight: "50%" },
                { model: m1, bps: "50%" },
                { model: m1, weigth: 5000 },
              ],
            },
            { account: a.toLowerCase(), weights: [{ model: m0, weight: 10_000 }] },
            { account: "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65", weights: [] },
            {
              account: "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc",
              weights: [
                { model: "missing", weight: 10_000, bps: 1 },
                { model: "other", weight: 101, unit: "percent" },
              ],
            },
          ],
        }),
      );
      assert.deepEqual(problems, [
        'unit: unit "percents" is not "percent" or "bps"',
        'names["bad"]: "not-an-id" is not a bytes16 model ID or a Numerai model UUID',
        'accounts[0].weights[1]: "bps" takes basis points, not "50%"',
        'accounts[0].weights[2]: unknown field "weigth" (expected model, weight, bps, percent, unit)',
        'accounts[0].weights[2]: no "weight" (or "bps" / "percent")',
        `accounts[1]: account ${a} already appears at accounts[0]; give each account once`,
        'accounts[2].weights: expected a non-empty list of {"model": …, "weight": …}',
        "accounts[3].weights[0]: give one of weight, bps, not several",
        'accounts[3].weights[1]: model "other" is neither a bytes16 ID, a Numerai model UUID nor a name in the names map',
        "accounts[3].weights[1]: weight 101% is more than 100%",
      ]);
      assert.match(parseRebalanceJson("{ not json").problems[0]!, /^JSON: not valid JSON/);
      assert.deepEqual(parseRebalanceCsv("account,model\n").problems, [
        'line 1: bad header (no "weight" column); expected account,model,weight with an optional unit column',
      ]);
    });
  });
});
