/**
 * One or more transactions (e.g. approve then deposit) driven from "check" to "confirmed":
 *   checking  simulate against the chain first, so a revert is explained before the wallet even opens;
 *   wallet    waiting for the user to confirm in the wallet;
 *   pending   sent, waiting for the receipt;
 *   confirmed / failed / rejected.
 * On confirmation every query is refreshed. `retry()` resumes from the step that failed.
 */
"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useRef, useState } from "react";
import type { Address, Hash } from "viem";
import { useConfig, useConnection } from "wagmi";
import { waitForTransactionReceipt, writeContract } from "wagmi/actions";
import { appChain } from "@/lib/chain";
import { type DescribeContext, type DescribedError, describeError } from "@/lib/errors/describe";

export interface TxStep {
  label: string; // "Approve 100 NMR"
  /** Simulates the call for `account` and returns the request to send: simulateContract(getChainClient(), …). */
  prepare: (account: Address) => Promise<{ request: unknown }>;
  /** Skipped when it resolves true at the moment the step is reached (e.g. the allowance is already enough). */
  skip?: () => Promise<boolean>;
}

export type TxPhase = "idle" | "checking" | "wallet" | "pending" | "confirmed" | "failed" | "rejected";

export interface TxState {
  phase: TxPhase;
  stepIndex: number;
  steps: string[];
  hash?: Hash;
  blockNumber?: bigint;
  error?: DescribedError;
}

const IDLE: TxState = { phase: "idle", stepIndex: 0, steps: [] };

export function useTransactionFlow(context: DescribeContext = {}) {
  const config = useConfig();
  const queryClient = useQueryClient();
  const { address, chainId, status } = useConnection();
  const [state, setState] = useState<TxState>(IDLE);
  const stepsRef = useRef<TxStep[]>([]);
  const busy = state.phase === "checking" || state.phase === "wallet" || state.phase === "pending";

  const runFrom = useCallback(
    async (startIndex: number) => {
      const steps = stepsRef.current;
      const labels = steps.map((s) => s.label);
      if (status !== "connected" || !address) {
        setState({
          phase: "failed",
          stepIndex: startIndex,
          steps: labels,
          error: { kind: "other", message: "Connect a wallet first." },
        });
        return false;
      }
      if (chainId !== appChain.id) {
        setState({
          phase: "failed",
          stepIndex: startIndex,
          steps: labels,
          error: { kind: "other", message: `Your wallet is on chain ${chainId}: switch to ${appChain.name} first.` },
        });
        return false;
      }
      for (const [i, step] of steps.entries()) {
        if (i < startIndex) continue; // done in an earlier run (retry resumes at the failed step)
        let hash: Hash | undefined;
        try {
          setState({ phase: "checking", stepIndex: i, steps: labels });
          if (step.skip && (await step.skip())) continue;
          const { request } = await step.prepare(address);
          setState({ phase: "wallet", stepIndex: i, steps: labels });
          hash = await writeContract(config, request as never);
          setState({ phase: "pending", stepIndex: i, steps: labels, hash });
          const receipt = await waitForTransactionReceipt(config, { hash, chainId: appChain.id });
          await queryClient.invalidateQueries();
          if (receipt.status !== "success") {
            setState({
              phase: "failed",
              stepIndex: i,
              steps: labels,
              hash,
              blockNumber: receipt.blockNumber,
              error: { kind: "revert", message: "The transaction was included but reverted; nothing changed." },
            });
            return false;
          }
          setState({
            phase: i === steps.length - 1 ? "confirmed" : "checking",
            stepIndex: i,
            steps: labels,
            hash,
            blockNumber: receipt.blockNumber,
          });
        } catch (error) {
          const described = describeError(error, context);
          setState({
            phase: described.kind === "rejected" ? "rejected" : "failed",
            stepIndex: i,
            steps: labels,
            hash,
            error: described,
          });
          return false;
        }
      }
      setState((s) => ({ ...s, phase: "confirmed", stepIndex: steps.length - 1 }));
      return true;
    },
    [address, chainId, config, context, queryClient, status],
  );

  const run = useCallback(
    (steps: TxStep[]) => {
      stepsRef.current = steps;
      return runFrom(0);
    },
    [runFrom],
  );

  const retry = useCallback(() => runFrom(state.stepIndex), [runFrom, state.stepIndex]);
  const reset = useCallback(() => setState(IDLE), []);

  return { state, busy, run, retry, reset };
}

/** Why transactions cannot be sent right now (no wallet, wrong network), or null. */
export function useWriteBlocker(): string | null {
  const { status, chainId } = useConnection();
  if (status !== "connected") return "Connect a wallet to send transactions.";
  if (chainId !== appChain.id) return `Your wallet is on chain ${chainId}: switch to ${appChain.name} first.`;
  return null;
}
