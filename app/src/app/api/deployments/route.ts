import { NextResponse } from "next/server";
import { CHAIN_ID } from "@/lib/chain";
import { lookupDeployment } from "@/lib/contracts/deploymentsFile";

// Read the file on every request: `npm start` redeploys while the app keeps running.
export const dynamic = "force-dynamic";

export function GET(request: Request) {
  const requested = new URL(request.url).searchParams.get("chainId");
  const chainId = requested === null ? CHAIN_ID : Number(requested);
  if (!Number.isSafeInteger(chainId) || chainId <= 0) {
    return NextResponse.json(
      { error: `chainId must be a positive integer, not "${String(requested)}"` },
      { status: 400 },
    );
  }
  const result = lookupDeployment(chainId);
  if (!result.ok) return NextResponse.json({ error: result.error }, { status: 404 });
  return NextResponse.json(result.deployment, { headers: { "cache-control": "no-store" } });
}
