/**
 * Rebalance files: target weight vectors for one or many accounts, JSON or CSV, read into whole basis-point vectors.
 * Pure (no chain, no file system: rebalanceFileRead.ts reads files; the web app imports this parser): every problem is collected with its place (CSV line number or JSON path) so an operator sees
 * all of them at once. scripts/rebalance.ts documents the format with examples; examples/rebalance.{json,csv}.
 *
 * Weights: "25%" (or a number with unit percent) is a percent with at most 2 decimals; a plain number is basis
 * points unless the unit says percent. Models: bytes16 hex (0x + 32 hex digits), a Numerai UUID (dashes optional)
 * or a name from a names map. A model the file leaves out gets weight 0 (the file gives whole vectors).
 */
import { getAddress } from "viem";
import { TOTAL_BPS, formatBps, parseBps, type WeightUnit } from "./bps";
import { splitCsvLine } from "./csv";

/**
 * Whether the text is a 20-byte hex address as a person would write it: all lower case, all upper case, or mixed case
 * with a valid EIP-55 checksum (a mixed-case typo is refused, not silently lower-cased).
 */
function isAddressText(text: string): boolean {
  if (!/^0x[0-9a-fA-F]{40}$/.test(text)) return false;
  const digits = text.slice(2);
  if (digits === digits.toLowerCase() || digits === digits.toUpperCase()) return true;
  return getAddress(text.toLowerCase()) === text;
}

/** One model's target weight, with where the file says it. */
export interface TargetWeight {
  modelId: string; // lower-case 0x-prefixed bytes16
  bps: number;
  where: string; // "line 4" or "accounts[0].weights[2]"
}

/** One account's target vector as written (models in file order; unlisted models get 0). */
export interface AccountTarget {
  account: string; // checksummed
  where: string; // "lines 2-5" or "accounts[0]"
  weights: TargetWeight[];
  /** Every model the file names for the account, rows with a bad weight included: all are checked on chain. */
  listedModels: { modelId: string; where: string }[];
}

export interface RebalanceRequest {
  source: string;
  accounts: AccountTarget[];
  /** Model ID -> name, from the names map, for display. */
  modelNames: Map<string, string>;
  /** Everything wrong with the file; the accounts above hold what could be read despite it. */
  problems: string[];
}

export interface ParseOptions {
  /** name -> bytes16 ID or UUID; merged under the JSON file's own "names". */
  names?: Record<string, string>;
  source?: string;
}

// ─────────────────────────────────────────── Values ───────────────────────────────────────────

const BYTES16 = /^0x[0-9a-fA-F]{32}$/;
const UUID = /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/;

/** A bytes16 hex ID or a Numerai UUID as the contract's bytes16; undefined for anything else (maybe a name). */
export function modelIdFromText(text: string): string | undefined {
  const t = text.trim();
  if (BYTES16.test(t)) return t.toLowerCase();
  if (UUID.test(t)) return "0x" + t.replace(/-/g, "").toLowerCase();
  return undefined;
}

function parseUnit(value: unknown): WeightUnit | undefined {
  const t = String(value).trim().toLowerCase();
  if (t === "bps" || t === "bp" || t === "basis points") return "bps";
  if (t === "percent" || t === "%" || t === "pct") return "percent";
  return undefined;
}

/** A weight as whole basis points, or a plain-language problem (`unit` applies to numbers without a "%" sign). */
export function parseWeight(value: unknown, unit: WeightUnit): { bps: number } | { problem: string } {
  if (value === undefined || value === null) return { problem: "the weight is missing" };
  if (typeof value !== "string" && typeof value !== "number")
    return { problem: `weight ${JSON.stringify(value)} is not a number` };
  // Files are machine-written: "." is the decimal point ("1,000"-like text is refused, never guessed).
  const parsed = parseBps(String(value), { unit, decimalSeparator: "." });
  return parsed.ok
    ? { bps: parsed.bps }
    : { problem: parsed.error.startsWith("the ") ? parsed.error : `weight ${parsed.error}` };
}

/** "lines 2-4, 7" from line numbers. */
function describeLines(lines: number[]): string {
  const sorted = [...new Set(lines)].sort((a, b) => a - b);
  const runs: { first: number; last: number }[] = [];
  for (const n of sorted) {
    const run = runs.at(-1);
    if (run && n === run.last + 1) run.last = n;
    else runs.push({ first: n, last: n });
  }
  const parts = runs.map(({ first, last }) => (first === last ? `${first}` : `${first}-${last}`));
  return `${sorted.length === 1 ? "line" : "lines"} ${parts.join(", ")}`;
}

