"use client";

import { useSearchParams } from "next/navigation";
import { useEffect, useMemo, useState } from "react";
import type { AccountSnapshot } from "@/lib/account/snapshot";
import { type AppContracts, modelLabel } from "@/lib/contracts";
import { parseWeightsParam, WEIGHTS_PARAM } from "@/lib/editor/link";
import { inputDecimalSeparator } from "@/lib/decimalInput";
import { bpsToPercentText, formatBps, parseBps, TOTAL_BPS } from "@portfolio-stake/core/bps";
import {
  checkTotal,
  clearWeights,
  evenSplitOver,
  isFreeSlot,
  previewChanges,
  putRemainderOn,
  sameWeights,
  setWeight,
  stakeForBps,
  weightsFromEntries,
} from "@/lib/editor/weights";
import { formatNmr } from "@/lib/format";
import { simulateContract } from "viem/actions";
import { getChainClient } from "@/lib/chain";
import { useTransactionFlow, useWriteBlocker } from "@/lib/tx/useTransactionFlow";
import { TxStatus } from "@/components/TxStatus";
import { nextRoundText } from "./ModelTable";
import type { Role } from "./AccountView";

interface Draft {
  weights: number[];
  texts: string[]; // what each % field shows (may be mid-edit, e.g. "12.")
  errors: (string | null)[];
}

const draftFrom = (weights: number[]): Draft => ({
  weights,
  texts: weights.map(bpsToPercentText),
  errors: weights.map(() => null),
});

type Notice = { tone: "info" | "warn" | "error"; text: string };

/** ?weights=<id>:<bps>,… (e.g. "Load into editor" on the performance page): the vector it gives and what was left out. */
function vectorFromLink(param: string | null, models: readonly string[]): { weights: number[]; notice: Notice } | null {
  if (!param) return null;
  const parsed = parseWeightsParam(param);
  const loaded = weightsFromEntries(models, parsed.entries);
  const problems = [...parsed.errors, ...loaded.unknown.map((id) => `${id} is not one of this account's models`)];
  return {
    weights: loaded.weights,
    notice: {
      tone: problems.length ? "warn" : "info",
      text: `Loaded a suggested vector into the editor (not saved yet).${problems.length ? ` Left out: ${problems.join("; ")}.` : ""}`,
    },
  };
}

