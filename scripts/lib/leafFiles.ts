/**
 * What each round means for settlement right now, with the published rounds' trees loaded from the operator's leaf
 * files. A leaf file is trusted only if it rebuilds exactly the root on chain.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { PortfolioStake } from "../../typechain-types";
import { ZERO_ROOT } from "./chain";
import { treeFromFile, type RoundFile, type RoundTree } from "./results";

export type RoundStatus =
  | { kind: "published"; tree: RoundTree; proofDeadline: bigint }
  | { kind: "expired" } // unpublished past its deadline: settles as zero
  | { kind: "unprovable"; reason: string } // published, no usable leaf file, past its proof deadline: settles as zero
  | { kind: "waiting"; reason: string } // not settleable yet; normal
  | { kind: "blocked"; reason: string; proofDeadline: bigint }; // published, leaf file missing or wrong, proof deadline ahead: needs a person

/** The leaf file of `round`, checked against the root on chain. Throws a plain-language reason otherwise. */
export function loadLeafFile(dir: string, round: bigint, onChainRoot: string): RoundTree {
  const file = path.join(dir, `round-${round}.json`);
  if (!existsSync(file)) throw new Error(`round ${round} is published but its leaf file ${file} is missing`);
  let content: RoundFile;
  try {
    content = JSON.parse(readFileSync(file, "utf8")) as RoundFile;
  } catch (e) {
    throw new Error(`${file} is not valid JSON (${(e as Error).message}): refusing it`, { cause: e });
  }
  if (BigInt(content.round ?? -1) !== round)
    throw new Error(`${file} is for round ${content.round}, not ${round}: refusing it`);
  let tree: RoundTree;
  try {
    tree = treeFromFile(content);
  } catch (e) {
    throw new Error(`${file} is inconsistent (${(e as Error).message}): refusing it`, { cause: e });
  }
  if (tree.root !== onChainRoot) {
    throw new Error(
      `${file} builds root ${tree.root}, but round ${round}'s root on chain is ${onChainRoot}: refusing it`,
    );
  }
  return tree;
}

/**
 * Round statuses, cached while they cannot change: a published root is final, and so is an expired round. Waiting
 * rounds are asked again after `forgetWaiting` (each keeper batch), since they may be published in the meantime.
 */
export class RoundBook {
  private readonly known = new Map<bigint, RoundStatus>();

  constructor(
    private readonly stake: PortfolioStake,
    private readonly dir: string,
  ) {}

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
      try {
        return { kind: "published", tree: loadLeafFile(this.dir, round, info.root), proofDeadline: info.proofDeadline };
      } catch (e) {
        const reason = (e as Error).message;
        // Past its proof deadline a published round nobody can prove counts as zero (RoundResult.unprovable).
        if (now > info.proofDeadline) return { kind: "unprovable", reason };
        const graceEnds = new Date(Number(info.proofDeadline) * 1000).toISOString();
        return {
          kind: "blocked",
          reason: `${reason} (it settles as zero after ${graceEnds} if nobody can prove it)`,
          proofDeadline: info.proofDeadline,
        };
      }
    }
    if (now > info.deadline) return { kind: "expired" };
    const deadline = new Date(Number(info.deadline) * 1000).toISOString();
    return { kind: "waiting", reason: `not published yet (settles as zero after ${deadline} if it never is)` };
  }
}
