"use client";
/**
 * The account's models and weights for its staker or manager, in one list: the weights in force now, the saved
 * vector for the next round, each model's recent return and drawdown, and the draft being edited (numeric field with
 * steppers and a bar scaled to the largest weight, lock, change). Built for 10-50 models: search, sort, lock and
 * rescale, CSV import/export in the batch rebalance script's format, and a sticky bar with the total and Save.
 */
import { useSearchParams } from "next/navigation";
import { useEffect, useMemo, useRef, useState } from "react";
import { type AccountSnapshot, nextRoundText } from "@/lib/account/snapshot";
import type { Role } from "@/lib/account/voice";
import { type AppContracts, modelLabel } from "@/lib/contracts";
import { parseWeightsParam, WEIGHTS_PARAM } from "@/lib/editor/link";
import { inputDecimalSeparator } from "@/lib/decimalInput";
import { allocationCsv, vectorFromCsv } from "@/lib/editor/csv";
import { type SortKey, SORT_LABELS, visibleRows } from "@/lib/editor/rows";
import { bpsToPercentText, formatBps, parseBps, TOTAL_BPS } from "@portfolio-stake/core/bps";
import {
  checkTotal,
  clearWeights,
  evenSplitOver,
  isFreeSlot,
  previewChanges,
  putRemainderOn,
  rescaleUnlocked,
  sameWeights,
  stakeForBps,
  stepWeight,
  weightsFromEntries,
} from "@/lib/editor/weights";
import { formatNmr } from "@/lib/format";
import { formatPercent } from "@/components/charts/scale";
import { RECENT_ROUNDS, recentModelSummary } from "@/lib/performance/analytics";
import { usePerformance } from "@/lib/performance/usePerformance";
import { prepareSetAllocation } from "@/lib/tx/calls";
import { useTransactionFlow, useWriteBlocker } from "@/lib/tx/useTransactionFlow";
import { TxStatus } from "@/components/TxStatus";

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

/** A stepper press or an arrow key in a weight field: 0.1% (Shift: 1%). */
const STEP_BPS = 10;
const BIG_STEP_BPS = 100;

