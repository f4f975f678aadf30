/** Shared chart helpers: a linear y scale with rounded ticks, percent labels, x tick positions, series colours. */

/** A y scale from `bottom` to `top` (pixels) covering the values and 0, with 3-6 round ticks and label digits. */
export function scaleFor(values: readonly number[], bottom: number, top: number) {
  let lo = Math.min(0, ...values);
  let hi = Math.max(0, ...values);
  if (hi - lo < 1e-9) {
    hi += 0.01;
    lo -= 0.01;
  }
  const raw = (hi - lo) / 4;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw * (1 - 1e-9)) ?? raw;
  const start = Math.floor(lo / step + 1e-9) * step;
  const end = Math.ceil(hi / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let i = 0; start + i * step <= end + step / 2; i++) {
    const t = start + i * step;
    ticks.push(Math.abs(t) < step / 1e6 ? 0 : t);
  }
  const at = (v: number) => bottom - ((v - start) / (end - start)) * (bottom - top);
  return { at, ticks, digits: percentDigits(step) };
}

/** Decimals needed to write multiples of `step` as distinct percentages (0.0025 → 2: "0.25%"). */
export function percentDigits(step: number): number {
  for (let d = 0; d < 6; d++) if (Math.abs(Math.round(step * 100 * 10 ** d) - step * 100 * 10 ** d) < 1e-6) return d;
  return 6;
}

export function formatPercent(x: number, digits = 2): string {
  if (!Number.isFinite(x)) return "–";
  const text = (x * 100).toFixed(digits);
  return `${x > 0 && Number(text) !== 0 ? "+" : ""}${Number(text) === 0 ? (0).toFixed(digits) : text}%`;
}

/** "round 12" for x position `i` of a chart over `rounds` (empty past the end). */
export function roundLabel(rounds: readonly number[], i: number): string {
  const round = rounds[i];
  return round === undefined ? "" : `round ${round}`;
}

/** "3 to 17": the first and the last of `rounds` (empty when there are none). */
export function roundSpan(rounds: readonly number[]): string {
  const [first] = rounds;
  const last = rounds.at(-1);
  return first === undefined || last === undefined ? "" : `${first} to ${last}`;
}

/** Indexes of the x labels: the first, every k-th (k the smallest step keeping `minGap` pixels between), the last. */
export function xTickIndexes(count: number, plotWidth: number, minGap = 90): number[] {
  if (count <= 1) return count === 1 ? [0] : [];
  const pixelsPerIndex = plotWidth / (count - 1);
  const every = Math.max(1, Math.ceil(minGap / pixelsPerIndex));
  const indexes: number[] = [];
  for (let i = 0; i < count - 1; i += every) indexes.push(i);
  // The last label always shows; the regular one before it goes if the two would crowd.
  if (indexes.length > 1 && (count - 1 - indexes.at(-1)!) * pixelsPerIndex < minGap) indexes.pop();
  indexes.push(count - 1);
  return indexes;
}

/** Distinct hues that read on dark and light backgrounds. */
export function seriesColor(i: number): string {
  return `hsl(${(i * 137.5 + 210) % 360} 65% 52%)`;
}