// ───────────────────────────────────────── Shared rows ─────────────────────────────────────────

/** A row as read, before it is grouped by account. */
interface RawRow {
  account: unknown;
  model: unknown;
  weight: unknown;
  unit: WeightUnit;
  where: string;
  line?: number;
}

class Collector {
  readonly problems: string[] = [];
  add(where: string, problem: string) {
    this.problems.push(`${where}: ${problem}`);
  }
}

/** Names as given (case-insensitive lookups), after checking every ID they map to. */
function readNames(names: Record<string, unknown>, whereOf: (name: string) => string, out: Collector) {
  const byName = new Map<string, string>();
  for (const [name, value] of Object.entries(names)) {
    const id = typeof value === "string" ? modelIdFromText(value) : undefined;
    if (!id) out.add(whereOf(name), `${JSON.stringify(value)} is not a bytes16 model ID or a Numerai model UUID`);
    else byName.set(name.trim().toLowerCase(), id);
  }
  return byName;
}

function resolveModel(
  value: unknown,
  names: Map<string, string>,
  hasNames: boolean,
): { id: string } | { problem: string } {
  if (typeof value !== "string" || value.trim() === "") return { problem: "the model is missing" };
  const id = modelIdFromText(value) ?? names.get(value.trim().toLowerCase());
  if (id) return { id };
  return {
    problem: hasNames
      ? `model "${value}" is neither a bytes16 ID, a Numerai model UUID nor a name in the names map`
      : `model "${value}" is not a bytes16 ID (0x + 32 hex digits) or a Numerai model UUID (model names need a "names" map)`,
  };
}

/** Groups rows by account (CSV: rows of one account may be anywhere) and checks per-account rules. */
function groupRows(
  rows: RawRow[],
  names: Map<string, string>,
  hasNames: boolean,
  out: Collector,
  accountWhere?: Map<string, string>,
  unreadable = new Set<string>(),
): AccountTarget[] {
  const byAccount = new Map<string, { target: AccountTarget; lines: number[]; complete: boolean; percent: boolean }>();
  for (const row of rows) {
    const accountText = typeof row.account === "string" ? row.account.trim() : "";
    if (!isAddressText(accountText)) {
      out.add(row.where, accountText ? `account "${accountText}" is not an address` : "the account is missing");
      continue;
    }
    const account = getAddress(accountText.toLowerCase());
    let group = byAccount.get(account);
    if (!group) {
      const where = accountWhere?.get(account) ?? row.where;
      group = { target: { account, where, weights: [], listedModels: [] }, lines: [], complete: true, percent: false };
      byAccount.set(account, group);
    }
    if (row.line !== undefined) group.lines.push(row.line);
    if (row.unit === "percent" || String(row.weight).includes("%")) group.percent = true;
    const model = resolveModel(row.model, names, hasNames);
    let usable: boolean;
    if ("problem" in model) {
      out.add(row.where, model.problem);
      usable = false;
    } else {
      const first = group.target.listedModels.find((m) => m.modelId === model.id);
      if (first) out.add(row.where, `model ${model.id} is listed twice for ${account} (first at ${first.where})`);
      else group.target.listedModels.push({ modelId: model.id, where: row.where });
      usable = !first;
    }
    const weight = parseWeight(row.weight, row.unit);
    if ("problem" in weight) out.add(row.where, weight.problem);
    if (!usable || "problem" in model || "problem" in weight) {
      group.complete = false;
      continue;
    }
    group.target.weights.push({ modelId: model.id, bps: weight.bps, where: row.where });
  }
  const targets: AccountTarget[] = [];
  for (const { target, lines, complete, percent } of byAccount.values()) {
    if (lines.length) target.where = describeLines(lines);
    // A sum over the rows that could be read would only repeat the row's own problem.
    if (complete && !unreadable.has(target.account)) checkSum(target, percent, out);
    targets.push(target);
  }
  return targets;
}

function checkSum(target: AccountTarget, percentGiven: boolean, out: Collector) {
  const sum = target.weights.reduce((s, w) => s + w.bps, 0);
  if (sum === TOTAL_BPS) return;
  const gap = TOTAL_BPS - sum;
  const direction = gap > 0 ? `${formatBps(gap)} short of 100%` : `${formatBps(-gap)} over 100%`;
  const hint = sum === 100 && !percentGiven ? ' (were these percentages? write "25%" or set the unit to percent)' : "";
  out.add(`${target.account} (${target.where})`, `weights sum to ${formatBps(sum)} (${sum} bps), ${direction}${hint}`);
}