type Notice = { tone: "info" | "warn" | "error"; text: string; problems?: string[] };

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
  role: Exclude<Role, "viewer">;
}) {
  const saved = s.next.bps; // the vector that applies from the next round as things stand
  const savedKey = saved.join(",");
  // A vector from the link fills the draft once, when the editor appears.
  const searchParams = useSearchParams();
  const [fromLink] = useState(() => vectorFromLink(searchParams.get(WEIGHTS_PARAM), s.models));
  const [draft, setDraft] = useState<Draft>(() => draftFrom(fromLink ? fromLink.weights : saved));
  const [notice, setNotice] = useState<Notice | null>(() => fromLink?.notice ?? null);
  const [locked, setLocked] = useState<boolean[]>(() => s.models.map(() => false));
  const [query, setQuery] = useState("");
  const [sort, setSort] = useState<SortKey>("registry");
  const [pasteOpen, setPasteOpen] = useState(false);
  const [pasted, setPasted] = useState("");
  const fileInput = useRef<HTMLInputElement>(null);
  const label = (id: string) => modelLabel(contracts, id);
  const tx = useTransactionFlow({ modelLabel: label });
  const walletBlocker = useWriteBlocker();
  const performance = usePerformance(s.address);

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
    ) {
      setDraft(draftFrom(saved));
      if (locked.length !== saved.length) setLocked(s.models.map(() => false));
    }
  }

  const total = checkTotal(draft.weights);
  const invalidCount = draft.errors.filter(Boolean).length;
  const dirty = !sameWeights(draft.weights, saved);
  const changes = useMemo(
    () => previewChanges(saved, draft.weights, s.next.stake).filter((row) => row.change !== 0),
    [saved, draft.weights, s.next.stake],
  );
  const moved = changes.reduce((sum, row) => sum + Math.max(0, row.change), 0);
  const onePercent = stakeForBps(s.next.stake, 100);

  // Recent return and drawdown per model, from the settled rounds the performance page uses (registry order).
  const recent = useMemo(
    () => s.models.map((_, m) => recentModelSummary(performance.results, m)),
    [s.models, performance.results],
  );
  const rows = useMemo(
    () =>
      s.models.flatMap((id, index) =>
        isFreeSlot(id) // a freed slot: weight 0, not a model
          ? []
          : [
              {
                index,
                id: id.toLowerCase(),
                name: label(id),
                weight: draft.weights[index] ?? 0,
                recentReturn: recent[index]?.total ?? null,
                maxDrawdown: recent[index]?.maxDrawdown ?? null,
              },
            ],
      ),
    // eslint-disable-next-line react-hooks/exhaustive-deps -- label depends only on contracts
    [s.models, draft.weights, recent, contracts],
  );
  const shown = visibleRows(rows, query, sort);
  // Bars are scaled to the largest weight (at least 5%), so 2-12% weights of a 50-model vector stay readable.
  const barScale = Math.max(500, ...draft.weights);

  const update = (weights: number[], message: Notice | null = null) => {
    setNotice(message);
    setDraft((d) => ({ ...draftFrom(weights), errors: d.errors.map(() => null) }));
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
  const step = (i: number, delta: number) =>
    setDraft((d) => {
      const next = draftFrom(stepWeight(d.weights, i, delta));
      return {
        ...next,
        texts: next.texts.map((t, j) => (j === i ? t : (d.texts[j] ?? t))),
        errors: d.errors.map((e, j) => (j === i ? null : e)),
      };
    });
  const rescale = () => {
    const r = rescaleUnlocked(draft.weights, locked, s.models);
    if (r.ok) update(r.weights);
    else setNotice({ tone: "error", text: r.error + "." });
  };
  const names = useMemo(() => {
    const own = new Set(s.models.map((m) => m.toLowerCase()));
    return Object.fromEntries(
      Object.entries(contracts.modelNames)
        .filter(([id]) => own.has(id))
        .map(([id, n]) => [n, id]),
    );
  }, [contracts.modelNames, s.models]);
  const importCsv = async (text: string, source: string) => {
    const result = await vectorFromCsv(text, s.address, s.models, names);
    if (result.ok) {
      update(result.weights, {
        tone: "info",
        text: `Loaded ${result.rows} rows from ${source} into the editor (not saved yet).`,
      });
      setPasteOpen(false);
      setPasted("");
    } else
      setNotice({
        tone: "error",
        text: `${source} was not loaded (the draft is unchanged):`,
        problems: result.problems,
      });
  };
  const exportCsv = () => {
    const csv = allocationCsv(s.address, s.models, draft.weights, (id) => contracts.modelNames[id.toLowerCase()]);
    const url = URL.createObjectURL(new Blob([csv], { type: "text/csv" }));
    const a = document.createElement("a");
    a.href = url;
    a.download = `allocation-${s.address}-round-${s.next.round}.csv`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 0);
  };

  let blocker: string | null = null;
  if (invalidCount) blocker = `Fix the highlighted field${invalidCount > 1 ? "s" : ""} first.`;
  else if (!total.ok) blocker = total.message + ".";
  else if (!dirty) blocker = "No change to save: this is already the vector for the next round.";
  else if (walletBlocker) blocker = walletBlocker;

  // Sends the draft on screen now: the first attempt and every Retry alike (a Retry after editing sends the edit).
  const save = () => {
    if (blocker) return;
    setNotice(null); // an earlier import's message is about an earlier draft
    void tx.run([
      {
        label: "Save allocation",
        prepare: prepareSetAllocation(contracts, {
          account: s.address,
          asManager: role === "manager",
          models: s.models,
          weights: draft.weights,
        }),
      },
    ]);
  };

  const pending = s.hasPendingVector;
  return (
    <section className="card" id="editor" aria-labelledby="editor-title">
      <h2 id="editor-title">
        Models and weights
        <span className="small muted">
          {rows.length} models · stake from round {s.next.round}: {formatNmr(s.next.stake)} NMR · 1% ={" "}
          {formatNmr(onePercent)} NMR · each round risks 1/{s.parameters.sliceDivisor} of it
        </span>
      </h2>
      {pending ? (
        <p className="notice info" data-testid="pending-vector">
          A new vector is pending: it takes effect from {nextRoundText(s)}. Open rounds keep the weights they opened
          with.
        </p>
      ) : null}
      <p className="small muted" style={{ marginTop: 0 }}>
        A saved vector takes effect from {nextRoundText(s)}; saving again before then replaces it. Weights are in steps
        of 0.01% and must total exactly 100%. Recent return and drawdown: each model&apos;s compounded result over the
        last {RECENT_ROUNDS} settled rounds, on the slices it had at risk (as on the Performance page), where it carried
        weight.
        {role === "manager" ? " You are this account's manager: you can change its weights, never move its NMR." : ""}
      </p>
      {notice ? (
        <div className={`notice ${notice.tone}`} role="status" data-testid="editor-notice">
          {notice.text}
          {notice.problems ? (
            <ul className="small" style={{ margin: "0.3rem 0 0", overflowWrap: "anywhere" }}>
              {notice.problems.slice(0, 8).map((p) => (
                <li key={p}>{p}</li>
              ))}
              {notice.problems.length > 8 ? <li>and {notice.problems.length - 8} more</li> : null}
            </ul>
          ) : null}
        </div>
      ) : null}
      {/* Locked while a save is under way: what the wallet shows is what gets saved. */}
      <fieldset className="plain" disabled={tx.busy}>
        <div className="row editor-tools">
          <input
            type="search"
            placeholder="Search models"
            aria-label="Search models"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
          />
          <select aria-label="Sort models" value={sort} onChange={(e) => setSort(e.target.value as SortKey)}>
            {(Object.keys(SORT_LABELS) as SortKey[]).map((k) => (
              <option key={k} value={k}>
                {SORT_LABELS[k]}
              </option>
            ))}
          </select>
          <span className="spacer" />
          <button type="button" onClick={() => update(evenSplitOver(s.models))}>
            Split evenly
          </button>
          <button type="button" onClick={() => update(clearWeights(s.models.length))}>
            Clear
          </button>
          <button type="button" onClick={() => update(saved)} disabled={!dirty && !invalidCount}>
            Reset
          </button>
          <button
            type="button"
            onClick={rescale}
            title="Keep the locked weights and scale the others so the total is exactly 100%"
          >
            Rescale unlocked to 100%
          </button>
        </div>
        <div className="row editor-tools">
          <button type="button" onClick={exportCsv}>
            Export CSV
          </button>
          <button type="button" onClick={() => fileInput.current?.click()}>
            Import CSV
          </button>
          <input
            ref={fileInput}
            type="file"
            accept=".csv,text/csv,text/plain"
            aria-label="CSV file to import"
            hidden
            onChange={(e) => {
              const file = e.target.files?.[0];
              e.target.value = "";
              if (file) void file.text().then((text) => importCsv(text, file.name));
            }}
          />
          <button type="button" aria-expanded={pasteOpen} onClick={() => setPasteOpen((o) => !o)}>
            Paste CSV
          </button>
          <span className="small muted">
            Same format as <code>npm run rebalance</code>: account,model,weight (model id or name; 25% or bps).
          </span>
        </div>
        {pasteOpen ? (
          <div className="stack" style={{ marginBottom: "0.5rem" }}>
            <textarea
              aria-label="CSV to load"
              rows={5}
              className="mono small"
              placeholder={`account,model,weight\n${s.address},<model id or name>,12.5%`}
              value={pasted}
              onChange={(e) => setPasted(e.target.value)}
            />
            <div className="row">
              <button type="button" onClick={() => void importCsv(pasted, "the pasted CSV")} disabled={!pasted.trim()}>
                Load pasted CSV
              </button>
            </div>
          </div>
        ) : null}
        <div className="table-wrap">
          <table className="editor-table" data-testid="editor-table">
            <thead>
              <tr>
                <th scope="col">Model</th>
                <th scope="col" className="num">
                  Round {s.currentRound}
                </th>
                <th scope="col" className="num">
                  Round {s.next.round}
                  {pending ? " (pending)" : ""}
                </th>
                <th scope="col" className="num">
                  Recent return
                </th>
                <th scope="col" className="num">
                  Drawdown
                </th>
                <th scope="col">New weight</th>
                <th scope="col" className="num">
                  Change
                </th>
                <th scope="col" className="num">
                  NMR
                </th>
                <th scope="col">
                  <span className="visually-hidden">Lock</span>
                </th>
                <th scope="col">
                  <span className="visually-hidden">Remainder</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {shown.map(({ index: i, id, name }) => {
                // The draft has one entry per model (it is reset above when the model list changes).
                const bps = draft.weights[i] ?? 0;
                const error = draft.errors[i];
                const before = saved[i] ?? 0;
                const change = bps - before;
                const current = s.current.bps[i] ?? 0;
                const next = saved[i] ?? 0;
                const perf = recent[i];
                return (
                  <tr key={id} data-model={id} data-locked={locked[i] ? "true" : undefined}>
                    <th scope="row" className="cell-name">
                      {name}
                      {/* The short id, unless it is already the name (a model without a known name). */}
                      {contracts.modelNames[id] ? (
                        <div className="mono small muted hide-sm">{`${id.slice(0, 10)}…${id.slice(-4)}`}</div>
                      ) : null}
                    </th>
                    <td
                      className="num cell-current"
                      data-label={`Round ${s.currentRound}`}
                      data-testid={`current-bps-${i}`}
                    >
                      {formatBps(current)}
                    </td>
                    <td
                      className={`num cell-next ${next !== current ? (next > current ? "delta-up" : "delta-down") : ""}`}
                      data-label={`Round ${s.next.round}`}
                      data-testid={`next-bps-${i}`}
                    >
                      {formatBps(next)}
                    </td>
                    <td
                      className={`num cell-return ${perf ? (perf.total >= 0 ? "delta-up" : "delta-down") : "muted"}`}
                      data-label="Return"
                      data-testid={`recent-return-${i}`}
                      title={perf ? `${perf.rounds} settled rounds with weight` : "no settled round with weight yet"}
                    >
                      {performance.history.isLoading ? "…" : perf ? formatPercent(perf.total) : "—"}
                    </td>
                    <td className="num cell-drawdown muted" data-label="Drawdown" data-testid={`recent-drawdown-${i}`}>
                      {performance.history.isLoading ? "…" : perf ? formatPercent(perf.maxDrawdown) : "—"}
                    </td>
                    <td className="cell-weight">
                      <div className="weight-field">
                        <button
                          type="button"
                          className="stepper"
                          aria-label={`Lower ${name} by 0.1%`}
                          onClick={() => step(i, -STEP_BPS)}
                          disabled={bps === 0}
                        >
                          −
                        </button>
                        <input
                          className="pct"
                          inputMode="decimal"
                          value={draft.texts[i] ?? ""}
                          aria-label={`Weight of ${name} in percent`}
                          aria-invalid={error ? true : undefined}
                          aria-describedby={error ? `weight-error-${i}` : undefined}
                          onChange={(e) => onText(i, e.target.value)}
                          onKeyDown={(e) => {
                            if (e.key !== "ArrowUp" && e.key !== "ArrowDown") return;
                            e.preventDefault();
                            const size = e.shiftKey ? BIG_STEP_BPS : STEP_BPS;
                            step(i, e.key === "ArrowUp" ? size : -size);
                          }}
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
                        <button
                          type="button"
                          className="stepper"
                          aria-label={`Raise ${name} by 0.1%`}
                          onClick={() => step(i, STEP_BPS)}
                          disabled={bps === TOTAL_BPS}
                        >
                          +
                        </button>
                      </div>
                      <div className="bar" aria-hidden="true">
                        <span style={{ width: `${Math.min(100, (bps / barScale) * 100)}%` }} />
                      </div>
                      {error ? (
                        <div id={`weight-error-${i}`} className="small field-error" role="alert">
                          {error}
                        </div>
                      ) : null}
                    </td>
                    <td
                      className={`num cell-change ${change > 0 ? "delta-up" : change < 0 ? "delta-down" : "muted"}`}
                      data-label="Change"
                      data-testid={`change-${i}`}
                    >
                      {change === 0 ? "—" : `${change > 0 ? "+" : ""}${formatBps(change)}`}
                    </td>
                    <td className="num cell-nmr" data-label="NMR">
                      {formatNmr(stakeForBps(s.next.stake, bps))}
                    </td>
                    <td className="cell-lock">
                      <label className="small lock">
                        <input
                          type="checkbox"
                          checked={locked[i] ?? false}
                          aria-label={`Lock ${name}`}
                          onChange={(e) => setLocked((l) => l.map((x, j) => (j === i ? e.target.checked : x)))}
                        />{" "}
                        Lock
                      </label>
                    </td>
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
          {shown.length === 0 ? (
            <p className="muted small" data-testid="editor-no-match">
              No model matches “{query}”.{" "}
              <button type="button" className="link" onClick={() => setQuery("")}>
                Show all {rows.length}
              </button>
            </p>
          ) : shown.length < rows.length ? (
            <p className="muted small">
              Showing {shown.length} of {rows.length} models; the total and Save count all of them.
            </p>
          ) : null}
        </div>
      </fieldset>

      {/* Sticky: with 50 models the total and Save stay in view while scrolling the list. */}
      <div className="editor-bar" data-testid="editor-bar">
        <div
          className="editor-total"
          role="status"
          aria-live="polite"
          data-testid="editor-total"
          data-ok={total.ok && !invalidCount}
        >
          {invalidCount ? (
            <>
              <strong>Total unknown</strong>
              <span className="badge error">
                {invalidCount} field{invalidCount > 1 ? "s are" : " is"} not a valid percentage
              </span>
            </>
          ) : (
            <>
              <strong>Total {formatBps(total.total)}</strong>
              {total.ok ? (
                <span className="badge ok">exactly 100%</span>
              ) : (
                <span className="badge error">{total.message.replace(/^Total is [^:]+: /, "")}</span>
              )}
            </>
          )}
          <span className="small muted" data-testid="editor-changes">
            {dirty
              ? `${changes.length} model${changes.length === 1 ? "" : "s"} change · ${formatBps(moved)} moves`
              : "no change"}
          </span>
          <span className="spacer" />
          <span id="save-blocker" className="small muted">
            {blocker ?? `One transaction. Takes effect from round ${s.next.round}.`}
          </span>
          <button
            type="button"
            className="primary"
            onClick={save}
            disabled={Boolean(blocker) || tx.busy}
            aria-describedby="save-blocker"
          >
            {tx.busy ? "Saving…" : "Save allocation"}
          </button>
        </div>
        <TxStatus
          state={tx.state}
          onRetry={save}
          retryBlocker={blocker ? `Retry sends the draft above: ${blocker}` : null}
          onDismiss={tx.reset}
          testId="editor-tx"
          doneText={`The new vector applies from round ${s.next.round}.`}
        />
      </div>
    </section>
  );
}
