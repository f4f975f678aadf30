"use client";
/** Every reallocation, deposit, withdrawal and settlement of the account, newest first. */
import { useMemo, useState } from "react";
import type { Address } from "viem";
import { useAccountHistory } from "@/components/performance/usePerformance";
import { modelLabel } from "@/lib/contracts";
import type { ModelRegisteredEvent } from "@/lib/history";
import { timeline, type TimelineRow } from "@/lib/history/timeline";

const FILTERS: { label: string; kinds: TimelineRow["kind"][] | null }[] = [
  { label: "All", kinds: null },
  { label: "Reallocations", kinds: ["allocation-set"] },
  { label: "Deposits and withdrawals", kinds: ["deposited", "withdrawal-requested", "withdrawal-claimed"] },
  { label: "Settlements", kinds: ["settled"] },
];

export function HistoryView({ address }: { address: Address }) {
  const { contracts, history } = useAccountHistory(address);
  const [filter, setFilter] = useState(0);
  const rows = useMemo(() => {
    const events = history.data?.events ?? [];
    const slots = new Map(events.filter((e): e is ModelRegisteredEvent => e.kind === "model-registered").map((e) => [e.slot, e.modelId]));
    return timeline(events, (slot) => (slots.has(slot) ? modelLabel(contracts.data, slots.get(slot)!) : `slot ${slot}`));
  }, [history.data, contracts.data]);

  if (contracts.error) return <p className="notice error" role="alert">{contracts.error.message}</p>;
  if (history.error) return <p className="notice error" role="alert">Could not read the account's history: {history.error.message}</p>;
  if (!history.data) return <p className="muted" aria-busy="true">Reading the account's history from the chain…</p>;
  if (rows.length === 0) return <p className="notice info">No activity for this address on this contract yet.</p>;

  const kinds = FILTERS[filter].kinds;
  const shown = kinds ? rows.filter((r) => kinds.includes(r.kind)) : rows;
  return (
    <section className="card" aria-labelledby="history-h">
      <h2 id="history-h">History</h2>
      <div className="row wrap" role="group" aria-label="Show">
        {FILTERS.map((f, i) => (
          <button key={f.label} type="button" className={i === filter ? "primary small" : "small"} aria-pressed={i === filter} onClick={() => setFilter(i)}>
            {f.label}
          </button>
        ))}
        <span className="muted small">{shown.length} event(s), newest first, read up to block {String(history.data.toBlock)}</span>
      </div>
      <div className="table-wrap">
        <table data-testid="history-table">
          <thead>
            <tr><th scope="col">Block</th><th scope="col">Event</th><th scope="col">Details</th><th scope="col">Transaction</th></tr>
          </thead>
          <tbody>
            {shown.map((r) => (
              <tr key={r.key} data-kind={r.kind}>
                <td className="num">{String(r.blockNumber)}</td>
                <th scope="row">{r.title}</th>
                <td>{r.detail}</td>
                <td className="mono small" title={r.txHash}>{`${r.txHash.slice(0, 10)}…`}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
