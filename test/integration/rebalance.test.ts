/**
 * The batch rebalance script's logic (scripts/lib/rebalance.ts) against the in-process network: file formats, every
 * validation error (and that nothing is sent then), tables, dry runs, skipping, multicall and signed modes,
 * idempotence, and finishing after a crash. Parsing and validating the files alone (no chain) is tested in
 * scripts/lib/rebalanceFile.test.ts.
 */
import { expect } from "chai";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ethers, network } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { NMR, bindModels, deployFixture, evenBps, modelIds, openRound } from "../helpers/fixtures";
import {
  RebalanceValidationError,
  parseRebalanceJson,
  readRebalanceFile,
  runRebalance,
  type RebalanceOptions,
  type RebalanceRequest,
  type SignedAllocation,
} from "../../scripts/lib/rebalance";
import type { JournalData } from "../../scripts/lib/rebalanceJournal";
import type { PortfolioStake } from "../../typechain-types";

/** The signatures file of a signed run (RebalanceOptions.signaturesFile). */
interface SignaturesFile {
  contract: string;
  signatures: SignedAllocation[];
  /** Calldata for the contract, one entry per transaction. */
  transactions: string[];
}

const tmp = () => mkdtempSync(path.join(tmpdir(), "rebalance-"));

function writeTemp(name: string, content: string): string {
  const file = path.join(tmp(), name);
  writeFileSync(file, content);
  return file;
}

/** A log sink the tests read. */
function capture() {
  const lines: string[] = [];
  return { lines, log: (line: string) => lines.push(line), text: () => lines.join("\n") };
}

async function expectProblems(promise: Promise<unknown>): Promise<string[]> {
  let failure: unknown;
  try {
    await promise;
  } catch (error) {
    failure = error;
  }
  expect(failure, "expected a RebalanceValidationError").to.be.instanceOf(RebalanceValidationError);
  expect((failure as Error).message).to.contain("nothing was sent");
  return (failure as RebalanceValidationError).problems;
}

/** Alice, bob and carol staked (1,000 / 2,000 / 3,000 NMR) with even vectors, all managed by `manager`; round 1000 open. */
async function managedFixture() {
  const fx = await deployFixture();
  const { stake, alice, bob, carol, manager, operator, models } = fx;
  const stakers = [
    [alice, models.alice, 1000],
    [bob, models.bob, 2000],
    [carol, models.carol, 3000],
  ] as const;
  for (const [signer, ids, amount] of stakers) {
    await stake.connect(signer).deposit(NMR(amount));
    await stake.connect(signer).setAllocation(ids, evenBps(4));
    await stake.connect(signer).setManager(manager.address);
  }
  await openRound(stake, operator);
  return fx;
}

type Fixture = Awaited<ReturnType<typeof managedFixture>>;

/** Next round's vectors and nonces of the accounts, plus the chain's block number: equal before/after = nothing sent. */
async function snapshot(stake: PortfolioStake, accounts: HardhatEthersSigner[]) {
  const next = (await stake.currentRound()) + 1n;
  return {
    block: await ethers.provider.getBlockNumber(),
    accounts: await Promise.all(
      accounts.map(async (a) => ({
        nonce: await stake.nonces(a.address),
        bps: (await stake.allocationAt(a.address, next))[1].map(Number),
        txs: await ethers.provider.getTransactionCount(a.address),
      })),
    ),
  };
}

async function allocationEvents(stake: PortfolioStake, fromBlock: number) {
  return stake.queryFilter(stake.filters.AllocationSet(), fromBlock);
}

async function nextVector(stake: PortfolioStake, account: string): Promise<number[]> {
  const next = (await stake.currentRound()) + 1n;
  return (await stake.allocationAt(account, next))[1].map(Number);
}

/** Targets for alice, bob and carol (in % for alice, bps for the others). */
function threeAccountsJson(fx: Fixture) {
  const { alice, bob, carol, models } = fx;
  return JSON.stringify({
    accounts: [
      {
        account: alice.address,
        unit: "percent",
        weights: [
          { model: models.alice[0], weight: 40 },
          { model: models.alice[1], weight: "30%" },
          { model: models.alice[2], weight: "30" },
        ],
      },
      { account: bob.address, weights: models.bob.map((model, i) => ({ model, bps: [1000, 2000, 3000, 4000][i] })) },
      { account: carol.address, weights: [{ model: models.carol[3], bps: 10_000 }] },
    ],
  });
}

