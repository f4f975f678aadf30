/** An account's events as timeline rows, newest first, described in words (pure; unit-tested). */
import type { AccountEvent } from "./types";
import { byChainOrder } from "./types";
import { formatNmr } from "@/lib/format";

export interface TimelineRow {
  key: string;
  kind: AccountEvent["kind"];
  title: string;
  detail: string;
  blockNumber: bigint;
  txHash: string;
}

const pct = (bps: number) => `${(bps / 100).toFixed(2)}%`;

/** Newest first. `label(slot)` names a model by its registry slot. */
export function timeline(events: readonly AccountEvent[], label: (slot: number) => string): TimelineRow[] {
  return [...events]
    .sort(byChainOrder)
    .reverse()
    .map((e) => ({ key: `${e.blockNumber}-${e.logIndex}`, kind: e.kind, blockNumber: e.blockNumber, txHash: e.txHash, ...describe(e, label) }));
}

function describe(e: AccountEvent, label: (slot: number) => string): { title: string; detail: string } {
  switch (e.kind) {
    case "model-registered":
      return { title: "Model registered", detail: `${label(e.slot)} in slot ${e.slot}` };
    case "deposited":
      return { title: "Deposit", detail: `+${formatNmr(e.amount)} NMR, balance ${formatNmr(e.balance)} NMR, at risk from round ${e.effectiveRound}` };
    case "allocation-set": {
      const parts = e.weights.map((w, slot) => (w > 0 ? `${label(slot)} ${pct(w)}` : null)).filter(Boolean);
      return { title: "Reallocation", detail: `from round ${e.effectiveRound}: ${parts.join(", ")} (by ${e.by.slice(0, 6)}…${e.by.slice(-4)})` };
    }
    case "manager-set":
      return { title: "Manager set", detail: /^0x0{40}$/.test(e.manager) ? "manager removed" : `manager ${e.manager}` };
    case "withdrawal-requested":
      return {
        title: "Withdrawal requested",
        detail: `${formatNmr(e.amount)} NMR (pending ${formatNmr(e.pendingWithdrawal)}), at risk up to round ${e.lastAtRiskRound}, claimable from ${new Date(e.releaseAt * 1000).toISOString().slice(0, 16).replace("T", " ")} UTC`,
      };
    case "withdrawal-claimed":
      return { title: "Withdrawal claimed", detail: `${formatNmr(e.amount)} NMR` };
    case "settled": {
      const sign = e.delta >= 0n ? "+" : "";
      const rate = e.stakeAtRisk === 0n ? 0 : Number((e.delta * 1_000_000n) / e.stakeAtRisk) / 10_000;
      return {
        title: `Round ${e.round} settled`,
        detail: `${sign}${formatNmr(e.delta)} NMR (${sign}${rate.toFixed(2)}% of ${formatNmr(e.stakeAtRisk)} at risk), balance ${formatNmr(e.balance)} NMR${e.unpaidRewards > 0n ? `, ${formatNmr(e.unpaidRewards)} NMR of rewards owed` : ""}`,
      };
    }
  }
}
