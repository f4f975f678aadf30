"use client";
/** Every reallocation, deposit, withdrawal, manager change and settlement of the account, newest first. */
import { useMemo, useState } from "react";
import type { Address } from "viem";
import { useAccountHistory } from "@/lib/performance/usePerformance";
import { modelLabel } from "@/lib/contracts";
import { formatNmr, formatTime } from "@/lib/format";
import type { ModelRegisteredEvent } from "@/lib/history";
import { timeline, type TimelineRow } from "@/lib/history/timeline";
import { CopyButton } from "./CopyButton";

type Filter = { label: string; kinds: TimelineRow["kind"][] | null };
const ALL: Filter = { label: "All", kinds: null };
const FILTERS: Filter[] = [
  ALL,
  { label: "Reallocations", kinds: ["allocation-set"] },
  { label: "Deposits and withdrawals", kinds: ["deposited", "withdrawal-requested", "withdrawal-claimed"] },
  { label: "Settlements", kinds: ["settled", "span-settled"] },
  {
    label: "Managers and models",
    kinds: [
      "manager-set",
      "model-registered",
      "model-proposed",
      "model-proposal-cancelled",
      "model-unbound",
      "nonces-invalidated",
    ],
  },
];

export function HistoryView({ address }: { address: Address }) {
  const { contracts, history, sourceName } = useAccountHistory(address);
  const [filter, setFilter] = useState(ALL);
  const rows = useMemo(() => {
    const events = history.data?.events ?? [];
    const slots = new Map(
      events.filter((e): e is ModelRegisteredEvent => e.kind === "model-registered").map((e) => [e.slot, e.modelId]),
    );
    return timeline(
      events,
      {
        model: (slot) => (slots.has(slot) ? modelLabel(contracts.data, slots.get(slot)!) : `slot ${slot}`),
        modelById: (id) => modelLabel(contracts.data, id),
        address: (a) => contracts.data?.accountNames[a],
      },
      address,
    );
  }, [history.data, contracts.data, address]);

  if (contracts.error)
    return (
      <p className="notice error" role="alert">
        {contracts.error.message}
      </p>
    );
  if (history.error)
    return (
      <p className="notice error" role="alert">
        Could not read the account's history from the chain: {history.error.message}
      </p>
    );
  if (!history.data)
    return (
      <p className="muted" role="status" aria-busy="true">
        Reading the account's history from the chain…
      </p>
    );
  if (rows.length === 0)
    return (
      <p className="notice info">
        No activity for this address on this contract yet: nothing has been registered, deposited or settled.
      </p>
    );

  const kinds = filter.kinds;
  const shown = kinds ? rows.filter((r) => kinds.includes(r.kind)) : rows;
  return (
    <section className="card" aria-labelledby="history-h">
      <h2 id="history-h">Events</h2>
      <div className="row wrap" role="group" aria-label="Show">
        {FILTERS.map((f) => (
          <button
            key={f.label}
            type="button"
            className={f === filter ? "primary small" : "small"}
            aria-pressed={f === filter}
            onClick={() => setFilter(f)}
          >
            {f.label}
          </button>
        ))}
      </div>
      <p className="muted small" role="status">
        {shown.length} of {rows.length} event(s), newest first. Read from {sourceName} up to block{" "}
        {String(history.data.toBlock)}.
      </p>
      <div className="table-wrap">
        <table className="data history-table" data-testid="history-table">
          <thead>
            <tr>
              <th scope="col" className="num" title="The round open when it happened">
                In round
              </th>
              <th scope="col">Event</th>
              <th scope="col" className="num" title="NMR into (+) or out of (−) the account's holding in the contract">
                NMR in / out
              </th>
              <th scope="col">Details</th>
              <th scope="col">Transaction</th>
              <th scope="col" className="num">
                Block
              </th>
            </tr>
          </thead>
          <tbody>
            {shown.map((r) => (
              <tr key={r.key} data-kind={r.kind} data-block={String(r.blockNumber)}>
                <td
                  className="num h-round"
                  data-label="In round"
                  title={r.timestamp ? formatTime(r.timestamp) : "the round open at the time"}
                >
                  {r.openRound || "–"}
                </td>
                <th scope="row" className="h-event">
                  {r.title}
                </th>
                <td
                  className={`num h-amount ${r.amount === null ? "" : r.amount > 0n ? "delta-up" : r.amount < 0n ? "delta-down" : ""}`}
                >
                  {r.amount === null ? "" : `${r.amount > 0n ? "+" : ""}${formatNmr(r.amount)}`}
                </td>
                <td className="h-detail">{r.detail}</td>
                <td className="nowrap h-tx">
                  <span
                    className="mono small"
                    title={r.txHash}
                  >{`${r.txHash.slice(0, 10)}…${r.txHash.slice(-4)}`}</span>{" "}
                  <CopyButton text={r.txHash} label={`Copy the transaction hash of “${r.title}”`} />
                </td>
                <td className="num muted small h-block" data-label="Block">
                  {String(r.blockNumber)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
