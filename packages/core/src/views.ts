/**
 * The contract's view and event shapes as TypeScript types, inferred from the generated ABI (so they follow the
 * contract; nobody writes them by hand): what `accountOf` returns, what a `Settled` log carries.
 */
import type { ContractEventArgsFromTopics, ContractFunctionReturnType } from "viem";
import type { portfolioStakeAbi } from "./abi/portfolioStakeAbi";

type StakeAbi = typeof portfolioStakeAbi;

/** IPortfolioStake.AccountView: `accountOf(account)`. */
export type AccountView = ContractFunctionReturnType<StakeAbi, "view", "accountOf">;

/** The `Settled` event's fields. */
export type SettledArgs = ContractEventArgsFromTopics<StakeAbi, "Settled">;
