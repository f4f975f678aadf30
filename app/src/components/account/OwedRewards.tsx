"use client";

import dynamic from "next/dynamic";
import { useConnection } from "wagmi";
import { owedRewardsWhenText } from "@/lib/account/dates";
import type { AccountSnapshot } from "@/lib/account/snapshot";
import type { Voice } from "@/lib/account/voice";
import type { AppContracts } from "@/lib/contracts";
import { formatNmr } from "@/lib/format";

// The claim's transaction flow is loaded only when something is owed and a wallet is connected.
const ClaimRewards = dynamic(() => import("./ClaimRewards").then((m) => m.ClaimRewards), {
  loading: () => <p className="muted">Loading…</p>,
});

/** Rewards owed to the account (the pool was short) and how to collect them. Shown while anything is owed. */
export function OwedRewards({
  snapshot: s,
  contracts,
  voice: v,
}: {
  snapshot: AccountSnapshot;
  contracts: AppContracts;
  voice: Voice;
}) {
  const { status } = useConnection();
  const a = s.account;
  return (
    <section className="card" aria-labelledby="owed-title" data-testid="owed-rewards">
      <h2 id="owed-title">Owed rewards</h2>
      <dl className="stats">
        <div>
          <dt>Still owed</dt>
          <dd data-testid="owed-unpaid" data-wei={a.unpaidRewards.toString()}>
            {formatNmr(a.unpaidRewards)} NMR
          </dd>
          <div className="small muted">gains the rewards pool could not pay</div>
        </div>
        <div>
          <dt>Claimable now</dt>
          <dd data-testid="owed-claimable" data-wei={a.claimableRewards.toString()}>
            {formatNmr(a.claimableRewards)} NMR
          </dd>
          <div className="small muted">paid by refills, not yet in the stake</div>
        </div>
      </dl>
      <p data-testid="owed-when">{owedRewardsWhenText(a.claimableRewards, a.unpaidRewards)}</p>
      <p className="small muted">
        When the rewards pool is short, the part of a gain it cannot pay is owed to {v.you}. Every refill of the pool
        pays owed rewards first, every owed account the same share of what it is owed, whoever settles first. What a
        refill paid {v.you} is claimable: <strong>Claim</strong> credits it to {v.your} stake (at risk from the next
        round). Anyone may send the claim for this account (the NMR goes to its stake, never to the sender), and the
        account&apos;s next settlement credits it too. Nothing owed is lost by waiting.
      </p>
      {status === "connected" ? (
        <ClaimRewards snapshot={s} contracts={contracts} />
      ) : a.claimableRewards > 0n ? (
        <p className="small">Connect a wallet (any wallet) to claim it.</p>
      ) : null}
    </section>
  );
}
