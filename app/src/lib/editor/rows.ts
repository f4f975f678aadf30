/**
 * The editor's list of models: which rows a search shows and in which order, pure. Rows keep their registry index
 * (the vector's order); sorting and filtering only change what is shown, never the vector.
 */
export type SortKey = "registry" | "name" | "weight" | "return" | "drawdown";

export const SORT_LABELS: Record<SortKey, string> = {
  registry: "Registry order",
  name: "Name",
  weight: "Weight (largest first)",
  return: "Recent return (best first)",
  drawdown: "Drawdown (worst first)",
};

export interface EditorRow {
  index: number; // slot in the account's model list
  id: string;
  name: string;
  weight: number; // draft bps
  recentReturn: number | null;
  maxDrawdown: number | null;
}

const byName = (a: EditorRow, b: EditorRow) => a.name.localeCompare(b.name, "en") || a.index - b.index;
/** Rows without data (null) go last whatever the direction. */
const numeric = (get: (r: EditorRow) => number | null, direction: 1 | -1) => (a: EditorRow, b: EditorRow) => {
  const x = get(a);
  const y = get(b);
  if (x === null || y === null) return (x === null ? 1 : 0) - (y === null ? 1 : 0) || a.index - b.index;
  return direction * (x - y) || a.index - b.index;
};

/** The rows matching `query` (name or id, case-insensitive, every word), in `sort` order. */
export function visibleRows(rows: readonly EditorRow[], query: string, sort: SortKey): EditorRow[] {
  const words = query.trim().toLowerCase().split(/\s+/).filter(Boolean);
  const matching = rows.filter((r) => words.every((w) => r.name.toLowerCase().includes(w) || r.id.includes(w)));
  const order: Record<SortKey, (a: EditorRow, b: EditorRow) => number> = {
    registry: (a, b) => a.index - b.index,
    name: byName,
    weight: numeric((r) => r.weight, -1),
    return: numeric((r) => r.recentReturn, -1),
    drawdown: numeric((r) => r.maxDrawdown, 1),
  };
  return [...matching].sort(order[sort]);
}
