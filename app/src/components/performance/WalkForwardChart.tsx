"use client";
/**
 * How each suggestion method would have done had it been followed round by round, using only the results known at
 * the time (walk-forward, the same computation as `npm run suggest -- --evaluate`): a chart of each method's
 * cumulative return and a table of its figures, with what they can and cannot say.
 */
import { useEffect, useState } from "react";
import { LineChart } from "@/components/charts/LineChart";
import { formatPercent, seriesColor } from "@/components/charts/scale";
import type { Maybe } from "@/lib/performance/analytics";
import { NUMERAI_DAILY_DELAY, walkForwardView, type WalkForwardView } from "@/lib/performance/walkForward";

const FULL_RANGE = { minBps: 0, maxBps: 10_000 };

export function WalkForwardChart(props: {
  /** Model names, for the hindsight benchmark's label. */
  models: readonly string[];
  series: readonly (readonly Maybe[])[];
  rounds: readonly number[];
}) {
  // Keyed by content: the page rebuilds these arrays on every render, and the replay takes a moment (a decision per
  // round per method), so it runs after the page has painted and again only when the results change.
  const key = JSON.stringify([props.models, props.rounds, props.series]);
  const [done, setDone] = useState<{ key: string; view: WalkForwardView | { error: string } } | null>(null);
  useEffect(() => {
    const timer = setTimeout(() => {
      const [models, rounds, series] = JSON.parse(key) as [string[], number[], Maybe[][]];
      setDone({ key, view: walkForwardView(series, rounds, models, FULL_RANGE) });
    }, 0);
    return () => clearTimeout(timer);
  }, [key]);
  const view = done?.key === key ? done.view : null;

  return (
    <section className="card" aria-labelledby="walk-forward-h" data-testid="walk-forward">
      <h2 id="walk-forward-h">How the methods would have done (walk-forward)</h2>
      <p className="muted small">
        Each method is replayed round by round as if it had been followed: before each round it sees only the results
        that were known then (a round's result is known about{" "}
        {view && !("error" in view) ? view.delay : NUMERAI_DAILY_DELAY} rounds after it opens), picks a vector, and is
        scored on the round that vector would have applied to. This is a fairer test than the “would have earned” row
        below, which is fitted on the very rounds it scores.
      </p>
      {view === null ? (
        <p className="muted" role="status" aria-busy="true">
          Replaying each method round by round…
        </p>
      ) : "error" in view ? (
        <p className="notice info" data-testid="walk-forward-unavailable">
          {view.error}
        </p>
      ) : (
        <>
          <LineChart
            title="Cumulative return of each method, walk-forward (sum of the per-round returns on the slices)"
            rounds={view.rounds}
            fromZero
            series={view.lines.map((l, i) => ({ label: l.label, values: l.values, color: seriesColor(i) }))}
            testId="chart-walk-forward"
          />
          <div className="table-wrap">
            <table className="data" data-testid="walk-forward-table">
              <thead>
                <tr>
                  <th scope="col">Method</th>
                  <th scope="col" className="num">
                    Sum of returns
                  </th>
                  <th scope="col" className="num">
                    Mean per round
                  </th>
                  <th scope="col" className="num">
                    Worst drawdown
                  </th>
                  <th scope="col" className="num">
                    Losing rounds
                  </th>
                  <th scope="col" className="num">
                    Moved per decision
                  </th>
                  <th scope="col" className="num">
                    Changed
                  </th>
                </tr>
              </thead>
              <tbody>
                {view.summaries.map((s) => (
                  <tr key={s.id}>
                    <th scope="row">{s.label}</th>
                    <td className="num">{formatPercent(s.totalOnStake)}</td>
                    <td className="num">{formatPercent(s.meanReturn)}</td>
                    <td className="num">{formatPercent(-s.maxDrawdownOnStake)}</td>
                    <td className="num">{Math.round(s.negativeShare * 100)}%</td>
                    <td className="num">{(s.meanTurnoverBps / 100).toFixed(2)}%</td>
                    <td className="num">{Math.round(s.changeShare * 100)}%</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <ul className="muted small">
            <li>
              Past results only: {view.rounds.length} round(s) is a short record, and a method that did best here may
              not do best next.
            </li>
            <li>
              Rounds overlap (each scores about 20 trading days, so neighbouring rounds share most of their data): the
              rounds are far fewer independent results than their number suggests, and small differences between methods
              mean little.
            </li>
            <li>
              Only this account's own settled results are used, so a model counts only from the rounds in which it
              carried weight. Returns are on the slices (the share of the stake each round risks), without the minimum
              and maximum weights of the suggestions below. The last row is not a method: it is the single model that
              did best, known only afterwards. “Moved per decision”: the share of the stake moved between models each
              round on average; “changed”: the share of rounds in which the vector changed.
            </li>
          </ul>
        </>
      )}
    </section>
  );
}
