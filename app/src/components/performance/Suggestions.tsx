"use client";
/** Suggested vectors beside the current one, with what each would have earned, and a link into the editor. */
import Link from "next/link";
import { useMemo, useState } from "react";
import type { Address, Hex } from "viem";
import { formatPercent } from "@/components/charts/scale";
import { editorHref } from "@/lib/editor/link";
import { formatNmr } from "@/lib/format";
import type { Maybe } from "@/lib/performance/analytics";
import { earnedBy, METHOD_LABELS, suggestAll, type SuggestionRow } from "@/lib/performance/suggestions";

const pct = (bps: number) => `${(bps / 100).toFixed(2)}%`;

export function Suggestions(props: {
  address: Address;
  models: readonly Hex[];
  labels: readonly string[];
  series: readonly (readonly Maybe[])[];
  rounds: readonly number[];
  current: readonly number[] | null;
  currentFrom: number | null;
  stake: bigint;
}) {
  const { address, models, labels, series, rounds, current, currentFrom, stake } = props;
  const [window, setWindow] = useState(Math.min(60, rounds.length));
  const [minPct, setMinPct] = useState("0");
  const [maxPct, setMaxPct] = useState("100");

  const computed = useMemo((): { rows: SuggestionRow[] } | { error: string } => {
    const minBps = Math.round(Number(minPct) * 100);
    const maxBps = Math.round(Number(maxPct) * 100);
    if (!Number.isFinite(minBps) || !Number.isFinite(maxBps) || minBps < 0 || maxBps > 10_000 || minBps > maxBps)
      return { error: "Bounds must be percentages from 0 to 100, the minimum not above the maximum." };
    try {
      return { rows: suggestAll({ series, window, minBps, maxBps }) };
    } catch (e) {
      return { error: e instanceof Error ? e.message : String(e) };
    }
  }, [series, window, minPct, maxPct]);

  const nmrOf = (fraction: number) => formatNmr((stake * BigInt(Math.round(fraction * 1e6))) / 1_000_000n);

  return (
    <section className="card" aria-labelledby="suggest-h" data-testid="suggestions">
      <h2 id="suggest-h">Weight suggestions</h2>
      <p className="muted small">
        Fitted on the last {window} settled round(s) of this account's own model results, the same computation as{" "}
        <code>npm run suggest</code>. What each vector “would have earned” is in-sample: it was fitted on those rounds.
      </p>
      <div className="row wrap">
        <label>
          Rounds{" "}
          <input type="number" min={2} max={rounds.length} value={window} onChange={(e) => setWindow(Math.max(2, Math.min(rounds.length, Number(e.target.value) || 2)))} aria-label="Rounds in the window" />
        </label>
        <label>
          Min weight %{" "}
          <input type="number" min={0} max={100} step="0.01" value={minPct} onChange={(e) => setMinPct(e.target.value)} aria-label="Minimum weight per model, percent" />
        </label>
        <label>
          Max weight %{" "}
          <input type="number" min={0} max={100} step="0.01" value={maxPct} onChange={(e) => setMaxPct(e.target.value)} aria-label="Maximum weight per model, percent" />
        </label>
      </div>
      {"error" in computed ? (
        <p className="notice error" role="alert">{computed.error}</p>
      ) : (
        <div className="table-wrap">
          <table data-testid="suggestion-table">
            <thead>
              <tr>
                <th scope="col">Model</th>
                <th scope="col" className="num">Current{currentFrom !== null ? ` (from round ${currentFrom})` : ""}</th>
                {computed.rows.map((r) => (
                  <th key={r.method} scope="col" className="num">{METHOD_LABELS[r.method]}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {models.map((id, m) => (
                <tr key={id}>
                  <th scope="row">{labels[m]}</th>
                  <td className="num">{current ? pct(current[m]) : "–"}</td>
                  {computed.rows.map((r) => (
                    <td key={r.method} className="num">{pct(r.bps[m])}</td>
                  ))}
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr>
                <th scope="row">Would have earned</th>
                <td className="num">{current ? `${formatPercent(earnedBy(current, series, window))} (${nmrOf(earnedBy(current, series, window))} NMR)` : "–"}</td>
                {computed.rows.map((r) => (
                  <td key={r.method} className="num">{`${formatPercent(r.earned)} (${nmrOf(r.earned)} NMR)`}</td>
                ))}
              </tr>
              <tr>
                <td />
                <td />
                {computed.rows.map((r) => (
                  <td key={r.method} className="num">
                    <Link className="button small" href={editorHref(address, models.map((modelId, i) => ({ modelId, bps: r.bps[i] })))} data-testid={`load-${r.method}`}>
                      Load into editor
                    </Link>
                  </td>
                ))}
              </tr>
            </tfoot>
          </table>
        </div>
      )}
      {"rows" in computed && computed.rows.some((r) => r.notes.length) && (
        <ul className="muted small">
          {computed.rows.flatMap((r) => r.notes.map((n) => <li key={r.method + n}>{`${METHOD_LABELS[r.method]}: ${n}`}</li>))}
        </ul>
      )}
    </section>
  );
}
