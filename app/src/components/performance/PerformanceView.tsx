"use client";
/**
 * The performance page: the account's portfolio under its actual vectors, each model through time, how the models
 * move together, and weight suggestions beside the current vector. Every chart has its numbers in a table too.
 */
import type { Address } from "viem";
import { BarChart } from "@/components/charts/BarChart";
import { LineChart } from "@/components/charts/LineChart";
import { formatPercent, seriesColor } from "@/components/charts/scale";
import { modelLabel } from "@/lib/contracts";
import { formatNmr } from "@/lib/format";
import { correlationMatrix, cumulative, drawdown, modelSeries, summarize } from "@/lib/performance/analytics";
import { CorrelationMatrix } from "./CorrelationMatrix";
import { ModelDetail } from "./ModelDetail";
import { Suggestions } from "./Suggestions";
import { usePerformance } from "@/lib/performance/usePerformance";
import { WalkForwardChart } from "./WalkForwardChart";

export function PerformanceView({ address }: { address: Address }) {
  const { contracts, history, sourceName, models, results, spans, latestVector, latestEffectiveRound } =
    usePerformance(address);
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
  if (models.length === 0)
    return (
      <p className="notice info">
        This address has no models registered on this contract: there is no performance to show.
      </p>
    );
  if (results.length === 0 && spans.length === 0)
    return (
      <p className="notice info">
        No round has been settled with stake at risk for this account yet: performance appears after the first
        settlement.
      </p>
    );
  const spansNote = spans.length > 0 && (
    <section className="card" aria-labelledby="spans-h" data-testid="performance-spans">
      <h2 id="spans-h">Rounds settled together</h2>
      <p className="muted small">
        These rounds were settled as spans (settleSpans: one transaction for rounds over which the stake and the vector
        did not change). The chain records their net result and each model&apos;s sum of rates over the span, not the
        rates round by round, so the per-round figures, charts and statistics on this page leave them out.
      </p>
      <div className="table-wrap">
        <table className="data">
          <thead>
            <tr>
              <th scope="col">Rounds</th>
              <th scope="col" className="num">
                At risk each round (NMR)
              </th>
              <th scope="col" className="num">
                Net result (NMR)
              </th>
              <th scope="col" className="num">
                Sum of returns
              </th>
              <th scope="col">Per model (sum of rates)</th>
            </tr>
          </thead>
          <tbody>
            {spans.map((s) => (
              <tr key={s.fromRound}>
                <th scope="row">
                  {s.fromRound}–{s.toRound} ({s.rounds})
                </th>
                <td className="num">{formatNmr(s.stakeAtRisk)}</td>
                <td className="num">
                  {s.delta > 0n ? "+" : ""}
                  {formatNmr(s.delta)}
                </td>
                <td className="num">{formatPercent(s.portfolioReturn)}</td>
                <td className="small">
                  {s.modelSums
                    .map((sum, m) =>
                      sum === null ? null : `${modelLabel(contracts.data, models[m]!)} ${formatPercent(sum)}`,
                    )
                    .filter(Boolean)
                    .join(", ")}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
  if (results.length === 0) return <div className="stack">{spansNote}</div>;

  const rounds = results.map((r) => r.round);
  const portfolio = results.map((r) => r.portfolioRate);
  const portfolioCum = cumulative(portfolio);
  const portfolioDrawdown = drawdown(portfolioCum);
  const summary = summarize(portfolio);
  const totalDelta = results.reduce((a, r) => a + r.delta, 0n);
  const perModel = models.map((id, m) => {
    const rates = modelSeries(results, m);
    return { id, label: modelLabel(contracts.data, id), rates, summary: summarize(rates), weight: latestVector?.[m] };
  });
  const series = perModel.map((p) => p.rates);
  const labels = perModel.map((p) => p.label);

  return (
    <div className="stack">
      {spansNote}
      <section className="card" aria-labelledby="portfolio-h">
        <h2 id="portfolio-h">Portfolio under its actual vectors</h2>
        <p className="muted small">
          Each settled round's result divided by what it put at risk, its slice of the stake (stake / R; the vector in
          force that round applied), chained round after round, so deposits and withdrawals do not count as performance.
          These are returns on the slices, not on the whole stake: with R = 64 a round moves the stake by 1/64 of its
          rate; the net result in NMR is what the stake gained or lost.
        </p>
        <dl className="stats" data-testid="portfolio-stats">
          <div>
            <dt>Settled rounds</dt>
            <dd>
              {results.length} (rounds {rounds[0]}–{rounds.at(-1)})
            </dd>
          </div>
          <div>
            <dt>Compounded return</dt>
            <dd className={summary.total >= 0 ? "delta-up" : "delta-down"}>{formatPercent(summary.total)}</dd>
          </div>
          <div>
            <dt>Net result</dt>
            <dd>
              {totalDelta > 0n ? "+" : ""}
              {formatNmr(totalDelta)} NMR
            </dd>
          </div>
          <div>
            <dt>Positive rounds</dt>
            <dd>{Math.round(summary.hitRate * 100)}%</dd>
          </div>
          <div>
            <dt>Worst drawdown</dt>
            <dd>{formatPercent(summary.maxDrawdown)}</dd>
          </div>
        </dl>
        <div className="chart-grid-2">
          <LineChart
            title="Cumulative return (compounded)"
            rounds={rounds}
            fromZero
            series={[{ label: "portfolio", values: portfolioCum, color: "var(--accent)" }]}
            area
            testId="chart-portfolio-cumulative"
          />
          <BarChart title="Return per round" rounds={rounds} values={portfolio} testId="chart-portfolio-rounds" />
        </div>
        {summary.maxDrawdown === 0 ? (
          <p className="small" data-testid="chart-portfolio-drawdown">
            No drawdown: the compounded value never fell below an earlier peak.
          </p>
        ) : (
          <LineChart
            title="Drawdown from the running peak"
            rounds={rounds}
            fromZero
            series={[{ label: "drawdown", values: portfolioDrawdown, color: "var(--danger)" }]}
            area
            testId="chart-portfolio-drawdown"
          />
        )}
        <details>
          <summary>Round by round (table)</summary>
          <div className="table-wrap">
            <table className="data" data-testid="portfolio-table">
              <thead>
                <tr>
                  <th scope="col" className="num">
                    Round
                  </th>
                  <th scope="col" className="num">
                    At risk (NMR)
                  </th>
                  <th scope="col" className="num">
                    Result (NMR)
                  </th>
                  <th scope="col" className="num">
                    Return
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
                {results.map((r, i) => (
                  <tr key={r.round}>
                    <th scope="row" className="num">
                      {r.round}
                    </th>
                    <td className="num">{formatNmr(r.stakeAtRisk)}</td>
                    <td className="num">
                      {r.delta > 0n ? "+" : ""}
                      {formatNmr(r.delta)}
                    </td>
                    <td className="num">{formatPercent(r.portfolioRate)}</td>
                    <td className="num">{formatPercent(portfolioCum[i] ?? NaN)}</td>
                    <td className="num">{formatPercent(portfolioDrawdown[i] ?? NaN)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </details>
      </section>

      <section className="card" aria-labelledby="models-h">
        <h2 id="models-h">Models through time</h2>
        <p className="muted small">
          Each model's own rate in the rounds it carried weight, compounded (a round without weight has no result for
          the model and leaves its line flat). Rates come from this account's settlements.
        </p>
        <LineChart
          title="Cumulative return per model"
          rounds={rounds}
          fromZero
          series={perModel.map((p, m) => ({ label: p.label, values: cumulative(p.rates), color: seriesColor(m) }))}
          testId="chart-models-cumulative"
        />
        <div className="table-wrap">
          <table className="data" data-testid="model-table">
            <thead>
              <tr>
                <th scope="col">Model</th>
                <th scope="col" className="num">
                  Weight now
                </th>
                <th scope="col" className="num">
                  Rounds
                </th>
                <th scope="col" className="num">
                  Compounded
                </th>
                <th scope="col" className="num">
                  Mean / round
                </th>
                <th scope="col" className="num">
                  Positive
                </th>
                <th scope="col" className="num">
                  Worst drawdown
                </th>
              </tr>
            </thead>
            <tbody>
              {perModel.map(({ id, label, summary: s, weight }, m) => (
                <tr key={id}>
                  <th scope="row">
                    <i className="swatch" style={{ background: seriesColor(m) }} aria-hidden /> {label}
                  </th>
                  <td className="num">{weight !== undefined ? `${(weight / 100).toFixed(2)}%` : "–"}</td>
                  <td className="num">{s.rounds}</td>
                  <td className="num">{s.rounds ? formatPercent(s.total) : "–"}</td>
                  <td className="num">{formatPercent(s.mean, 3)}</td>
                  <td className="num">{Number.isFinite(s.hitRate) ? `${Math.round(s.hitRate * 100)}%` : "–"}</td>
                  <td className="num">{s.rounds ? formatPercent(s.maxDrawdown) : "–"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <ModelDetail labels={labels} rounds={rounds} series={series} />
      </section>

      <section className="card" aria-labelledby="corr-h">
        <h2 id="corr-h">How the models move together</h2>
        <CorrelationMatrix labels={labels} matrix={correlationMatrix(series)} />
      </section>

      <WalkForwardChart models={labels} series={series} rounds={rounds} />
      <Suggestions
        address={address}
        models={models}
        labels={labels}
        series={series}
        rounds={rounds}
        current={latestVector}
        currentFrom={latestEffectiveRound}
        stakes={results.map((r) => r.stakeAtRisk)}
      />
      <p className="muted small">
        Read from {sourceName} up to block {String(history.data.toBlock)}; refreshed every 15 seconds.
      </p>
    </div>
  );
}
