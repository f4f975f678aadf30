import type { Metadata } from "next";
import { getAddress, isAddress } from "viem";
import { AccountView } from "@/components/account/AccountView";
import { shortAddress } from "@/lib/format";

type Params = { params: Promise<{ address: string }> };

export async function generateMetadata({ params }: Params): Promise<Metadata> {
  const { address } = await params;
  return { title: isAddress(address) ? `Account ${shortAddress(address)}` : "Unknown address" };
}

export default async function AccountPage({ params }: Params) {
  const { address } = await params; // a valid address: layout.tsx shows the error otherwise
  return <AccountView address={getAddress(address)} />;
}
