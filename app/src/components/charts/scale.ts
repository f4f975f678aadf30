/** Shared chart helpers: a linear y scale with rounded ticks, percent labels, series colours. */
export function scaleFor(values: readonly number[], bottom: number, top: number) {
  let lo = Math.min(0, ...values);
  let hi = Math.max(0, ...values);
  if (hi - lo < 1e-9) {
    hi += 0.01;
    lo -= 0.01;
  }
  const raw = (hi - lo) / 4;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  const start = Math.floor(lo / step) * step;
  const end = Math.ceil(hi / step) * step;
  const ticks: number[] = [];
  for (let t = start; t <= end + step / 2; t += step) ticks.push(Math.abs(t) < step / 1e6 ? 0 : t);
  const at = (v: number) => bottom - ((v - start) / (end - start)) * (bottom - top);
  // The fewest decimals that print every tick exactly (a 0.25% step needs two).
  const exact = (d: number) => ticks.every((t) => Math.abs(Number((t * 100).toFixed(d)) - t * 100) < 1e-9);
  const digits = [0, 1, 2, 3, 4].find(exact) ?? 4;
  return { at, ticks, digits };
}

export function formatPercent(x: number, digits = 2): string {
  if (!Number.isFinite(x)) return "–";
  return `${x > 0 ? "+" : ""}${(x * 100).toFixed(digits)}%`;
}

/** Distinct hues that read on dark and light backgrounds. */
export function seriesColor(i: number): string {
  return `hsl(${(i * 137.5 + 210) % 360} 65% 52%)`;
}
