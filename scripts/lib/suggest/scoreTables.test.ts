/** Rates from wide score tables. Run: node --import tsx --test scripts/lib/suggest/scoreTables.test.ts */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PRESETS } from "@portfolio-stake/core/payout";
import { numeraiScoreFiles, ratesFromScoreTables, readWideCsv } from "./scoreTables";

function folder(corr: string, mmc: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), "score-tables-"));
  writeFileSync(path.join(dir, "corr20v2.csv"), corr);
  writeFileSync(path.join(dir, "mmc.csv"), mmc);
  return dir;
}

describe("score tables (scripts/lib/suggest/scoreTables.ts)", function () {
  it("turns CORR and MMC into rates by the 2026 atomic settings: clip(5 CORR + 1 MMC, ±100%)", function () {
    const dir = folder(
      '"roundNumber","A","B"\n843,0.02,NA\n844,-0.01,0.3\n',
      '"roundNumber","A","B"\n843,0.005,NA\n844,NA,-0.2\n',
    );
    const table = ratesFromScoreTables(numeraiScoreFiles(dir), PRESETS["numerai-2026-atomic"]!);
    assert.deepEqual(table.models, ["A", "B"]);
    assert.deepEqual(table.rounds, [843, 844]);
    // A: 5 × 0.02 + 0.005 = 0.105; −0.05 + 0 (NA) = −0.05. B: none; 1.5 − 0.2 = 1.3, clipped to 1.
    assert.deepEqual(table.rates, [
      [0.105, -0.05],
      [null, 1],
    ]);
  });

  it("says which file and line are wrong", function () {
    const dir = folder("round,A\n1,0.1,0.2\n", "round,A\n1,0.1\n");
    assert.throws(() => readWideCsv(path.join(dir, "corr20v2.csv")), /line 2: 3 cells, the header has 2/);
    assert.throws(() => readWideCsv(path.join(dir, "nothing.csv")), /does not exist/);
    const noRound = folder("model,A\n1,0.1\n", "round,A\n1,0.1\n");
    assert.throws(() => readWideCsv(path.join(noRound, "corr20v2.csv")), /first column must be the round/);
    const percent = folder("round,A\n1,2.5\n", "round,A\n1,0.1\n");
    assert.throws(
      () => ratesFromScoreTables(numeraiScoreFiles(percent), PRESETS["numerai-2026-atomic"]!),
      /round 1, model A: CORR 2.5 is outside \[-1, 1\]/,
    );
    assert.throws(
      () => ratesFromScoreTables({ CORR: path.join(dir, "mmc.csv") }, PRESETS["numerai-2026-atomic"]!),
      /needs MMC: no table given/,
    );
  });
});
