/**
 * Reading one round's results file into rows, keeping where each row came from so every error can name its line.
 *
 * CSV: a header naming `model` and either score columns (CORR, MMC, CORR20, MMC60, ...: whichever the round's score
 * configuration names, any case, any order) or a `rate` column. Other columns are kept as scores and used only if the
 * configuration names them; an optional `round` column is checked against the round being published. Cells may be
 * quoted. NA, NaN, null, none or an empty cell mean "no score" (the score then counts as 0; a missing rate is an error).
 * JSON: an array of {model, corr, mmc, ...} or {model, rate} objects, or {"round": n, "results": [...]}. Give decimals
 * as strings to keep every digit (a JSON number goes through floating point).
 */
import { existsSync, readFileSync } from "node:fs";
import { splitCsvLine } from "./csv";
import { KNOWN_SCORES } from "./payout";

/** One line of a results file: a model and either its scores or its rate (decimal fraction, e.g. "0.0123"). */
export interface ResultRow {
  line: string; // "line 3" (CSV) or "results[2]" (JSON), for error messages
  model: string;
  scores?: Record<string, string | null>; // by upper-case column name; null: no score (NA)
  rate?: string | null; // null: the cell was empty
  round?: string; // when the file names the round, to check it against the one being published
  problem?: string; // a structural problem found while reading (wrong cell count, not an object, ...)
}

const MISSING = /^(|na|nan|null|none)$/i;
/** Columns that are not scores. */
const RESERVED_COLUMNS = ["model", "rate", "round"];
const cellValue = (text: string) => (MISSING.test(text.trim()) ? null : text.trim());

/** Reads a results file (.json, anything else is CSV). Throws only when the file as a whole is unusable. */
export function readResultsFile(file: string): ResultRow[] {
  if (!existsSync(file)) throw new Error(`Results file ${file} does not exist`);
  const text = readFileSync(file, "utf8").replace(/^\uFEFF/, ""); // spreadsheet exports start with a BOM
  return file.toLowerCase().endsWith(".json") ? parseResultsJson(text, file) : parseResultsCsv(text, file);
}

export function parseResultsCsv(text: string, file = "results CSV"): ResultRow[] {
  const lines = text.split(/\r?\n/);
  const header = splitCsvLine(lines[0] ?? "").map((h) => h.trim().toLowerCase());
  const col = (name: string) => header.indexOf(name);
  const duplicate = header.find((h, i) => h !== "" && header.indexOf(h) !== i);
  if (duplicate) throw new Error(`${file} line 1: the header names column "${duplicate}" twice`);
  if (col("model") < 0)
    throw new Error(`${file} line 1: the header must name a "model" column (found: ${header.join(", ")})`);
  const scoreColumns = header.filter((h) => h !== "" && !RESERVED_COLUMNS.includes(h));
  const knownScoreColumns = scoreColumns.filter((h) => h.toUpperCase() in KNOWN_SCORES);
  if (knownScoreColumns.length && col("rate") >= 0)
    throw new Error(`${file} line 1: give score columns (${knownScoreColumns.join(", ")}) or a rate column, not both`);
  if (knownScoreColumns.length === 0 && col("rate") < 0) {
    throw new Error(
      `${file} line 1: the header must name score columns (such as corr and mmc) or a rate column (found: ${header.join(", ")})`,
    );
  }

  const rows: ResultRow[] = [];
  lines.slice(1).forEach((raw, i) => {
    if (raw.trim() === "") return;
    const line = `line ${i + 2}`;
    const cells = splitCsvLine(raw).map((c) => c.trim());
    const row: ResultRow = { line, model: cells[col("model")] ?? "" };
    if (cells.length !== header.length) row.problem = `${cells.length} cells, the header has ${header.length}`;
    if (col("round") >= 0) row.round = cells[col("round")] ?? "";
    if (col("rate") >= 0) row.rate = cellValue(cells[col("rate")] ?? "");
    else row.scores = Object.fromEntries(scoreColumns.map((h) => [h.toUpperCase(), cellValue(cells[col(h)] ?? "")]));
    rows.push(row);
  });
  return rows;
}

/** A JSON value as text: strings as they are, numbers and booleans printed, objects and arrays as JSON. */
function jsonText(v: unknown): string {
  return typeof v === "string" ? v : typeof v === "object" && v !== null ? JSON.stringify(v) : String(v);
}

export function parseResultsJson(text: string, file = "results JSON"): ResultRow[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file} is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
  const container = parsed as { round?: unknown; results?: unknown };
  const items = Array.isArray(parsed) ? parsed : container?.results;
  if (!Array.isArray(items)) throw new Error(`${file}: expected an array of results or {"round": n, "results": [...]}`);
  const fileRound = Array.isArray(parsed) || container.round === undefined ? undefined : jsonText(container.round);
  return items.map((item, i): ResultRow => {
    const line = `results[${i}]`;
    if (item === null || typeof item !== "object" || Array.isArray(item)) {
      return { line, model: "", problem: "is not an object like {model, corr, mmc} or {model, rate}" };
    }
    const r = item as Record<string, unknown>;
    const value = (v: unknown) => (v === null ? null : cellValue(jsonText(v)));
    const row: ResultRow = { line, model: jsonText(r.model ?? "").trim() };
    const scoreKeys = Object.keys(r).filter((k) => !RESERVED_COLUMNS.includes(k.toLowerCase()));
    if (r.rate !== undefined) {
      row.rate = value(r.rate);
      const known = scoreKeys.filter((k) => k.toUpperCase() in KNOWN_SCORES);
      if (known.length) row.problem = `gives both a rate and scores (${known.join(", ")}); give one or the other`;
    } else {
      row.scores = Object.fromEntries(scoreKeys.map((k) => [k.toUpperCase(), value(r[k])]));
    }
    const round = r.round ?? fileRound;
    if (round !== undefined) row.round = jsonText(round);
    return row;
  });
}
