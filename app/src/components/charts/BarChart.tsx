"use client";
/** Per-round bars of a return series (up green, down red; a round without a result has no bar), in SVG. */
import { formatPercent, roundLabel, roundSpan, scaleFor, xTickIndexes } from "./scale";
import { useChartWidth } from "./useChartWidth";

const H = 200;
const PAD = { left: 56, right: 12, top: 12, bottom: 28 };

export function BarChart({
  title,
  rounds,
  values,
  testId,
}: {
  title: string;
  rounds: readonly number[];
  values: readonly (number | null)[];
  testId?: string;
}) {
  const [ref, W] = useChartWidth();
  const present = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (present.length === 0) return <p className="muted small">No results yet for “{title}”.</p>;
  const y = scaleFor([...present, 0], H - PAD.bottom, PAD.top);
  const plotWidth = W - PAD.left - PAD.right;
  const step = plotWidth / rounds.length;
  const bar = Math.max(1, step * 0.75);
  const up = present.filter((v) => v > 0).length;
  const down = present.filter((v) => v < 0).length;
  const description = `${present.length} rounds with a result from round ${roundSpan(rounds)}: ${up} up, ${down} down, best ${formatPercent(Math.max(...present))}, worst ${formatPercent(Math.min(...present))}.`;
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
        {values.map((v, i) =>
          v === null || !Number.isFinite(v) ? null : (
            <rect
              key={rounds[i]}
              x={PAD.left + i * step + (step - bar) / 2}
              y={Math.min(y.at(v), y.at(0))}
              width={bar}
              height={Math.max(0.5, Math.abs(y.at(v) - y.at(0)))}
              className={v >= 0 ? "bar-up" : "bar-down"}
              data-round={rounds[i]}
            >
              <title>{`${roundLabel(rounds, i)}: ${formatPercent(v, 2)}`}</title>
            </rect>
          ),
        )}
        {xTickIndexes(rounds.length, plotWidth).map((i) => (
          <text
            key={i}
            x={PAD.left + (i + 0.5) * step}
            y={H - 8}
            textAnchor={i === 0 ? "start" : i === rounds.length - 1 ? "end" : "middle"}
            className="chart-label"
          >
            {roundLabel(rounds, i)}
          </text>
        ))}
      </svg>
    </figure>
  );
}
