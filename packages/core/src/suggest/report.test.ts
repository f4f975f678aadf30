/** The walk-forward table's text. Run: node --import tsx --test packages/core/src/suggest/report.test.ts */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { markdownTable, reportCells, textTable } from "./report";
import type { PathSummary } from "./walkForward";

const row: PathSummary = {
  id: "equal",
  label: "Equal weight",
  rounds: 3,
  meanReturn: 0.1,
  medianReturn: -0.0123,
  volatility: 0.5,
  sharpe: 0.2,
  totalOnStake: 0.15,
  maxDrawdownOnStake: 0.2,
  negativeShare: 1 / 3,
  meanTurnoverBps: 2500.4,
  changeShare: 0.5,
  decisions: 3,
};

describe("walk-forward report (packages/core/src/suggest/report.ts)", function () {
  it("formats every figure with its unit and sign", function () {
    assert.deepEqual(reportCells(row), [
      "Equal weight",
      "+10.00%",
      "-1.23%",
      "50.00%",
      "0.200",
      "+15.0%",
      "-20.00%",
      "33.3%",
      "2500 bps",
      "50%",
    ]);
    assert.equal(reportCells({ ...row, sharpe: NaN })[4], "n/a");
  });

  it("lays the rows out as Markdown and as aligned text", function () {
    const md = markdownTable([row, { ...row, label: "Other" }]).split("\n");
    assert.equal(md.length, 4);
    assert.match(md[0]!, /^\| method \| mean\/round \|/);
    assert.match(md[1]!, /^\| --- \| ---: \|/);
    assert.match(md[3]!, /^\| Other \| \+10\.00% \|/);
    const text = textTable([row]).split("\n");
    assert.equal(text.length, 2);
    assert.equal(text[0]!.length, text[1]!.length);
  });
});
