/** Per-round bars of a return series (up green, down red), in SVG; see LineChart for the conventions. */
import { formatPercent, scaleFor } from "./scale";

const W = 720;
const H = 200;
const PAD = { left: 56, right: 12, top: 12, bottom: 28 };

export function BarChart({ title, rounds, values, testId }: { title: string; rounds: readonly number[]; values: readonly number[]; testId?: string }) {
  if (rounds.length === 0) return <p className="muted small">No settled rounds yet for “{title}”.</p>;
  const y = scaleFor([...values, 0], H - PAD.bottom, PAD.top);
  const step = (W - PAD.left - PAD.right) / rounds.length;
  const bar = Math.max(1, step * 0.75);
  return (
    <figure className="chart" data-testid={testId}>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`${title}, ${rounds.length} rounds`}>
        <title>{title}</title>
        {y.ticks.map((t) => (
          <g key={t}>
            <line x1={PAD.left} x2={W - PAD.right} y1={y.at(t)} y2={y.at(t)} className={t === 0 ? "chart-zero" : "chart-grid"} />
            <text x={PAD.left - 6} y={y.at(t) + 4} textAnchor="end" className="chart-label">
              {formatPercent(t, y.digits)}
            </text>
          </g>
        ))}
        {values.map((v, i) => {
          const top = Math.min(y.at(v), y.at(0));
          return (
            <rect key={rounds[i]} x={PAD.left + i * step + (step - bar) / 2} y={top} width={bar} height={Math.max(0.5, Math.abs(y.at(v) - y.at(0)))} className={v >= 0 ? "bar-up" : "bar-down"}>
              <title>{`round ${rounds[i]}: ${formatPercent(v, 2)}`}</title>
            </rect>
          );
        })}
        <text x={PAD.left} y={H - 8} className="chart-label">{`round ${rounds[0]}`}</text>
        <text x={W - PAD.right} y={H - 8} textAnchor="end" className="chart-label">{`round ${rounds[rounds.length - 1]}`}</text>
      </svg>
    </figure>
  );
}
