/**
 * The rebalance journal (STATE_FILE): every transaction hash is written down the moment the node accepts it, before
 * waiting for it. A run that crashed between sending and mining leaves a "sent" entry; the next run waits for it
 * before reading the chain, so it never plans (and sends) a change that is already on its way.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import type { Provider, TransactionReceipt } from "ethers";

export type JournalStatus = "sent" | "mined" | "reverted" | "dropped";

export interface JournalEntry {
  hash: string;
  accounts: string[];
  status: JournalStatus;
  block?: number;
  gasUsed?: string;
}

export interface JournalData {
  chainId: string;
  contract: string;
  transactions: JournalEntry[];
}

export interface WaitOptions {
  pollMs?: number;
  /** Give up after this long (the hash stays "sent": a later run waits again). */
  timeoutMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The receipt of `hash` once mined, or null when the node does not know the transaction (dropped, or replaced by
 * another with the same nonce). Polls: works on every provider, including Hardhat's in-process one.
 */
export async function waitForReceipt(
  provider: Provider,
  hash: string,
  options: WaitOptions = {},
): Promise<TransactionReceipt | null> {
  const pollMs = options.pollMs ?? 1_000;
  const timeoutMs = options.timeoutMs ?? 10 * 60_000;
  const start = Date.now();
  for (;;) {
    const receipt = await provider.getTransactionReceipt(hash);
    if (receipt) return receipt;
    if (!(await provider.getTransaction(hash))) return null;
    if (Date.now() - start > timeoutMs) {
      throw new Error(
        `transaction ${hash} is still pending after ${Math.round(timeoutMs / 1000)} s; run again later to finish`,
      );
    }
    await sleep(pollMs);
  }
}

export class Journal {
  private constructor(
    private readonly file: string,
    private readonly data: JournalData,
  ) {}

  /** Opens (or starts) the journal for this chain and contract; refuses a journal written for another one. */
  static open(file: string, chainId: bigint, contract: string): Journal {
    const expected = { chainId: chainId.toString(), contract: contract.toLowerCase() };
    if (!existsSync(file)) return new Journal(file, { ...expected, transactions: [] });
    const data = JSON.parse(readFileSync(file, "utf8")) as JournalData;
    if (data.chainId !== expected.chainId || data.contract?.toLowerCase() !== expected.contract) {
      throw new Error(
        `STATE_FILE ${file} belongs to contract ${data.contract} on chain ${data.chainId}, not ${contract} on chain ${chainId}; use another file`,
      );
    }
    return new Journal(file, data);
  }

  get pending(): JournalEntry[] {
    return this.data.transactions.filter((t) => t.status === "sent");
  }

  get entries(): readonly JournalEntry[] {
    return this.data.transactions;
  }

  recordSent(hash: string, accounts: string[]): void {
    this.data.transactions.push({ hash, accounts, status: "sent" });
    this.save();
  }

  recordOutcome(hash: string, receipt: TransactionReceipt | null): void {
    const entry = this.data.transactions.find((t) => t.hash === hash);
    if (!entry) return;
    entry.status = receipt === null ? "dropped" : receipt.status === 1 ? "mined" : "reverted";
    if (receipt) {
      entry.block = receipt.blockNumber;
      entry.gasUsed = receipt.gasUsed.toString();
    }
    this.save();
  }

  /** Write-then-rename: a crash while saving leaves the previous journal, never half of one. */
  private save(): void {
    const temporary = `${this.file}.tmp`;
    writeFileSync(temporary, JSON.stringify(this.data, null, 2) + "\n");
    renameSync(temporary, this.file);
  }
}
