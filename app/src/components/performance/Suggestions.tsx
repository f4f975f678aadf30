"use client";
/** Suggested vectors beside the current one, with what each would have earned, and a link into the editor. */
import Link from "next/link";
import { useMemo, useState } from "react";
import type { Address, Hex } from "viem";
import { formatPercent } from "@/components/charts/scale";
import { editorHref } from "@/lib/editor/link";
import { formatNmr } from "@/lib/format";
import type { Maybe } from "@/lib/performance/analytics";
import {
  earnedBy,
  METHOD_LABELS,
  parseBounds,
  suggestAll,
  type Earned,
  type SuggestionRow,
} from "@/lib/performance/suggestions";

const pct = (bps: number | undefined) => (bps === undefined ? "–" : `${(bps / 100).toFixed(2)}%`);

export function Suggestions(props: {
  address: Address;
  models: readonly Hex[];
  labels: readonly string[];
  series: readonly (readonly Maybe[])[];
  rounds: readonly number[];
  current: readonly number[] | null;
  currentFrom: number | null;
  /** Stake at risk per round, aligned with `rounds`. */
  stakes: readonly bigint[];
}) {
  const { address, models, labels, series, rounds, current, currentFrom, stakes } = props;
  const [windowText, setWindowText] = useState(String(Math.max(2, Math.min(60, rounds.length))));
  const [minPct, setMinPct] = useState("0");
  const [maxPct, setMaxPct] = useState("100");

  const window = Number(windowText);
  const computed = useMemo((): { rows: SuggestionRow[] } | { error: string } => {
    if (!Number.isInteger(window) || window < 2 || window > Math.max(2, rounds.length))
      return {
        error: `Rounds must be a whole number from 2 to ${Math.max(2, rounds.length)} (the settled rounds there are).`,
      };
    const bounds = parseBounds(minPct, maxPct, models.length);
    if ("error" in bounds) return bounds;
    const { minBps, maxBps } = bounds;
    try {
      return { rows: suggestAll({ series, stakes, window, minBps, maxBps }) };
    } catch (e) {
      return { error: e instanceof Error ? e.message : String(e) };
    }
  }, [series, stakes, window, rounds.length, minPct, maxPct, models.length]);
  const currentEarned = current && "rows" in computed ? earnedBy(current, series, stakes, window) : null;

  return (
    <section className="card" aria-labelledby="suggest-h" data-testid="suggestions">
      <h2 id="suggest-h">Weight suggestions</h2>
      <p className="muted small">
        Fitted on the last {Number.isInteger(window) ? Math.min(window, rounds.length) : "N"} settled round(s) of this
        account's own model results, the same computation as <code>npm run suggest</code>: <strong>equal</strong> gives
        every model the same weight, <strong>inverse volatility</strong> weights a model by 1 / the spread of its rates,{" "}
        <strong>probability</strong> by the chance that its mean rate is above zero. Then the minimum and maximum apply,
        in whole basis points summing to 100%. What a vector “would have earned” adds up its rates over those rounds on
        the stakes then at risk; for a suggestion it is in-sample (fitted on the same rounds), not a forecast.
      </p>
      <div className="row wrap">
        <label>
          Rounds in the window{" "}
          <input
            type="number"
            inputMode="numeric"
            min={2}
            max={Math.max(2, rounds.length)}
            value={windowText}
            onChange={(e) => setWindowText(e.target.value)}
          />
        </label>
        <label>
          Minimum weight per model (%){" "}
          <input
            type="number"
            inputMode="decimal"
            min={0}
            max={100}
            step="0.01"
            value={minPct}
            onChange={(e) => setMinPct(e.target.value)}
          />
        </label>
        <label>
          Maximum weight per model (%){" "}
          <input
            type="number"
            inputMode="decimal"
            min={0}
            max={100}
            step="0.01"
            value={maxPct}
            onChange={(e) => setMaxPct(e.target.value)}
          />
        </label>
      </div>
      {"error" in computed ? (
        <p className="notice error" role="alert">
          {computed.error}
        </p>
      ) : (
        <div className="table-wrap">
          <table className="data suggestion-table" data-testid="suggestion-table">
            <thead>
              <tr>
                <th scope="col">Model</th>
                <th scope="col" className="num">
                  Current{currentFrom !== null ? ` (from round ${currentFrom})` : ""}
                </th>
                {computed.rows.map((r) => (
                  <th key={r.method} scope="col" className="num">
                    {METHOD_LABELS[r.method]}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {models.map((id, m) => (
                <tr key={id}>
                  <th scope="row">{labels[m]}</th>
                  <td className="num">{pct(current?.[m])}</td>
                  {computed.rows.map((r) => (
                    <td key={r.method} className="num">
                      {pct(r.bps[m])}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr>
                <th scope="row">Would have earned</th>
                <td className="num">{currentEarned ? <EarnedCell earned={currentEarned} /> : "–"}</td>
                {computed.rows.map((r) => (
                  <td key={r.method} className="num">
                    <EarnedCell earned={r.earned} />
                  </td>
                ))}
              </tr>
            </tfoot>
          </table>
        </div>
      )}
      {"rows" in computed && (
        <div className="row wrap" role="group" aria-labelledby="load-h">
          <span id="load-h">Load into the editor (nothing is sent until you save there):</span>
          {computed.rows.map((r) => (
            <Link
              key={r.method}
              className="button small"
              href={editorHref(
                address,
                models.map((modelId, i) => ({ modelId, bps: r.bps[i] ?? 0 })),
              )}
              data-testid={`load-${r.method}`}
            >
              {METHOD_LABELS[r.method]}
            </Link>
          ))}
        </div>
      )}
      {"rows" in computed && computed.rows.some((r) => r.notes.length) && (
        <ul className="muted small">
          {computed.rows.flatMap((r) =>
            r.notes.map((n) => <li key={r.method + n}>{`${METHOD_LABELS[r.method]}: ${n}`}</li>),
          )}
        </ul>
      )}
    </section>
  );
}

function EarnedCell({ earned }: { earned: Earned }) {
  return (
    <>
      {formatPercent(earned.fraction)}
      <br />
      <span className="muted small">
        {earned.nmr > 0n ? "+" : ""}
        {formatNmr(earned.nmr)} NMR
      </span>
    </>
  );
}