// ──────────────────────────────────────────── CSV ────────────────────────────────────────────

/** One CSV line's cells, trimmed (the results file's splitter: quotes with "" escapes). */
const csvCells = (line: string): string[] => splitCsvLine(line).map((x) => x.trim());

const CSV_WEIGHT_COLUMNS = ["weight", "bps", "percent"] as const;
const CSV_COLUMNS = ["account", "model", ...CSV_WEIGHT_COLUMNS, "unit"];

/** CSV: header `account,model,weight[,unit]` (or a `bps` / `percent` column instead of `weight`); # comments. */
export function parseRebalanceCsv(text: string, options: ParseOptions = {}): RebalanceRequest {
  const out = new Collector();
  const source = options.source ?? "CSV";
  const names = readNames(options.names ?? {}, (n) => `names map "${n}"`, out);
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  const contentLines = lines
    .map((l, i) => ({ text: l, line: i + 1 }))
    .filter((l) => l.text.trim() && !l.text.trim().startsWith("#"));
  const [header, ...body] = contentLines;
  if (header === undefined) {
    out.add(source, "the file is empty (expected a header account,model,weight and one row per model)");
    return { source, accounts: [], modelNames: invert(names), problems: out.problems };
  }
  const columns = csvCells(header.text).map((c) => c.toLowerCase());
  const index = (name: string) => columns.indexOf(name);
  const weightColumns = CSV_WEIGHT_COLUMNS.filter((c) => index(c) >= 0);
  const unknown = columns.filter((c) => !CSV_COLUMNS.includes(c));
  const missing = ["account", "model"].filter((c) => index(c) < 0);
  const [weightColumn, ...otherWeightColumns] = weightColumns;
  if (missing.length || weightColumn === undefined || otherWeightColumns.length > 0 || unknown.length) {
    const issues = [
      ...missing.map((c) => `no "${c}" column`),
      weightColumns.length === 0 ? 'no "weight" column' : "",
      weightColumns.length > 1 ? `both ${weightColumns.map((c) => `"${c}"`).join(" and ")} columns (give one)` : "",
      ...unknown.map((c) => `unknown column "${c}"`),
    ].filter(Boolean);
    out.add(
      `line ${header.line}`,
      `bad header (${issues.join("; ")}); expected account,model,weight with an optional unit column`,
    );
    return { source, accounts: [], modelNames: invert(names), problems: out.problems };
  }
  const rows: RawRow[] = [];
  const unreadable = new Set<string>(); // accounts with a line that is not even a row
  for (const { text: lineText, line } of body) {
    const cells = csvCells(lineText);
    const where = `line ${line}`;
    const cell = (name: string) => (index(name) >= 0 ? cells[index(name)] : undefined);
    const reject = (problem: string) => {
      const account = cell("account") ?? "";
      if (isAddressText(account)) unreadable.add(getAddress(account.toLowerCase()));
      out.add(where, problem);
    };
    if (cells.length > columns.length) {
      reject(`${cells.length} cells for ${columns.length} columns (quote values that contain commas)`);
      continue;
    }
    let unit: WeightUnit = weightColumn === "percent" ? "percent" : "bps";
    const unitText = cell("unit");
    if (unitText) {
      const parsed = parseUnit(unitText);
      if (!parsed) {
        reject(`unit "${unitText}" is not "percent" or "bps"`);
        continue;
      }
      unit = parsed;
    }
    const weight = cell(weightColumn);
    if (weightColumn === "bps" && weight?.endsWith("%")) {
      reject(`the bps column takes basis points, not "${weight}"`);
      continue;
    }
    rows.push({ account: cell("account"), model: cell("model"), weight, unit, where, line });
  }
  const accounts = groupRows(rows, names, names.size > 0, out, undefined, unreadable);
  if (!rows.length && !out.problems.length) out.add(source, "no rows after the header");
  return { source, accounts, modelNames: invert(names), problems: out.problems };
}

// ──────────────────────────────────────────── JSON ────────────────────────────────────────────

const TOP_KEYS = ["unit", "names", "accounts"];
const ACCOUNT_KEYS = ["account", "unit", "weights"];
const WEIGHT_KEYS = ["model", "weight", "bps", "percent", "unit"];

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function checkKeys(value: Record<string, unknown>, allowed: string[], where: string, out: Collector) {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) out.add(where, `unknown field "${key}" (expected ${allowed.join(", ")})`);
  }
}

