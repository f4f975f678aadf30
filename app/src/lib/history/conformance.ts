/**
 * What every HistorySource's output must satisfy, whatever it reads from (chain logs, an indexer). Returns the
 * problems found, in words; an empty list means the history is well-formed. Used by the unit tests and the e2e test
 * against the demo chain, and meant for checking a second implementation.
 */
import { getAddress, isAddress } from "viem";
import { byChainOrder, type AccountHistory } from "@portfolio-stake/core/history";
import { TOTAL_BPS } from "@portfolio-stake/core/bps";

const isUint = (n: number) => Number.isSafeInteger(n) && n >= 0;

export function checkHistory(history: AccountHistory): string[] {
  const problems: string[] = [];
  const { events } = history;
  if (!isAddress(history.account) || getAddress(history.account) !== history.account)
    problems.push(`account ${history.account} is not a checksummed address`);
  let modelCount = 0; // registry indexes, freed ones included
  const freeSlots = new Set<number>();
  const modelIds = new Set<string>();
  let lastSettled: number | null = null;
  events.forEach((e, i) => {
    const at = `event ${i} (${e.kind} at block ${e.blockNumber}/${e.logIndex})`;
    const previous = events[i - 1];
    if (previous && byChainOrder(previous, e) >= 0)
      problems.push(`${at} is not after the previous one: events must be oldest first, without duplicates`);
    if (e.blockNumber > history.toBlock) problems.push(`${at} is after toBlock ${history.toBlock}`);
    if (!/^0x[0-9a-f]{64}$/i.test(e.txHash)) problems.push(`${at}: txHash ${e.txHash} is not a 32-byte hash`);
    if (!isUint(e.openRound)) problems.push(`${at}: openRound ${e.openRound} is not a round number`);
    if (previous && e.openRound < previous.openRound)
      problems.push(`${at}: openRound went back from ${previous.openRound} to ${e.openRound}`);
    switch (e.kind) {
      case "model-registered":
        if (e.slot !== modelCount && !freeSlots.has(e.slot))
          problems.push(`${at}: slot ${e.slot}, expected a freed slot or the next new one ${modelCount}`);
        if (!/^0x[0-9a-f]{32}$/.test(e.modelId))
          problems.push(`${at}: model id ${e.modelId} is not lower-case bytes16`);
        if (modelIds.has(e.modelId)) problems.push(`${at}: model ${e.modelId} registered twice`);
        modelIds.add(e.modelId);
        if (freeSlots.has(e.slot)) freeSlots.delete(e.slot);
        else modelCount++;
        break;
      case "model-unbound":
        if (!modelIds.has(e.modelId)) problems.push(`${at}: model ${e.modelId} unbound but not registered`);
        if (e.slot >= modelCount || freeSlots.has(e.slot)) problems.push(`${at}: slot ${e.slot} is not a bound slot`);
        modelIds.delete(e.modelId);
        freeSlots.add(e.slot);
        break;
      case "allocation-set": {
        const total = e.weights.reduce((a, b) => a + b, 0);
        if (total !== TOTAL_BPS) problems.push(`${at}: weights total ${total} bps, not ${TOTAL_BPS}`);
        if (e.weights.length > modelCount)
          problems.push(`${at}: ${e.weights.length} weights for ${modelCount} registered models`);
        if (e.effectiveRound <= e.openRound)
          problems.push(`${at}: effective round ${e.effectiveRound} is not after the open round ${e.openRound}`);
        break;
      }
      case "deposited":
      case "withdrawal-claimed":
        if (e.amount <= 0n) problems.push(`${at}: amount ${e.amount} is not positive`);
        break;
      case "withdrawal-requested":
        if (e.amount <= 0n || e.pendingWithdrawal < e.amount)
          problems.push(`${at}: amount ${e.amount} / pending ${e.pendingWithdrawal} inconsistent`);
        break;
      case "settled":
        if (lastSettled !== null && e.round !== lastSettled + 1)
          problems.push(`${at}: settled round ${e.round} after round ${lastSettled}: rounds settle one after another`);
        if (e.round >= e.openRound + 1)
          problems.push(`${at}: round ${e.round} settled while round ${e.openRound} was the newest open`);
        if (e.rates.length !== modelCount)
          problems.push(`${at}: ${e.rates.length} rates for ${modelCount} registered models`);
        if (e.paid < 0n || e.burned < 0n || e.balance < 0n || e.unpaidRewards < 0n)
          problems.push(`${at}: negative amount`);
        lastSettled = e.round;
        break;
      case "span-settled":
        if (lastSettled !== null && e.fromRound !== lastSettled + 1)
          problems.push(
            `${at}: rounds ${e.fromRound}-${e.toRound} settled after round ${lastSettled}: rounds settle one after another`,
          );
        if (e.toRound <= e.fromRound)
          problems.push(`${at}: span ${e.fromRound}-${e.toRound} is not two rounds or more`);
        if (e.toRound >= e.openRound + 1)
          problems.push(`${at}: round ${e.toRound} settled while round ${e.openRound} was the newest open`);
        if (e.rateSums.length !== modelCount)
          problems.push(`${at}: ${e.rateSums.length} rate sums for ${modelCount} registered models`);
        if (e.paid < 0n || e.burned < 0n || e.balance < 0n || e.unpaidRewards < 0n || e.stakeAtRisk <= 0n)
          problems.push(`${at}: negative amount or nothing at risk`);
        if (e.paid > 0n && e.burned > 0n) problems.push(`${at}: a span both paid and burned (it nets its rounds)`);
        lastSettled = e.toRound;
        break;
      case "rewards-claimed":
        if (e.amount <= 0n || e.unpaidRewards < 0n || e.balance < e.amount)
          problems.push(
            `${at}: claimed ${e.amount}, still owed ${e.unpaidRewards}, balance ${e.balance}: inconsistent`,
          );
        break;
      case "rewards-funded":
        if (e.amount <= 0n || e.toOwed < 0n || e.toOwed > e.amount || e.pool < e.amount - e.toOwed)
          problems.push(`${at}: refill ${e.amount} split ${e.toOwed} to owed rewards, pool ${e.pool}: inconsistent`);
        if (e.owedTotal > 0n && e.toOwed !== e.amount)
          problems.push(`${at}: rewards are still owed, yet part of the refill went to the pool (owed is paid first)`);
        break;
      case "manager-set":
        if (!isAddress(e.manager)) problems.push(`${at}: manager ${e.manager} is not an address`);
        break;
      case "model-proposed":
      case "model-proposal-cancelled":
        if (!/^0x[0-9a-f]{32}$/.test(e.modelId))
          problems.push(`${at}: model id ${e.modelId} is not lower-case bytes16`);
        break;
      case "nonces-invalidated":
        if (e.nonce < 0n) problems.push(`${at}: negative nonce ${e.nonce}`);
        break;
    }
  });
  return problems;
}
