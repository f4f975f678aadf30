"use client";
/**
 * The first-run path of a staker, shown on its own account until it is staked: 1. get its models registered (the
 * operator proposes them, the staker consents with acceptModels: nothing is bound without it), 2. deposit NMR,
 * 3. set a weight vector. Each step says what to do now, or what it waits for.
 */
import type { Address, Hex } from "viem";
import type { AccountSnapshot } from "@/lib/account/snapshot";
import { useModelProposals } from "@/lib/account/useModelProposals";
import { type AppContracts, modelLabel } from "@/lib/contracts";
import { boundModelCount } from "@/lib/editor/weights";
import { formatNmr } from "@/lib/format";
import { prepareAcceptModels, prepareDeclineModels } from "@/lib/tx/calls";
import { useTransactionFlow, useWriteBlocker } from "@/lib/tx/useTransactionFlow";
import { TxStatus } from "@/components/TxStatus";
import { CopyButton } from "@/components/history/CopyButton";

type StepState = "done" | "now" | "later";

function Step({
  n,
  title,
  state,
  children,
}: {
  n: number;
  title: string;
  state: StepState;
  children: React.ReactNode;
}) {
  return (
    <li className="setup-step" data-state={state} data-testid={`setup-step-${n}`}>
      <span className="setup-mark" aria-hidden="true">
        {state === "done" ? "✓" : n}
      </span>
      <div>
        <strong>
          {title}
          {state === "done" ? <span className="visually-hidden"> (done)</span> : null}
        </strong>
        <div className="small">{children}</div>
      </div>
    </li>
  );
}

export function GetStarted({ snapshot: s, contracts }: { snapshot: AccountSnapshot; contracts: AppContracts }) {
  const proposals = useModelProposals(contracts, s.address);
  const models = boundModelCount(s.models);
  const staked = s.account.balance > 0n || s.account.pendingWithdrawal > 0n;
  const allocated = s.next.bps.reduce((a, b) => a + b, 0) === 10_000;
  const proposed = proposals.data ?? [];
  // Owned here, not by the list: a confirmed Accept or Decline empties the list, and its status must stay in view.
  const label = (id: string) => modelLabel(contracts, id);
  const accept = useTransactionFlow({ modelLabel: label });
  const decline = useTransactionFlow({ modelLabel: label });
  // The first attempt and Retry alike send the proposals on screen now.
  const acceptNow = () =>
    void accept.run([{ label: `Accept ${proposed.length} models`, prepare: prepareAcceptModels(contracts, proposed) }]);
  const declineNow = () =>
    void decline.run([
      { label: `Decline ${proposed.length} models`, prepare: prepareDeclineModels(contracts, proposed) },
    ]);

  return (
    <section className="card" aria-labelledby="setup-title" data-testid="get-started">
      <h2 id="setup-title">Get started</h2>
      <ol className="setup-steps">
        <Step n={1} title="Get your models registered to this address" state={models > 0 ? "done" : "now"}>
          {models > 0 ? (
            `${models} model${models === 1 ? "" : "s"} registered.${proposed.length ? ` ${proposed.length} more proposed (below).` : ""}`
          ) : proposals.isLoading ? (
            "Looking for models proposed to you…"
          ) : proposed.length === 0 ? (
            <>
              No model is proposed to this address yet. The tournament&apos;s operator proposes your Numerai models to
              the wallet you stake from: give it this address <span className="mono">{s.address}</span>{" "}
              <CopyButton text={s.address} label="Copy the address" />. Proposed models appear here, and none is bound
              to your account until you accept it.
            </>
          ) : null}
          {proposed.length ? (
            <Proposals
              models={proposed}
              contracts={contracts}
              busy={accept.busy || decline.busy}
              onAccept={acceptNow}
              onDecline={declineNow}
            />
          ) : null}
          <TxStatus
            state={accept.state}
            onRetry={acceptNow}
            onDismiss={accept.reset}
            testId="accept-tx"
            doneText="Registered: the models are yours; deposit and set their weights next."
          />
          <TxStatus
            state={decline.state}
            onRetry={declineNow}
            onDismiss={decline.reset}
            testId="decline-tx"
            doneText="Declined: the proposals are cancelled."
          />
        </Step>
        <Step n={2} title="Deposit NMR" state={staked ? "done" : models > 0 ? "now" : "later"}>
          {staked
            ? `${formatNmr(s.account.balance)} NMR staked.`
            : models === 0
              ? "After step 1: a stake with no models has nothing to be allocated to."
              : s.wallet.nmrBalance === 0n
                ? "Your wallet holds no NMR: send NMR to this address first, then deposit it below."
                : `Your wallet holds ${formatNmr(s.wallet.nmrBalance)} NMR: deposit some with the Deposit form below.`}
        </Step>
        <Step n={3} title="Spread the stake over your models" state={allocated ? "done" : models > 0 ? "now" : "later"}>
          {allocated
            ? "A weight vector totalling 100% is saved for the next round."
            : models === 0
              ? "After step 1: you choose what share of the stake each model gets."
              : "Set the weights in the editor below (Split evenly is a good start) and save them. Performance and suggestions help you choose later."}
        </Step>
      </ol>
    </section>
  );
}

/** The proposed models with Accept (the consent) and Decline. */
function Proposals({
  models,
  contracts,
  busy,
  onAccept,
  onDecline,
}: {
  models: Hex[];
  contracts: AppContracts;
  busy: boolean;
  onAccept: () => void;
  onDecline: () => void;
}) {
  const blocker = useWriteBlocker();
  return (
    <div data-testid="model-proposals" style={{ marginTop: "0.4rem" }}>
      <p style={{ margin: "0.25rem 0" }}>
        The operator proposed {models.length} model{models.length === 1 ? "" : "s"} to this address. Accepting binds{" "}
        {models.length === 1 ? "it" : "them"} to your account (one transaction); only you can do it. Decline any that
        are not yours.
      </p>
      <ul className="proposal-list mono small">
        {models.map((id) => (
          <li key={id}>
            {contracts.modelNames[id.toLowerCase()] ? `${modelLabel(contracts, id)} ` : null}
            <span className={contracts.modelNames[id.toLowerCase()] ? "muted" : undefined}>{id}</span>
          </li>
        ))}
      </ul>
      <div className="row">
        <button type="button" className="primary" disabled={busy || Boolean(blocker)} onClick={onAccept}>
          Accept {models.length} model{models.length === 1 ? "" : "s"}
        </button>
        <button type="button" disabled={busy || Boolean(blocker)} onClick={onDecline}>
          Decline all
        </button>
        {blocker ? <span className="small muted">{blocker}</span> : null}
      </div>
    </div>
  );
}

/** A visitor's (or manager's) view of an account that has not started: what is missing, and whose step it is. */
export function EmptyForOthers({
  address,
  contracts,
  models,
}: {
  address: Address;
  contracts: AppContracts;
  models: number;
}) {
  const proposals = useModelProposals(contracts, address);
  const proposed = proposals.data?.length ?? 0;
  return (
    <p className="notice info" data-testid="empty-account">
      {models === 0
        ? proposed > 0
          ? `${proposed} model${proposed === 1 ? " is" : "s are"} proposed to this account, waiting for its staker's consent; nothing is staked yet.`
          : "No model is registered to this account yet, and nothing is staked. Models are registered when the operator proposes them and the account's staker accepts."
        : "Nothing is staked in this account yet: its staker deposits NMR and then sets the weights."}
    </p>
  );
}
