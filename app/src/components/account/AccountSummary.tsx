"use client";

import type { AccountSnapshot } from "@/lib/account/snapshot";
import type { ClaimWindow } from "@/lib/account/dates";
import { pendingWithdrawalWindow, withdrawalStatus } from "@/lib/account/snapshot";
import { formatNmr, formatTime, relativeTime } from "@/lib/format";

function Stat({ label, value, hint, testId }: { label: string; value: string; hint?: string; testId?: string }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd data-testid={testId}>{value}</dd>
      {hint ? <div className="small muted">{hint}</div> : null}
    </div>
  );
}

/** The short form of the claim window for the summary (the Withdraw card says why). */
function claimHint(w: ClaimWindow, now: number): string {
  if (w.limitedBy.kind === "now") return "claimable once the rounds it was at risk in are settled (they can be now)";
  const latest = w.latest > w.earliest ? `, at the latest ${formatTime(w.latest)}` : "";
  return `claimable from about ${formatTime(w.earliest)} (${relativeTime(w.earliest, now)})${latest}`;
}

export function AccountSummary({ snapshot: s }: { snapshot: AccountSnapshot }) {
  const a = s.account;
  const locked = a.balance + a.pendingWithdrawal;
  const w = withdrawalStatus(s);
  return (
    <section className="card" aria-labelledby="summary-title">
      <h2 id="summary-title">
        Stake
        <span className="small muted">
          Round {s.currentRound} is the newest open round · chain time {formatTime(s.chainTime)} · block{" "}
          {s.blockNumber.toString()}
        </span>
      </h2>
      <dl className="stats">
        <Stat
          label="Locked in the contract"
          value={`${formatNmr(locked)} NMR`}
          hint="stake + pending withdrawal"
          testId="locked"
        />
        <Stat
          label={`Stake from round ${s.next.round}`}
          value={`${formatNmr(a.balance)} NMR`}
          hint={`each round risks 1/${s.parameters.sliceDivisor} of it (see Exposure)`}
          testId="balance"
        />
        <Stat
          label={`At risk in round ${s.currentRound}`}
          value={`${formatNmr(s.current.slice)} NMR`}
          hint={`the newest round's slice: its stake ${formatNmr(s.current.stake)} NMR / ${s.current.sliceDivisor}`}
          testId="at-risk-current"
        />
        <Stat
          label="Pending withdrawal"
          value={`${formatNmr(a.pendingWithdrawal)} NMR`}
          hint={
            w.state === "none"
              ? "none"
              : w.state === "claimable"
                ? "released: claim it below"
                : claimHint(pendingWithdrawalWindow(s), s.chainTime)
          }
          testId="pending-withdrawal"
        />
        <Stat
          label="Rewards received"
          value={`${formatNmr(a.totalRewarded)} NMR`}
          hint="lifetime payouts, owed rewards claimed included"
          testId="rewarded"
        />
        <Stat label="Burned" value={`${formatNmr(a.totalBurned)} NMR`} hint="lifetime burns" />
        {a.unpaidRewards > 0n || a.claimableRewards > 0n ? (
          <Stat
            label="Owed rewards"
            value={`${formatNmr(a.unpaidRewards + a.claimableRewards)} NMR`}
            hint={`${formatNmr(a.claimableRewards)} NMR of it claimable now (see Owed rewards)`}
            testId="owed-total"
          />
        ) : null}
        <Stat
          label="Settled through"
          value={a.nextSettleRound === 0 ? "—" : `round ${a.nextSettleRound - 1}`}
          hint={a.nextSettleRound === 0 ? "never staked" : "results applied to the stake"}
        />
        <Stat
          label="NMR in wallet"
          value={`${formatNmr(s.wallet.nmrBalance)} NMR`}
          hint="not staked"
          testId="wallet-nmr"
        />
      </dl>
      {a.manager !== "0x0000000000000000000000000000000000000000" ? (
        <p className="small muted" style={{ marginBottom: 0 }}>
          Manager: <span className="mono">{a.manager}</span> (may change the weights, never move NMR)
        </p>
      ) : null}
    </section>
  );
}
