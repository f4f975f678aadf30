/**
 * The development wallet's confirmation step, like a wallet extension's popup: every transaction or signature waits
 * for the user to press Confirm or Reject in <DevWalletPrompt/>. Rejecting throws the same EIP-1193 4001 error a real
 * wallet does, so the app's "rejected in wallet" path is exercised for real.
 */
import type { Address, Hex } from "viem";

export interface DevWalletRequest {
  id: number;
  kind: "transaction" | "signature";
  from: Address;
  to?: Address;
  data?: Hex;
  value?: bigint;
  message?: string;
}

type Listener = () => void;
let current: (DevWalletRequest & { resolve: (approved: boolean) => void }) | null = null;
let nextId = 1;
const listeners = new Set<Listener>();
const notify = () => listeners.forEach((l) => l());

export function subscribeDevWalletPrompt(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function currentDevWalletRequest(): DevWalletRequest | null {
  return current;
}

/** Resolves true when the user confirms; a newer request cancels (rejects) an older one still waiting. */
export function requestDevWalletApproval(request: Omit<DevWalletRequest, "id">): Promise<boolean> {
  current?.resolve(false);
  return new Promise((resolve) => {
    current = {
      ...request,
      id: nextId++,
      resolve: (approved) => {
        current = null;
        notify();
        resolve(approved);
      },
    };
    notify();
  });
}

export function answerDevWalletRequest(approved: boolean): void {
  current?.resolve(approved);
}
