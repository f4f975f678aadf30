/**
 * The stake contract's writes as typed prepared calls: each returns a TxStep `prepare` (simulate for the sender,
 * then the request to send), so components say what to call with which values and never build a raw
 * simulateContract call themselves.
 */
import type { Address, Hex } from "viem";
import { simulateContract } from "viem/actions";
import { getChainClient } from "@/lib/chain";
import type { AppContracts } from "@/lib/contracts";
import type { TxStep } from "./useTransactionFlow";

type Prepare = TxStep["prepare"];

const stakeOf = (contracts: AppContracts) => ({ address: contracts.stake.address, abi: contracts.stake.abi }) as const;

/** The account's vector from the next round: setAllocation as the staker, setAllocationFor as its manager. */
export const prepareSetAllocation =
  (
    contracts: AppContracts,
    target: { account: Address; asManager: boolean; models: readonly Hex[]; weights: readonly number[] },
  ): Prepare =>
  (sender) =>
    target.asManager
      ? simulateContract(getChainClient(), {
          account: sender,
          ...stakeOf(contracts),
          functionName: "setAllocationFor",
          args: [target.account, [...target.models], [...target.weights]],
        })
      : simulateContract(getChainClient(), {
          account: sender,
          ...stakeOf(contracts),
          functionName: "setAllocation",
          args: [[...target.models], [...target.weights]],
        });

export const prepareDeposit =
  (contracts: AppContracts, amount: bigint): Prepare =>
  (sender) =>
    simulateContract(getChainClient(), {
      account: sender,
      ...stakeOf(contracts),
      functionName: "deposit",
      args: [amount],
    });

export const prepareRequestWithdrawal =
  (contracts: AppContracts, amount: bigint): Prepare =>
  (sender) =>
    simulateContract(getChainClient(), {
      account: sender,
      ...stakeOf(contracts),
      functionName: "requestWithdrawal",
      args: [amount],
    });

export const prepareClaimWithdrawal =
  (contracts: AppContracts): Prepare =>
  (sender) =>
    simulateContract(getChainClient(), { account: sender, ...stakeOf(contracts), functionName: "claimWithdrawal" });

export const prepareClaimRewards =
  (contracts: AppContracts, account: Address): Prepare =>
  (sender) =>
    simulateContract(getChainClient(), {
      account: sender,
      ...stakeOf(contracts),
      functionName: "claimRewards",
      args: [account],
    });

/** The staker's consent: binds models the operator proposed to it (acceptModels). */
export const prepareAcceptModels =
  (contracts: AppContracts, models: readonly Hex[]): Prepare =>
  (sender) =>
    simulateContract(getChainClient(), {
      account: sender,
      ...stakeOf(contracts),
      functionName: "acceptModels",
      args: [[...models]],
    });

/** Declines proposals made to the sender (cancelModelProposals: the account may cancel its own). */
export const prepareDeclineModels =
  (contracts: AppContracts, models: readonly Hex[]): Prepare =>
  (sender) =>
    simulateContract(getChainClient(), {
      account: sender,
      ...stakeOf(contracts),
      functionName: "cancelModelProposals",
      args: [[...models]],
    });
