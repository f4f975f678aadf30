/**
 * The editor's CSV: exported in the batch rebalance script's format (account,model,weight; one row per model, the
 * whole vector) and imported with that script's own parser (scripts/lib/rebalanceFile.ts), so a file moves freely
 * between the app and `npm run rebalance`. The parser is loaded on first use: it is not part of the page's first load.
 */
import { bpsToPercentText, formatBps } from "@portfolio-stake/core/bps";
import { isFreeSlot, weightsFromEntries } from "./weights";

const CSV_HEADER = "account,model,weight";

/** The vector as rebalance CSV: model ids (exact), weights in percent ("12.5%"), freed slots left out. */
export function allocationCsv(
  account: string,
  models: readonly string[],
  weights: readonly number[],
  names: (id: string) => string | undefined,
): string {
  const rows = models.flatMap((id, i) => {
    if (isFreeSlot(id)) return [];
    const name = names(id);
    const comment = name ? `# ${name}: ${formatBps(weights[i] ?? 0)}\n` : "";
    return [`${comment}${account},${id},${bpsToPercentText(weights[i] ?? 0)}%`];
  });
  return [`# portfolio-stake allocation (npm run rebalance -- --file <this file>)`, CSV_HEADER, ...rows, ""].join("\n");
}

export type CsvImport = { ok: true; weights: number[]; rows: number } | { ok: false; problems: string[] };

/**
 * Reads a rebalance CSV for `account` onto its models (registry order). Models may be given by id, Numerai UUID or
 * name (`names`: name → id). Any problem (a bad row, a total other than 100%, another account, a model that is not
 * the account's) refuses the whole file, so nothing half-read reaches the editor.
 */
export async function vectorFromCsv(
  text: string,
  account: string,
  models: readonly string[],
  names: Record<string, string>,
): Promise<CsvImport> {
  const { parseRebalanceCsv } = await import("@portfolio-stake/core/rebalanceFile");
  const request = parseRebalanceCsv(text, { names, source: "the CSV" });
  if (request.problems.length) return { ok: false, problems: request.problems };
  const target = request.accounts.find((a) => a.account.toLowerCase() === account.toLowerCase());
  const others = request.accounts.filter((a) => a !== target).map((a) => a.account);
  if (others.length) return { ok: false, problems: others.map((a) => `the file has rows for ${a}, not this account`) };
  if (!target) return { ok: false, problems: [`the file has no rows for ${account}`] };
  const loaded = weightsFromEntries(models, target.weights);
  const freed = target.weights.filter((w) => isFreeSlot(w.modelId));
  if (loaded.unknown.length || freed.length)
    return {
      ok: false,
      problems: target.weights
        .filter((w) => loaded.unknown.includes(w.modelId) || isFreeSlot(w.modelId))
        .map((w) => `${w.where}: model ${w.modelId} is not one of this account's models`),
    };
  return { ok: true, weights: loaded.weights, rows: target.weights.length };
}
