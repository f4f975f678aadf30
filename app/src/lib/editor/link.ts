/**
 * Loading a vector into the allocation editor from elsewhere in the app (e.g. a weight suggestion):
 *
 *   <Link href={editorHref(address, [{ modelId, bps }, …])}>Load into editor</Link>
 *
 * gives /account/<address>?weights=<modelId>:<bps>,<modelId>:<bps>#editor. The editor reads the parameter once on
 * load, fills its draft (nothing is sent until the user saves) and says which entries it could not use. Models not
 * listed get 0; the draft must still total exactly 10,000 bps to be saved.
 */
import { TOTAL_BPS } from "@portfolio-stake/core/bps";

export interface WeightEntry {
  modelId: string; // bytes16, 0x + 32 hex digits
  bps: number; // integer 0..10,000
}

export const WEIGHTS_PARAM = "weights";

export function editorHref(address: string, weights: readonly WeightEntry[]): string {
  const value = weights.map((w) => `${w.modelId.toLowerCase()}:${w.bps}`).join(",");
  return `/account/${address}?${WEIGHTS_PARAM}=${value}#editor`;
}

export type ParsedWeights = { entries: WeightEntry[]; errors: string[] };

/** Parses the parameter; malformed entries are reported (in words) and left out, never guessed. */
export function parseWeightsParam(value: string | null | undefined): ParsedWeights {
  const entries: WeightEntry[] = [];
  const errors: string[] = [];
  if (!value) return { entries, errors };
  const seen = new Set<string>();
  for (const raw of value.split(",")) {
    const part = raw.trim();
    if (!part) continue;
    const [, id, bpsText] = /^(0x[0-9a-fA-F]{32}):(\d{1,5})$/.exec(part) ?? [];
    if (id === undefined || bpsText === undefined) {
      errors.push(`"${part}" is not <modelId>:<bps> (a bytes16 id and a whole number of basis points)`);
      continue;
    }
    const modelId = id.toLowerCase();
    const bps = Number(bpsText);
    if (bps > TOTAL_BPS) errors.push(`${modelId}: ${bps} bps is more than 10,000`);
    else if (seen.has(modelId)) errors.push(`${modelId} appears twice`);
    else {
      seen.add(modelId);
      entries.push({ modelId, bps });
    }
  }
  return { entries, errors };
}
