"use client";

import type { AccountSnapshot } from "@/lib/account/snapshot";
import type { Voice } from "@/lib/account/voice";
import { exposureSentence, fractionText, shareOfStake } from "@/lib/account/exposure";
import { formatNmr, formatTime } from "@/lib/format";

/**
 * What the account's rounds put at risk, said plainly: the next round's slice, and the most the open rounds can take
 * all together (no leverage: never more than the stake). Per round in a table below the sentence.
 */
export function ExposureCard({ snapshot: s, voice: v }: { snapshot: AccountSnapshot; voice: Voice }) {
  const e = s.exposure;
  const held = s.account.balance + s.account.pendingWithdrawal;
  const p = s.parameters;
  return (
    <section className="card" aria-labelledby="exposure-title" data-testid="exposure">
      <h2 id="exposure-title">Exposure</h2>
      <p
        data-testid="exposure-sentence"
        data-next-round={e.next.round}
        data-next-slice={e.next.slice.toString()}
        data-open-count={e.open.length}
        data-open-max={e.openMaxLoss.toString()}
        style={{ fontSize: "1.05rem", marginTop: 0 }}
      >
        {exposureSentence(e)}
      </p>
      <p className="small muted">
        A round puts a slice of {v.your} stake at risk: the stake it opened with divided by R ({p.sliceDivisor} now),
        split over {v.your} models by the vector. Its result is a rate clipped at the round&apos;s cap (
        {fractionText(p.rateCap)} of the slice now), so a round can win or lose at most slice × cap, and a round never
        wins on stake that earlier losses already took. <strong>Open rounds</strong> are the rounds opened and not past
        their proof deadline (about {Math.round((p.resolutionDelay + p.publishWindow + p.proofGracePeriod) / 86_400)}{" "}
        days after opening, when a result nobody proved counts as zero):{" "}
        {e.openMaxLoss === 0n ? (
          <>none of them can take anything now.</>
        ) : (
          <>
            together they can take at most {formatNmr(e.openMaxLoss)} NMR, {shareOfStake(e.openMaxLoss, held)} of the{" "}
            {formatNmr(held)} NMR {v.youHold} in the contract.
          </>
        )}{" "}
        Round {e.next.round} opens with {v.your} stake as it stands: {formatNmr(s.account.balance)} NMR / R ={" "}
        {formatNmr(e.next.slice)} NMR, at most {formatNmr(e.next.maxLoss)} NMR at its cap.
      </p>
      {e.open.length > 0 ? (
        <details>
          <summary>The {e.open.length} open rounds</summary>
          <div className="table-wrap">
            <table data-testid="open-rounds">
              <thead>
                <tr>
                  <th scope="col">Round</th>
                  <th scope="col" className="num">
                    Slice (stake / R)
                  </th>
                  <th scope="col" className="num">
                    Cap
                  </th>
                  <th scope="col" className="num">
                    At most
                  </th>
                  <th scope="col">Proof deadline</th>
                </tr>
              </thead>
              <tbody>
                {e.open.map((r) => (
                  <tr key={r.round} data-round={r.round} data-slice={r.slice.toString()}>
                    <td>{r.round}</td>
                    <td className="num">
                      {formatNmr(r.slice)} (R {r.sliceDivisor})
                    </td>
                    <td className="num">{fractionText(r.rateCap)}</td>
                    <td className="num">{formatNmr(r.maxLoss)}</td>
                    <td>{formatTime(r.proofDeadline)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </details>
      ) : null}
    </section>
  );
}
