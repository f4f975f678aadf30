/**
 * The keeper's round book (scripts/lib/leafFiles.ts): a refused leaf file is rebuilt once per run, not before every
 * batch, while still becoming unprovable once its proof deadline passes and read again when it is replaced. No chain:
 * the contract is a stub answering roundInfo. Run: `node --import tsx --test scripts/lib/leafFiles.test.ts`.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { PortfolioStake } from "../../typechain-types";
import { buildRoundTree, roundFile } from "@portfolio-stake/core/results";
import { RoundBook } from "./leafFiles";
import { roundTreeCounters } from "./roundTrees";

const ROUND = 12n;
const PROOF_DEADLINE = 1_000n;
const id = (n: number) => "0x" + n.toString(16).padStart(32, "0");
const tree = (rate: bigint) =>
  buildRoundTree(
    ROUND,
    Array.from({ length: 300 }, (_, i) => ({
      modelId: id(i + 1),
      rate: rate + BigInt(i),
      cumulative: rate + BigInt(i),
    })),
  );

/** A contract stub whose round ROUND is published with `root`. */
const stakeWithRoot = (root: string) =>
  ({
    roundInfo: async () => ({ openedAt: 1n, root, deadline: 500n, proofDeadline: PROOF_DEADLINE }),
  }) as unknown as PortfolioStake;

describe("round book", function () {
  it("keeps a refused leaf file refused for the run: built once across batches, unprovable after its deadline", async function () {
    const dir = mkdtempSync(path.join(tmpdir(), "portfolio-stake-book-"));
    const published = tree(10n ** 15n);
    // Self-consistent, but not what was published: the book must build it to know.
    const file = path.join(dir, `round-${ROUND}.json`);
    writeFileSync(file, JSON.stringify(roundFile(ROUND, tree(2n * 10n ** 15n))));
    const book = new RoundBook(stakeWithRoot(published.root), dir);

    const before = roundTreeCounters.builds;
    for (let batch = 0; batch < 5; batch++) {
      book.forgetWaiting(); // what the keeper does before every batch
      const status = await book.status(ROUND, 100n);
      assert.equal(status.kind, "blocked");
      assert.match((status as { reason: string }).reason, /builds root 0x[0-9a-f]{64}, but round 12's root on chain/);
    }
    assert.equal(roundTreeCounters.builds - before, 1, "a refused file is built once per run");

    book.forgetWaiting();
    const late = await book.status(ROUND, PROOF_DEADLINE + 1n);
    assert.equal(late.kind, "unprovable", "past its proof deadline it settles as zero, without building it again");
    assert.equal(roundTreeCounters.builds - before, 1);

    // The operator replaces it with the right file before the deadline: read again (new modification time, size).
    const again = new RoundBook(stakeWithRoot(published.root), dir);
    assert.equal((await again.status(ROUND, 100n)).kind, "blocked");
    writeFileSync(file, JSON.stringify(roundFile(ROUND, published)) + "\n");
    utimesSync(file, new Date(), new Date(Date.now() + 5_000));
    again.forgetWaiting();
    assert.equal((await again.status(ROUND, 100n)).kind, "published");
    assert.equal(roundTreeCounters.builds - before, 3);
    assert.equal(again.treesLoaded, 1);
  });
});
