/**
 * The operator job with per-round score configurations (packages/core/src/payout.ts) on the in-process network: every bad
 * configuration is refused with a message naming its field and publishes nothing (no root, no leaf file); a good one
 * is recorded in the leaf file with each model's scores, from which anyone recomputes every rate and the root.
 */
import { expect } from "chai";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { publishRoundResults, readResultsFile } from "../../scripts/lib/operator";
import { payoutRate, type PayoutConfig } from "@portfolio-stake/core/payout";
import { treeFromFile, type RoundFile } from "@portfolio-stake/core/results";
import { RATE, deploySystem, openRound, withStakers } from "../helpers/fixtures";
import { TEST_PAYOUT_CONFIG } from "../helpers/payout";

const ON_CHAIN_CAP = RATE("0.05"); // deployed explicitly, so a clip above it is a clip the parser accepts (<= 1)

/** Two resolved rounds on a chain whose rounds cap rates at 5%; alice's four models are the ones with results. */
async function resolvedRoundsFixture() {
  const system = await withStakers(await deploySystem({ params: { rateCap: ON_CHAIN_CAP } }));
  const { stake, operator } = system;
  const rounds = [await openRound(stake, operator), await openRound(stake, operator)] as const;
  await time.increaseTo((await stake.roundInfo(rounds[1])).resolvesAt);
  const info = await stake.roundInfo(rounds[0]);
  // The round's own terms: a configuration the chain accepts (the fixtures' R, a clip within the cap).
  const accepted: PayoutConfig = { ...TEST_PAYOUT_CONFIG, sliceDivisor: Number(info.sliceDivisor) };
  return { ...system, op: stake.connect(operator), rounds, accepted };
}

function writeResults(header: string, lines: string[]): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "portfolio-stake-config-")), "results.csv");
  writeFileSync(file, [header, ...lines].join("\n") + "\n");
  return file;
}

/**
 * These tests publish files with rows for some registered models only, on purpose: the operator job's defaults refuse
 * that (a weighted model without a row, or more than 10% of registered models missing), tested on their own.
 */
