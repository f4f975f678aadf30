"use client";

import type { AccountSnapshot } from "@/lib/account/snapshot";
import type { AppContracts } from "@/lib/contracts";
import { prepareClaimRewards } from "@/lib/tx/calls";
import { formatNmr } from "@/lib/format";
import { useTransactionFlow, useWriteBlocker } from "@/lib/tx/useTransactionFlow";
import { TxStatus } from "@/components/TxStatus";

/** NothingToClaim means "no owed rewards paid yet" for this call. A constant, so the flow's context is stable. */
const CLAIM_REWARDS = { functionName: "claimRewards" } as const;

/**
 * Claim button for owed rewards that refills paid: claimRewards(account) credits them to the account's stake. Anyone
 * may send it (the NMR goes to the account's stake, never to the sender), so any connected wallet gets the button.
 */
export function ClaimRewards({ snapshot: s, contracts }: { snapshot: AccountSnapshot; contracts: AppContracts }) {
  const blocker = useWriteBlocker();
  const tx = useTransactionFlow(CLAIM_REWARDS);
  const claimable = s.account.claimableRewards;
  return (
    <div>
      {blocker ? <p className="small muted">{blocker}</p> : null}
      {claimable > 0n || tx.busy ? (
        <button
          type="button"
          className="primary"
          data-testid="claim-rewards"
          disabled={Boolean(blocker) || tx.busy || claimable === 0n}
          onClick={() =>
            void tx.run([
              {
                label: `Claim ${formatNmr(claimable)} NMR of owed rewards`,
                prepare: prepareClaimRewards(contracts, s.address),
              },
            ])
          }
        >
          Claim {formatNmr(claimable)} NMR
        </button>
      ) : null}
      <TxStatus
        state={tx.state}
        onRetry={() => void tx.retry()}
        onDismiss={tx.reset}
        testId="claim-rewards-tx"
        doneText="Claimed: the owed rewards are in the stake, at risk from the next round."
      />
    </div>
  );
}
