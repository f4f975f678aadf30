"use client";

import { type AccountSnapshot, nextRoundText } from "@/lib/account/snapshot";
import type { Voice } from "@/lib/account/voice";
import { type AppContracts, modelLabel } from "@/lib/contracts";
import { formatBps } from "@portfolio-stake/core/bps";
import { boundModelCount, isFreeSlot } from "@/lib/editor/weights";
import { formatNmr } from "@/lib/format";

export function ModelTable({
  snapshot: s,
  contracts,
  voice: v,
}: {
  snapshot: AccountSnapshot;
  contracts: AppContracts;
  voice: Voice;
}) {
  const pending = s.hasPendingVector;
  return (
    <section className="card" aria-labelledby="models-title">
      <h2 id="models-title">
        Models and weights
        <span className="small muted">{boundModelCount(s.models)} models</span>
      </h2>
      {pending ? (
        <p className="notice info" data-testid="pending-vector">
          A new vector is pending: it takes effect from {nextRoundText(s)}. Open rounds keep the weights they opened
          with.
        </p>
      ) : (
        <p className="small muted">
          The vector in force in round {s.currentRound} also applies from {nextRoundText(s)} {v.unlessChanged}.
        </p>
      )}
      <div className="table-wrap">
        <table data-testid="model-table">
          <thead>
            <tr>
              <th scope="col">Model</th>
              <th scope="col" className="num">
                Round {s.currentRound}
                <br />
                weight
              </th>
              <th scope="col" className="num">
                Round {s.currentRound}
                <br />
                at risk
              </th>
              <th scope="col" className="num">
                Round {s.next.round}
                <br />
                {pending ? "pending weight" : "weight"}
              </th>
              <th scope="col" className="num">
                Round {s.next.round}
                <br />
                at risk
              </th>
            </tr>
          </thead>
          <tbody>
            {s.models.map((id, i) => {
              if (isFreeSlot(id)) return null; // a freed slot (modelsOf gives a zero id): not a model
              const currentBps = s.current.bps[i] ?? 0;
              const nextBps = s.next.bps[i] ?? 0;
              const changed = nextBps !== currentBps;
              return (
                <tr key={id} data-model={id}>
                  <th
                    scope="row"
                    style={{
                      fontWeight: 500,
                      textTransform: "none",
                      letterSpacing: 0,
                      color: "var(--fg)",
                      fontSize: "inherit",
                    }}
                  >
                    {modelLabel(contracts, id)}
                    <div className="mono small muted hide-sm">{id}</div>
                  </th>
                  <td className="num" data-testid={`current-bps-${i}`}>
                    {formatBps(currentBps)}
                  </td>
                  <td className="num">{formatNmr(s.current.modelSlices[i] ?? 0n)}</td>
                  <td
                    className={`num ${changed ? (nextBps > currentBps ? "delta-up" : "delta-down") : ""}`}
                    data-testid={`next-bps-${i}`}
                  >
                    {formatBps(nextBps)}
                  </td>
                  <td className="num">{formatNmr(s.next.modelSlices[i] ?? 0n)}</td>
                </tr>
              );
            })}
          </tbody>
          <tfoot>
            <tr>
              <td>Total</td>
              <td className="num">{formatBps(s.current.bps.reduce((x, y) => x + y, 0))}</td>
              <td className="num">{formatNmr(s.current.slice)}</td>
              <td className="num">{formatBps(s.next.bps.reduce((x, y) => x + y, 0))}</td>
              <td className="num">{formatNmr(s.next.slice)}</td>
            </tr>
          </tfoot>
        </table>
      </div>
    </section>
  );
}
