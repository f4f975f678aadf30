import "@/components/charts/charts.css";
import type { Metadata } from "next";
import { getAddress, isAddress } from "viem";
import { HistoryView } from "@/components/history/HistoryView";
import { shortAddress } from "@/lib/format";

type Params = { params: Promise<{ address: string }> };

export async function generateMetadata({ params }: Params): Promise<Metadata> {
  const { address } = await params;
  return { title: isAddress(address) ? `History · ${shortAddress(address)}` : "Unknown address" };
}

export default async function HistoryPage({ params }: Params) {
  const { address } = await params; // a valid address: layout.tsx shows the error otherwise
  return (
    <>
      <h1>
        History <span className="muted mono small">{getAddress(address)}</span>
      </h1>
      <HistoryView address={getAddress(address)} />
    </>
  );
}