const ZERO_FILL = { missingModels: "zero", maxMissingShare: 1 } as const;
describe("operator job: score configurations", function () {
  it("refuses every bad configuration, naming the field, and publishes nothing", async function () {
    const { op, rounds, models, accepted } = await loadFixture(resolvedRoundsFixture);
    const R = accepted.sliceDivisor;
    const scores = writeResults(
      "model,corr,mmc,corr20",
      models.alice.map((m, i) => `${m},0.0${i + 1},0.001,0.02`),
    );
    const cases: [string, unknown, RegExp][] = [
      [
        "unknown score",
        { ...accepted, scores: { CORR: "0.5", MMC2: "2" } },
        /scores.MMC2: "MMC2" is not a known score/,
      ],
      [
        "score column missing from the results file",
        { ...accepted, scores: { CORR20: "0.75", MMC20: "2.25" } },
        /the results file has no MMC20 column, which the score configuration needs \(scores.MMC20\)/,
      ],
      ["negative clip", { ...accepted, clip: "-0.05" }, /clip -0.05 must be above 0 and at most 1/],
      ["zero clip", { ...accepted, clip: "0" }, /clip 0 must be above 0 and at most 1/],
      [
        "clip above the round's on-chain rateCap",
        { ...accepted, clip: "0.06" },
        new RegExp(`clip 0.06 \\(6%\\) is above round ${rounds[0]}'s on-chain rateCap 5%`),
      ],
      [
        "R different from the round's on-chain sliceDivisor",
        { ...accepted, sliceDivisor: R + 1 },
        new RegExp(`sliceDivisor ${R + 1} is not round ${rounds[0]}'s on-chain sliceDivisor ${R}`),
      ],
      [
        "non-numeric multiplier",
        { ...accepted, scores: { CORR: "half", MMC: "2" } },
        /scores.CORR "half" is not a number/,
      ],
      [
        "missing field",
        { formula: "weighted-sum", scores: { CORR: "1" }, clip: "0.05", sliceDivisor: R },
        /payoutFactor is missing/,
      ],
    ];
    const dir = mkdtempSync(path.join(tmpdir(), "portfolio-stake-config-out-"));
    for (const [name, config, pattern] of cases) {
      let message = "";
      try {
        await publishRoundResults(op, rounds[0], readResultsFile(scores), {
          config: config as PayoutConfig,
          outDir: dir,
          ...ZERO_FILL,
        });
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message, name).to.match(pattern);
      expect(message, name).to.match(/nothing was published/);
    }
    expect((await op.roundInfo(rounds[0])).root).to.equal(ethers.ZeroHash);
    expect(existsSync(path.join(dir, `round-${rounds[0]}.json`))).to.equal(false);

    // The same results under the round's own terms are published: the refusals were the configurations' fault.
    const published = await publishRoundResults(op, rounds[0], readResultsFile(scores), {
      config: accepted,
      outDir: dir,
      ...ZERO_FILL,
    });
    expect(published.status).to.equal("published");
    expect((await op.roundInfo(rounds[0])).root).to.equal(published.root);
  });

  it("records the configuration and each model's scores: every rate and the root are recomputed from the leaf file alone", async function () {
    const { op, rounds, models, accepted } = await loadFixture(resolvedRoundsFixture);
    // Named 20-day scores with Numerai's 2026 multipliers, a payout factor and a clip at the on-chain cap.
    const config: PayoutConfig = {
      ...accepted,
      scores: { CORR20: "0.75", MMC20: "2.25" },
      payoutFactor: "0.5",
      clip: "0.05",
    };
    const scores = writeResults("model,mmc20,corr20,tc", [
      `${models.alice[0]},0.004,0.031,0.5`, // 0.5 x (0.75 x 0.031 + 2.25 x 0.004) = 1.6125%
      `${models.alice[1]},-0.01234567890123456789,0.0000000001,0`, // 23 decimals, truncated toward zero once
      `${models.alice[2]},NA,-0.02,0`, // NA counts as 0: -0.75%
      `${models.alice[3]},0.05,0.1,0`, // 9.375%, clipped at 5%
    ]);
    const dir = mkdtempSync(path.join(tmpdir(), "portfolio-stake-config-out-"));
    const result = await publishRoundResults(op, rounds[1], readResultsFile(scores), {
      config,
      outDir: dir,
      ...ZERO_FILL,
    });
    expect(result.clipped).to.deep.equal(["line 5"]);

    const file = JSON.parse(readFileSync(result.file, "utf8")) as RoundFile;
    expect(file.payout).to.deep.equal(config);
    expect(treeFromFile(file).root).to.equal((await op.roundInfo(rounds[1])).root);
    const byModel = new Map(file.leaves.map((l) => [l.modelId, l]));
    expect(byModel.get(models.alice[0])!.scores).to.deep.equal({ CORR20: "0.031", MMC20: "0.004" }); // tc not recorded
    expect(byModel.get(models.alice[2])!.scores).to.deep.equal({ CORR20: "-0.02", MMC20: null });
    expect(
      models.alice.map((m) => BigInt(byModel.get(m)!.rate)),
      "the rates, computed by hand",
    ).to.deep.equal([
      RATE("0.016125"),
      -13_888_888_726_388_888n, // 0.5 x (0.75 x 1e-10 - 2.25 x 0.01234567890123456789) = -0.01388888872638888887625
      RATE("-0.0075"),
      RATE("0.05"),
    ]);
    // Anyone can recompute every leaf from the file alone: scored leaves by the recorded configuration, the other
    // registered models (bob's, carol's) zero-filled without scores.
    let scored = 0;
    for (const leaf of file.leaves) {
      if (leaf.scores === undefined) {
        expect(leaf.rate, leaf.modelId).to.equal("0");
        continue;
      }
      scored++;
      expect(payoutRate(leaf.scores, file.payout!).rate.toString(), leaf.modelId).to.equal(leaf.rate);
    }
    expect(scored).to.equal(4);
    expect(file.leaves).to.have.length(12);
  });
});
