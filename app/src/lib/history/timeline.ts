/** An account's events as timeline rows, newest first, described in words (pure; unit-tested). */
import type { Address } from "viem";
import { formatNmr, shortAddress } from "@/lib/format";
import { byChainOrder, type AccountEvent } from "@portfolio-stake/core/history";

export interface TimelineRow {
  key: string;
  kind: AccountEvent["kind"];
  title: string;
  /**
   * Signed change, in NMR wei, of what the account holds in the contract (balance + pending withdrawal): deposit +,
   * settlement or span of rounds settled together ± (paid from the pool − burned), owed rewards claimed +, withdrawal claimed −; null when nothing came
   * in or went out (a withdrawal request only moves NMR to pending; a refill the account funded goes to the pool).
   */
  amount: bigint | null;
  detail: string;
  /** The round open when it happened. */
  openRound: number;
  blockNumber: bigint;
  /** Block time (seconds) when the source knows it. */
  timestamp?: number;
  txHash: string;
}

export interface TimelineNames {
  /** A model by its registry slot. */
  model(slot: number): string;
  /** A model by its id (proposals have no slot yet); default: the short id. */
  modelById?(modelId: string): string;
  /** A known address's name (demo accounts, the manager), else undefined. */
  address?(address: Address): string | undefined;
}

const ZERO_ADDRESS = /^0x0{40}$/;

/** bps → "12.50%". */
export const bpsText = (bps: number) => `${(bps / 100).toFixed(2)}%`;

/** A signed percentage with 2 decimals; tiny non-zero values keep one significant digit instead of "-0.00%". */
export function signedPercent(fraction: number): string {
  const pct = fraction * 100;
  const text = pct !== 0 && Math.abs(pct) < 0.005 ? Math.abs(pct).toPrecision(1) : Math.abs(pct).toFixed(2);
  return `${pct > 0 ? "+" : pct < 0 ? "-" : ""}${text}%`;
}

/** Newest first. */
export function timeline(events: readonly AccountEvent[], names: TimelineNames, account?: Address): TimelineRow[] {
  return [...events]
    .sort(byChainOrder)
    .reverse()
    .map((e) => ({
      key: `${e.blockNumber}-${e.logIndex}`,
      kind: e.kind,
      openRound: e.openRound,
      blockNumber: e.blockNumber,
      timestamp: e.timestamp,
      txHash: e.txHash,
      ...describe(e, names, account),
    }));
}

const modelName = (modelId: string, names: TimelineNames) =>
  names.modelById?.(modelId) ?? `model ${modelId.slice(0, 10)}…`;

function who(address: Address, names: TimelineNames, account?: Address): string {
  if (account && address.toLowerCase() === account.toLowerCase()) return "the account";
  const name = names.address?.(address);
  return name ? `${name} (${shortAddress(address)})` : address;
}

