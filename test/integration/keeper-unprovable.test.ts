/**
 * The keeper on published rounds it cannot prove for an account (a tree without a leaf for a weighted model, or a
 * missing leaf file): before the round's proof deadline it reports each account and round with the date after which
 * it settles as zero; after it, it settles them as unprovable (Settled.unprovable) and says so.
 */
import { expect } from "chai";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { RATE, stakedRounds } from "../helpers/fixtures";
import { publishRoundResults } from "../../scripts/lib/operator";
import { TEST_PAYOUT_CONFIG } from "../helpers/payout";
import { parseResultsCsv } from "@portfolio-stake/core/resultsFile";
import { runKeeper } from "../../scripts/lib/keeper";
import { buildRoundTree, roundFile, withCumulatives } from "@portfolio-stake/core/results";

const tmp = () => mkdtempSync(path.join(tmpdir(), "portfolio-stake-unprovable-"));
const iso = (seconds: bigint) => new Date(Number(seconds) * 1000).toISOString();

/** Alice and bob staked with even vectors, two rounds opened and resolved. */
async function twoRoundsFixture() {
  const fx = await stakedRounds(2, ["alice", "bob"]);
  const { models } = fx;
  return { ...fx, all: [...models.alice, ...models.bob] };
}

describe("keeper: rounds it cannot prove", function () {
  it("reports a tree without an account's weighted model per account and round with its proof deadline, then settles it as unprovable", async function () {
    const { op, stake, rounds, all, models, alice, bob, keeper } = await loadFixture(twoRoundsFixture);
    const dir = tmp();
    try {
      const rows = parseResultsCsv(["model,rate", ...all.map((m) => `${m},0.01`)].join("\n") + "\n");
      // carol's registered models have no row and no stake here: not what this test is about
      await publishRoundResults(op, rounds[0], rows, { config: TEST_PAYOUT_CONFIG, outDir: dir, maxMissingShare: 1 });
      const incomplete = buildRoundTree(
        rounds[1],
        withCumulatives(
          all.filter((m) => m !== models.alice[0]).map((modelId) => ({ modelId, rate: RATE("0.01") })),
          undefined,
          RATE("0.05"),
        ),
      );
      writeFileSync(path.join(dir, `round-${rounds[1]}.json`), JSON.stringify(roundFile(rounds[1], incomplete)));
      await op.publishRound(rounds[1], incomplete.root, "file://incomplete");
      const { proofDeadline } = await stake.roundInfo(rounds[1]);

      const lines: string[] = [];
      const early = await runKeeper(stake.connect(keeper), { roundsDir: dir, log: (l) => lines.push(l) });
      expect(early.cannotProve.map((u) => [u.account, u.round, u.proofDeadline])).to.deep.equal([
        [alice.address, rounds[1], proofDeadline],
      ]);
      expect(early.cannotProve[0]!.reason).to.contain(`no leaf for model ${models.alice[0]}`);
      const line = lines.find((l) => l.startsWith(`keeper: cannot prove round ${rounds[1]} for ${alice.address}`));
      expect(line, lines.join("\n")).to.contain(`it settles as zero after ${iso(proofDeadline)}`);
      expect(early.settledUnprovable).to.deep.equal([]);
      expect((await stake.accountOf(alice.address)).nextSettleRound).to.equal(rounds[1]);
      expect((await stake.accountOf(bob.address)).nextSettleRound).to.equal(rounds[1] + 1n);

      await time.increaseTo(proofDeadline + 1n);
      const lateLines: string[] = [];
      const late = await runKeeper(stake.connect(keeper), { roundsDir: dir, log: (l) => lateLines.push(l) });
      expect(late.failures).to.deep.equal([]);
      expect(late.settledUnprovable.map((u) => [u.account, u.round])).to.deep.equal([[alice.address, rounds[1]]]);
      expect(lateLines.join("\n")).to.contain(`keeper: settled round ${rounds[1]} for ${alice.address} as unprovable`);
      const [settled] = await stake.queryFilter(stake.filters.Settled(alice.address, rounds[1]));
      expect(settled!.args.unprovable).to.equal(true);
      expect(settled!.args.delta).to.equal(0n);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("reports every account of a round whose leaf file is missing, each with the round's proof deadline", async function () {
    const { op, stake, rounds, all, alice, bob, keeper } = await loadFixture(twoRoundsFixture);
    const dir = tmp();
    try {
      const rows = parseResultsCsv(["model,rate", ...all.map((m) => `${m},0.01`)].join("\n") + "\n");
      // carol's registered models have no row and no stake here: not what this test is about
      await publishRoundResults(op, rounds[0], rows, { config: TEST_PAYOUT_CONFIG, outDir: dir, maxMissingShare: 1 });
      const tree = buildRoundTree(
        rounds[1],
        withCumulatives(
          all.map((modelId) => ({ modelId, rate: RATE("0.01") })),
          undefined,
          RATE("0.05"),
        ),
      );
      await op.publishRound(rounds[1], tree.root, "file://lost"); // its leaf file never written
      const { proofDeadline } = await stake.roundInfo(rounds[1]);
      const lines: string[] = [];
      const report = await runKeeper(stake.connect(keeper), { roundsDir: dir, log: (l) => lines.push(l) });
      expect(report.cannotProve.map((u) => u.account)).to.have.members([alice.address, bob.address]);
      for (const who of [alice.address, bob.address]) {
        const line = lines.find((l) => l.startsWith(`keeper: cannot prove round ${rounds[1]} for ${who}`));
        expect(line, lines.join("\n")).to.contain(`it settles as zero after ${iso(proofDeadline)}`);
      }
      await time.increaseTo(proofDeadline + 1n);
      const late = await runKeeper(stake.connect(keeper), { roundsDir: dir });
      expect(late.settledUnprovable.map((u) => u.account)).to.have.members([alice.address, bob.address]);
      expect(late.blocked).to.deep.equal([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