function readUnit(value: unknown, fallback: WeightUnit, where: string, out: Collector): WeightUnit {
  if (value === undefined) return fallback;
  const unit = parseUnit(value);
  if (!unit) out.add(where, `unit ${JSON.stringify(value)} is not "percent" or "bps"`);
  return unit ?? fallback;
}

/**
 * JSON: {"unit"?, "names"?, "accounts": [{"account", "unit"?, "weights": [{"model", "weight" | "bps" | "percent",
 * "unit"?}]}]}. The format scripts/suggest.ts writes ({"model", "bps"}) is a special case.
 */
export function parseRebalanceJson(text: string, options: ParseOptions = {}): RebalanceRequest {
  const out = new Collector();
  const source = options.source ?? "JSON";
  let data: unknown;
  try {
    data = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch (error) {
    out.add(source, `not valid JSON (${(error as Error).message})`);
    return { source, accounts: [], modelNames: new Map(), problems: out.problems };
  }
  if (!isRecord(data) || !Array.isArray(data.accounts)) {
    out.add(
      source,
      'expected an object with an "accounts" array: {"accounts": [{"account": "0x…", "weights": [...]}]}',
    );
    return { source, accounts: [], modelNames: new Map(), problems: out.problems };
  }
  checkKeys(data, TOP_KEYS, "(top level)", out);
  const fileUnit = readUnit(data.unit, "bps", "unit", out);
  if (data.names !== undefined && !isRecord(data.names))
    out.add("names", 'expected an object {"model name": "UUID or bytes16 ID"}');
  const nameSource = { ...(options.names ?? {}), ...(isRecord(data.names) ? data.names : {}) };
  const names = readNames(nameSource, (n) => `names["${n}"]`, out);

  const rows: RawRow[] = [];
  const accountWhere = new Map<string, string>();
  const unreadable = new Set<string>(); // accounts with a weight entry that is not even a row
  data.accounts.forEach((entry: unknown, i: number) => {
    const where = `accounts[${i}]`;
    if (!isRecord(entry)) return out.add(where, 'expected {"account": "0x…", "weights": [...]}');
    checkKeys(entry, ACCOUNT_KEYS, where, out);
    const unit = readUnit(entry.unit, fileUnit, `${where}.unit`, out);
    const accountText = typeof entry.account === "string" ? entry.account.trim() : "";
    if (!isAddressText(accountText)) {
      return out.add(`${where}.account`, accountText ? `"${accountText}" is not an address` : "the account is missing");
    }
    const account = getAddress(accountText.toLowerCase());
    const earlier = accountWhere.get(account);
    if (earlier) return out.add(where, `account ${account} already appears at ${earlier}; give each account once`);
    accountWhere.set(account, where);
    if (!Array.isArray(entry.weights) || entry.weights.length === 0) {
      return out.add(`${where}.weights`, 'expected a non-empty list of {"model": …, "weight": …}');
    }
    entry.weights.forEach((w: unknown, j: number) => {
      const wWhere = `${where}.weights[${j}]`;
      const reject = (problem: string) => (unreadable.add(account), out.add(wWhere, problem));
      if (!isRecord(w)) return reject('expected {"model": …, "weight": …}');
      checkKeys(w, WEIGHT_KEYS, wWhere, out);
      const given = (["weight", "bps", "percent"] as const).filter((k) => w[k] !== undefined);
      const [key, ...others] = given;
      if (key === undefined || others.length > 0) {
        return reject(
          given.length ? `give one of ${given.join(", ")}, not several` : 'no "weight" (or "bps" / "percent")',
        );
      }
      const rowUnit =
        key === "percent" ? "percent" : key === "bps" ? "bps" : readUnit(w.unit, unit, `${wWhere}.unit`, out);
      if (key === "bps" && String(w.bps).includes("%"))
        return reject(`"bps" takes basis points, not "${String(w.bps)}"`);
      rows.push({ account, model: w.model, weight: w[key], unit: rowUnit, where: wWhere });
    });
  });
  const accounts = groupRows(rows, names, names.size > 0, out, accountWhere, unreadable);
  if (!data.accounts.length) out.add("accounts", "the list is empty");
  return { source, accounts, modelNames: invert(names), problems: out.problems };
}

function invert(names: Map<string, string>): Map<string, string> {
  const byId = new Map<string, string>();
  for (const [name, id] of names) if (!byId.has(id)) byId.set(id, name);
  return byId;
}
