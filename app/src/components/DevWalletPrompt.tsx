"use client";

import dynamic from "next/dynamic";
import { useSyncExternalStore } from "react";
import { currentDevWalletRequest, subscribeDevWalletPrompt } from "@/lib/devWallet/prompt";

const DevWalletDialog = dynamic(() => import("./DevWalletDialog"));

/** Mounts the development wallet's dialog (and loads its code) only once something waits for Confirm/Reject. */
export function DevWalletPrompt() {
  const request = useSyncExternalStore(subscribeDevWalletPrompt, currentDevWalletRequest, () => null);
  return request ? <DevWalletDialog /> : null;
}
