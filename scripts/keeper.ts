/**
 * Keeper job: settle every account's settleable rounds in batches. Safe to run any time, any number of times, and
 * after a crash: it plans every batch from the chain's current state, so it never sends a round twice.
 *
 *   ROUNDS_DIR=rounds npx hardhat run scripts/keeper.ts --network localhost
 *
 * Environment (`hardhat run` passes no arguments):
 *   ROUNDS_DIR       leaf files written by the operator job, round-<n>.json (default: rounds). Each is checked
 *                    against the root on chain; a missing or mismatching file blocks that round (exit code 1).
 *   MAX_PER_TX       account-rounds per settleBatch, 1-256 (default 64)
 *   GAS_BUDGET       estimated gas per settleBatch; larger batches are split (default 12000000)
 *   MAX_BATCHES      stop after this many transactions (default: no limit)
 *   ACCOUNTS         comma-separated accounts to settle (default: every staker, from Deposited events)
 *   LOG_BLOCK_RANGE  blocks per eth_getLogs request (default 10000)
 *   ROUND_WINDOW     rounds settled at once in a backlog; their trees are held in memory, ~11 MB of RSS each at 14,300
 *                    leaves; each window costs every account one more settleBatch entry (~2% gas at 8) (default 8)
 *   RPC_RETRIES      retries of a read whose connection the node dropped, with backoff from 250 ms (default 5)
 *   SPANS            "0" settles every round on its own (settleBatch); default: runs of rounds over which an account's
 *                    stake and vector did not change settle as spans (settleSpans), at a cost that does not grow
 *                    with the run's length, and the rest round by round
 *   MIN_SPAN_ROUNDS  shortest run settled as a span (default 2)
 * A dropped connection is logged as what it is ("eth_call: connection closed by the node, retrying 2/5 in 500 ms");
 * a send whose answer was lost is not repeated blindly: the keeper re-reads the chain and plans what is left.
 * Exit code 1 when an account could not be settled or a round's leaf file is missing or refused.
 *
 * A published round the keeper cannot prove for an account (its leaf file is missing or does not rebuild the root,
 * or the tree has no leaf for a model the account weights) is reported on a line of its own:
 *   keeper: cannot prove round <r> for <account>: <why>; it settles as zero after <proof deadline, ISO> ...
 * and once that proof deadline has passed, settled as unprovable (counts as zero for the account):
 *   keeper: settled round <r> for <account> as unprovable (zero): past its proof deadline <ISO>; <why>
 */
import hre from "hardhat";
import { connect } from "./lib/connect";
import { runKeeper } from "./lib/keeper";

function positiveInteger(name: string): number | undefined {
  const text = process.env[name];
  if (text === undefined || text === "") return undefined;
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new Error(`${name} must be a positive integer, not "${text}"`);
  return Number(text);
}

function nonNegativeInteger(name: string): number | undefined {
  const text = process.env[name];
  if (text === undefined || text === "") return undefined;
  if (!/^\d+$/.test(text)) throw new Error(`${name} must be a whole number, not "${text}"`);
  return Number(text);
}

function spansOption(): boolean | undefined {
  const text = process.env.SPANS;
  if (text === undefined || text === "") return undefined;
  if (text !== "0" && text !== "1") throw new Error(`SPANS must be 0 or 1, not "${text}"`);
  return text === "1";
}

async function main() {
  const { stake, deployment } = await connect(hre, {
    retry: { retries: nonNegativeInteger("RPC_RETRIES"), log: (line) => console.log(`keeper: ${line}`) },
  });
  const gasBudget = positiveInteger("GAS_BUDGET");
  const report = await runKeeper(stake, {
    roundsDir: process.env.ROUNDS_DIR || "rounds",
    fromBlock: deployment.deployBlock,
    accounts: process.env.ACCOUNTS
      ? process.env.ACCOUNTS.split(",").map((a) => hre.ethers.getAddress(a.trim()))
      : undefined,
    maxPerTx: positiveInteger("MAX_PER_TX"),
    gasBudget: gasBudget === undefined ? undefined : BigInt(gasBudget),
    maxBatches: positiveInteger("MAX_BATCHES"),
    logBlockRange: positiveInteger("LOG_BLOCK_RANGE"),
    roundWindow: positiveInteger("ROUND_WINDOW"),
    spans: spansOption(),
    minSpanRounds: positiveInteger("MIN_SPAN_ROUNDS"),
    log: console.log,
  });
  if (report.failures.length || report.blocked.length) process.exitCode = 1;
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
