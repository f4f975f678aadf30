/**
 * Operator and keeper jobs against the in-process network: results files → validated rates → leaf file → published
 * root; and batched, gas-bounded, idempotent, resumable settlement from the leaf files. Parsing and validating the
 * results files alone (no chain) is tested in scripts/lib/operator.test.ts.
 */
import { expect } from "chai";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ethers, network } from "hardhat";
import type { Result, Signer } from "ethers";
import { loadFixture, takeSnapshot, time } from "@nomicfoundation/hardhat-network-helpers";
import type { PortfolioStake } from "../../typechain-types";
import { DEFAULT_PARAMS, NMR, RATE, deployFixture, evenBps, openRound, stakedRounds } from "../helpers/fixtures";
import { publishRoundResults, readResultsFile } from "../../scripts/lib/operator";
import { payoutRate } from "@portfolio-stake/core/payout";
import { TEST_PAYOUT_CONFIG } from "../helpers/payout";
import { parseResultsCsv } from "@portfolio-stake/core/resultsFile";
import { runKeeper } from "../../scripts/lib/keeper";
import {
  accountRoundResult,
  cumulativesOf,
  buildRoundTree,
  fileRates,
  fileTreeOptions,
  roundDelta,
  roundFile,
  roundTreeCounters,
  treeFromFile,
  type RoundFile,
  withCumulatives,
} from "@portfolio-stake/core/results";
import { retryingEthersProvider } from "../../scripts/lib/transport";
import { httpEip1193, startRpcProxy, writeEpipe } from "../helpers/rpcProxy";

/**
 * These tests publish files with rows for some registered models only, on purpose: the operator job's defaults refuse
 * that (a weighted model without a row, or more than 10% of registered models missing), tested on their own.
 */
const ZERO_FILL = { missingModels: "zero", maxMissingShare: 1 } as const;
const tmp = () => mkdtempSync(path.join(tmpdir(), "portfolio-stake-jobs-"));
const hexId = (byte: string) => "0x" + byte.repeat(16);

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

function csv(header: string, lines: string[]) {
  return [header, ...lines].join("\n") + "\n";
}

/** Alice, bob and carol staked with even vectors, three rounds opened, all resolved (none past its deadline). */
async function threeRoundsFixture() {
  const fx = await stakedRounds(3);
  const { models } = fx;
  return { ...fx, all: [...models.alice, ...models.bob, ...models.carol] };
}

// ───────────────────────────────────────────── A longer history ─────────────────────────────────────────────

const HISTORY_ROUNDS = 8;
const SKIPPED = 5; // this round index is never published: it expires and counts as zero

/** Deterministic scores in [-0.02, 0.02] (corr) and [-0.003, 0.003] (mmc), exact decimals. */
function scoreOf(k: number, i: number) {
  return { corr: (((k * 7 + i * 3) % 11) - 5) / 250, mmc: (((k * 5 + i * 2) % 7) - 3) / 1000 };
}

/**
 * Eight daily rounds with changing stakes and vectors, each published (from CSV or JSON, alternately) by the operator
 * job once resolved, except round index 5, left to expire. Nothing is settled. Returns what an independent check
 * needs: per round, the stake and vector each account opened it with, and the rates.
 */
async function historyFixture() {
  const fx = await deployFixture();
  const { stake, alice, bob, carol, operator, models } = fx;
  const op = stake.connect(operator);
  await op.fundRewards(NMR(100_000));
  const stakers = { alice, bob, carol };
  const deposits = { alice: NMR(1000), bob: NMR(2000), carol: NMR(500) };
  const vectors: Record<keyof typeof stakers, number[]> = {
    alice: evenBps(4),
    bob: [7000, 3000, 0, 0],
    carol: [2500, 2500, 2500, 2500],
  };
  for (const name of ["alice", "bob", "carol"] as const) {
    await stake.connect(stakers[name]).deposit(deposits[name]);
    await stake.connect(stakers[name]).setAllocation(models[name], vectors[name]);
  }
  const all = [...models.alice, ...models.bob, ...models.carol];
  const dir = tmp();
  const inputs = tmp();
  const rounds: bigint[] = [];
  const atRisk: { stake: Record<string, bigint>; bps: Record<string, number[]> }[] = [];
  const rates: Map<string, bigint>[] = [];
  const publishGas: bigint[] = [];

  const publishResolved = async () => {
    const now = BigInt(await time.latest());
    for (const [k, round] of rounds.entries()) {
      const info = await stake.roundInfo(round);
      if (k === SKIPPED || info.root !== ethers.ZeroHash || now < info.resolvesAt) continue;
      const scores = all.map((m, i) => ({ model: m, ...scoreOf(k, i) }));
      const file = path.join(inputs, `results-${round}.${k % 2 ? "json" : "csv"}`);
      if (k % 2) writeFileSync(file, JSON.stringify({ round: Number(round), results: scores }));
      else
        writeFileSync(
          file,
          csv(
            "model,corr,mmc",
            scores.map((s) => `${s.model},${s.corr},${s.mmc}`),
          ),
        );
      const published = await publishRoundResults(op, round, readResultsFile(file), {
        config: TEST_PAYOUT_CONFIG,
        outDir: dir,
        ...ZERO_FILL,
        unknownModels: "error",
      });
      publishGas.push(published.gasUsed!);
    }
  };

  for (let k = 0; k < HISTORY_ROUNDS; k++) {
    atRisk.push({ stake: { ...deposits }, bps: { ...vectors } });
    rounds.push(await openRound(stake, operator));
    rates.push(
      new Map(
        all.map((m, i) => [
          m,
          k === SKIPPED
            ? 0n
            : payoutRate({ CORR: String(scoreOf(k, i).corr), MMC: String(scoreOf(k, i).mmc) }, TEST_PAYOUT_CONFIG).rate,
        ]),
      ),
    );
    // Changes made while round k is current apply from round k + 1.
    if (k === 3) {
      vectors.alice = [4000, 3000, 2000, 1000];
      await stake.connect(alice).setAllocation(models.alice, vectors.alice);
    }
    if (k === 4) {
      deposits.bob += NMR(1000);
      await stake.connect(bob).deposit(NMR(1000));
    }
    await publishResolved();
  }
  // Publish each round as it resolves (a round resolving later than the first deadline is why this goes in steps).
  for (const round of rounds) {
    const { resolvesAt } = await stake.roundInfo(round);
    if (BigInt(await time.latest()) < resolvesAt) await time.increaseTo(resolvesAt);
    await publishResolved();
  }
  await time.increaseTo((await stake.roundInfo(rounds[SKIPPED]!)).deadline + 1n);
  const published = await Promise.all(rounds.map(async (r) => (await stake.roundInfo(r)).root !== ethers.ZeroHash));
  expect(published).to.deep.equal(rounds.map((_, k) => k !== SKIPPED));
  return { ...fx, op, dir, rounds, atRisk, rates, stakers, publishGas };
}

