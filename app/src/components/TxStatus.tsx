"use client";

import type { TxState } from "@/lib/tx/useTransactionFlow";

const PHASE_TEXT: Record<TxState["phase"], string> = {
  idle: "",
  checking: "Checking the transaction against the chain…",
  wallet: "Confirm the transaction in your wallet…",
  pending: "Sent. Waiting for the block that includes it…",
  confirmed: "Confirmed.",
  failed: "Failed.",
  rejected: "Rejected in your wallet.",
};

/** Where a transaction (or a sequence, e.g. approve then deposit) stands, with Retry after a failure. */
export function TxStatus({
  state,
  onRetry,
  onDismiss,
  testId,
  doneText,
  retryBlocker,
}: {
  state: TxState;
  /** Sends again what is on screen now (the form's current amount, the editor's current draft). */
  onRetry: () => void;
  /** Why Retry cannot send what is on screen now (e.g. the amount was edited into something invalid), or null. */
  retryBlocker?: string | null;
  onDismiss: () => void;
  testId: string;
  /** What the confirmed transaction means, e.g. "The new vector applies from round 81." */
  doneText?: string;
}) {
  if (state.phase === "idle") return null;
  const stages: { key: string; label: string; state: "todo" | "active" | "done" | "failed" }[] = [];
  const stepPrefix = (i: number) =>
    state.steps.length > 1 ? `${i + 1}/${state.steps.length} ${state.steps[i] ?? ""}: ` : "";
  const order = ["checking", "wallet", "pending", "confirmed"] as const;
  const reached = state.phase === "failed" || state.phase === "rejected" ? -1 : order.indexOf(state.phase);
  order.forEach((phase, i) => {
    const label = { checking: "Check", wallet: "Wallet", pending: "Block", confirmed: "Confirmed" }[phase];
    let s: "todo" | "active" | "done" | "failed" = "todo";
    if (reached >= 0) s = i < reached || state.phase === "confirmed" ? "done" : i === reached ? "active" : "todo";
    stages.push({ key: phase, label, state: s });
  });
  if (reached < 0) {
    // Mark where it stopped: before the wallet (simulation), at the wallet, or after sending.
    const stoppedAt = state.phase === "rejected" ? 1 : state.hash ? 2 : state.error?.kind === "revert" ? 0 : 1;
    stages.forEach((s, i) => (s.state = i < stoppedAt ? "done" : i === stoppedAt ? "failed" : "todo"));
  }
  const tone =
    state.phase === "confirmed" ? "ok" : state.phase === "failed" || state.phase === "rejected" ? "error" : "info";
  return (
    <div
      className={`notice ${tone}`}
      role={tone === "error" ? "alert" : "status"}
      aria-live="polite"
      data-testid={testId}
      data-phase={state.phase}
    >
      <ol className="tx-steps" aria-label="Transaction progress">
        {stages.map((s) => (
          <li key={s.key} data-state={s.state}>
            {s.label}
          </li>
        ))}
      </ol>
      <div>
        {stepPrefix(state.stepIndex)}
        {state.error ? state.error.message : PHASE_TEXT[state.phase]}
        {state.phase === "confirmed" && state.blockNumber !== undefined
          ? ` Included in block ${state.blockNumber}.`
          : null}
        {state.phase === "confirmed" && doneText ? ` ${doneText}` : null}
      </div>
      {state.hash ? (
        <div className="small mono" style={{ overflowWrap: "anywhere" }}>
          Transaction {state.hash}
        </div>
      ) : null}
      {state.phase === "failed" || state.phase === "rejected" ? (
        <div className="row" style={{ marginTop: "0.4rem" }}>
          <button type="button" className="small" onClick={onRetry} disabled={Boolean(retryBlocker)}>
            Retry
          </button>
          <button type="button" className="small link" onClick={onDismiss}>
            Dismiss
          </button>
          {retryBlocker ? <span className="small muted">{retryBlocker}</span> : null}
        </div>
      ) : state.phase === "confirmed" ? (
        <button type="button" className="small link" onClick={onDismiss}>
          Dismiss
        </button>
      ) : null}
    </div>
  );
}
