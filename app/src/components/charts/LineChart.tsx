"use client";
/**
 * A small SVG line chart (no chart library: nothing to download, a few hundred bytes of JS). The x axis is the
 * round; values are fractions shown as percent. Accessible: role="img" with a label and a description; the pages
 * keep the numbers in a table next to it.
 */
import { formatPercent, roundLabel, roundSpan, scaleFor, seriesColor, xTickIndexes } from "./scale";
import { useChartWidth } from "./useChartWidth";

export interface LineSeries {
  label: string;
  values: readonly number[];
  color?: string;
}

const H = 240;
const PAD = { left: 56, right: 12, top: 12, bottom: 28 };

export function LineChart({
  title,
  rounds,
  series: given,
  fromZero = false,
  area = false,
  testId,
}: {
  title: string;
  rounds: readonly number[];
  /** Start every line at 0 before the first round (for cumulative values and drawdowns, which begin at 0). */
  fromZero?: boolean;
  series: readonly LineSeries[];
  area?: boolean;
  testId?: string;
}) {
  const [ref, W] = useChartWidth();
  const series = fromZero ? given.map((s) => ({ ...s, values: [0, ...s.values] })) : given;
  const all = series.flatMap((s) => s.values).filter(Number.isFinite);
  const points = rounds.length + (fromZero ? 1 : 0);
  if (points < 2 || all.length === 0)
    return (
      <p className="muted small">
        Not enough settled rounds to draw “{title}” (it needs {fromZero ? "one" : "two"}).
      </p>
    );
  const plotWidth = W - PAD.left - PAD.right;
  const y = scaleFor(all, H - PAD.bottom, PAD.top);
  const x = (i: number) => PAD.left + (i / (points - 1)) * plotWidth;
  const path = (values: readonly number[]) =>
    values
      .map((v, i) => `${i === 0 ? "M" : "L"}${x(i).toFixed(1)},${y.at(Number.isFinite(v) ? v : 0).toFixed(1)}`)
      .join("");
  const xTicks = xTickIndexes(points, plotWidth);
  const xLabel = (i: number) => (fromZero ? (i === 0 ? "start" : roundLabel(rounds, i - 1)) : roundLabel(rounds, i));
  const [only, ...others] = series;
  const span = roundSpan(rounds);
  const description =
    only && others.length === 0
      ? `Rounds ${span}: ends at ${formatPercent(only.values.at(-1) ?? NaN)}, lowest ${formatPercent(Math.min(...all))}, highest ${formatPercent(Math.max(...all))}.`
      : `${series.length} series over rounds ${span}; the table below has the numbers.`;
  return (
    <figure className="chart" data-testid={testId} ref={ref}>
      <figcaption className="chart-title">{title}</figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`${title}. ${description}`}>
        <title>{title}</title>
        <desc>{description}</desc>
        {y.ticks.map((t) => (
          <g key={t}>
            <line
              x1={PAD.left}
              x2={W - PAD.right}
              y1={y.at(t)}
              y2={y.at(t)}
              className={t === 0 ? "chart-zero" : "chart-grid"}
            />
            <text x={PAD.left - 6} y={y.at(t) + 4} textAnchor="end" className="chart-label">
              {formatPercent(t, y.digits)}
            </text>
          </g>
        ))}
        {xTicks.map((i) => (
          <text
            key={i}
            x={x(i)}
            y={H - 8}
            textAnchor={i === 0 ? "start" : i === points - 1 ? "end" : "middle"}
            className="chart-label"
          >
            {xLabel(i)}
          </text>
        ))}
        {area && series[0] && (
          <path
            d={`${path(series[0].values)}L${x(points - 1)},${y.at(0)}L${x(0)},${y.at(0)}Z`}
            fill={series[0].color ?? seriesColor(0)}
            opacity={0.15}
          />
        )}
        {series.map((s, i) => (
          <path
            key={s.label}
            d={path(s.values)}
            fill="none"
            stroke={s.color ?? seriesColor(i)}
            strokeWidth={2}
            strokeLinejoin="round"
            data-series={s.label}
          >
            <title>{`${s.label}: ${formatPercent(s.values.at(-1) ?? NaN)} after ${roundLabel(rounds, rounds.length - 1)}`}</title>
          </path>
        ))}
      </svg>
      {series.length > 1 && (
        <div className="chart-legend" aria-hidden>
          {series.map((s, i) => (
            <span key={s.label}>
              <i style={{ background: s.color ?? seriesColor(i) }} /> {s.label}
            </span>
          ))}
        </div>
      )}
    </figure>
  );
}
