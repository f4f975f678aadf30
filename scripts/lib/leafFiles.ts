/**
 * What each round means for settlement right now, with the published rounds' trees loaded from the operator's leaf
 * files. A leaf file is trusted only if it rebuilds exactly the root on chain.
 */
import { existsSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { PortfolioStake } from "../../typechain-types";
import { ZERO_ROOT } from "./chain";
import type { RoundFile } from "@portfolio-stake/core/results";
import { indexedTreeFromFile, type IndexedRoundTree } from "./roundTrees";

export type RoundStatus =
  | { kind: "published"; tree: IndexedRoundTree; proofDeadline: bigint }
  | { kind: "expired" } // unpublished past its deadline: settles as zero
  | { kind: "unprovable"; reason: string } // published, no usable leaf file, past its proof deadline: settles as zero
  | { kind: "waiting"; reason: string } // not settleable yet; normal
  | { kind: "blocked"; reason: string; proofDeadline: bigint }; // published, leaf file missing or wrong, proof deadline ahead: needs a person

/**
 * The leaf file of `round`, checked against the root on chain, as an indexed tree. The tree is rebuilt in chunks
 * that yield to the event loop (a 14,300-leaf file took a 2.2 s synchronous block before). Throws a plain-language
 * reason otherwise.
 */
export async function loadLeafFile(dir: string, round: bigint, onChainRoot: string): Promise<IndexedRoundTree> {
  const file = path.join(dir, `round-${round}.json`);
  if (!existsSync(file)) throw new Error(`round ${round} is published but its leaf file ${file} is missing`);
  let content: RoundFile;
  try {
    content = JSON.parse(await readFile(file, "utf8")) as RoundFile;
  } catch (e) {
    throw new Error(`${file} is not valid JSON (${(e as Error).message}): refusing it`, { cause: e });
  }
  if (BigInt(content.round ?? -1) !== round)
    throw new Error(`${file} is for round ${content.round}, not ${round}: refusing it`);
  let tree: IndexedRoundTree;
  try {
    tree = await indexedTreeFromFile(content);
  } catch (e) {
    throw new Error(`${file} is inconsistent (${(e as Error).message}): refusing it`, { cause: e });
  }
  if (tree.tree.root !== onChainRoot) {
    throw new Error(
      `${file} builds root ${tree.tree.root}, but round ${round}'s root on chain is ${onChainRoot}: refusing it`,
    );
  }
  return tree;
}

/** What identifies one version of a file cheaply: its modification time and size, or "missing". */
function fileStamp(file: string): string {
  try {
    const { mtimeMs, size } = statSync(file);
    return `${mtimeMs}:${size}`;
  } catch {
    return "missing";
  }
}

/**
 * Round statuses, cached while they cannot change: a published root is final, and so is an expired round. Waiting
 * and blocked rounds are asked again after `forgetWaiting` (each keeper batch), since they may be published (or pass
 * their proof deadline) in the meantime; a refused leaf file stays refused while it is unchanged, so a bad 14,300-leaf
 * file is rebuilt once per run, not before every batch.
 */
export class RoundBook {
  private readonly known = new Map<bigint, RoundStatus>();
  /** Round → why its leaf file was refused, and the file's stamp then (a replaced file is read again). */
  private readonly refused = new Map<bigint, { reason: string; stamp: string }>();
  /** Leaf files rebuilt and indexed so far (a round evicted and needed again counts twice). */
  treesLoaded = 0;

  constructor(
    private readonly stake: PortfolioStake,
    private readonly dir: string,
  ) {}

  /**
   * Drops every round before `round`: the keeper calls it once every account it still works on has settled past
   * them, so memory holds the trees of a window of rounds, not of the whole backlog (~11 MB of RSS per 14,300-leaf tree).
   */
  evictBefore(round: bigint) {
    for (const known of [...this.known.keys()]) if (known < round) this.known.delete(known);
  }

  /** Rounds whose tree is held in memory now. */
  heldTrees(): bigint[] {
    return [...this.known].filter(([, s]) => s.kind === "published").map(([round]) => round);
  }

  forgetWaiting() {
    for (const [round, status] of this.known) {
      // A blocked round becomes unprovable once its proof deadline passes (or its leaf file may appear).
      if (status.kind === "waiting" || status.kind === "blocked") this.known.delete(round);
    }
  }

  /** `now`: the latest block's time; the next block is later, so `now > deadline` is safe to rely on. */
  async status(round: bigint, now: bigint): Promise<RoundStatus> {
    const cached = this.known.get(round);
    if (cached) return cached;
    const status = await this.read(round, now);
    this.known.set(round, status);
    return status;
  }

  private async read(round: bigint, now: bigint): Promise<RoundStatus> {
    const info = await this.stake.roundInfo(round);
    if (info.openedAt === 0n) return { kind: "waiting", reason: "not opened yet" };
    if (info.root !== ZERO_ROOT) {
      // The stamp is taken before reading: a file replaced while it is read is read again next time.
      const stamp = fileStamp(path.join(this.dir, `round-${round}.json`));
      const earlier = this.refused.get(round);
      let reason = earlier?.stamp === stamp ? earlier.reason : undefined;
      if (reason === undefined) {
        try {
          const tree = await loadLeafFile(this.dir, round, info.root);
          this.treesLoaded++;
          this.refused.delete(round);
          return { kind: "published", tree, proofDeadline: info.proofDeadline };
        } catch (e) {
          reason = (e as Error).message;
          this.refused.set(round, { reason, stamp });
        }
      }
      // Past its proof deadline a published round nobody can prove counts as zero (RoundResult.unprovable).
      if (now > info.proofDeadline) return { kind: "unprovable", reason };
      const graceEnds = new Date(Number(info.proofDeadline) * 1000).toISOString();
      return {
        kind: "blocked",
        reason: `${reason} (it settles as zero after ${graceEnds} if nobody can prove it)`,
        proofDeadline: info.proofDeadline,
      };
    }
    if (now > info.deadline) return { kind: "expired" };
    const deadline = new Date(Number(info.deadline) * 1000).toISOString();
    return { kind: "waiting", reason: `not published yet (settles as zero after ${deadline} if it never is)` };
  }
}
