"use client";

import { useConnection, useSwitchChain } from "wagmi";
import { appChain } from "@/lib/chain";

/** A connected wallet on another chain: say so, and offer the one-click switch (reads keep working meanwhile). */
export function NetworkBanner() {
  const { status, chainId } = useConnection();
  const switchChain = useSwitchChain();
  if (status !== "connected" || chainId === undefined || chainId === appChain.id) return null;
  return (
    <div className="container" role="alert" data-testid="wrong-network">
      <div className="notice warn row">
        <span>
          Your wallet is on chain {chainId}; this app uses <strong>{appChain.name}</strong> (chain {appChain.id}).
          Transactions are disabled until you switch.
        </span>
        <span className="spacer" />
        <button
          type="button"
          className="primary"
          disabled={switchChain.isPending}
          onClick={() => switchChain.mutate({ chainId: appChain.id })}
        >
          {switchChain.isPending ? "Switching…" : `Switch to ${appChain.name}`}
        </button>
        {switchChain.error ? <span className="small">{switchChain.error.message.split("\n")[0]}</span> : null}
      </div>
    </div>
  );
}