export function AllocationEditor({
  snapshot: s,
  contracts,
  role,
}: {
  snapshot: AccountSnapshot;
  contracts: AppContracts;
  role: Role;
}) {
  const saved = s.next.bps; // the vector that applies from the next round as things stand
  const savedKey = saved.join(",");
  // A vector from the link fills the draft once, when the editor appears.
  const searchParams = useSearchParams();
  const [fromLink] = useState(() => vectorFromLink(searchParams.get(WEIGHTS_PARAM), s.models));
  const [draft, setDraft] = useState<Draft>(() => draftFrom(fromLink ? fromLink.weights : saved));
  const [notice, setNotice] = useState<Notice | null>(() => fromLink?.notice ?? null);
  const label = (id: string) => modelLabel(contracts, id);
  const rowLabel = (index: number) => {
    const id = s.models[index];
    return id === undefined ? `Model ${index + 1}` : label(id);
  };
  const tx = useTransactionFlow({ modelLabel: label });
  const walletBlocker = useWriteBlocker();

  useEffect(() => {
    if (fromLink) document.getElementById("editor")?.scrollIntoView({ block: "start" });
  }, [fromLink]);

  // When the saved vector changes on chain (our own save confirmed, or another tab/manager), start from it again
  // unless the user is in the middle of an unrelated edit (always when the model list itself changed). Adjusted
  // during render, so no frame shows the old draft against the new snapshot.
  const [lastSavedKey, setLastSavedKey] = useState(savedKey);
  if (savedKey !== lastSavedKey) {
    setLastSavedKey(savedKey);
    if (
      tx.state.phase === "confirmed" ||
      draft.weights.length !== saved.length ||
      sameWeights(draft.weights, lastSavedKey.split(",").map(Number))
    )
      setDraft(draftFrom(saved));
  }

  const total = checkTotal(draft.weights);
  const invalidField = draft.errors.some(Boolean);
  const dirty = !sameWeights(draft.weights, saved);
  const preview = useMemo(
    () => previewChanges(saved, draft.weights, s.next.stake),
    [saved, draft.weights, s.next.stake],
  );
  const onePercent = stakeForBps(s.next.stake, 100);

  const update = (weights: number[]) => {
    setNotice(null);
    setDraft(draftFrom(weights));
  };
  const onText = (i: number, text: string) => {
    const parsed = parseBps(text, { decimalSeparator: inputDecimalSeparator(), empty: 0 });
    setDraft((d) => {
      const next: Draft = { weights: [...d.weights], texts: [...d.texts], errors: [...d.errors] };
      next.texts[i] = text;
      next.errors[i] = parsed.ok ? null : parsed.error;
      if (parsed.ok) next.weights[i] = parsed.bps;
      return next;
    });
  };
  const onSlider = (i: number, bps: number) =>
    setDraft((d) => ({
      ...draftFrom(setWeight(d.weights, i, bps)),
      errors: d.errors.map((e, j) => (j === i ? null : e)),
    }));

  let blocker: string | null = null;
  if (invalidField) blocker = "Fix the highlighted field first.";
  else if (!total.ok) blocker = total.message + ".";
  else if (!dirty) blocker = "No change to save: this is already the vector for the next round.";
  else if (walletBlocker) blocker = walletBlocker;

  // Sends the draft on screen now: the first attempt and every Retry alike (a Retry after editing sends the edit).
  const save = () => {
    if (blocker) return;
    const weights = draft.weights;
    const models = s.models;
    void tx.run([
      {
        label: "Save allocation",
        prepare: (account) =>
          role === "owner"
            ? simulateContract(getChainClient(), {
                account,
                address: contracts.stake.address,
                abi: contracts.stake.abi,
                functionName: "setAllocation",
                args: [models, weights],
              })
            : simulateContract(getChainClient(), {
                account,
                address: contracts.stake.address,
                abi: contracts.stake.abi,
                functionName: "setAllocationFor",
                args: [s.address, models, weights],
              }),
      },
    ]);
  };

  return (
    <section className="card" id="editor" aria-labelledby="editor-title">
      <h2 id="editor-title">
        Change the allocation
        <span className="small muted">
          Stake from round {s.next.round}: {formatNmr(s.next.stake)} NMR · 1% = {formatNmr(onePercent)} NMR · each round
          risks 1/{s.parameters.sliceDivisor} of it
        </span>
      </h2>
      <p className="small muted" style={{ marginTop: 0 }}>
        The new vector takes effect from {nextRoundText(s)}. Saving again before then replaces it. Weights are in steps
        of 0.01% (1 basis point) and must total exactly 100%.
        {role === "manager" ? " You are this account's manager: you can change its weights, never move its NMR." : ""}
      </p>
      {notice ? (
        <p className={`notice ${notice.tone}`} role="status" data-testid="editor-notice">
          {notice.text}
        </p>
      ) : null}
      {/* Locked while a save is under way: what the wallet shows is what gets saved. */}
      <fieldset className="plain" disabled={tx.busy}>
        <div className="row" style={{ marginBottom: "0.5rem" }}>
          <button type="button" onClick={() => update(evenSplitOver(s.models))}>
            Split evenly
          </button>
          <button type="button" onClick={() => update(clearWeights(s.models.length))}>
            Clear
          </button>
          <button type="button" onClick={() => update(saved)} disabled={!dirty && !invalidField}>
            Reset
          </button>
        </div>
        <div className="table-wrap">
          <table className="editor-table" data-testid="editor-table">
            <thead>
              <tr>
                <th scope="col">Model</th>
                <th scope="col" style={{ width: "35%" }}>
                  Weight
                </th>
                <th scope="col" className="num">
                  %
                </th>
                <th scope="col" className="num">
                  NMR
                </th>
                <th scope="col">
                  <span className="visually-hidden">Remainder</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {s.models.map((id, i) => {
                if (isFreeSlot(id)) return null; // a freed slot: weight 0, not a model
                const name = label(id);
                // The draft has one entry per model (it is reset above when the model list changes).
                const bps = draft.weights[i] ?? 0;
                const error = draft.errors[i];
                return (
                  <tr key={id}>
                    <td className="cell-name">{name}</td>
                    <td className="cell-slider">
                      <input
                        type="range"
                        min={0}
                        max={TOTAL_BPS}
                        step={1}
                        value={bps}
                        aria-label={`Weight of ${name} (slider)`}
                        aria-valuetext={formatBps(bps)}
                        onChange={(e) => onSlider(i, Number(e.target.value))}
                      />
                    </td>
                    <td className="num cell-pct">
                      <input
                        className="pct"
                        inputMode="decimal"
                        value={draft.texts[i] ?? ""}
                        aria-label={`Weight of ${name} in percent`}
                        aria-invalid={error ? true : undefined}
                        aria-describedby={error ? `weight-error-${i}` : undefined}
                        onChange={(e) => onText(i, e.target.value)}
                        onBlur={() => {
                          if (error) return;
                          setDraft((d) => ({
                            ...d,
                            texts: d.texts.map((t, j) => {
                              const w = d.weights[j];
                              return j === i && w !== undefined ? bpsToPercentText(w) : t;
                            }),
                          }));
                        }}
                      />
                      {error ? (
                        <div
                          id={`weight-error-${i}`}
                          className="small"
                          style={{ color: "var(--danger)", whiteSpace: "normal" }}
                          role="alert"
                        >
                          {error}
                        </div>
                      ) : null}
                    </td>
                    <td className="num cell-nmr">{formatNmr(stakeForBps(s.next.stake, bps))}</td>
                    <td className="cell-rest">
                      <button
                        type="button"
                        className="small"
                        title={`Put whatever is missing to reach 100% on ${name}`}
                        aria-label={`Put the remainder on ${name}`}
                        onClick={() => {
                          const r = putRemainderOn(draft.weights, i);
                          if (r.ok) update(r.weights);
                          else setNotice({ tone: "error", text: r.error + "." });
                        }}
                      >
                        Rest here
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      </fieldset>
      <div className="editor-total" role="status" aria-live="polite" data-testid="editor-total" data-ok={total.ok}>
        <strong>Total {formatBps(total.total)}</strong>
        {total.ok ? (
          <span className="badge ok">exactly 100%</span>
        ) : (
          <span className="badge error">{total.message.replace(/^Total is [^:]+: /, "")}</span>
        )}
        <span className="spacer" />
        <span className="small muted">{total.total.toLocaleString("en-US")} / 10,000 bps</span>
      </div>

      {dirty && total.ok && !invalidField ? (
        <details open data-testid="editor-preview">
          <summary>
            <strong>Before → after</strong> (round {s.next.round} on)
          </summary>
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Model</th>
                  <th scope="col" className="num">
                    Before
                  </th>
                  <th scope="col" className="num">
                    After
                  </th>
                  <th scope="col" className="num">
                    Change
                  </th>
                  <th scope="col" className="num">
                    NMR after
                  </th>
                </tr>
              </thead>
              <tbody>
                {preview.map((row) => (
                  <tr key={row.index}>
                    <td>{rowLabel(row.index)}</td>
                    <td className="num">{formatBps(row.before)}</td>
                    <td className="num">{formatBps(row.after)}</td>
                    <td className={`num ${row.change > 0 ? "delta-up" : row.change < 0 ? "delta-down" : "muted"}`}>
                      {row.change === 0 ? "—" : `${row.change > 0 ? "+" : ""}${formatBps(row.change)}`}
                    </td>
                    <td className="num">{formatNmr(row.nmrAfter)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </details>
      ) : null}

      <div className="row" style={{ marginTop: "0.75rem" }}>
        <button
          type="button"
          className="primary"
          onClick={save}
          disabled={Boolean(blocker) || tx.busy}
          aria-describedby="save-blocker"
        >
          {tx.busy ? "Saving…" : "Save allocation"}
        </button>
        {blocker ? (
          <span id="save-blocker" className="small muted">
            {blocker}
          </span>
        ) : (
          <span id="save-blocker" className="small muted">
            One transaction. Takes effect from round {s.next.round}.
          </span>
        )}
      </div>
      <TxStatus
        state={tx.state}
        onRetry={save}
        retryBlocker={blocker ? `Retry sends the draft above: ${blocker}` : null}
        onDismiss={tx.reset}
        testId="editor-tx"
        doneText={`The new vector applies from round ${s.next.round}.`}
      />
    </section>
  );
}
