"use client";
/** One model at a time: its per-round rates, compounded return and drawdown, with the numbers in a table. */
import { useId, useState } from "react";
import { BarChart } from "@/components/charts/BarChart";
import { LineChart } from "@/components/charts/LineChart";
import { formatPercent, seriesColor } from "@/components/charts/scale";
import { cumulative, drawdown, type Maybe } from "@/lib/performance/analytics";

export function ModelDetail({
  labels,
  rounds,
  series,
}: {
  labels: readonly string[];
  rounds: readonly number[];
  series: readonly (readonly Maybe[])[];
}) {
  const [m, setM] = useState(0);
  const selectId = useId();
  // The selection is an index into labels and series (parallel, registry order).
  const rates = series[m] ?? [];
  const label = labels[m] ?? `Model ${m + 1}`;
  const cum = cumulative(rates);
  const dd = drawdown(cum);
  const worst = Math.min(0, ...dd);
  return (
    <div className="model-detail" data-testid="model-detail">
      <h3>
        <label htmlFor={selectId}>One model in detail: </label>
        <select id={selectId} value={m} onChange={(e) => setM(Number(e.target.value))} data-testid="model-select">
          {labels.map((option, i) => (
            <option key={option} value={i}>
              {option}
            </option>
          ))}
        </select>
      </h3>
      {rates.every((r) => r === null) ? (
        <p className="notice info">{label} carried no weight in any settled round: no results to show.</p>
      ) : (
        <>
          <div className="chart-grid-2">
            <BarChart title={`${label}: rate per round`} rounds={rounds} values={rates} testId="chart-model-rounds" />
            <LineChart
              title={`${label}: cumulative return`}
              rounds={rounds}
              fromZero
              series={[{ label, values: cum, color: seriesColor(m) }]}
              area
              testId="chart-model-cumulative"
            />
          </div>
          {worst === 0 ? (
            <p className="small" data-testid="chart-model-drawdown">
              No drawdown for {label}: it never fell below an earlier peak.
            </p>
          ) : (
            <LineChart
              title={`${label}: drawdown`}
              rounds={rounds}
              fromZero
              series={[{ label: "drawdown", values: dd, color: "var(--danger)" }]}
              area
              testId="chart-model-drawdown"
            />
          )}
          <details>
            <summary>{label} round by round (table)</summary>
            <div className="table-wrap">
              <table className="data" data-testid="model-rounds-table">
                <thead>
                  <tr>
                    <th scope="col" className="num">
                      Round
                    </th>
                    <th scope="col" className="num">
                      Rate
                    </th>
                    <th scope="col" className="num">
                      Compounded
                    </th>
                    <th scope="col" className="num">
                      Drawdown
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {rounds.map((round, i) => {
                    const rate = rates[i] ?? null;
                    return (
                      <tr key={round}>
                        <th scope="row" className="num">
                          {round}
                        </th>
                        <td className="num">{rate === null ? "no weight" : formatPercent(rate)}</td>
                        <td className="num">{formatPercent(cum[i] ?? NaN)}</td>
                        <td className="num">{formatPercent(dd[i] ?? NaN)}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          </details>
        </>
      )}
    </div>
  );
}
