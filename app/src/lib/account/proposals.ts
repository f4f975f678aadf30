/**
 * Models proposed to an account and waiting for its consent (DESIGN.md: a model is registered to an account only
 * when the account accepts the operator's proposal), from the account's events, pure.
 */
import type { Hex } from "viem";
import type { AccountEvent } from "@portfolio-stake/core/history";

/** Proposed and neither cancelled nor registered since, in the order first proposed (events in chain order). */
export function openProposals(events: readonly AccountEvent[]): Hex[] {
  const open = new Set<Hex>();
  for (const e of events) {
    if (e.kind === "model-proposed") open.add(e.modelId);
    else if (e.kind === "model-proposal-cancelled" || e.kind === "model-registered") open.delete(e.modelId);
  }
  return [...open];
}
