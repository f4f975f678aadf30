"use client";

import type { Address } from "viem";
import { useConnection } from "wagmi";
import { type AppContracts, useContracts } from "@/lib/contracts";
import { useAccountSnapshot } from "@/lib/account/snapshot";
import { accountHref, shortAddress } from "@/lib/format";
import { boundModelCount } from "@/lib/editor/weights";
import { AccountSummary } from "./AccountSummary";
import { ExposureCard } from "./ExposureCard";
import { OwedRewards } from "./OwedRewards";
import dynamic from "next/dynamic";
import Link from "next/link";
import { ModelTable } from "./ModelTable";
import { voiceFor } from "@/lib/account/voice";

// Only the account's owner or manager gets the editor and the deposit/withdraw forms, so their code (transaction
// flow, simulation, receipts, error decoding) is not part of a read-only visit's first load.
const AllocationEditor = dynamic(() => import("./AllocationEditor").then((m) => m.AllocationEditor), {
  loading: () => <p className="muted">Loading the editor…</p>,
});
const StakeActions = dynamic(() => import("./StakeActions").then((m) => m.StakeActions), {
  loading: () => <p className="muted">Loading…</p>,
});

export type Role = "owner" | "manager" | "viewer";

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
          <AccountSummary snapshot={data} />
          <ExposureCard snapshot={data} voice={voice} />
          {data.account.unpaidRewards > 0n || data.account.claimableRewards > 0n ? (
            <OwedRewards snapshot={data} contracts={contracts} voice={voice} />
          ) : null}
          {boundModelCount(data.models) === 0 ? (
            <p className="notice info">
              This address has no registered models. The operator registers a staker&apos;s models before it can
              allocate.
            </p>
          ) : (
            <ModelTable snapshot={data} contracts={contracts} voice={voice} />
          )}
          {role !== "viewer" && boundModelCount(data.models) > 0 ? (
            <AllocationEditor snapshot={data} contracts={contracts} role={role} />
          ) : null}
          {role === "owner" ? <StakeActions snapshot={data} contracts={contracts} /> : null}
        </>
      )}
    </>
  );
}
