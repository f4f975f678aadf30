"use client";

import { useState, type ReactNode } from "react";
import { claimWindowText } from "@/lib/account/dates";
import {
  type AccountSnapshot,
  newWithdrawalWindow,
  nextRoundText,
  pendingWithdrawalWindow,
  withdrawalStatus,
} from "@/lib/account/snapshot";
import type { AppContracts } from "@/lib/contracts";
import { parseNmrAmount } from "@/lib/editor/amount";
import { inputDecimalSeparator } from "@/lib/decimalInput";
import { formatAllowance, formatNmr, nmrToInput } from "@/lib/format";
import { readContract } from "viem/actions";
import { getChainClient } from "@/lib/chain";
import { useTransactionFlow, useWriteBlocker } from "@/lib/tx/useTransactionFlow";
import { TxStatus } from "@/components/TxStatus";
import { prepareAllowance } from "@/lib/tx/allowance";
import { prepareClaimWithdrawal, prepareDeposit, prepareRequestWithdrawal } from "@/lib/tx/calls";

/** NothingToClaim means "no pending withdrawal" here (claimRewards has its own wording). A constant: a stable context. */
const CLAIM_WITHDRAWAL = { functionName: "claimWithdrawal" } as const;

/** Deposit (approve first when the allowance is short), request a withdrawal, claim a released one. */
export function StakeActions({ snapshot, contracts }: { snapshot: AccountSnapshot; contracts: AppContracts }) {
  const blocker = useWriteBlocker();
  return (
    <div className="grid">
      {blocker ? (
        <p className="notice warn" style={{ gridColumn: "1 / -1", margin: 0 }}>
          {blocker}
        </p>
      ) : null}
      <Deposit snapshot={snapshot} contracts={contracts} />
      <Withdraw snapshot={snapshot} contracts={contracts} />
    </div>
  );
}

function Deposit({ snapshot: s, contracts }: { snapshot: AccountSnapshot; contracts: AppContracts }) {
  const [text, setText] = useState("");
  const [touched, setTouched] = useState(false);
  const tx = useTransactionFlow();
  const parsed = parseNmrAmount(text, {
    max: s.wallet.nmrBalance,
    maxLabel: `your wallet's ${formatNmr(s.wallet.nmrBalance)} NMR`,
    decimalSeparator: inputDecimalSeparator(),
  });
  const needsApproval = parsed.ok && s.wallet.allowance < parsed.wei;

  // Builds the steps from the amount on screen now: the first attempt and every Retry send what the form shows.
  const send = () => {
    if (!parsed.ok) return;
    const amount = parsed.wei;
    void tx
      .run([
        {
          label: `Approve ${formatNmr(amount)} NMR`,
          // Re-read at this moment: a retry after a confirmed approval must not approve twice.
          skip: async () =>
            (await readContract(getChainClient(), {
              address: contracts.nmr.address,
              abi: contracts.nmr.abi,
              functionName: "allowance",
              args: [s.address, contracts.stake.address],
            })) >= amount,
          // NMR's approve only goes from or to zero: a short non-zero allowance is raised with changeApproval.
          prepare: (account) => prepareAllowance(contracts.nmr, account, contracts.stake.address, amount),
        },
        {
          label: `Deposit ${formatNmr(amount)} NMR`,
          prepare: prepareDeposit(contracts, amount),
        },
      ])
      .then((ok) => ok && (setText(""), setTouched(false)));
  };
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    setTouched(true);
    send();
  };

  return (
    <section className="card" aria-labelledby="deposit-title">
      <h2 id="deposit-title">Deposit</h2>
      <form onSubmit={submit} noValidate>
        <fieldset className="plain" disabled={tx.busy}>
          <NmrAmountField
            id="deposit"
            label="Amount (NMR)"
            text={text}
            onText={setText}
            onBlur={() => setTouched(true)}
            error={touched && !parsed.ok ? parsed.error : null}
            max={s.wallet.nmrBalance}
          >
            In your wallet: {formatNmr(s.wallet.nmrBalance)} NMR. The contract may take:{" "}
            {formatAllowance(s.wallet.allowance)}.
          </NmrAmountField>
          <p className="small muted">
            {!parsed.ok
              ? "When the contract may take less than the amount, you first approve it, then deposit (two transactions)."
              : needsApproval
                ? "Two transactions: first allow the contract to take this amount of NMR (approve), then deposit."
                : "One transaction."}{" "}
            The deposit is at risk from {nextRoundText(s)}, spread by your weight vector.
          </p>
          {s.wallet.nmrBalance === 0n ? (
            <p className="notice info" data-testid="deposit-empty">
              Your wallet holds no NMR: send NMR to {s.address} first, then deposit it here.
            </p>
          ) : null}
          <button type="submit" className="primary" disabled={tx.busy || s.paused || s.wallet.nmrBalance === 0n}>
            {needsApproval ? "Approve and deposit" : "Deposit"}
          </button>
        </fieldset>
      </form>
      <TxStatus
        state={tx.state}
        onRetry={send}
        retryBlocker={parsed.ok ? null : `Retry sends the amount above: ${parsed.error}.`}
        onDismiss={tx.reset}
        testId="deposit-tx"
        doneText={`Deposited: at risk from round ${s.next.round}.`}
      />
    </section>
  );
}

