"use client";

import { Fragment, useEffect, useRef, useSyncExternalStore } from "react";
import { type Address, formatEther, getAddress } from "viem";
import { nmrAbi } from "@portfolio-stake/core/abi/nmrAbi";
import { portfolioStakeAbi } from "@portfolio-stake/core/abi/portfolioStakeAbi";
import { type AppContracts, modelLabel, useContracts } from "@/lib/contracts";
import { type CallLabels, describeCall } from "@/lib/devWallet/describeCall";
import { answerDevWalletRequest, currentDevWalletRequest, subscribeDevWalletPrompt } from "@/lib/devWallet/prompt";
import { shortAddress } from "@/lib/format";

const CALL_ABIS = [portfolioStakeAbi, nmrAbi] as const;

function callLabels(contracts: AppContracts | undefined): CallLabels {
  return {
    modelLabel: (id) => modelLabel(contracts, id),
    addressLabel: (address: Address) => {
      if (!contracts) return undefined;
      const a = getAddress(address);
      if (a === getAddress(contracts.stake.address)) return "PortfolioStake contract";
      if (a === getAddress(contracts.nmr.address)) return "NMR token";
      return contracts.accountNames[a];
    },
  };
}

/** The development wallet's confirmation dialog (a stand-in for an extension popup); loaded by DevWalletPrompt. */
export default function DevWalletDialog() {
  const request = useSyncExternalStore(subscribeDevWalletPrompt, currentDevWalletRequest, () => null);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const contracts = useContracts();
  useEffect(() => {
    if (!request) return;
    confirmRef.current?.focus();
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && answerDevWalletRequest(false);
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [request]);
  if (!request) return null;
  const labels = callLabels(contracts.data);
  const call = request.kind === "transaction" ? describeCall(request.data, CALL_ABIS, labels) : undefined;
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
              <dd className="mono">
                {request.to ? (labels.addressLabel(request.to) ?? shortAddress(request.to)) : "new contract"}
              </dd>
              <dt>Call</dt>
              <dd className="mono" data-testid="dev-wallet-call">
                {call ? call.functionName : `${request.data?.slice(0, 10) ?? ""}… (not a call the app knows)`}
              </dd>
              {call?.args.map((arg) => (
                <Fragment key={arg.label}>
                  <dt>{arg.label}</dt>
                  <dd data-testid={`dev-wallet-arg-${arg.label.toLowerCase().replace(/\s+/g, "-")}`}>
                    {Array.isArray(arg.value) ? (
                      <ul className="plain-list">
                        {arg.value.map((line) => (
                          <li key={line}>{line}</li>
                        ))}
                      </ul>
                    ) : (
                      arg.value
                    )}
                  </dd>
                </Fragment>
              ))}
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
