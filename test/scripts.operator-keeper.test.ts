/**
 * Operator and keeper jobs against the in-process network: results files → published rounds with leaf files, and
 * batched, idempotent, resumable settlement.
 */
import { expect } from "chai";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { DEFAULT_PARAMS, NMR, deployFixture, evenBps, openRound } from "./helpers/fixtures";
import { publishRoundResults, readResultsFile, ratesFromRows, toModelId } from "../scripts/lib/operator";
import { runKeeper } from "../scripts/lib/keeper";
import { roundDelta, treeFromFile, type RoundFile } from "../scripts/lib/results";

/** Awaits `promise` and checks it failed with a message matching `pattern`. */
async function expectFailure(promise: Promise<unknown>, pattern: RegExp) {
  let failure: unknown;
  try {
    await promise;
  } catch (error) {
    failure = error;
  }
  expect(failure, "expected a failure").to.be.instanceOf(Error);
  expect((failure as Error).message).to.match(pattern);
}

const tmp = () => mkdtempSync(path.join(tmpdir(), "portfolio-stake-"));

/** Alice, bob and carol staked with vectors, three rounds opened and resolved. */
async function threeRoundsFixture() {
  const fx = await deployFixture();
  const { stake, alice, bob, carol, operator, models } = fx;
  await stake.connect(operator).fundRewards(NMR(10_000));
  for (const [s, ids] of [
    [alice, models.alice],
    [bob, models.bob],
    [carol, models.carol],
  ] as const) {
    await stake.connect(s).deposit(NMR(1000));
    await stake.connect(s).setAllocation(ids, evenBps(4));
  }
  const rounds = [await openRound(stake, operator), await openRound(stake, operator), await openRound(stake, operator)];
  await time.increaseTo((await stake.roundInfo(rounds[2])).resolvesAt);
  return { ...fx, rounds };
}

function csvFor(models: string[], corr: string[], mmc: string[]) {
  return ["model,corr,mmc", ...models.map((m, i) => `${m},${corr[i]},${mmc[i]}`)].join("\n") + "\n";
}