function Withdraw({ snapshot: s, contracts }: { snapshot: AccountSnapshot; contracts: AppContracts }) {
  const [text, setText] = useState("");
  const [touched, setTouched] = useState(false);
  const request = useTransactionFlow();
  const claim = useTransactionFlow(CLAIM_WITHDRAWAL);
  const parsed = parseNmrAmount(text, {
    max: s.account.balance,
    maxLabel: `your stake of ${formatNmr(s.account.balance)} NMR`,
    decimalSeparator: inputDecimalSeparator(),
  });
  const w = withdrawalStatus(s);

  // Builds the request from the amount on screen now (first attempt and Retry alike).
  const send = () => {
    if (!parsed.ok) return;
    const amount = parsed.wei;
    void request
      .run([
        {
          label: `Request ${formatNmr(amount)} NMR`,
          prepare: prepareRequestWithdrawal(contracts, amount),
        },
      ])
      .then((ok) => ok && (setText(""), setTouched(false)));
  };
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    setTouched(true);
    send();
  };

  return (
    <section className="card" aria-labelledby="withdraw-title">
      <h2 id="withdraw-title">Withdraw</h2>
      <div data-testid="withdrawal-status">
        {w.state === "none" ? (
          <p className="small muted">No pending withdrawal.</p>
        ) : w.state === "claimable" ? (
          <p className="notice ok">{formatNmr(w.amount)} NMR is released and can be claimed now.</p>
        ) : (
          <p className="notice info" data-testid="withdrawal-window">
            {formatNmr(w.amount)} NMR pending, at risk through round {w.lastRound} (settled through round{" "}
            {w.settledThrough} now). It can be claimed {claimWindowText(pendingWithdrawalWindow(s), s.chainTime)}
          </p>
        )}
        {w.state !== "none" ? (
          <button
            type="button"
            className="primary"
            disabled={w.state !== "claimable" || claim.busy}
            onClick={() =>
              void claim.run([
                {
                  label: "Claim withdrawal",
                  prepare: prepareClaimWithdrawal(contracts),
                },
              ])
            }
          >
            Claim {formatNmr(w.amount)} NMR
          </button>
        ) : null}
        <TxStatus
          state={claim.state}
          onRetry={() => void claim.retry()}
          onDismiss={claim.reset}
          testId="claim-tx"
          doneText="Claimed: the NMR is in your wallet."
        />
      </div>

      {s.account.balance === 0n && request.state.phase === "idle" ? (
        <p className="small muted" data-testid="withdraw-empty">
          Nothing is staked, so there is nothing to withdraw: deposit first.
        </p>
      ) : (
        <form onSubmit={submit} noValidate style={{ marginTop: "1rem" }}>
          <fieldset className="plain" disabled={request.busy}>
            <NmrAmountField
              id="withdraw"
              label="Request a withdrawal (NMR)"
              text={text}
              onText={setText}
              onBlur={() => setTouched(true)}
              error={touched && !parsed.ok ? parsed.error : null}
              max={s.account.balance}
            >
              Stake: {formatNmr(s.account.balance)} NMR. A request stops the amount being put at risk from round{" "}
              {s.next.round}; it stays burnable by the rounds open now (through round {s.currentRound}) and can be
              claimed {claimWindowText(newWithdrawalWindow(s), s.chainTime)} The{" "}
              {Math.round(s.parameters.withdrawalDelay / 86400)}-day delay is only the minimum.
            </NmrAmountField>
            <button type="submit" disabled={request.busy}>
              Request withdrawal
            </button>
          </fieldset>
        </form>
      )}
      <TxStatus
        state={request.state}
        onRetry={send}
        retryBlocker={parsed.ok ? null : `Retry sends the amount above: ${parsed.error}.`}
        onDismiss={request.reset}
        testId="withdraw-tx"
        doneText="Requested: see above when it can be claimed."
      />
    </section>
  );
}

/**
 * An NMR amount input with its Max button (fills in `max` with the locale's decimal separator, so it parses back
 * exactly), its help text (`children`, element `<id>-help`) and the parse error once the field was left.
 */
function NmrAmountField({
  id,
  label,
  text,
  onText,
  onBlur,
  error,
  max,
  children,
}: {
  id: string;
  label: string;
  text: string;
  onText: (text: string) => void;
  onBlur: () => void;
  error: string | null;
  max: bigint;
  children: ReactNode;
}) {
  return (
    <div className="field">
      <label htmlFor={`${id}-amount`}>{label}</label>
      <div className="row">
        <input
          id={`${id}-amount`}
          inputMode="decimal"
          value={text}
          onChange={(e) => onText(e.target.value)}
          onBlur={onBlur}
          aria-invalid={error !== null ? true : undefined}
          aria-describedby={`${id}-help`}
          style={{ flex: 1, minWidth: 0 }}
          autoComplete="off"
        />
        <button
          type="button"
          className="small"
          onClick={() => onText(nmrToInput(max, inputDecimalSeparator()))}
          disabled={max === 0n}
        >
          Max
        </button>
      </div>
      <div id={`${id}-help`} className="small muted">
        {children}
      </div>
      {error !== null ? (
        <div className="small" style={{ color: "var(--danger)" }} role="alert">
          {error}.
        </div>
      ) : null}
    </div>
  );
}
