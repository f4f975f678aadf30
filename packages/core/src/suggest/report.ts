/** The walk-forward table as text (the CLI) or Markdown (the README), from walkForward.summarize's figures. */
import type { PathSummary, WalkForward } from "./walkForward";

const pct = (x: number, digits = 2) => (Number.isFinite(x) ? `${(x * 100).toFixed(digits)}%` : "n/a");
const signed = (x: number, digits = 2) => (Number.isFinite(x) && x > 0 ? "+" : "") + pct(x, digits);

export const REPORT_COLUMNS = [
  "method",
  "mean/round",
  "median",
  "sd/round",
  "Sharpe",
  "on stake",
  "max DD",
  "neg. rounds",
  "turnover",
  "changes",
] as const;

/** One row of figures per method, as text cells (first the label). */
export function reportCells(s: PathSummary): string[] {
  return [
    s.label,
    signed(s.meanReturn),
    signed(s.medianReturn),
    pct(s.volatility),
    Number.isFinite(s.sharpe) ? s.sharpe.toFixed(3) : "n/a",
    signed(s.totalOnStake, 1),
    pct(-s.maxDrawdownOnStake, 2),
    pct(s.negativeShare, 1),
    `${Math.round(s.meanTurnoverBps)} bps`,
    pct(s.changeShare, 0),
  ];
}

/** What the columns mean, in one paragraph (printed under the table). */
export function reportLegend(result: WalkForward, sliceDivisor: number): string {
  const o = result.options;
  return (
    `Rounds ${result.rounds[0] ?? "?"}-${result.rounds.at(-1) ?? "?"} (${result.rounds.length}), a new vector every ${o.every} ` +
    `round(s) from the last ${o.window} public rounds, a round public ${o.delay} rounds after it opens, ` +
    `bounds ${o.minBps}-${o.maxBps} bps per model. mean/median/sd: the portfolio's rate per round, in % of the ` +
    `round's slice (stake / ${sliceDivisor}); Sharpe: mean / sd per round (rounds overlap, so not annualised); ` +
    `on stake: the sum of the rates / ${sliceDivisor}, what the stake gained; max DD: the largest fall of that sum ` +
    `from a running peak; turnover: bps moved (one way) per decision; changes: share of decisions that changed ` +
    `the vector.`
  );
}

export function markdownTable(summaries: readonly PathSummary[]): string {
  const lines = [
    `| ${REPORT_COLUMNS.join(" | ")} |`,
    `| ${REPORT_COLUMNS.map((_, i) => (i === 0 ? "---" : "---:")).join(" | ")} |`,
    ...summaries.map((s) => `| ${reportCells(s).join(" | ")} |`),
  ];
  return lines.join("\n");
}

export function textTable(summaries: readonly PathSummary[]): string {
  const rows = [[...REPORT_COLUMNS], ...summaries.map(reportCells)];
  const widths = REPORT_COLUMNS.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows
    .map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join("  "))
    .join("\n");
}
