"use client";

import { useEffect, useRef, useSyncExternalStore } from "react";
import { decodeFunctionData, formatEther } from "viem";
import { nmrAbi } from "@/generated/nmrAbi";
import { portfolioStakeAbi } from "@/generated/portfolioStakeAbi";
import { answerDevWalletRequest, currentDevWalletRequest, subscribeDevWalletPrompt } from "@/lib/devWallet/prompt";
import { shortAddress } from "@/lib/format";

function describeCall(data: `0x${string}` | undefined): string {
  if (!data || data === "0x") return "plain transfer";
  for (const abi of [portfolioStakeAbi, nmrAbi]) {
    try {
      return `${decodeFunctionData({ abi, data }).functionName}(…)`;
    } catch {
      // not this contract
    }
  }
  return `${data.slice(0, 10)}…`;
}

/** The development wallet's confirmation dialog (a stand-in for an extension popup); loaded by DevWalletPrompt. */
export default function DevWalletDialog() {
  const request = useSyncExternalStore(subscribeDevWalletPrompt, currentDevWalletRequest, () => null);
  const confirmRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (!request) return;
    confirmRef.current?.focus();
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && answerDevWalletRequest(false);
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [request]);
  if (!request) return null;
  return (
    <div className="dialog-backdrop">
      <div
        className="dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby="devwallet-title"
        data-testid="dev-wallet-prompt"
      >
        <h2 id="devwallet-title">Development wallet</h2>
        <p className="small muted">
          {request.kind === "transaction" ? "Sign and send this transaction?" : "Sign this message?"} (Hardhat test key,
          local chain only)
        </p>
        <dl className="small">
          <dt>From</dt>
          <dd className="mono">{shortAddress(request.from)}</dd>
          {request.kind === "transaction" ? (
            <>
              <dt>To</dt>
              <dd className="mono">{request.to ? shortAddress(request.to) : "new contract"}</dd>
              <dt>Call</dt>
              <dd className="mono">{describeCall(request.data)}</dd>
              {request.value ? (
                <>
                  <dt>Value</dt>
                  <dd>{formatEther(request.value)} ETH</dd>
                </>
              ) : null}
            </>
          ) : (
            <>
              <dt>Message</dt>
              <dd className="mono">{request.message?.slice(0, 200)}</dd>
            </>
          )}
        </dl>
        <div className="row">
          <button type="button" className="danger" onClick={() => answerDevWalletRequest(false)}>
            Reject
          </button>
          <span className="spacer" />
          <button type="button" className="primary" ref={confirmRef} onClick={() => answerDevWalletRequest(true)}>
            Confirm
          </button>
        </div>
      </div>
    </div>
  );
}
