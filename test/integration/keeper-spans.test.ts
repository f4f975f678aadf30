/**
 * The keeper's span path (settleSpans) against the per-round path (settleBatch) on the same state: a backlog of 24
 * daily rounds published by the operator job (Numerai's 2026 rules: R = 64, rates up to 100% of the slice) for five
 * accounts of 4 and 16 models, one of which deposits in the middle of the backlog (its stake changes) and one of
 * which changes its vector. The keeper settles it once round by round only (SPANS=0) and once with spans, from the
 * same snapshot; every account ends within the documented bound (n wei per weighted model per segment: each term is
 * truncated once per segment instead of once per round) of the per-round result.
 */
import { expect } from "chai";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ethers } from "hardhat";
import { loadFixture, takeSnapshot, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import {
  NMR,
  bindModels,
  deploySystem,
  evenBps,
  fundAndApprove,
  modelIds,
  openRound,
  signerAt,
  withStakers,
} from "../helpers/fixtures";
import { NUMERAI_2026_PARAMS } from "../helpers/payout";
import { PRESETS } from "@portfolio-stake/core/payout";
import { Prng } from "@portfolio-stake/core/prng";
import { publishRoundResults, type ResultRow } from "../../scripts/lib/operator";
import { accountRoundResult, treeFromFile, type RoundFile } from "@portfolio-stake/core/results";
import type { PortfolioStake } from "../../typechain-types";
import { runKeeper, type KeeperReport } from "../../scripts/lib/keeper";

const ROUNDS = 24;
const CONFIG = PRESETS["numerai-2026-atomic"]!; // rate = clip(5 CORR + 1 MMC, ±100%) of a 1/64 slice
const STAKE_CHANGE_AT = 10; // carol deposits while this round (index) is current: her stake changes from the next
const VECTOR_CHANGE_AT = 14; // erin reallocates while this round is current
// Bob sets his vector again, unchanged, while this round is current: a new vector the keeper cannot see in allocationAt
// (same weights), so a span across it is refused (SpanVectorChanged) and the keeper settles bob round by round there;
// his later real change makes lastAllocationRound point past it.
const SAME_VECTOR_AT = 6;
const BOB_CHANGE_AT = 18;

async function backlogFixture() {
  const system = await deploySystem({ params: NUMERAI_2026_PARAMS });
  const fx = await withStakers(system);
  const { stake, nmr, operator, alice, bob, carol } = fx;
  const op = stake.connect(operator);
  await op.fundRewards(NMR(1_000_000)); // the pool never runs short: per-round and span pay the same
  const dave = await signerAt(9);
  const erin = await signerAt(10);
  const models = { ...fx.models, dave: modelIds("dave", 16), erin: modelIds("erin", 16) };
  for (const s of [dave, erin]) await fundAndApprove(nmr, stake, s);
  await bindModels(stake, operator, dave, models.dave);
  await bindModels(stake, operator, erin, models.erin);
  const stakers: Record<keyof typeof models, HardhatEthersSigner> = { alice, bob, carol, dave, erin };
  const deposits = { alice: NMR(6_400), bob: NMR(640), carol: NMR(3_200), dave: NMR(64_000), erin: NMR(12_800) };
  const vectors: Record<keyof typeof models, number[]> = {
    alice: evenBps(4),
    bob: [7000, 3000, 0, 0],
    carol: [2500, 2500, 4000, 1000],
    dave: evenBps(16),
    erin: [...evenBps(8), ...Array<number>(8).fill(0)],
  };
  for (const name of Object.keys(stakers) as (keyof typeof models)[]) {
    await stake.connect(stakers[name]).deposit(deposits[name]);
    await stake.connect(stakers[name]).setAllocation(models[name], vectors[name]);
  }
  const all = Object.values(models).flat();
  const dir = mkdtempSync(path.join(tmpdir(), "portfolio-stake-spans-"));
  const prng = new Prng(20261201);
  const rounds: bigint[] = [];
  const score = () => ((prng.float() - 0.5) * 0.1).toFixed(6); // CORR and MMC in ±0.05: rates up to ±30%
  const publishResolved = async () => {
    const now = BigInt(await time.latest());
    for (const round of rounds) {
      const info = await stake.roundInfo(round);
      if (info.root !== ethers.ZeroHash || now < info.resolvesAt) continue;
      const rows: ResultRow[] = all.map((model, i) => ({
        line: `row ${i}`,
        model,
        scores: { CORR: score(), MMC: score() },
      }));
      await publishRoundResults(op, round, rows, { config: CONFIG, outDir: dir, unknownModels: "error" });
    }
  };
  for (let k = 0; k < ROUNDS; k++) {
    rounds.push(await openRound(stake, operator));
    if (k === STAKE_CHANGE_AT) await stake.connect(carol).deposit(NMR(1_600));
    if (k === VECTOR_CHANGE_AT) await stake.connect(erin).setAllocation(models.erin, evenBps(16));
    if (k === SAME_VECTOR_AT) await stake.connect(bob).setAllocation(models.bob, vectors.bob);
    if (k === BOB_CHANGE_AT) await stake.connect(bob).setAllocation(models.bob, [5000, 5000, 0, 0]);
    await publishResolved();
  }
  for (const round of rounds) {
    const { resolvesAt } = await stake.roundInfo(round);
    if (BigInt(await time.latest()) < resolvesAt) await time.increaseTo(resolvesAt);
    await publishResolved();
  }
  const accounts = Object.values(stakers).map((s) => s.address);
  return { ...fx, op, dir, rounds, accounts, stakers, models };
}

/**
 * `stake` whose first settleSpans is front-run: just before it is sent, another keeper settles `victim`'s next round
 * alone (settle), so the span entry planned for the victim is overtaken on chain.
 */
function frontRunFirstSpans(stake: PortfolioStake, victim: string, dir: string, other: PortfolioStake) {
  let done = false;
  const frontRun = async () => {
    const { nextSettleRound } = await stake.accountOf(victim);
    const models = [...(await stake.modelsOf(victim))];
    const file = JSON.parse(readFileSync(path.join(dir, `round-${nextSettleRound}.json`), "utf8")) as RoundFile;
    const results = [accountRoundResult(nextSettleRound, treeFromFile(file), models)];
    await (await other.settle({ account: victim, models, results })).wait();
  };
  return new Proxy(stake, {
    get(target, key) {
      const value = Reflect.get(target, key, target) as unknown;
      if (key !== "settleSpans") return value;
      const original = value as PortfolioStake["settleSpans"];
      const send = async (...args: Parameters<PortfolioStake["settleSpans"]>) => {
        if (!done) {
          done = true;
          await frontRun();
        }
        return original(...args);
      };
      const estimateGas = (...args: Parameters<PortfolioStake["settleSpans"]>) => original.estimateGas(...args);
      return Object.assign(send, { estimateGas });
    },
  });
}

/** Gas per account-round of a keeper run. */
const perAccountRound = (report: KeeperReport) =>
  report.transactions.reduce((g, t) => g + t.gasUsed, 0n) / BigInt(Math.max(1, report.settledAccountRounds));

describe("keeper: settleSpans for a backlog", function () {
  this.timeout(600_000);

  it("settles a 24-round backlog of 4- and 16-model accounts with spans, within n wei per weighted model per segment of the per-round result", async function () {
    const fx = await loadFixture(backlogFixture);
    const { stake, dir, accounts, rounds } = fx;
    const keeper = stake.connect(await signerAt(7));
    const log: string[] = [];
    const start = await takeSnapshot();

    // Per round only.
    const perRound = await runKeeper(keeper, { roundsDir: dir, accounts, spans: false, log: (l) => log.push(l) });
    expect(perRound.complete).to.equal(true);
    expect(perRound.spanAccountRounds).to.equal(0);
    const perRoundViews = await Promise.all(accounts.map((a) => stake.accountOf(a)));
    const perRoundTotals = await stake.totals();
    const perRoundBurned = perRoundViews.reduce((s, v) => s + v.totalBurned, 0n);
    const perRoundPaid = perRoundViews.reduce((s, v) => s + v.totalRewarded, 0n);
    for (const v of perRoundViews) expect(v.nextSettleRound).to.equal(rounds[rounds.length - 1]! + 1n);

    // With spans, from the same state; crashed after one transaction and resumed.
    await start.restore();
    const first = await runKeeper(keeper, { roundsDir: dir, accounts, maxBatches: 1, log: (l) => log.push(l) });
    expect(first.complete).to.equal(false);
    const alice = fx.stakers.alice.address;
    const other = stake.connect(await signerAt(8));
    const raced = frontRunFirstSpans(keeper, alice, dir, other);
    const aliceBefore = (await stake.accountOf(alice)).nextSettleRound;
    const spans = await runKeeper(raced, { roundsDir: dir, accounts, log: (l) => log.push(l) });
    expect(spans.complete, log.join("\n")).to.equal(true);
    const spanRounds = first.spanAccountRounds + spans.spanAccountRounds;
    expect(spanRounds, log.join("\n")).to.be.greaterThan(accounts.length * (ROUNDS - 4));
    // Alice was overtaken by the front-run (her span entry skipped, not reverted), then settled from there.
    const aliceSpans = await stake.queryFilter(stake.filters.SpanSettled(alice));
    expect(aliceSpans[0]?.args.fromRound).to.equal(aliceBefore + 1n);
    expect(spans.failures).to.deep.equal([]);
    // Bob's invisible vector (same weights, set again): his span across it was refused and he went round by round.
    expect(
      log.some(
        (l) => l.includes(`settleSpans refused for ${fx.stakers.bob.address}`) && l.includes("SpanVectorChanged"),
      ),
    ).to.equal(true);
    // Idempotent: nothing left.
    const again = await runKeeper(keeper, { roundsDir: dir, accounts });
    expect(again.transactions).to.deep.equal([]);

    for (const [i, account] of accounts.entries()) {
      const view = await stake.accountOf(account);
      const before = perRoundViews[i]!;
      expect(view.nextSettleRound).to.equal(before.nextSettleRound);
      // The bound: each segment truncates each weighted model's term once instead of once per round.
      let bound = 0n;
      for (const e of await stake.queryFilter(stake.filters.SpanSettled(account))) {
        const [, weights] = await stake.allocationAt(account, e.args.fromRound);
        const weighted = BigInt(weights.filter((w) => w !== 0n).length);
        bound += (BigInt(e.args.toRound) - BigInt(e.args.fromRound) + 1n) * weighted;
      }
      const gap = view.balance + view.unpaidRewards - (before.balance + before.unpaidRewards);
      expect(gap < 0n ? -gap : gap, `${account}: gap ${gap}, bound ${bound}`).to.be.at.most(bound);
      expect(view.unpaidRewards).to.equal(0n); // the pool was large
    }
    // Carol's stake changed in the middle: two segments (or more), split at the change.
    const carolSpans = await stake.queryFilter(stake.filters.SpanSettled(fx.stakers.carol.address));
    const changeRound = rounds[STAKE_CHANGE_AT + 1]!;
    expect(carolSpans.some((e) => BigInt(e.args.fromRound) === changeRound)).to.equal(true);
    expect(carolSpans.every((e) => !(e.args.fromRound < changeRound && e.args.toRound >= changeRound))).to.equal(true);
    // Money is conserved either way (stakes + pool + burned = deposits + funding), but a span nets its rounds: the
    // pool pays and the token burns only the net, so the per-round path both paid and burned more.
    const views = await Promise.all(accounts.map((a) => stake.accountOf(a)));
    const spanBurned = views.reduce((s, v) => s + v.totalBurned, 0n);
    const spanPaid = views.reduce((s, v) => s + v.totalRewarded, 0n);
    const totals = await stake.totals();
    expect(totals.staked + totals.rewardsPool + spanBurned).to.equal(
      perRoundTotals.staked + perRoundTotals.rewardsPool + perRoundBurned,
    );
    expect(spanBurned).to.be.lessThan(perRoundBurned);
    expect(spanPaid).to.be.lessThan(perRoundPaid);
    console.log(
      `      burned ${ethers.formatEther(perRoundBurned)} NMR per round, ${ethers.formatEther(spanBurned)} with spans; ` +
        `paid ${ethers.formatEther(perRoundPaid)} / ${ethers.formatEther(spanPaid)}`,
    );

    const spanTxs = [...first.transactions, ...spans.transactions];
    const spanGas = spanTxs.reduce((g, t) => g + t.gasUsed, 0n);
    const settled = first.settledAccountRounds + spans.settledAccountRounds;
    console.log(
      `      per round: ${perRound.settledAccountRounds} account-rounds in ${perRound.transactions.length} tx, ` +
        `${perAccountRound(perRound)} gas per account-round\n` +
        `      spans:     ${settled} account-rounds (${spanRounds} by span in ${first.spanSegments + spans.spanSegments} segments) ` +
        `in ${spanTxs.length} tx, ${spanGas / BigInt(settled)} gas per account-round`,
    );
    expect(spanGas).to.be.lessThan(perRound.transactions.reduce((g, t) => g + t.gasUsed, 0n));
  });
});
