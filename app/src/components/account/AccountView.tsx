"use client";

import type { Address } from "viem";
import { useConnection } from "wagmi";
import { type AppContracts, useContracts } from "@/lib/contracts";
import { needsSetup, useAccountSnapshot } from "@/lib/account/snapshot";
import { type Role, voiceFor } from "@/lib/account/voice";
import { accountHref, shortAddress } from "@/lib/format";
import { boundModelCount } from "@/lib/editor/weights";
import { AccountSummary } from "./AccountSummary";
import { ExposureCard } from "./ExposureCard";
import { OwedRewards } from "./OwedRewards";
import dynamic from "next/dynamic";
import Link from "next/link";
import { ModelTable } from "./ModelTable";

// Only the account's owner or manager gets the editor and the deposit/withdraw forms, so their code (transaction
// flow, simulation, receipts, error decoding) is not part of a read-only visit's first load.
const AllocationEditor = dynamic(() => import("./AllocationEditor").then((m) => m.AllocationEditor), {
  loading: () => <p className="muted">Loading the editor…</p>,
});
// The first-run path and the consent flow read the account's events: only loaded for an account that has not started.
const GetStarted = dynamic(() => import("./GetStarted").then((m) => m.GetStarted));
const EmptyForOthers = dynamic(() => import("./GetStarted").then((m) => m.EmptyForOthers));
const StakeActions = dynamic(() => import("./StakeActions").then((m) => m.StakeActions), {
  loading: () => <p className="muted">Loading…</p>,
});

export function AccountView({ address }: { address: Address }) {
  const contracts = useContracts();
  if (contracts.error)
    return (
      <p className="notice error" role="alert" data-testid="deployment-error">
        {contracts.error.message}
      </p>
    );
  if (!contracts.data) return <p className="muted">Loading the contract…</p>;
  return <AccountDetails address={address} contracts={contracts.data} />;
}

function AccountDetails({ address, contracts }: { address: Address; contracts: AppContracts }) {
  const snapshot = useAccountSnapshot(contracts, address);
  const connection = useConnection();
  const name = contracts.accountNames[address];
  const data = snapshot.data;
  const role: Role =
    connection.address === address
      ? "owner"
      : data && connection.address && data.account.manager === connection.address
        ? "manager"
        : "viewer";
  const voice = voiceFor(role === "owner");
  const models = data ? boundModelCount(data.models) : 0;
  // Never staked: a summary and an exposure card would only be walls of zeros.
  const neverStaked = data
    ? data.account.nextSettleRound === 0 && data.account.balance === 0n && data.account.pendingWithdrawal === 0n
    : false;

  return (
    <>
      <section className="card" aria-labelledby="account-title">
        <div className="row">
          <h1 id="account-title" style={{ margin: 0 }}>
            {name ? `${name}'s account` : "Account"}
          </h1>
          <span className={`badge ${role === "viewer" ? "" : "ok"}`} data-testid="role-badge">
            {role === "owner" ? "Your account" : role === "manager" ? "You manage this account" : "Read-only"}
          </span>
          <span className="spacer" />
          <Link href={accountHref(address, "performance")}>Performance</Link>
          <Link href={accountHref(address, "history")}>History</Link>
        </div>
        <p className="mono small" style={{ wordBreak: "break-all", margin: "0.35rem 0 0" }}>
          {address}
        </p>
        {role === "viewer" ? (
          <p className="small muted" style={{ margin: "0.35rem 0 0" }}>
            {connection.address
              ? `You are connected as ${shortAddress(connection.address)}: this account can be viewed, not changed.`
              : "Viewing without a wallet. Connect as this account (or its manager) to change it."}
          </p>
        ) : null}
      </section>

      {snapshot.error ? (
        <p className="notice error" role="alert">
          Could not read the account: {snapshot.error.message.split("\n")[0]}
        </p>
      ) : null}
      {!data ? (
        snapshot.isLoading ? (
          <p className="muted">Reading the chain…</p>
        ) : null
      ) : (
        <>
          {data.paused ? (
            <p className="notice warn" role="status">
              Staking is paused: deposits are stopped for now. Reallocations and withdrawals still work.
            </p>
          ) : null}
          {role === "owner" && needsSetup(data) ? <GetStarted snapshot={data} contracts={contracts} /> : null}
          {neverStaked ? null : (
            <>
              <AccountSummary snapshot={data} />
              <ExposureCard snapshot={data} voice={voice} />
            </>
          )}
          {data.account.unpaidRewards > 0n || data.account.claimableRewards > 0n ? (
            <OwedRewards snapshot={data} contracts={contracts} voice={voice} />
          ) : null}
          {role !== "owner" && (models === 0 || neverStaked) ? (
            <EmptyForOthers address={address} contracts={contracts} models={models} />
          ) : null}
          {models === 0 ? null : role === "viewer" ? (
            <ModelTable snapshot={data} contracts={contracts} voice={voice} />
          ) : (
            <AllocationEditor snapshot={data} contracts={contracts} role={role} />
          )}
          {role === "owner" && models > 0 ? <StakeActions snapshot={data} contracts={contracts} /> : null}
        </>
      )}
    </>
  );
}