const TARGETS = { alice: [4000, 3000, 3000, 0], bob: [1000, 2000, 3000, 4000], carol: [0, 0, 0, 10_000] };

function request(text: string): RebalanceRequest {
  return parseRebalanceJson(text, { source: "targets.json" });
}

const quiet: RebalanceOptions = { log: () => {} };

describe("rebalance script", function () {
  describe("validation", function () {
    it("checks accounts and models against the chain, reports every problem at once and sends nothing", async function () {
      const fx = await loadFixture(managedFixture);
      const { stake, alice, bob, carol, manager, outsider, keeper, pauser, operator, models } = fx;
      await bindModels(stake, operator, outsider, modelIds("outsider", 1));
      const unknown = modelIds("nobody", 1)[0];
      const manyUnknown = modelIds("many", 65);
      const file = JSON.stringify({
        accounts: [
          // unknown model, and bob's model in alice's vector
          {
            account: alice.address,
            weights: [
              { model: unknown, bps: 5000 },
              { model: models.bob[0], bps: 5000 },
            ],
          },
          // the outsider does not let the manager change its vector
          { account: outsider.address, weights: [{ model: modelIds("outsider", 1)[0], bps: 10_000 }] },
          // 65 models: more than the contract allows
          {
            account: carol.address,
            weights: manyUnknown.map((model, i) => ({ model, bps: i === 0 ? 10_000 - 64 : 1 })),
          },
          // a file problem, reported with the chain's
          { account: bob.address, weights: [{ model: models.bob[0], bps: 9000 }] },
          // no models, not managed, a bad weight, and a model of carol's (checked despite the bad weight)
          { account: keeper.address, weights: [{ model: models.carol[0], weight: "-5" }] },
        ],
      });
      await stake.connect(pauser).pause();
      const before = await snapshot(stake, [alice, bob, carol, outsider, manager]);
      const problems = await expectProblems(runRebalance(stake, manager, request(file), quiet));
      expect(problems).to.include(
        `${bob.address} (accounts[3]): weights sum to 90.00% (9000 bps), 10.00% short of 100%`,
      );
      // A pause stops deposits only: it is never a reason to refuse a reallocation.
      expect(problems.filter((p) => /pause/i.test(p))).to.deep.equal([]);
      expect(problems).to.include(`accounts[0].weights[0]: unknown model ${unknown}: no account has it registered`);
      expect(problems).to.include(
        `accounts[0].weights[1]: model ${models.bob[0]} belongs to ${bob.address}, not to ${alice.address}`,
      );
      expect(problems).to.include(
        `${outsider.address} (accounts[1]): not your account: the signer ${manager.address} is neither this account nor its manager (it has no manager)`,
      );
      expect(problems).to.include(
        `${carol.address} (accounts[2]): 65 models listed; the contract allows at most 64 per account`,
      );
      expect(problems.filter((p) => p.startsWith("accounts[2].weights["))).to.have.length(65); // each unknown model named
      expect(problems).to.include("accounts[4].weights[0]: weight -5 bps is negative");
      expect(problems).to.include(
        `accounts[4].weights[0]: model ${models.carol[0]} belongs to ${carol.address}, not to ${keeper.address}`,
      );
      expect(problems).to.include(`${keeper.address} (accounts[4]): the account has no registered models`);
      expect(problems).to.include(
        `${keeper.address} (accounts[4]): not your account: the signer ${manager.address} is neither this account nor its manager (it has no manager)`,
      );
      expect(problems).to.have.length(9 + 65);
      expect(problems.slice(0, 2)).to.deep.equal([
        // the file's problems first, then the chain's
        `accounts[4].weights[0]: weight -5 bps is negative`,
        `${bob.address} (accounts[3]): weights sum to 90.00% (9000 bps), 10.00% short of 100%`,
      ]);
      expect(await snapshot(stake, [alice, bob, carol, outsider, manager])).to.deep.equal(before);
    });

    it("refuses an account whose settlement is too far behind for a new vector (the contract's SettlementBehind)", async function () {
      const fx = await loadFixture(managedFixture);
      const { stake, alice, manager, operator, models } = fx;
      // 256 vectors in 256 rounds without settling: the next one would overwrite a vector still needed.
      for (let i = 0; i < 255; i++) {
        await openRound(stake, operator);
        await stake.connect(alice).setAllocation(models.alice, i % 2 ? evenBps(4) : [10_000, 0, 0, 0]);
      }
      await openRound(stake, operator);
      const view = await stake.accountOf(alice.address);
      expect(view.allocationCount).to.equal(256n);
      const file = JSON.stringify({
        accounts: [{ account: alice.address, weights: [{ model: models.alice[1], bps: 10_000 }] }],
      });
      const before = await snapshot(stake, [alice, manager]);
      const problems = await expectProblems(runRebalance(stake, manager, request(file), quiet));
      expect(problems).to.deep.equal([
        `${alice.address} (accounts[0]): settle the account first: a new vector would overwrite one still needed for round ${view.nextSettleRound}, the next unsettled round (run the keeper)`,
      ]);
      expect(await snapshot(stake, [alice, manager])).to.deep.equal(before);
      // What the contract would have said:
      await expect(
        stake.connect(manager).setAllocationFor(alice.address, [models.alice[1]], [10_000]),
      ).to.be.revertedWithCustomError(stake, "SettlementBehind");
    });
  });

  describe("plans and tables", function () {
    it("dry run: prints the before/after tables and the plan, sends nothing", async function () {
      const fx = await loadFixture(managedFixture);
      const { stake, alice, bob, carol, manager, models } = fx;
      const before = await snapshot(stake, [alice, bob, carol, manager]);
      const out = capture();
      const report = await runRebalance(stake, manager, request(threeAccountsJson(fx)), { dryRun: true, log: out.log });
      expect(await snapshot(stake, [alice, bob, carol, manager])).to.deep.equal(before);
      expect(report.transactions).to.deep.equal([]);
      expect(report.batches.map((b) => b.accounts)).to.deep.equal([[alice.address, bob.address, carol.address]]);
      const text = out.text();
      expect(out.lines[0]).to.equal(
        `${alice.address} (accounts[0]), as its manager: 1,000.00 NMR staked from round 1001 (each round risks a slice of it); to change`,
      );
      expect(out.lines[1]).to.match(/^\s+model\s+current\s+target\s+change\s+NMR current\s+NMR target$/);
      // alice: 25% -> 40% of 1,000 NMR
      expect(out.lines[2]!.split(/\s+/).filter(Boolean)).to.deep.equal([
        models.alice[0],
        "25.00%",
        "40.00%",
        "+15.00%",
        "250.00",
        "400.00",
      ]);
      expect(out.lines[5]!.split(/\s+/).filter(Boolean)).to.deep.equal([
        models.alice[3],
        "25.00%",
        "0.00%",
        "-25.00%",
        "250.00",
        "0.00",
      ]);
      expect(out.lines[6]!.split(/\s+/).filter(Boolean)).to.deep.equal(["total", "100.00%", "100.00%"]);
      // carol: 3,000 NMR, all on her last model
      expect(text).to.contain(
        `${carol.address} (accounts[2]), as its manager: 3,000.00 NMR staked from round 1001 (each round risks a slice of it); to change`,
      );
      const carolLast = out.lines.find((l) => l.includes(models.carol[3]))!;
      expect(carolLast.split(/\s+/).filter(Boolean)).to.deep.equal([
        models.carol[3],
        "25.00%",
        "100.00%",
        "+75.00%",
        "750.00",
        "3,000.00",
      ]);
      expect(text).to.contain(
        "Plan: 3 account(s) to change (0 already at target), in 1 transaction(s) (multicall mode",
      );
      expect(out.lines.at(-1)).to.equal("Dry run: nothing sent.");
    });

    it("shows model names from the names map, and skips accounts already at their pending target", async function () {
      const fx = await loadFixture(managedFixture);
      const { stake, alice, bob, manager, models } = fx;
      // Alice already asked for the target this round: in force from the next round, so there is nothing to do.
      await stake.connect(alice).setAllocation(models.alice, [4000, 3000, 3000, 0]);
      const file = JSON.stringify({
        names: { "bob-main": models.bob[0] },
        accounts: [
          {
            account: alice.address,
            weights: [
              { model: models.alice[0], bps: 4000 },
              { model: models.alice[1], bps: 3000 },
              { model: models.alice[2], bps: 3000 },
            ],
          },
          { account: bob.address, weights: [{ model: "bob-main", weight: "100%" }] },
        ],
      });
      const out = capture();
      const txsBefore = await ethers.provider.getTransactionCount(manager.address);
      const report = await runRebalance(stake, manager, request(file), { log: out.log });
      expect(report.skipped.map((p) => p.account)).to.deep.equal([alice.address]);
      expect(report.changed.map((p) => p.account)).to.deep.equal([bob.address]);
      expect(out.text()).to.contain(
        `${alice.address} (accounts[0]), as its manager: 1,000.00 NMR staked from round 1001 (each round risks a slice of it); already at target: nothing to send`,
      );
      expect(out.text()).to.contain(`bob-main (${models.bob[0]})`);
      expect(out.text()).to.contain(
        "  (current includes a change already made during round 1000; round 1000 itself runs with 25.00% / 25.00% / 25.00% / 25.00%)",
      );
      expect(await ethers.provider.getTransactionCount(manager.address)).to.equal(txsBefore + 1);
      // One account alone: the call itself, no multicall wrapper.
      const tx = await ethers.provider.getTransaction(report.transactions[0]!.hash);
      expect(tx!.data.slice(0, 10)).to.equal(stake.interface.getFunction("setAllocationFor").selector);
    });
  });

  describe("sending", function () {
    it("multicall mode: several managed accounts in ONE transaction, then a second run sends nothing", async function () {
      const fx = await loadFixture(managedFixture);
      const { stake, alice, bob, carol, manager } = fx;
      const file = writeTemp("targets.json", threeAccountsJson(fx));
      const fromBlock = (await ethers.provider.getBlockNumber()) + 1;
      const txsBefore = await ethers.provider.getTransactionCount(manager.address);
      const out = capture();
      const report = await runRebalance(stake, manager, readRebalanceFile(file), { log: out.log });
      expect(await ethers.provider.getTransactionCount(manager.address)).to.equal(txsBefore + 1);
      expect(report.transactions).to.have.length(1);
      expect(report.transactions[0]!.accounts).to.deep.equal([alice.address, bob.address, carol.address]);
      expect(await nextVector(stake, alice.address)).to.deep.equal(TARGETS.alice);
      expect(await nextVector(stake, bob.address)).to.deep.equal(TARGETS.bob);
      expect(await nextVector(stake, carol.address)).to.deep.equal(TARGETS.carol);
      const events = await allocationEvents(stake, fromBlock);
      expect(events.map((e) => [e.args.staker, e.args.effectiveRound, e.args.by, e.transactionHash])).to.deep.equal(
        [alice, bob, carol].map((s) => [s.address, 1001n, manager.address, report.transactions[0]!.hash]),
      );
      expect(out.text()).to.match(/\[1\/1\] mined in block \d+, \d+ gas/);

      // Idempotent: the second run finds every account at target.
      const again = capture();
      const second = await runRebalance(stake, manager, readRebalanceFile(file), { log: again.log });
      expect(second.transactions).to.deep.equal([]);
      expect(second.skipped).to.have.length(3);
      expect(await ethers.provider.getTransactionCount(manager.address)).to.equal(txsBefore + 1);
      expect(again.lines.at(-1)).to.equal("Nothing to send: 3 account(s) already at target for round 1001.");
      expect(await allocationEvents(stake, fromBlock)).to.have.length(3);
    });

    it("the account itself may rebalance its own vector (setAllocationFor with itself)", async function () {
      const fx = await loadFixture(managedFixture);
      const { stake, alice, models } = fx;
      const file = JSON.stringify({
        accounts: [{ account: alice.address, weights: [{ model: models.alice[2], weight: "100%" }] }],
      });
      const out = capture();
      await runRebalance(stake, alice, request(file), { log: out.log });
      expect(out.lines[0]).to.contain("as the account");
      expect(await nextVector(stake, alice.address)).to.deep.equal([0, 0, 10_000, 0]);
    });

    it("signed mode: the manager signs, a relayer submits every signature in one multicall", async function () {
      const fx = await loadFixture(managedFixture);
      const { stake, alice, bob, carol, manager, keeper } = fx;
      const nonces = await Promise.all([alice, bob, carol].map((s) => stake.nonces(s.address)));
      const fromBlock = (await ethers.provider.getBlockNumber()) + 1;
      const managerTxs = await ethers.provider.getTransactionCount(manager.address);
      const relayerTxs = await ethers.provider.getTransactionCount(keeper.address);
      const report = await runRebalance(stake, manager, request(threeAccountsJson(fx)), {
        ...quiet,
        mode: "signed",
        sender: keeper,
      });
      expect(await ethers.provider.getTransactionCount(manager.address)).to.equal(managerTxs); // the manager only signed
      expect(await ethers.provider.getTransactionCount(keeper.address)).to.equal(relayerTxs + 1);
      const tx = await ethers.provider.getTransaction(report.transactions[0]!.hash);
      const decoded = stake.interface.parseTransaction(tx!)!;
      expect(decoded.name).to.equal("multicall");
      const calls = decoded.args[0] as string[]; // multicall(bytes[] data)
      expect(calls.map((d) => stake.interface.parseTransaction({ data: d })!.name)).to.deep.equal([
        "setAllocationBySig",
        "setAllocationBySig",
        "setAllocationBySig",
      ]);
      for (const [i, s] of [alice, bob, carol].entries())
        expect(await stake.nonces(s.address)).to.equal(nonces[i]! + 1n);
      expect(await nextVector(stake, carol.address)).to.deep.equal(TARGETS.carol);
      const events = await allocationEvents(stake, fromBlock);
      expect(events.map((e) => e.args.by)).to.deep.equal([manager.address, manager.address, manager.address]);
      expect(report.signatures.map((s) => [s.account, s.nonce])).to.deep.equal(
        [alice, bob, carol].map((s, i) => [s.address, nonces[i]!.toString()]),
      );
    });

    it("signed dry run with a signatures file: nothing sent; a relayer sends the written calldata later", async function () {
      const fx = await loadFixture(managedFixture);
      const { stake, alice, bob, carol, manager, keeper } = fx;
      const signaturesFile = path.join(tmp(), "signed.json");
      const before = await snapshot(stake, [alice, bob, carol, manager]);
      await runRebalance(stake, manager, request(threeAccountsJson(fx)), {
        ...quiet,
        mode: "signed",
        dryRun: true,
        signaturesFile,
      });
      expect(await snapshot(stake, [alice, bob, carol, manager])).to.deep.equal(before);
      const written = JSON.parse(readFileSync(signaturesFile, "utf8")) as SignaturesFile;
      expect(written.contract).to.equal(await stake.getAddress());
      expect(written.signatures).to.have.length(3);
      expect(written.transactions).to.have.length(1);
      await keeper.sendTransaction({ to: written.contract, data: written.transactions[0] });
      expect(await nextVector(stake, alice.address)).to.deep.equal(TARGETS.alice);
      expect(await nextVector(stake, bob.address)).to.deep.equal(TARGETS.bob);
    });

    it("checks every call with eth_estimateGas before sending (here: a signature that expires at once)", async function () {
      const fx = await loadFixture(managedFixture);
      const { stake, alice, bob, carol, manager } = fx;
      const before = await snapshot(stake, [alice, bob, carol, manager]);
      const problems = await expectProblems(
        runRebalance(stake, manager, request(threeAccountsJson(fx)), { ...quiet, mode: "signed", deadlineSeconds: 0 }),
      );
      expect(problems).to.have.length(3);
      expect(problems[0]).to.match(
        new RegExp(`^${alice.address}: the contract would refuse this change: SignatureExpired\\(\\d+\\)$`),
      );
      expect(await snapshot(stake, [alice, bob, carol, manager])).to.deep.equal(before);
    });

    it("splits into several transactions to stay under the gas budget", async function () {
      const fx = await loadFixture(managedFixture);
      const { stake, manager } = fx;
      const report = await runRebalance(stake, manager, request(threeAccountsJson(fx)), {
        ...quiet,
        dryRun: true,
        gasBudget: 150_000n,
      });
      expect(report.batches.map((b) => b.accounts.length)).to.deep.equal([2, 1]);
      for (const batch of report.batches) expect(batch.estimatedGas <= 150_000n).to.equal(true);
    });
  });

  describe("crash and resume", function () {
    it("an injected failure after the first transaction: the re-run sends only the rest", async function () {
      const fx = await loadFixture(managedFixture);
      const { stake, alice, bob, carol, manager } = fx;
      const file = request(threeAccountsJson(fx));
      const fromBlock = (await ethers.provider.getBlockNumber()) + 1;
      const txsBefore = await ethers.provider.getTransactionCount(manager.address);
      const options: RebalanceOptions = { ...quiet, gasBudget: 150_000n };
      let failure: unknown;
      try {
        await runRebalance(stake, manager, file, {
          ...options,
          hooks: {
            afterMined: (tx) => {
              if (tx.index === 1) throw new Error("injected crash");
            },
          },
        });
      } catch (error) {
        failure = error;
      }
      expect((failure as Error).message).to.equal("injected crash");
      expect(await ethers.provider.getTransactionCount(manager.address)).to.equal(txsBefore + 1);
      expect(await nextVector(stake, carol.address)).to.deep.equal(evenBps(4)); // not reached

      const out = capture();
      const resumed = await runRebalance(stake, manager, file, { ...options, log: out.log });
      expect(resumed.skipped.map((p) => p.account)).to.deep.equal([alice.address, bob.address]);
      expect(resumed.transactions.map((t) => t.accounts)).to.deep.equal([[carol.address]]);
      expect(await ethers.provider.getTransactionCount(manager.address)).to.equal(txsBefore + 2);
      const events = await allocationEvents(stake, fromBlock);
      expect(events.map((e) => e.args.staker)).to.deep.equal([alice.address, bob.address, carol.address]); // once each
      for (const [s, target] of [
        [alice, TARGETS.alice],
        [bob, TARGETS.bob],
        [carol, TARGETS.carol],
      ] as const) {
        expect(await nextVector(stake, s.address)).to.deep.equal(target);
      }
    });

    it("a crash while a transaction is pending: without the journal the re-run refuses, with it it waits, then finishes", async function () {
      const fx = await loadFixture(managedFixture);
      const { stake, alice, bob, carol, manager } = fx;
      const file = request(threeAccountsJson(fx));
      const stateFile = path.join(tmp(), "state.json");
      const fromBlock = (await ethers.provider.getBlockNumber()) + 1;
      const txsBefore = await ethers.provider.getTransactionCount(manager.address);
      const options: RebalanceOptions = { ...quiet, gasBudget: 150_000n, stateFile, wait: { pollMs: 20 } };
      let firstHash = "";
      await network.provider.send("evm_setAutomine", [false]);
      try {
        let failure: unknown;
        try {
          await runRebalance(stake, manager, file, {
            ...options,
            hooks: {
              afterSend: (tx) => {
                firstHash = tx.hash;
                throw new Error("killed while waiting");
              },
            },
          });
        } catch (error) {
          failure = error;
        }
        expect((failure as Error).message).to.equal("killed while waiting");
        expect((JSON.parse(readFileSync(stateFile, "utf8")) as JournalData).transactions).to.deep.equal([
          { hash: firstHash, accounts: [alice.address, bob.address], status: "sent" },
        ]);

        // Without the journal: the pending transaction may carry these changes, so nothing is sent.
        let refused: unknown;
        try {
          await runRebalance(stake, manager, file, { ...options, stateFile: undefined });
        } catch (error) {
          refused = error;
        }
        expect((refused as Error).message).to.contain(
          "1 transaction(s) from " + manager.address + " are still pending",
        );
        expect(await ethers.provider.getTransactionCount(manager.address, "pending")).to.equal(txsBefore + 1);
      } finally {
        await network.provider.send("evm_setAutomine", [true]);
      }

      // With the journal: it waits for the pending transaction (mined a moment later), re-reads, sends the rest.
      const out = capture();
      setTimeout(() => void network.provider.send("evm_mine"), 100);
      const resumed = await runRebalance(stake, manager, file, { ...options, log: out.log });
      expect(out.lines[0]).to.equal(`Waiting for ${firstHash} from an earlier run (2 account(s))…`);
      expect(out.lines[1]).to.match(new RegExp(`^  ${firstHash} was mined in block \\d+$`));
      expect(resumed.skipped.map((p) => p.account)).to.deep.equal([alice.address, bob.address]);
      expect(resumed.transactions.map((t) => t.accounts)).to.deep.equal([[carol.address]]);
      expect(await ethers.provider.getTransactionCount(manager.address)).to.equal(txsBefore + 2);
      expect((await allocationEvents(stake, fromBlock)).map((e) => e.args.staker)).to.deep.equal([
        alice.address,
        bob.address,
        carol.address,
      ]);
      const journal = JSON.parse(readFileSync(stateFile, "utf8")) as JournalData;
      expect(journal.transactions.map((t) => t.status)).to.deep.equal(["mined", "mined"]);

      // And once more: nothing to do, nothing sent.
      await runRebalance(stake, manager, file, options);
      expect(await ethers.provider.getTransactionCount(manager.address)).to.equal(txsBefore + 2);
    });

    it("refuses a journal written for another contract", async function () {
      const fx = await loadFixture(managedFixture);
      const stateFile = writeTemp(
        "state.json",
        JSON.stringify({ chainId: "31337", contract: ethers.ZeroAddress, transactions: [] }),
      );
      let failure: unknown;
      try {
        await runRebalance(fx.stake, fx.manager, request(threeAccountsJson(fx)), { ...quiet, stateFile });
      } catch (error) {
        failure = error;
      }
      expect((failure as Error).message).to.match(/belongs to contract 0x0{40} on chain 31337/);
      expect(existsSync(stateFile)).to.equal(true);
    });
  });

  describe("gas", function () {
    it("measures a rebalance of N managed accounts in one transaction (4 models each)", async function () {
      const fx = await loadFixture(managedFixture);
      const { stake, operator, manager } = fx;
      const extra = (await ethers.getSigners()).slice(10, 40);
      const ids = extra.map((_, i) => modelIds(`extra-${i}`, 4));
      // Every account already holds a vector (a reallocation, not a first allocation), and has signed once before
      // (its nonce slot is not fresh), as in steady use.
      for (const [i, s] of extra.entries()) {
        await bindModels(stake, operator, s, ids[i]!);
        await stake.connect(s).setManager(manager.address);
        await stake.connect(s).setAllocation(ids[i]!, evenBps(4));
      }
      const once = extra.map((s, i) => ({
        account: s.address,
        weights: ids[i]!.map((model, j) => ({ model, bps: j ? 2000 : 4000 })),
      }));
      await runRebalance(stake, manager, request(JSON.stringify({ accounts: once })), { ...quiet, mode: "signed" });
      const rows: string[] = [];
      let run = 0;
      for (const mode of ["multicall", "signed"] as const) {
        for (const n of [1, 3, 10, 30]) {
          await openRound(stake, operator); // each measurement in a new round: a new vector, not an overwrite
          run++;
          // [10000 - 3x, x, x, x] with x unique per run: never already at target.
          const accounts = extra.slice(0, n).map((s, i) => ({
            account: s.address,
            weights: ids[i]!.map((model, j) => ({ model, bps: j ? 100 + run : 10_000 - 3 * (100 + run) })),
          }));
          const report = await runRebalance(stake, manager, request(JSON.stringify({ accounts })), { ...quiet, mode });
          expect(report.changed).to.have.length(n);
          expect(report.transactions).to.have.length(1);
          const gas = report.transactions[0]!.gasUsed;
          rows.push(
            `${mode.padEnd(9)} N=${String(n).padStart(2)}: ${String(gas).padStart(7)} gas (${gas / BigInt(n)} per account)`,
          );
        }
      }
      console.log("      rebalance gas, one transaction:\n" + rows.map((r) => `        ${r}`).join("\n"));
    });
  });
});