function describe(
  e: AccountEvent,
  names: TimelineNames,
  account?: Address,
): { title: string; amount: bigint | null; detail: string } {
  switch (e.kind) {
    case "model-registered":
      return { title: "Model registered", amount: null, detail: `${names.model(e.slot)} in slot ${e.slot}` };
    case "model-proposed":
      return {
        title: "Model proposed",
        amount: null,
        detail: `the operator proposed ${modelName(e.modelId, names)}; it is bound once the account accepts it`,
      };
    case "model-proposal-cancelled":
      return {
        title: "Model proposal cancelled",
        amount: null,
        detail: `the proposal of ${modelName(e.modelId, names)} was withdrawn, declined or replaced`,
      };
    case "model-unbound":
      return {
        title: "Model unbound",
        amount: null,
        detail: `${modelName(e.modelId, names)} left slot ${e.slot} (by ${who(e.by, names, account)}); the slot is free`,
      };
    case "nonces-invalidated":
      return {
        title: "Signatures cancelled",
        amount: null,
        detail: `every signed request with a nonce up to ${e.nonce} can no longer be used`,
      };
    case "deposited":
      return {
        title: "Deposit",
        amount: e.amount,
        detail: `balance ${formatNmr(e.balance)} NMR, at risk from round ${e.effectiveRound}`,
      };
    case "allocation-set": {
      const parts = e.weights.map((w, slot) => (w > 0 ? `${names.model(slot)} ${bpsText(w)}` : null)).filter(Boolean);
      return {
        title: "Reallocation",
        amount: null,
        detail: `from round ${e.effectiveRound}: ${parts.join(", ")} (by ${who(e.by, names, account)})`,
      };
    }
    case "manager-set":
      return {
        title: "Manager set",
        amount: null,
        detail: ZERO_ADDRESS.test(e.manager) ? "manager removed" : `manager ${who(e.manager, names, account)}`,
      };
    case "withdrawal-requested":
      return {
        title: "Withdrawal requested",
        amount: null,
        detail: `${formatNmr(e.amount)} NMR from the balance to pending (pending ${formatNmr(e.pendingWithdrawal)}, balance ${formatNmr(e.balance)} NMR); at risk up to round ${e.lastAtRiskRound}, claimable from ${new Date(e.releaseAt * 1000).toISOString().slice(0, 16).replace("T", " ")} UTC`,
      };
    case "withdrawal-claimed":
      return { title: "Withdrawal claimed", amount: -e.amount, detail: "paid out to the account" };
    case "settled": {
      const rate = e.stakeAtRisk === 0n ? 0 : Number((e.delta * 10n ** 12n) / e.stakeAtRisk) / 1e12;
      const owed = e.unpaidRewards > 0n ? `, ${formatNmr(e.unpaidRewards)} NMR of rewards owed in all` : "";
      const what =
        e.stakeAtRisk === 0n
          ? "nothing at risk"
          : e.unprovable
            ? `settled as unprovable (counts as zero) on ${formatNmr(e.stakeAtRisk)} NMR at risk`
            : e.rates.every((r) => r === 0n)
              ? `no result (0% of ${formatNmr(e.stakeAtRisk)} NMR at risk)`
              : `${signedPercent(rate)} of ${formatNmr(e.stakeAtRisk)} NMR at risk`;
      // What the account holds changed by what the pool paid and what was burned; a gain the pool could not pay is
      // owed (not yet held): said in words.
      const unpaidGain =
        e.delta > 0n && e.paid < e.delta
          ? ` (the pool was short: ${formatNmr(e.delta - e.paid)} NMR of the gain owed)`
          : "";
      return {
        title: `Round ${e.round} settled`,
        amount: e.paid - e.burned,
        detail: `${what}${unpaidGain}, balance ${formatNmr(e.balance)} NMR${owed}`,
      };
    }
    case "span-settled": {
      const rounds = e.toRound - e.fromRound + 1;
      const signed = (wei: bigint) => `${wei < 0n ? "-" : "+"}${formatNmr(wei < 0n ? -wei : wei)}`;
      const owed = e.unpaidRewards > 0n ? `, ${formatNmr(e.unpaidRewards)} NMR of rewards owed in all` : "";
      const unpaidGain =
        e.delta > 0n && e.paid < e.delta
          ? ` (the pool was short: ${formatNmr(e.delta - e.paid)} NMR of the gain owed)`
          : "";
      return {
        title: `Rounds ${e.fromRound}–${e.toRound} settled together: ${signed(e.delta)} NMR`,
        amount: e.paid - e.burned,
        detail:
          `${rounds} rounds with the same stake and vector, ${formatNmr(e.stakeAtRisk)} NMR at risk in each, settled ` +
          `as one: their gains and losses net${unpaidGain}, balance ${formatNmr(e.balance)} NMR${owed}`,
      };
    }
    case "rewards-claimed":
      return {
        title: "Owed rewards claimed",
        amount: e.amount,
        detail: `${formatNmr(e.amount)} NMR that refills paid of the rewards owed, credited to the stake (balance ${formatNmr(e.balance)} NMR)${e.unpaidRewards > 0n ? `; ${formatNmr(e.unpaidRewards)} NMR still owed` : "; nothing more owed"}`,
      };
    case "rewards-funded": {
      const split =
        e.toOwed === 0n
          ? `all to the rewards pool (now ${formatNmr(e.pool)} NMR)`
          : `${formatNmr(e.toOwed)} NMR paid owed rewards (every owed account the same share), ${formatNmr(e.amount - e.toOwed)} NMR to the pool (now ${formatNmr(e.pool)} NMR)`;
      return {
        title: "Rewards funded",
        amount: null,
        detail: `${formatNmr(e.amount)} NMR added: ${split}; ${e.owedTotal > 0n ? `${formatNmr(e.owedTotal)} NMR still owed in all` : "nothing owed any more"} (owed factor ${e.owedFactor}, epoch ${e.owedEpoch})`,
      };
    }
  }
}
