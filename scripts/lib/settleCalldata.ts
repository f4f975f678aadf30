/**
 * settleBatch calldata without a long synchronous block. A 64 account-round batch against 14,300-leaf trees is
 * ~115 kB of proofs, and ethers' ABI coder took 0.3-1 s of one synchronous block to encode it (profiled with the
 * keeper-backlog benchmark: the longest event-loop blocks of a keeper run, while the node's idle keep-alive sockets
 * were closing). Here each account's entry is encoded on its own, with a yield to the event loop in between, and the
 * entries are joined with the array's offsets: byte for byte what `interface.encodeFunctionData("settleBatch",
 * [batch])` returns (a test compares them). An entry's encoding is kept while the entry object is alive, so shrinking
 * a batch to the gas budget and then sending it encodes each account once.
 */
import { AbiCoder, getBytes, hexlify, toBeHex, type Interface } from "ethers";
import type { IPortfolioStake } from "../../typechain-types/contracts/PortfolioStake";

/** Entries encoded between two yields: a few milliseconds of work. */
export const ENTRIES_PER_CHUNK = 4;

const coder = AbiCoder.defaultAbiCoder();
const encoded = new WeakMap<object, Uint8Array>();
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Calldata of `settleBatch(batch)`, encoded ENTRIES_PER_CHUNK accounts at a time. */
export async function settleBatchCalldata(
  contract: Interface,
  batch: readonly IPortfolioStake.AccountResultsStruct[],
): Promise<string> {
  const fragment = contract.getFunction("settleBatch");
  const entryType = fragment?.inputs[0]?.arrayChildren;
  if (!fragment || !entryType) throw new Error("the contract's interface has no settleBatch(AccountResults[])");
  const entries: Uint8Array[] = [];
  for (const [i, entry] of batch.entries()) {
    let bytes = encoded.get(entry);
    if (!bytes) {
      // A dynamic tuple encodes as its offset (one word, 0x20) followed by its body: the body is the entry.
      bytes = getBytes(coder.encode([entryType], [entry])).subarray(32);
      encoded.set(entry, bytes);
      if (i % ENTRIES_PER_CHUNK === ENTRIES_PER_CHUNK - 1) await yieldToEventLoop();
    }
    entries.push(bytes);
  }
  const word = (n: number) => getBytes(toBeHex(n, 32));
  const offsets: Uint8Array[] = [];
  let offset = 32 * entries.length; // each entry's start, from the first offset word
  for (const bytes of entries) {
    offsets.push(word(offset));
    offset += bytes.length;
  }
  return hexlify(Buffer.concat([getBytes(fragment.selector), word(32), word(entries.length), ...offsets, ...entries]));
}
