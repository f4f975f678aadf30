/** N×N correlation table, each cell tinted by its value (blue positive, red negative). */
export function CorrelationMatrix({
  labels,
  matrix,
}: {
  labels: readonly string[];
  matrix: readonly (readonly number[])[];
}) {
  if (labels.length < 2) return <p className="muted small">One model: no pairs to correlate.</p>;
  const name = (i: number) => labels[i] ?? `Model ${i + 1}`; // the matrix is labels.length × labels.length
  return (
    <>
      <p className="muted small">
        Pearson correlation of the models' per-round rates, over the rounds both carried weight (–: fewer than 3 such
        rounds). Near 1: they win and lose together, so weighting both adds little diversification; near 0 or below:
        they tend to offset each other.
      </p>
      <div className="table-wrap">
        <table className="corr" data-testid="correlation-matrix">
          <caption className="visually-hidden">Correlation matrix of {labels.length} models</caption>
          <thead>
            <tr>
              <td />
              {labels.map((l) => (
                <th key={l} scope="col" className="corr-col">
                  <span>{l}</span>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {matrix.map((row, i) => (
              <tr key={name(i)}>
                <th scope="row">{name(i)}</th>
                {row.map((v, j) => (
                  <td
                    key={name(j)}
                    className="num"
                    style={
                      Number.isFinite(v)
                        ? {
                            background:
                              v >= 0
                                ? `rgb(59 130 246 / ${(v * 0.55).toFixed(2)})`
                                : `rgb(239 68 68 / ${(-v * 0.55).toFixed(2)})`,
                          }
                        : undefined
                    }
                    title={`${name(i)} × ${name(j)}`}
                  >
                    {Number.isFinite(v) ? v.toFixed(2) : "–"}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
