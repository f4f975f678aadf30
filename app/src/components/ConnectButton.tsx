"use client";

import Link from "next/link";
import { useEffect, useRef, useState, useSyncExternalStore } from "react";
import { useConnect, useConnection, useConnectors, useDisconnect } from "wagmi";
import { useContracts } from "@/lib/contracts";
import { DEV_WALLET_ID, selectDevAccount, selectedDevAccountIndex } from "@/lib/devWallet/connector";
import { DEMO_ROLES, DEV_ACCOUNTS } from "@portfolio-stake/core/devAccounts";
import { accountHref, shortAddress } from "@/lib/format";

const subscribeNothing = () => () => {};

/** False on the server and while hydrating (the wallet exists only in the browser), true from then on. */
function useMounted() {
  return useSyncExternalStore(
    subscribeNothing,
    () => true,
    () => false,
  );
}

/** Closes a popover on Escape or a click outside it. */
function useDismiss(open: boolean, close: () => void) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && close();
    const onClick = (e: MouseEvent) => ref.current && !ref.current.contains(e.target as Node) && close();
    document.addEventListener("keydown", onKey);
    document.addEventListener("mousedown", onClick);
    return () => {
      document.removeEventListener("keydown", onKey);
      document.removeEventListener("mousedown", onClick);
    };
  }, [open, close]);
  return ref;
}

function DevAccountSelect({ onPicked }: { onPicked?: (index: number) => void }) {
  const contracts = useContracts().data;
  const [index, setIndex] = useState(selectedDevAccountIndex);
  return (
    <label className="field small">
      Development account
      <select
        value={index}
        onChange={(e) => {
          const picked = Number(e.target.value);
          setIndex(picked);
          selectDevAccount(picked);
          onPicked?.(picked);
        }}
      >
        {DEV_ACCOUNTS.map((account, i) => {
          const name = contracts?.accountNames[account.address] ?? DEMO_ROLES[i];
          return (
            <option key={account.address} value={i}>
              {shortAddress(account.address)}
              {name ? ` (${name})` : ""}
            </option>
          );
        })}
      </select>
    </label>
  );
}

export function ConnectButton() {
  const mounted = useMounted();
  const { address, status, connector } = useConnection();
  const connectors = useConnectors();
  const connect = useConnect();
  const disconnect = useDisconnect();
  const contracts = useContracts().data;
  const [open, setOpen] = useState(false);
  const close = () => setOpen(false);
  const ref = useDismiss(open, close);

  if (!mounted) {
    return (
      <button type="button" disabled>
        Connect
      </button>
    );
  }

  const hasLegacyInjected = typeof window !== "undefined" && "ethereum" in window && Boolean(window.ethereum);
  // EIP-6963 wallets announce themselves (type "injected" with an rdns); the plain "injected" connector is the
  // window.ethereum fallback, useful only when nothing announced itself.
  const announced = connectors.filter((c) => c.type === "injected" && c.id !== "injected");
  const wallets = connectors.filter(
    (c) =>
      c.id === DEV_WALLET_ID ||
      announced.includes(c) ||
      (c.id === "injected" && hasLegacyInjected && announced.length === 0),
  );

  if (status === "connected" && address) {
    const name = contracts?.accountNames[address];
    return (
      <div className="menu" ref={ref}>
        <button
          type="button"
          aria-haspopup="true"
          aria-expanded={open}
          onClick={() => setOpen(!open)}
          data-testid="account-button"
        >
          <span className="mono">{shortAddress(address)}</span>
          {name ? <span className="muted">({name})</span> : null}
        </button>
        {open ? (
          <div className="menu-panel" role="group" aria-label="Wallet">
            <div className="small muted">Connected with {connector?.name}</div>
            <Link className="button" href={accountHref(address)} onClick={close}>
              My account
            </Link>
            {connector?.id === DEV_WALLET_ID ? <DevAccountSelect /> : null}
            <button type="button" className="danger" onClick={() => (disconnect.mutate(), close())}>
              Disconnect
            </button>
          </div>
        ) : null}
      </div>
    );
  }

  return (
    <div className="menu" ref={ref}>
      <button
        type="button"
        className="primary"
        aria-haspopup="true"
        aria-expanded={open}
        onClick={() => setOpen(!open)}
        disabled={status === "connecting" || status === "reconnecting"}
      >
        {status === "connecting" || status === "reconnecting" ? "Connecting…" : "Connect"}
      </button>
      {open ? (
        <div className="menu-panel" role="group" aria-label="Choose a wallet">
          {wallets.length === 0 ? (
            <p className="small muted">No browser wallet found. Install one, or view any address read-only.</p>
          ) : null}
          {wallets.map((c) => (
            <div key={c.uid}>
              {c.id === DEV_WALLET_ID ? <DevAccountSelect /> : null}
              <button
                type="button"
                onClick={() => connect.mutate({ connector: c }, { onSuccess: close })}
                disabled={connect.isPending}
              >
                {c.icon ? (
                  // eslint-disable-next-line @next/next/no-img-element -- a wallet's own icon (often a data: URI, EIP-6963), not an asset next/image can optimise
                  <img src={c.icon} alt="" width={18} height={18} />
                ) : null}
                {c.id === "injected" ? "Browser wallet" : c.name}
              </button>
            </div>
          ))}
          {connect.error ? (
            <p className="notice error small" role="alert">
              {connect.error.name === "UserRejectedRequestError"
                ? "You declined the connection in your wallet."
                : connect.error.message.split("\n")[0]}
            </p>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}
