import "@/components/charts/charts.css";
import type { Metadata } from "next";
import { getAddress, isAddress } from "viem";
import { PerformanceView } from "@/components/performance/PerformanceView";
import { shortAddress } from "@/lib/format";

type Params = { params: Promise<{ address: string }> };

export async function generateMetadata({ params }: Params): Promise<Metadata> {
  const { address } = await params;
  return { title: isAddress(address) ? `Performance · ${shortAddress(address)}` : "Unknown address" };
}

export default async function PerformancePage({ params }: Params) {
  const { address } = await params; // a valid address: layout.tsx shows the error otherwise
  return (
    <>
      <h1>
        Performance <span className="muted mono small">{getAddress(address)}</span>
      </h1>
      <PerformanceView address={getAddress(address)} />
    </>
  );
}
