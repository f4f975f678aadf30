"use client";

import type { Address } from "viem";
import { useReadContract } from "wagmi";
import { type AppContracts, useContracts } from "@/lib/contracts";
import { formatNmr } from "@/lib/format";

export function AccountView({ address }: { address: Address }) {
  const contracts = useContracts();
  if (contracts.error) return <p className="notice error">{contracts.error.message}</p>;
  if (!contracts.data) return <p className="muted">Loading…</p>;
  return <AccountDetails address={address} contracts={contracts.data} />;
}

function AccountDetails({ address, contracts }: { address: Address; contracts: AppContracts }) {
  const account = useReadContract({ ...contracts.stake, functionName: "accountOf", args: [address] });
  return (
    <section className="card">
      <h1>Account</h1>
      <p className="mono">{address}</p>
      {account.data ? <p>Stake {formatNmr(account.data.balance)} NMR</p> : <p className="muted">Loading…</p>}
    </section>
  );
}
