/**
 * Reads the real Numerai daily scores kept beside the repository (../shared/data/numerai-daily-scores, see its
 * README.md): two wide CSV tables, one row per round, one column per model, "NA" for a missing score, values in
 * plain or scientific notation. Values stay strings: the payout module (packages/core/src/payout.ts) parses them exactly.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

export const SCORES_DIR = path.resolve(__dirname, "../../../shared/data/numerai-daily-scores");

export interface DailyScores {
  rounds: number[];
  models: string[]; // column order of the files
  /** CORR20V2 and MMC of `model` in `round` (null: NA). */
  score(round: number, model: string): { corr: string | null; mmc: string | null };
}

function parseCsv(file: string): { header: string[]; rows: Map<number, string[]> } {
  const lines = readFileSync(file, "utf8")
    .split(/\r?\n/)
    .filter((l) => l.trim() !== "");
  const cells = (line: string) => line.split(",").map((c) => c.trim().replace(/^"(.*)"$/, "$1"));
  const header = cells(lines[0]!);
  if (header[0] !== "roundNumber") throw new Error(`${file}: first column is "${header[0]}", not "roundNumber"`);
  const rows = new Map<number, string[]>();
  for (const line of lines.slice(1)) {
    const row = cells(line);
    if (row.length !== header.length)
      throw new Error(`${file}: row "${row[0]}" has ${row.length} cells, not ${header.length}`);
    rows.set(Number(row[0]), row.slice(1));
  }
  return { header: header.slice(1), rows };
}

/** Loads both tables; throws (the test fails, it does not skip) when the folder is missing or inconsistent. */
export function loadDailyScores(dir = SCORES_DIR): DailyScores {
  const corrFile = path.join(dir, "corr20v2.csv");
  const mmcFile = path.join(dir, "mmc.csv");
  for (const f of [corrFile, mmcFile]) {
    if (!existsSync(f)) {
      throw new Error(
        `Real score data missing: ${f} not found. The replay needs shared/data/numerai-daily-scores/ beside the ` +
          `repository (../shared); CI always provides it.`,
      );
    }
  }
  const corr = parseCsv(corrFile);
  const mmc = parseCsv(mmcFile);
  if (corr.header.join() !== mmc.header.join())
    throw new Error("corr20v2.csv and mmc.csv have different model columns");
  const rounds = [...corr.rows.keys()];
  if (rounds.join() !== [...mmc.rows.keys()].join()) throw new Error("corr20v2.csv and mmc.csv cover different rounds");
  const column = new Map(corr.header.map((m, i) => [m, i]));
  const value = (v: string) => (v === "NA" ? null : v);
  return {
    rounds,
    models: corr.header,
    score(round, model) {
      const i = column.get(model);
      const c = corr.rows.get(round);
      const m = mmc.rows.get(round);
      if (i === undefined || !c || !m) throw new Error(`no score cell for ${model} in round ${round}`);
      return { corr: value(c[i]!), mmc: value(m[i]!) };
    },
  };
}
