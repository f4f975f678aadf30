"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { isAddress } from "viem";
import { useConnection } from "wagmi";
import { accountHref } from "@/lib/format";
import { ConnectButton } from "./ConnectButton";
import { ThemeToggle } from "./ThemeToggle";

const SECTIONS = [
  { label: "Account", section: undefined },
  { label: "Performance", section: "performance" },
  { label: "History", section: "history" },
] as const;

/** The address the nav points at: the one in the URL, else the connected wallet's. */
function useNavAddress(pathname: string): string | undefined {
  const { address } = useConnection();
  const fromPath = pathname.match(/^\/account\/([^/]+)/)?.[1];
  if (fromPath && isAddress(fromPath)) return fromPath;
  return address;
}

export function Header() {
  const pathname = usePathname() ?? "/";
  const address = useNavAddress(pathname);
  return (
    <header className="site-header">
      <div className="container">
        <Link href="/" className="brand">
          Portfolio stake
        </Link>
        <nav className="nav" aria-label="Account sections">
          {SECTIONS.map(({ label, section }) => {
            if (!address) {
              return (
                <span key={label} aria-disabled="true" title="Enter an address or connect a wallet first">
                  {label}
                </span>
              );
            }
            const href = accountHref(address, section);
            const current = pathname.toLowerCase() === href.toLowerCase();
            return (
              <Link key={label} href={href} aria-current={current ? "page" : undefined}>
                {label}
              </Link>
            );
          })}
        </nav>
        <span className="spacer" />
        <ThemeToggle />
        <ConnectButton />
      </div>
    </header>
  );
}
