"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { isAddress } from "viem";
import { useConnection } from "wagmi";
import { useContracts } from "@/lib/contracts";
import { accountHref, shortAddress } from "@/lib/format";

/** Enter any address to view it read-only, or jump to the connected wallet's account. */
export function AddressForm() {
  const router = useRouter();
  const { address } = useConnection();
  const contracts = useContracts();
  const [value, setValue] = useState("");
  const [error, setError] = useState<string | null>(null);
  const demoAccounts = Object.entries(contracts.data?.accountNames ?? {});

  return (
    <section className="card">
      <h2>View an account</h2>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          const text = value.trim();
          if (!isAddress(text, { strict: false })) {
            setError("That is not an Ethereum address: expected 0x followed by 40 hexadecimal characters.");
            return;
          }
          setError(null);
          router.push(accountHref(text));
        }}
      >
        <label htmlFor="address-input" className="visually-hidden">
          Account address
        </label>
        <input
          id="address-input"
          name="address"
          placeholder="0x… any staker's address (read-only)"
          value={value}
          onChange={(e) => setValue(e.target.value)}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? "address-error" : undefined}
          style={{ flex: "1 1 320px" }}
          className="mono"
          autoComplete="off"
          spellCheck={false}
        />
        <button type="submit" className="primary">
          View
        </button>
        {address ? (
          <Link className="button" href={accountHref(address)}>
            My account ({shortAddress(address)})
          </Link>
        ) : null}
      </form>
      {error ? (
        <p id="address-error" className="notice error" role="alert">
          {error}
        </p>
      ) : null}
      {contracts.error ? (
        <p className="notice warn" role="status">
          {contracts.error.message}
        </p>
      ) : null}
      {demoAccounts.length > 0 ? (
        <>
          <h3 style={{ marginTop: "1rem" }}>Demo accounts on this chain</h3>
          <ul className="row" style={{ listStyle: "none", padding: 0 }}>
            {demoAccounts.map(([addr, name]) => (
              <li key={addr}>
                <Link className="button" href={accountHref(addr)}>
                  {name} <span className="mono muted">{shortAddress(addr)}</span>
                </Link>
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}