/**
 * Expected balance: deposits plus each round's delta on its slice (the stake it opened with / R, limited to the balance
 * earlier losses left; every round is settled after the last deposit) and the vector it opened with (pool never short).
 */
function expectedBalance(history: Awaited<ReturnType<typeof historyFixture>>, name: "alice" | "bob" | "carol") {
  let balance = history.atRisk[history.atRisk.length - 1]!.stake[name]!;
  history.rounds.forEach((_, k) => {
    const { stake, bps } = history.atRisk[k]!;
    const ratesBySlot = history.models[name].map((m) => history.rates[k]!.get(m)!);
    const slice = stake[name]! / DEFAULT_PARAMS.sliceDivisor;
    balance += roundDelta(slice < balance ? slice : balance, bps[name]!, ratesBySlot);
  });
  return balance;
}

/** `signer` with some of its methods replaced (the keeper estimates and sends settleBatch through its signer). */
function withSigner(signer: Signer, replaced: Partial<Pick<Signer, "estimateGas" | "sendTransaction">>): Signer {
  return new Proxy(signer, {
    get(target, key) {
      if (key === "estimateGas" && replaced.estimateGas) return replaced.estimateGas;
      if (key === "sendTransaction" && replaced.sendTransaction) return replaced.sendTransaction;
      const value = Reflect.get(target, key, target) as unknown;
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** Everything settlement changes, for comparing two runs. */
async function settlementState(stake: PortfolioStake, accounts: string[]) {
  // TypeChain types struct outputs as tuples; at run time they are ethers Results, which convert to plain objects.
  const plain = (value: unknown) => (value as Result).toObject();
  const views = await Promise.all(accounts.map((a) => stake.accountOf(a)));
  return { views: views.map(plain), totals: plain(await stake.totals()) };
}

// ─────────────────────────────────────────────────── Tests ───────────────────────────────────────────────────

describe("operator job: publishing", function () {
  it("publishes from CSV: writes the leaf file before sending, which rebuilds the on-chain root, zero leaves for the rest", async function () {
    const { op, rounds, models, all } = await loadFixture(threeRoundsFixture);
    const dir = tmp();
    const file = path.join(dir, "in.csv");
    writeFileSync(
      file,
      csv(
        "model,corr,mmc",
        models.alice.map((m, i) => `${m},0.0${i + 1},${i === 3 ? "NA" : "0.001"}`),
      ),
    );
    // Watch the moment publishRound is called: the leaf file must already be there.
    const leafPath = path.join(dir, `round-${rounds[0]}.json`);
    let fileExistedAtSend = false;
    const watched = new Proxy(op, {
      get(target, key) {
        if (key === "publishRound") fileExistedAtSend = existsSync(leafPath);
        return Reflect.get(target, key, target) as unknown;
      },
    });
    const result = await publishRoundResults(watched, rounds[0], readResultsFile(file), {
      config: TEST_PAYOUT_CONFIG,
      outDir: dir,
      ...ZERO_FILL,
      unknownModels: "error",
    });
    expect(fileExistedAtSend).to.equal(true);
    expect(result.status).to.equal("published");
    expect(result.txHash).to.match(/^0x[0-9a-f]{64}$/);
    expect(result.gasUsed).to.be.greaterThan(0n);
    expect(result.zeroFilled).to.have.members([...models.bob, ...models.carol]);

    const content = JSON.parse(readFileSync(leafPath, "utf8")) as RoundFile;
    const info = await op.roundInfo(rounds[0]);
    expect(content.root).to.equal(info.root);
    expect(treeFromFile(content).root).to.equal(info.root);
    expect(content.payout).to.deep.equal(TEST_PAYOUT_CONFIG);
    expect(content.leaves.map((l) => l.modelId)).to.have.members(all);
    // Each scored leaf carries the scores its rate came from (NA as null); zero-filled models carry none.
    expect(content.leaves.find((l) => l.modelId === models.alice[3])!.scores).to.deep.equal({
      CORR: "0.04",
      MMC: null,
    });
    expect(content.leaves.find((l) => l.modelId === models.bob[0])!.scores).to.equal(undefined);
    // 0.5 x 0.01 + 2 x 0.001 = 0.7%; the NA mmc counts as 0: 0.5 x 0.04 = 2%.
    expect(content.leaves.find((l) => l.modelId === models.alice[0])!.rate).to.equal(RATE("0.007").toString());
    expect(content.leaves.find((l) => l.modelId === models.alice[3])!.rate).to.equal(RATE("0.02").toString());
    const [event] = await op.queryFilter(op.filters.RoundPublished(rounds[0]));
    expect(event!.args.leavesURI)
      .to.equal(result.uri)
      .and.to.match(/^file:\/\/.*round-\d+\.json$/);
  });

  it("publishes from JSON with a custom score configuration and a public URI base; the file records it", async function () {
    const { op, rounds, models } = await loadFixture(threeRoundsFixture);
    const dir = tmp();
    const file = path.join(dir, "in.json");
    writeFileSync(
      file,
      JSON.stringify({
        round: Number(rounds[1]),
        results: models.bob.map((m) => ({ model: m, corr: "0.03", mmc: "-0.01" })),
      }),
    );
    const config = { ...TEST_PAYOUT_CONFIG, scores: { CORR: "1", MMC: "1" }, clip: "0.04" };
    const result = await publishRoundResults(op, rounds[1], readResultsFile(file), {
      config,
      outDir: dir,
      ...ZERO_FILL,
      uriBase: "https://example.org/rounds/",
    });
    expect(result.uri).to.equal(`https://example.org/rounds/round-${rounds[1]}.json`);
    const content = JSON.parse(readFileSync(result.file, "utf8")) as RoundFile;
    expect(content.payout).to.deep.equal(config);
    expect(content.leaves.find((l) => l.modelId === models.bob[0])!.rate).to.equal(RATE("0.02").toString());
    expect(treeFromFile(content).root).to.equal((await op.roundInfo(rounds[1])).root);
  });

  it("is idempotent: the same root again is success (and restores a lost leaf file); a different root is refused", async function () {
    const { op, rounds, models } = await loadFixture(threeRoundsFixture);
    const dir = tmp();
    const file = path.join(dir, "in.csv");
    writeFileSync(
      file,
      csv(
        "model,rate",
        models.alice.map((m) => `${m},0.01`),
      ),
    );
    const first = await publishRoundResults(op, rounds[0], readResultsFile(file), {
      config: TEST_PAYOUT_CONFIG,
      outDir: dir,
      ...ZERO_FILL,
    });
    rmSync(first.file);
    const again = await publishRoundResults(op, rounds[0], readResultsFile(file), {
      config: TEST_PAYOUT_CONFIG,
      outDir: dir,
      ...ZERO_FILL,
    });
    expect(again.status).to.equal("already-published");
    expect(again.fileRestored).to.equal(true);
    expect(
      (
        await publishRoundResults(op, rounds[0], readResultsFile(file), {
          config: TEST_PAYOUT_CONFIG,
          outDir: dir,
          ...ZERO_FILL,
        })
      ).fileRestored,
    ).to.equal(false);
    expect(again.txHash).to.equal(undefined);
    expect(again.root).to.equal(first.root);
    expect(treeFromFile(JSON.parse(readFileSync(first.file, "utf8")) as RoundFile).root).to.equal(first.root);
    expect(await op.queryFilter(op.filters.RoundPublished(rounds[0]))).to.have.length(1);

    writeFileSync(
      file,
      csv(
        "model,rate",
        models.alice.map((m) => `${m},0.02`),
      ),
    );
    await expectFailure(
      publishRoundResults(op, rounds[0], readResultsFile(file), {
        config: TEST_PAYOUT_CONFIG,
        outDir: dir,
        ...ZERO_FILL,
      }),
      new RegExp(`Round ${rounds[0]} is already published with root ${first.root}; these results build 0x[0-9a-f]{64}`),
    );
    // The refused attempt did not touch the good leaf file.
    expect(treeFromFile(JSON.parse(readFileSync(first.file, "utf8")) as RoundFile).root).to.equal(first.root);
  });

  it("refuses rounds not opened, not resolved or past their deadline, unknown models, and a signer without the role", async function () {
    const { op, stake, operator, rounds, models, outsider } = await loadFixture(threeRoundsFixture);
    const dir = tmp();
    const rows = parseResultsCsv(
      csv(
        "model,rate",
        models.alice.map((m) => `${m},0.01`),
      ),
    );
    await expectFailure(
      publishRoundResults(op, rounds[2] + 1n, rows, { config: TEST_PAYOUT_CONFIG, outDir: dir, ...ZERO_FILL }),
      new RegExp(`Round ${rounds[2] + 1n} has not been opened on chain \\(the current round is ${rounds[2]}\\)`),
    );
    const fresh = await openRound(stake, operator);
    await expectFailure(
      publishRoundResults(op, fresh, rows, { config: TEST_PAYOUT_CONFIG, outDir: dir, ...ZERO_FILL }),
      new RegExp(`Round ${fresh} resolves at \\d{4}-\\d\\d-\\d\\dT.*; publish it after that`),
    );
    expect(existsSync(path.join(dir, `round-${fresh}.json`))).to.equal(false);

    const typo = parseResultsCsv(csv("model,rate", [...models.alice.map((m) => `${m},0.01`), `${hexId("ab")},0.01`]));
    await expectFailure(
      publishRoundResults(op, rounds[0], typo, {
        config: TEST_PAYOUT_CONFIG,
        outDir: dir,
        ...ZERO_FILL,
        unknownModels: "error",
      }),
      /line 6: model 0xabab.* is not registered on chain/,
    );
    const skipped = await publishRoundResults(op, rounds[0], typo, {
      config: TEST_PAYOUT_CONFIG,
      outDir: dir,
      ...ZERO_FILL,
      unknownModels: "skip",
    });
    expect(skipped.unknown).to.deep.equal([hexId("ab")]);
    expect(skipped.leaves).to.equal(12);

    await expectFailure(
      publishRoundResults(stake.connect(outsider), rounds[1], rows, {
        config: TEST_PAYOUT_CONFIG,
        outDir: dir,
        ...ZERO_FILL,
      }),
      new RegExp(`${outsider.address} does not hold OPERATOR_ROLE`),
    );
    await time.increaseTo((await stake.roundInfo(rounds[1])).deadline + 1n);
    await expectFailure(
      publishRoundResults(op, rounds[1], rows, { config: TEST_PAYOUT_CONFIG, outDir: dir, ...ZERO_FILL }),
      new RegExp(`Round ${rounds[1]}'s publication deadline .* has passed; it counts as zero`),
    );
  });
});

describe("operator job: tree size is every staker's proof size", function () {
  it("settling one account-round against a 14,300-leaf tree costs more than against a 32-leaf tree (README figures)", async function () {
    const { stake, op, rounds, models, all, alice, keeper } = await loadFixture(threeRoundsFixture);
    const dir = tmp();
    const filler = (n: number) => Array.from({ length: n }, (_, i) => "0x" + (i + 1).toString(16).padStart(32, "0"));
    // `skip`: the registered models and a few others (32 leaves); `include`: the whole tournament file (14,300).
    const sizes = [32, 14_300, 32];
    for (const [k, leaves] of sizes.entries()) {
      const ids = [...all, ...filler(leaves - all.length)];
      const rows = parseResultsCsv(
        csv(
          "model,rate",
          ids.map((m, i) => `${m},0.0${i % 9}`),
        ),
      );
      const published = await publishRoundResults(op, rounds[k]!, rows, {
        config: TEST_PAYOUT_CONFIG,
        outDir: dir,
        unknownModels: "include",
      });
      expect(published.leaves).to.equal(leaves);
    }
    const gasAndProof: { gas: bigint; proof: number }[] = [];
    for (const round of rounds) {
      const tree = treeFromFile(JSON.parse(readFileSync(path.join(dir, `round-${round}.json`), "utf8")) as RoundFile);
      const result = accountRoundResult(round, tree, models.alice);
      const tx = await stake
        .connect(keeper)
        .settle({ account: alice.address, models: models.alice, results: [result] });
      gasAndProof.push({ gas: (await tx.wait())!.gasUsed, proof: result.proof.length });
    }
    const [, large, small] = gasAndProof as [unknown, { gas: bigint; proof: number }, { gas: bigint; proof: number }];
    console.log(
      `      settle 1 account-round, 4 weighted models: 32 leaves ${small.gas} gas (${small.proof} proof nodes), ` +
        `14,300 leaves ${large.gas} gas (${large.proof} proof nodes)`,
    );
    // log2(14,300) - log2(32) = ~9 more levels: the account's 4 adjacent leaves share one path (leafLayout.ts).
    expect(large.proof).to.be.greaterThan(small.proof + 7);
    expect(large.gas).to.be.greaterThan(small.gas);
  });
});

describe("operator job: files lacking registered models", function () {
  it("refuses by default a header-only file and one without a weighted model's row, publishing nothing", async function () {
    const { op, rounds, models } = await loadFixture(threeRoundsFixture);
    const dir = tmp();
    const headerOnly = parseResultsCsv(csv("model,corr,mmc", []));
    await expectFailure(
      publishRoundResults(op, rounds[0], headerOnly, { config: TEST_PAYOUT_CONFIG, outDir: dir }),
      /12 registered model\(s\) weighted in this round have no row: .* and 7 more[^]*12 of 12 registered models \(100%\) have no row, more than the 10% allowed/,
    );
    // Carol's four weighted models missing: 4 of 12 registered (33%).
    const withoutCarol = parseResultsCsv(
      csv(
        "model,rate",
        [...models.alice, ...models.bob].map((m) => `${m},0.01`),
      ),
    );
    await expectFailure(
      publishRoundResults(op, rounds[0], withoutCarol, { config: TEST_PAYOUT_CONFIG, outDir: dir, maxMissingShare: 1 }),
      new RegExp(`4 registered model\\(s\\) weighted in this round have no row: ${models.carol.join(", ")};`),
    );
    await expectFailure(
      publishRoundResults(op, rounds[0], withoutCarol, {
        config: TEST_PAYOUT_CONFIG,
        outDir: dir,
        missingModels: "zero",
      }),
      /4 of 12 registered models \(33.33%\) have no row, more than the 10% allowed/,
    );
    expect(existsSync(path.join(dir, `round-${rounds[0]}.json`))).to.equal(false);
    expect((await op.roundInfo(rounds[0])).root).to.equal(ethers.ZeroHash);

    const knowingly = await publishRoundResults(op, rounds[0], withoutCarol, {
      config: TEST_PAYOUT_CONFIG,
      outDir: dir,
      missingModels: "zero",
      maxMissingShare: 0.34,
    });
    expect(knowingly.status).to.equal("published");
    expect(knowingly.zeroFilledWeighted).to.have.members(models.carol);
    expect(knowingly).to.include({ rows: 8, registered: 12, leaves: 12 });
  });
});

describe("keeper job", function () {
  it("settles several accounts over many rounds in batches, exactly, then has nothing left to do", async function () {
    const history = await loadFixture(historyFixture);
    const { stake, dir, rounds, stakers, keeper } = history;
    const lines: string[] = [];
    const report = await runKeeper(stake.connect(keeper), { roundsDir: dir, maxPerTx: 7, log: (l) => lines.push(l) });
    expect(report.settledAccountRounds).to.equal(3 * HISTORY_ROUNDS);
    expect(report.transactions).to.have.length(Math.ceil((3 * HISTORY_ROUNDS) / 7));
    for (const tx of report.transactions) expect(tx.accountRounds).to.be.at.most(7);
    expect(report).to.include({ accounts: 3, upToDate: 3, complete: true });
    expect(report.failures).to.deep.equal([]);
    expect(
      lines.some((l) => /batch 1: 7 account-round\(s\) of \d account\(s\) in 0x[0-9a-f]{64}, gas \d+/.test(l)),
    ).to.equal(true);
    for (const name of ["alice", "bob", "carol"] as const) {
      const view = await stake.accountOf(stakers[name].address);
      expect(view.nextSettleRound, name).to.equal(rounds[HISTORY_ROUNDS - 1]! + 1n);
      expect(view.balance, name).to.equal(expectedBalance(history, name));
    }
    // The expired round settled as zero for everyone: no rates, no delta.
    const expired = await stake.queryFilter(stake.filters.Settled(undefined, rounds[SKIPPED]));
    expect(expired).to.have.length(3);
    for (const e of expired) {
      expect(e.args.delta).to.equal(0n);
      expect(e.args.rates.every((r) => r === 0n)).to.equal(true);
    }
    const again = await runKeeper(stake.connect(keeper), { roundsDir: dir });
    expect(again.transactions).to.have.length(0);
    expect(again.settledAccountRounds).to.equal(0);
    expect(again.upToDate).to.equal(3);
  });

  it("resumes after a crash: one batch, then a re-run, ends in the same state as one full run", async function () {
    const { stake, dir, stakers, keeper } = await loadFixture(historyFixture);
    const accounts = Object.values(stakers).map((s) => s.address);
    const asKeeper = stake.connect(keeper);
    await runKeeper(asKeeper, { roundsDir: dir, maxPerTx: 256, gasBudget: 10n ** 9n });
    const oneRun = await settlementState(stake, accounts);

    await loadFixture(historyFixture); // back to nothing settled
    const crashed = await runKeeper(asKeeper, { roundsDir: dir, maxPerTx: 4, maxBatches: 1 });
    expect(crashed.transactions).to.have.length(1);
    expect(crashed.settledAccountRounds).to.equal(4);
    expect(crashed.complete).to.equal(false);
    expect(await settlementState(stake, accounts)).to.not.deep.equal(oneRun);
    const resumed = await runKeeper(asKeeper, { roundsDir: dir, maxPerTx: 4 });
    expect(resumed.settledAccountRounds).to.equal(3 * HISTORY_ROUNDS - 4);
    expect(resumed.complete).to.equal(true);
    expect(await settlementState(stake, accounts)).to.deep.equal(oneRun);
  });

  it("keeps every transaction within the gas budget by splitting batches", async function () {
    // The per-round path (settleBatch): spans, which settle such a backlog in far fewer transactions, are tested in
    // keeper-spans.test.ts.
    const { stake, dir, stakers, keeper } = await loadFixture(historyFixture);
    const accounts = Object.values(stakers).map((s) => s.address);
    const unbounded = await runKeeper(stake.connect(keeper), {
      roundsDir: dir,
      spans: false,
      maxPerTx: 256,
      gasBudget: 10n ** 9n,
    });
    expect(unbounded.transactions).to.have.length(1);
    const oneRun = await settlementState(stake, accounts);
    const perAccountRound = unbounded.transactions[0]!.gasUsed / BigInt(3 * HISTORY_ROUNDS);

    await loadFixture(historyFixture);
    const gasBudget = perAccountRound * 5n; // room for a few account-rounds per transaction, not 30
    const bounded = await runKeeper(stake.connect(keeper), { roundsDir: dir, spans: false, maxPerTx: 256, gasBudget });
    expect(bounded.settledAccountRounds).to.equal(3 * HISTORY_ROUNDS);
    expect(bounded.transactions.length).to.be.greaterThan(3);
    for (const tx of bounded.transactions) expect(tx.gasUsed).to.be.at.most(gasBudget);
    expect(await settlementState(stake, accounts)).to.deep.equal(oneRun);
  });

  it("refuses a leaf file that does not rebuild the on-chain root (or is missing), settling only the rounds before it", async function () {
    // The per-round path: a span needs the trees of its boundary rounds only (keeper-spans.test.ts).
    const { stake, dir, rounds, stakers, keeper } = await loadFixture(historyFixture);
    const copy = tmp();
    cpSync(dir, copy, { recursive: true });
    const bad = path.join(copy, `round-${rounds[2]}.json`);
    const original = readFileSync(bad, "utf8");
    const tampered = JSON.parse(original) as RoundFile;
    tampered.leaves[0]!.rate = (BigInt(tampered.leaves[0]!.rate) + 1n).toString();
    writeFileSync(bad, JSON.stringify(tampered));
    const inconsistent = await runKeeper(stake.connect(keeper), { roundsDir: copy, spans: false });
    expect(inconsistent.blocked[0]!.reason).to.match(
      /round-\d+\.json is inconsistent \(.*leaves rebuild root .*\): refusing it/,
    );
    // Self-consistent (its root matches its leaves), but not what was published.
    tampered.root = buildRoundTree(tampered.round, fileRates(tampered), fileTreeOptions(tampered)).root;
    writeFileSync(bad, JSON.stringify(tampered));

    const report = await runKeeper(stake.connect(keeper), { roundsDir: copy, spans: false });
    expect(report.transactions).to.have.length(0); // the first run already settled the two rounds before it
    expect(report.blocked).to.have.length(1);
    expect(report.blocked[0]!.round).to.equal(rounds[2]);
    expect(report.blocked[0]!.reason).to.match(
      new RegExp(
        `round-${rounds[2]}.json builds root 0x[0-9a-f]{64}, but round ${rounds[2]}'s root on chain is 0x[0-9a-f]{64}: refusing it`,
      ),
    );
    expect(report.blocked[0]!.accounts).to.have.members(Object.values(stakers).map((s) => s.address));
    for (const s of Object.values(stakers))
      expect((await stake.accountOf(s.address)).nextSettleRound).to.equal(rounds[2]);

    rmSync(bad);
    const missing = await runKeeper(stake.connect(keeper), { roundsDir: copy, spans: false });
    expect(missing.transactions).to.have.length(0);
    expect(missing.blocked[0]!.reason).to.match(/is published but its leaf file .* is missing/);
    writeFileSync(bad, original);
    const fixed = await runKeeper(stake.connect(keeper), { roundsDir: copy, spans: false });
    expect(fixed.blocked).to.deep.equal([]);
    expect(fixed.settledAccountRounds).to.equal(3 * (HISTORY_ROUNDS - 2));
  });

  it("waits for a round not yet published, and settles it as zero once its deadline passed", async function () {
    const { op, stake, rounds, all, alice, keeper } = await loadFixture(threeRoundsFixture);
    const dir = tmp();
    for (const round of [rounds[0], rounds[2]]) {
      await publishRoundResults(
        op,
        round,
        parseResultsCsv(
          csv(
            "model,rate",
            all.map((m) => `${m},0.01`),
          ),
        ),
        { config: TEST_PAYOUT_CONFIG, outDir: dir, ...ZERO_FILL },
      );
    }
    const early = await runKeeper(stake.connect(keeper), { roundsDir: dir });
    expect(early.settledAccountRounds).to.equal(3); // round 0 only: round 1 is still publishable
    expect(early.waiting).to.have.length(1);
    expect(early.waiting[0]).to.include({ round: rounds[1] });
    expect(early.waiting[0]!.reason).to.match(/not published yet \(settles as zero after .* if it never is\)/);

    await time.increaseTo((await stake.roundInfo(rounds[1])).deadline + 1n);
    const late = await runKeeper(stake.connect(keeper), { roundsDir: dir });
    expect(late.settledAccountRounds).to.equal(6);
    const [zero] = await stake.queryFilter(stake.filters.Settled(alice.address, rounds[1]));
    expect(zero!.args.delta).to.equal(0n);
    expect(zero!.args.stakeAtRisk).to.equal(NMR(1000)); // opened before anything was settled
    // Two published rounds at +1% on 1,000 NMR, and a zero in between.
    expect((await stake.accountOf(alice.address)).balance).to.equal(NMR(1020));
  });

  it("a batch that would revert: the other accounts settle, the failing one settles up to its failing round and is reported", async function () {
    const { op, stake, rounds, all, models, alice, bob, carol, keeper } = await loadFixture(threeRoundsFixture);
    const dir = tmp();
    const rows = (ids: string[]) =>
      parseResultsCsv(
        csv(
          "model,rate",
          ids.map((m) => `${m},0.01`),
        ),
      );
    await publishRoundResults(op, rounds[0], rows(all), { config: TEST_PAYOUT_CONFIG, outDir: dir, ...ZERO_FILL });
    await publishRoundResults(op, rounds[2], rows(all), { config: TEST_PAYOUT_CONFIG, outDir: dir, ...ZERO_FILL });
    // An incomplete tree for the middle round, published without the operator job: no leaf for alice's model 0.
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

    const report = await runKeeper(stake.connect(keeper), { roundsDir: dir });
    expect(report.failures).to.have.length(1);
    expect(report.failures[0]!.accounts).to.deep.equal([alice.address]);
    expect(report.failures[0]!.round).to.equal(rounds[1]);
    expect(report.failures[0]!.reason).to.match(/^MissingModelResult\(0\): the round's published tree has no leaf/);
    expect(report.settledAccountRounds).to.equal(1 + 3 + 3);
    expect((await stake.accountOf(alice.address)).nextSettleRound).to.equal(rounds[1]);
    for (const s of [bob, carol]) expect((await stake.accountOf(s.address)).nextSettleRound).to.equal(rounds[2] + 1n);
    const again = await runKeeper(stake.connect(keeper), { roundsDir: dir });
    expect(again.transactions).to.have.length(0);
    expect(again.failures[0]!.accounts).to.deep.equal([alice.address]);
  });

  it("a transaction that fails to send: tries again from fresh state, and gives up with a summary if it keeps failing", async function () {
    const { stake, rounds, keeper, op, all } = await loadFixture(threeRoundsFixture);
    const dir = tmp();
    for (const round of rounds) {
      await publishRoundResults(
        op,
        round,
        parseResultsCsv(
          csv(
            "model,rate",
            all.map((m) => `${m},0.01`),
          ),
        ),
        { config: TEST_PAYOUT_CONFIG, outDir: dir, ...ZERO_FILL },
      );
    }
    const published = await takeSnapshot();
    /** The keeper's contract, its signer's settleBatch sends failing `times` times (estimates still work). */
    const failingSends = (times: number) =>
      stake.connect(
        withSigner(keeper, {
          sendTransaction: (tx) =>
            times-- > 0 ? Promise.reject(new Error("nonce too low")) : keeper.sendTransaction(tx),
        }),
      );
    const lines: string[] = [];
    const flaky = await runKeeper(failingSends(2), { roundsDir: dir, log: (l) => lines.push(l) });
    expect(
      lines.filter((l) => /a settleBatch transaction failed \(nonce too low\); re-reading the chain/.test(l)),
    ).to.have.length(2);
    expect(flaky).to.include({ settledAccountRounds: 9, complete: true });
    expect(flaky.failures).to.deep.equal([]);

    await published.restore();
    const broken = await runKeeper(failingSends(Infinity), { roundsDir: dir });
    expect(broken.transactions).to.have.length(0);
    expect(broken.complete).to.equal(false);
    expect(broken.failures).to.have.length(1);
    expect(broken.failures[0]!.reason).to.equal("settleBatch failed 3 times in a row: nonce too low");
    expect(broken.failures[0]!.accounts).to.have.length(3);
  });

  it("rejects options outside the contract's limits", async function () {
    const { stake } = await loadFixture(threeRoundsFixture);
    await expectFailure(
      runKeeper(stake, { roundsDir: tmp(), maxPerTx: 257 }),
      /maxPerTx must be an integer from 1 to 256, not 257/,
    );
    await expectFailure(runKeeper(stake, { roundsDir: tmp(), gasBudget: 0n }), /the gas budget must be positive/);
  });
});

describe("keeper job at production size: windows of rounds, trees once", function () {
  it("settles a backlog a window of rounds at a time: each tree built and indexed once, at most a window held", async function () {
    // The per-round path (settleBatch): spans, which settle such a backlog in far fewer transactions, are tested in
    // keeper-spans.test.ts.
    const { stake, dir, stakers, keeper } = await loadFixture(historyFixture);
    const accounts = Object.values(stakers).map((s) => s.address);
    await runKeeper(stake.connect(keeper), {
      roundsDir: dir,
      spans: false,
      maxPerTx: 256,
      gasBudget: 10n ** 9n,
      roundWindow: 64,
    });
    const oneWindow = await settlementState(stake, accounts);

    await loadFixture(historyFixture);
    const before = { ...roundTreeCounters };
    const lines: string[] = [];
    const report = await runKeeper(stake.connect(keeper), {
      roundsDir: dir,
      spans: false,
      maxPerTx: 5,
      roundWindow: 2,
      log: (l) => lines.push(l),
    });
    const published = HISTORY_ROUNDS - 1; // one round expires unpublished: no tree
    expect(report.settledAccountRounds).to.equal(3 * HISTORY_ROUNDS);
    expect(report.treesLoaded).to.equal(published);
    expect(roundTreeCounters.builds - before.builds).to.equal(published);
    expect(roundTreeCounters.indexes - before.indexes, "one index per tree, not per account-round").to.equal(published);
    expect(report.mostTreesHeld).to.be.within(1, 2);
    expect(lines.filter((l) => /next window: rounds/.test(l))).to.have.length(HISTORY_ROUNDS / 2 - 1);
    expect(await settlementState(stake, accounts)).to.deep.equal(oneWindow);
  });
});

describe("keeper job: a node that refuses big estimates", function () {
  it("halves a batch whose estimate the node refuses without revert data (its gas cap), not a revert, and plans later batches at the size it took", async function () {
    const { stake, dir, stakers, keeper } = await loadFixture(historyFixture);
    const accounts = Object.values(stakers).map((s) => s.address);
    await runKeeper(stake.connect(keeper), { roundsDir: dir, spans: false, maxPerTx: 16 });
    const expected = await settlementState(stake, accounts);

    await loadFixture(historyFixture);
    const rounds = (data: string) => {
      const [batch] = stake.interface.decodeFunctionData("settleBatch", data) as unknown as [{ results: unknown[] }[]];
      return batch.reduce((n, a) => n + a.results.length, 0);
    };
    let refused = 0;
    // What a node with EIP-7825's cap says for a batch over 16,777,216 gas: an error without revert data.
    const capped = withSigner(keeper, {
      estimateGas: async (tx) => {
        if (rounds(String(tx.data)) > 4) {
          refused++;
          throw Object.assign(new Error("transaction gas limit (20881491) is greater than the cap (16777216)"), {
            data: null,
          });
        }
        return keeper.estimateGas(tx);
      },
    });
    const report = await runKeeper(stake.connect(capped), { roundsDir: dir, spans: false, maxPerTx: 16 });
    expect(report.failures).to.deep.equal([]);
    expect(report.complete).to.equal(true);
    // Refused twice (16, then 8) for the first batch only: later batches are planned at the size the node took.
    expect(refused).to.equal(2);
    expect(report.transactions).to.have.length(6);
    for (const tx of report.transactions) expect(tx.accountRounds).to.be.at.most(4);
    expect(await settlementState(stake, accounts)).to.deep.equal(expected);
  });
});

describe("keeper job: a node that drops connections", function () {
  it("ends in the same state as an undisturbed run: reads retried, lost sends re-planned, nothing called a revert", async function () {
    const { stake, dir, stakers, keeper } = await loadFixture(historyFixture);
    const accounts = Object.values(stakers).map((s) => s.address);
    await runKeeper(stake.connect(keeper), { roundsDir: dir, maxPerTx: 3 });
    const undisturbed = await settlementState(stake, accounts);

    await loadFixture(historyFixture);
    // Every 9th request closed unanswered (alternately before and after the node handled it), the first send's
    // answer lost after it was mined, and one write EPIPE on a gas estimate.
    const proxy = await startRpcProxy(network.provider, { dropEvery: 9, answerLostOnce: ["eth_sendTransaction"] });
    const transportLog: string[] = [];
    const lines: string[] = [];
    try {
      const client = httpEip1193(proxy.url);
      client.injectOnce("eth_estimateGas", writeEpipe());
      const provider = retryingEthersProvider(client, { baseDelayMs: 1, log: (l) => transportLog.push(l) });
      const signer = await provider.getSigner(keeper.address);
      const report = await runKeeper(stake.connect(signer), { roundsDir: dir, maxPerTx: 3, log: (l) => lines.push(l) });
      expect(report.complete, lines.join("\n")).to.equal(true);
      expect(report.failures).to.deep.equal([]);
      expect(report.transportFailures).to.be.at.least(1); // the lost send, at least
    } finally {
      await proxy.close();
    }
    expect(proxy.dropped.filter((d) => d.reachedNode).length).to.be.at.least(1);
    expect(proxy.dropped.filter((d) => !d.reachedNode).length).to.be.at.least(1);
    expect(transportLog).to.include(
      "eth_estimateGas: connection broken while sending (write EPIPE), retrying 1/5 in 1 ms",
    );
    expect(transportLog.some((l) => /: connection closed by the node, retrying \d\/5/.test(l))).to.equal(true);
    expect(lines.some((l) => /^keeper: no answer from the node \(connection closed by the node\)/.test(l))).to.equal(
      true,
    );
    expect(lines.filter((l) => /revert/i.test(l) || /FAILED/.test(l))).to.deep.equal([]);
    expect(await settlementState(stake, accounts)).to.deep.equal(undisturbed);
  });

  /**
   * The keeper behind the proxy with no retries, so an EPIPE on a gas estimate reaches the keeper itself: `inject`
   * decides, per eth_estimateGas (its settleBatch entries decoded), whether this one fails with write EPIPE.
   */
  async function keeperWithEpipe(
    stake: PortfolioStake,
    keeper: { address: string },
    dir: string,
    inject: (batch: { account: string }[]) => boolean,
  ) {
    const proxy = await startRpcProxy(network.provider, {});
    const lines: string[] = [];
    let injected = 0;
    try {
      const client = httpEip1193(proxy.url);
      const injecting = {
        request(args: { method: string; params?: unknown[] | object }) {
          if (args.method === "eth_estimateGas") {
            const [tx] = args.params as [{ data: string }];
            const [batch] = stake.interface.decodeFunctionData("settleBatch", tx.data) as unknown as [
              { account: string }[],
            ];
            if (inject(batch)) {
              injected++;
              client.injectOnce("eth_estimateGas", writeEpipe());
            }
          }
          return client.request(args);
        },
      };
      const provider = retryingEthersProvider(injecting, { retries: 0 });
      const signer = await provider.getSigner(keeper.address);
      const report = await runKeeper(stake.connect(signer), {
        roundsDir: dir,
        spans: false,
        log: (l) => lines.push(l),
      });
      expect(injected).to.equal(1);
      return { report, lines };
    } finally {
      await proxy.close();
    }
  }
  const shape = (report: Awaited<ReturnType<typeof runKeeper>>) => ({
    batches: report.transactions.map((t) => t.accountRounds),
    failures: report.failures,
    upToDate: report.upToDate,
    complete: report.complete,
  });

  it("a write EPIPE on a batch's gas estimate, unretried: no answer, not a refused batch; planned again at full size", async function () {
    const { stake, dir, stakers, keeper } = await loadFixture(historyFixture);
    const accounts = Object.values(stakers).map((s) => s.address);
    const undisturbed = await runKeeper(stake.connect(keeper), { roundsDir: dir, spans: false });
    const state = await settlementState(stake, accounts);

    await loadFixture(historyFixture);
    let first = true;
    const { report, lines } = await keeperWithEpipe(stake, keeper, dir, () => [first, (first = false)][0]!);
    expect(report.transportFailures).to.equal(1);
    expect(lines).to.include(
      "keeper: no answer from the node (connection broken while sending (write EPIPE)), 1/5; re-reading the chain and planning again in 500 ms",
    );
    expect(lines.filter((l) => /revert|refus/i.test(l) || /FAILED/.test(l))).to.deep.equal([]);
    // Not taken for the node refusing a batch this size (its gas cap): the same batches as without the EPIPE.
    expect(shape(report)).to.deep.equal(shape(undisturbed));
    expect(await settlementState(stake, accounts)).to.deep.equal(state);
    const again = await runKeeper(stake.connect(keeper), { roundsDir: dir, spans: false });
    expect(again.transactions).to.have.length(0);
    expect(await settlementState(stake, accounts)).to.deep.equal(state);
  });

  it("a write EPIPE while isolating a reverting batch's accounts: no account isolated as failed for it, same state after a re-run", async function () {
    const { op, stake, rounds, all, models, alice, bob, carol, keeper } = await loadFixture(threeRoundsFixture);
    const accounts = [alice, bob, carol].map((s) => s.address);
    const dir = tmp();
    const rows = parseResultsCsv(
      csv(
        "model,rate",
        all.map((m) => `${m},0.01`),
      ),
    );
    await publishRoundResults(op, rounds[0], rows, { config: TEST_PAYOUT_CONFIG, outDir: dir, ...ZERO_FILL });
    await publishRoundResults(op, rounds[2], rows, { config: TEST_PAYOUT_CONFIG, outDir: dir, ...ZERO_FILL });
    // The middle round's tree lacks alice's model 0: every batch with her round 1 reverts, and she is isolated.
    const incomplete = buildRoundTree(
      rounds[1],
      withCumulatives(
        all.filter((m) => m !== models.alice[0]).map((modelId) => ({ modelId, rate: RATE("0.01") })),
        cumulativesOf(
          treeFromFile(JSON.parse(readFileSync(path.join(dir, `round-${rounds[0]}.json`), "utf8")) as RoundFile),
        ),
        RATE("1"),
      ),
    );
    writeFileSync(path.join(dir, `round-${rounds[1]}.json`), JSON.stringify(roundFile(rounds[1], incomplete)));
    await op.publishRound(rounds[1], incomplete.root, "file://incomplete");
    const published = await takeSnapshot();

    const undisturbed = await runKeeper(stake.connect(keeper), { roundsDir: dir, spans: false });
    expect(undisturbed.failures.map((f) => f.accounts)).to.deep.equal([[alice.address]]);
    const state = await settlementState(stake, accounts);

    await published.restore();
    // The EPIPE hits bob's estimate alone, which only isolating the reverting batch's accounts makes.
    let pending = true;
    const { report, lines } = await keeperWithEpipe(stake, keeper, dir, (batch) => {
      const hit = pending && batch.length === 1 && batch[0]!.account === bob.address;
      if (hit) pending = false;
      return hit;
    });
    expect(report.transportFailures).to.equal(1);
    expect(lines.some((l) => /^keeper: no answer from the node \(connection broken while sending/.test(l))).to.equal(
      true,
    );
    // Only alice, for her round's missing leaf: bob is not isolated for a dropped connection, nothing is "no answer".
    expect(shape(report)).to.deep.equal(shape(undisturbed));
    expect(lines.filter((l) => /no answer/.test(l) && /revert|FAILED/i.test(l))).to.deep.equal([]);
    expect(await settlementState(stake, accounts)).to.deep.equal(state);
    const again = await runKeeper(stake.connect(keeper), { roundsDir: dir, spans: false });
    expect(again.transactions).to.have.length(0);
    expect(await settlementState(stake, accounts)).to.deep.equal(state);
  });
});
