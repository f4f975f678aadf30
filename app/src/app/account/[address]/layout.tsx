import type { ReactNode } from "react";
import { isAddress } from "viem";

/** Every account page (overview, performance, history) checks its address here once; pages may assume it valid. */
export default async function AccountLayout({
  children,
  params,
}: {
  children: ReactNode;
  params: Promise<{ address: string }>;
}) {
  const { address } = await params;
  if (!isAddress(address, { strict: false })) {
    return (
      <p className="notice error" role="alert">
        “{decodeURIComponent(address)}” is not an Ethereum address: expected 0x followed by 40 hexadecimal characters.
      </p>
    );
  }
  return children;
}
