/**
 * Rates from score tables: one wide CSV per score (a row per round, a column per model, "NA" for none), such as the
 * real Numerai daily data (corr20v2.csv and mmc.csv), turned into rates by a payout configuration (payout.ts, exact).
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { payoutRate, type PayoutConfig } from "@portfolio-stake/core/payout";
import { RATE_DECIMALS } from "@portfolio-stake/core/results";
import type { RateTable } from "@portfolio-stake/core/suggest/walkForward";

/** score name (as the payout configuration names it) → file */
export type ScoreFiles = Record<string, string>;

interface WideTable {
  models: string[];
  rounds: number[];
  cells: Map<string, string>; // `${round}/${model}` → decimal text
}

export function readWideCsv(file: string): WideTable {
  if (!existsSync(file)) throw new Error(`score table ${file} does not exist`);
  const lines = readFileSync(file, "utf8")
    .split(/\r?\n/)
    .filter((l) => l.trim() !== "");
  const cells = (line: string) => line.split(",").map((c) => c.trim().replace(/^"(.*)"$/, "$1"));
  const header = cells(lines[0] ?? "");
  if (!/^round(number)?$/i.test(header[0] ?? ""))
    throw new Error(`${file}: the first column must be the round ("round" or "roundNumber")`);
  const models = header.slice(1);
  const rounds: number[] = [];
  const values = new Map<string, string>();
  lines.slice(1).forEach((line, i) => {
    const row = cells(line);
    const round = Number(row[0]);
    if (!Number.isInteger(round))
      throw new Error(`${file}, line ${i + 2}: round "${row[0] ?? ""}" is not a whole number`);
    if (row.length !== header.length)
      throw new Error(`${file}, line ${i + 2}: ${row.length} cells, the header has ${header.length}`);
    rounds.push(round);
    models.forEach((m, k) => {
      const v = row[k + 1]!;
      if (v !== "" && v !== "NA") values.set(`${round}/${m}`, v);
    });
  });
  return { models, rounds, cells: values };
}

/**
 * Each model's rate per round, rate = the configuration's formula of its scores (a score missing that round counts
 * as 0, as NA does in payout.ts; a model with none of its scores has no rate that round).
 */
export function ratesFromScoreTables(files: ScoreFiles, config: PayoutConfig): RateTable {
  const names = Object.keys(config.scores);
  const missing = names.filter((n) => !(n in files));
  if (missing.length) throw new Error(`the score configuration needs ${missing.join(", ")}: no table given for it`);
  const tables = names.map((n) => readWideCsv(files[n]!));
  const models = [...new Set(tables.flatMap((t) => t.models))];
  const rounds = [...new Set(tables.flatMap((t) => t.rounds))].sort((a, b) => a - b);
  const scale = 10 ** RATE_DECIMALS;
  const rates = models.map((model) =>
    rounds.map((round) => {
      const scores = Object.fromEntries(names.map((n, k) => [n, tables[k]!.cells.get(`${round}/${model}`) ?? null]));
      if (Object.values(scores).every((v) => v === null)) return null;
      try {
        return Number(payoutRate(scores, config).rate) / scale;
      } catch (e) {
        throw new Error(`round ${round}, model ${model}: ${(e as Error).message}`, { cause: e });
      }
    }),
  );
  return { models, rounds, rates };
}

/** The real data's folder layout: corr20v2.csv (CORR) and mmc.csv (MMC). */
export function numeraiScoreFiles(dir: string): ScoreFiles {
  return {
    CORR: path.join(dir, "corr20v2.csv"),
    CORR20V2: path.join(dir, "corr20v2.csv"),
    MMC: path.join(dir, "mmc.csv"),
  };
}