describe("operator and keeper jobs", function () {
  it("reads CSV (with NA) and JSON results, and names every bad line before publishing anything", async function () {
    const dir = tmp();
    const csv = path.join(dir, "r.csv");
    writeFileSync(csv, 'model,corr,mmc\n"8c0a6f3e-1d2b-4c5d-9e8f-0a1b2c3d4e5f",0.02,NA\n');
    const rows = readResultsFile(csv);
    expect(rows).to.deep.equal([{ line: "line 2", model: "8c0a6f3e-1d2b-4c5d-9e8f-0a1b2c3d4e5f", corr: "0.02", mmc: null, rate: undefined }]);
    const { rates } = ratesFromRows(rows, { onChainCap: DEFAULT_PARAMS.rateCap });
    expect(rates).to.deep.equal([{ modelId: "0x8c0a6f3e1d2b4c5d9e8f0a1b2c3d4e5f", rate: NMR("0.01") }]);

    const json = path.join(dir, "r.json");
    writeFileSync(json, JSON.stringify({ results: [{ model: "0x" + "11".repeat(16), rate: "0.2" }] }));
    // A rate above the formula's cap is clipped to it (Numerai's rule), never above the on-chain cap.
    expect(ratesFromRows(readResultsFile(json), { onChainCap: DEFAULT_PARAMS.rateCap }).rates[0].rate).to.equal(DEFAULT_PARAMS.rateCap);

    const bad = path.join(dir, "bad.csv");
    writeFileSync(bad, "model,corr,mmc\nnot-a-uuid,0.1,0.1\n" + "0x" + "22".repeat(16) + ",abc,0\n" + "0x" + "22".repeat(16) + ",0,0\n");
    expect(() => ratesFromRows(readResultsFile(bad), { onChainCap: DEFAULT_PARAMS.rateCap }))
      .to.throw(/3 problem\(s\), nothing was published/)
      .and.to.match(/line 2: "not-a-uuid" is not a model UUID/)
      .and.to.match(/line 3: "abc" is not a number/)
      .and.to.match(/line 4: model .* already appears at line 3/);
    const loose = { formula: { corrWeight: "0.5", mmcWeight: "2", cap: "0.5" }, onChainCap: DEFAULT_PARAMS.rateCap };
    expect(() => ratesFromRows([{ line: "line 2", model: "0x" + "33".repeat(16), rate: "0.3" }], loose)).to.throw(/beyond the round's on-chain cap/);
    expect(() => readResultsFile(path.join(dir, "missing.csv"))).to.throw(/does not exist/);
  });

  it("publishes a round: leaf file first (it rebuilds the root), zero leaves for registered models without results, idempotent", async function () {
    const { stake: asAnyone, operator, rounds, models } = await loadFixture(threeRoundsFixture);
    const stake = asAnyone.connect(operator);
    const dir = tmp();
    const csv = path.join(dir, "r.csv");
    writeFileSync(csv, csvFor(models.alice, ["0.02", "-0.01", "0.03", "NA"], ["0.001", "0", "-0.002", "NA"]));
    const result = await publishRoundResults(stake, rounds[0], readResultsFile(csv), { outDir: dir });
    expect(result.status).to.equal("published");
    expect(result.zeroFilled).to.have.length(8); // bob's and carol's models
    const file = JSON.parse(readFileSync(result.file, "utf8")) as RoundFile;
    expect(treeFromFile(file).root).to.equal((await stake.roundInfo(rounds[0])).root);
    expect(file.leaves).to.have.length(12);
    expect(file.leaves.find((l) => l.modelId === models.alice[0])!.rate).to.equal(NMR("0.012").toString());

    const again = await publishRoundResults(stake, rounds[0], readResultsFile(csv), { outDir: dir });
    expect(again.status).to.equal("already-published");
    writeFileSync(csv, csvFor(models.alice, ["0.05", "-0.01", "0.03", "NA"], ["0.001", "0", "-0.002", "NA"]));
    await expectFailure(publishRoundResults(stake, rounds[0], readResultsFile(csv), { outDir: dir }), /already published with root/);
    await expectFailure(publishRoundResults(stake, rounds[2] + 1n, readResultsFile(csv), { outDir: dir }), /has not been opened/);
  });

  it("keeper: settles every account in batches, resumes after a crash, then has nothing left to do", async function () {
    const { stake: asAnyone, operator, rounds, models, alice, bob, carol } = await loadFixture(threeRoundsFixture);
    const stake = asAnyone.connect(operator);
    const dir = tmp();
    const all = [...models.alice, ...models.bob, ...models.carol];
    const corr = ["0.02", "0.03", "0.01"];
    for (const [k, round] of rounds.entries()) {
      const csv = path.join(dir, `in-${k}.csv`);
      writeFileSync(csv, ["model,rate", ...all.map((m, i) => `${m},${(i % 4 ? "" : "-") + corr[k]}`)].join("\n"));
      await publishRoundResults(stake, round, readResultsFile(csv), { outDir: dir });
    }
    const lines: string[] = [];
    // Crash after the first transaction: 2 account-rounds per transaction, stop after one.
    const first = await runKeeper(stake, { roundsDir: dir, maxPerTx: 2, maxBatches: 1, log: (l) => lines.push(l) });
    expect(first.transactions).to.have.length(1);
    expect(first.settledAccountRounds).to.equal(2);
    const rest = await runKeeper(stake, { roundsDir: dir, maxPerTx: 2, log: (l) => lines.push(l) });
    expect(rest.settledAccountRounds).to.equal(7);
    expect(rest.transactions).to.have.length(4);
    expect(lines.some((l) => /settled 2 account-round/.test(l))).to.equal(true);
    for (const s of [alice, bob, carol]) expect((await stake.accountOf(s.address)).nextSettleRound).to.equal(rounds[2] + 1n);
    // Exact: every round was opened before any settlement, so each put alice's 1,000 NMR at risk.
    let expected = NMR(1000);
    for (const [k] of rounds.entries()) {
      const rates = models.alice.map((_, i) => (i % 4 ? 1n : -1n) * NMR(corr[k]));
      expected += roundDelta(NMR(1000), evenBps(4), rates);
    }
    expect(expected).to.equal(NMR(1000) + NMR(30)); // 3 rounds x 2 x 250 NMR x rate: 10 + 15 + 5
    expect((await stake.accountOf(alice.address)).balance).to.equal(expected);
    const idle = await runKeeper(stake, { roundsDir: dir });
    expect(idle.transactions).to.have.length(0);
  });

  it("keeper: refuses a leaf file that does not match the chain, and settles unpublished rounds past their deadline as zero", async function () {
    const { stake: asAnyone, operator, rounds, models, alice } = await loadFixture(threeRoundsFixture);
    const stake = asAnyone.connect(operator);
    const dir = tmp();
    const csv = path.join(dir, "r.csv");
    writeFileSync(csv, ["model,rate", ...models.alice.map((m) => `${m},0.01`)].join("\n"));
    const published = await publishRoundResults(stake, rounds[0], readResultsFile(csv), { outDir: dir });
    const file = JSON.parse(readFileSync(published.file, "utf8")) as RoundFile;
    file.leaves[0].rate = "1";
    writeFileSync(published.file, JSON.stringify(file));
    await expectFailure(runKeeper(stake, { roundsDir: dir }), /builds root .* refusing it|leaves rebuild root/);

    const { stake: s2, rounds: r2, alice: a2 } = await loadFixture(threeRoundsFixture);
    await time.increaseTo((await s2.roundInfo(r2[2])).deadline + 1n);
    const report = await runKeeper(s2, { roundsDir: tmp() });
    expect(report.settledAccountRounds).to.equal(9);
    expect((await s2.accountOf(a2.address)).balance).to.equal(NMR(1000));
    expect(toModelId(models.alice[0])).to.equal(models.alice[0]);
    expect(alice.address).to.equal(a2.address);
  });
});
