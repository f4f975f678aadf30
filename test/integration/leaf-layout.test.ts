/**
 * The operator job groups each account's leaves (scripts/lib/leafLayout.ts) and the keeper settles from such files;
 * a round published sorted by hash (before the grouping) is still recognised. Against the in-process network.
 */
import { expect } from "chai";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { evenBps, stakedRounds } from "../helpers/fixtures";
import { TEST_PAYOUT_CONFIG } from "../helpers/payout";
import { publishRoundResults, type ResultRow } from "../../scripts/lib/operator";
import { runKeeper } from "../../scripts/lib/keeper";
import { roundDelta, treeFromFile, type RoundFile } from "@portfolio-stake/core/results";
import { ratesFromLeafFiles } from "../../scripts/lib/suggest";

const tmp = () => mkdtempSync(path.join(tmpdir(), "portfolio-stake-layout-"));
/** Unregistered tournament models, so the tree is bigger than the registered models. */
const tournament = Array.from({ length: 200 }, (_, j) => ethers.dataSlice(ethers.id(`tournament-${j}`), 0, 16));

/** Alice, bob and carol staked (4 models each, even vectors), one round opened and resolved. */
async function oneRoundFixture() {
  const {
    rounds: [round],
    ...fx
  } = await stakedRounds(1);
  const { models } = fx;
  const registered = [...models.carol, ...models.alice, ...models.bob];
  // Rows in an order unrelated to accounts: the tournament's models interleaved with the registered ones.
  const rows: ResultRow[] = [...tournament.slice(0, 100), ...registered, ...tournament.slice(100)].map((model, j) => ({
    line: `row ${j + 1}`,
    model,
    rate: (((j * 37) % 21) / 1000 - 0.01).toFixed(3),
  }));
  return { ...fx, round, rows };
}

describe("operator job: leaves grouped by account", function () {
  it("writes each account's models adjacent in slot order, a file anyone rebuilds (the suggestion job too), and the keeper settles from it exactly", async function () {
    const { op, stake, round, rows, models, alice, bob, carol, keeper } = await loadFixture(oneRoundFixture);
    const dir = tmp();
    const result = await publishRoundResults(op, round, rows, { config: TEST_PAYOUT_CONFIG, outDir: dir });
    const file = JSON.parse(readFileSync(result.file, "utf8")) as RoundFile;
    expect(file.leafOrder).to.equal("as-listed");
    expect(treeFromFile(file).root).to.equal((await stake.roundInfo(round)).root);
    const order = file.leaves.map((l) => l.modelId);
    const byAddress = [alice, bob, carol].sort((a, b) => (a.address.toLowerCase() < b.address.toLowerCase() ? -1 : 1));
    const names = new Map([
      [alice.address, models.alice],
      [bob.address, models.bob],
      [carol.address, models.carol],
    ]);
    const grouped = byAddress.flatMap((s) => names.get(s.address)!.map((m) => m.toLowerCase()));
    expect(order.slice(0, 12)).to.deep.equal(grouped);
    expect(order.slice(12)).to.deep.equal(tournament.map((m) => m.toLowerCase()).sort());

    // The suggestion job reads the same file (it rebuilt it sorted by hash before, and refused it).
    const read = await ratesFromLeafFiles(stake, dir);
    expect(read.missing).to.deep.equal([]);
    expect(read.rates.get(Number(round))?.size).to.be.greaterThan(0);

    const before = await Promise.all([alice, bob, carol].map((s) => stake.accountOf(s.address)));
    const report = await runKeeper(stake.connect(keeper), { roundsDir: dir });
    expect(report).to.include({ settledAccountRounds: 3, complete: true });
    for (const [k, s] of [alice, bob, carol].entries()) {
      const rates = names
        .get(s.address)!
        .map((m) => BigInt(file.leaves.find((l) => l.modelId === m.toLowerCase())!.rate));
      const delta = roundDelta(await stake.sliceAt(s.address, round), evenBps(4), rates);
      const after = await stake.accountOf(s.address);
      expect(after.nextSettleRound).to.equal(round + 1n);
      expect(after.balance - before[k]!.balance).to.equal(delta); // the pool covers every gain here
    }
  });

  it("recognises a round published sorted by hash (before the grouping): already published, its lost file restored as it was", async function () {
    const { op, stake, round, rows } = await loadFixture(oneRoundFixture);
    const dir = tmp();
    const sorted = await publishRoundResults(op, round, rows, {
      config: TEST_PAYOUT_CONFIG,
      outDir: dir,
      leafOrder: "by-hash",
    });
    const original = readFileSync(sorted.file, "utf8");
    expect((JSON.parse(original) as RoundFile).leafOrder).to.equal(undefined);
    rmSync(sorted.file);
    const again = await publishRoundResults(op, round, rows, { config: TEST_PAYOUT_CONFIG, outDir: dir });
    expect(again).to.include({ status: "already-published", fileRestored: true, root: sorted.root });
    expect(readFileSync(sorted.file, "utf8")).to.equal(original);
    expect(await op.queryFilter(op.filters.RoundPublished(round))).to.have.length(1);
    expect((await stake.roundInfo(round)).root).to.equal(sorted.root);
  });
});
