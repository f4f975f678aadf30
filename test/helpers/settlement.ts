/**
 * Drives PortfolioStake and the independent ReferenceModel side by side: every action is sent on chain and applied
 * to the model, and every settlement's Settled and RewardsClaimed events, burns, account views and totals (owed
 * rewards and their reserve included) are compared to the wei, with the solvency invariant checked by token balance
 * (NMR held = staked + pending + pool + owed reserve).
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { ContractTransactionReceipt, ContractTransactionResponse } from "ethers";
import type { MockERC20NoBurn, PortfolioStake } from "../../typechain-types";
import type { IPortfolioStake } from "../../typechain-types/contracts/PortfolioStake";
import {
  accountRoundResult,
  accountSpanBoundary,
  buildRoundTree,
  cumulativesOf,
  withCumulatives,
  type PlainRate,
  type RoundTree,
} from "@portfolio-stake/core/results";
import { typedEvent } from "./events";
import {
  BurnMode,
  NMR,
  bindModels,
  deploySystem,
  mintTo,
  modelIds,
  openRound,
  signerAt,
  withStakers,
  type AnyToken,
} from "./fixtures";
import {
  ReferenceModel,
  type ExpectedAccount,
  type ExpectedSettled,
  type ExpectedSpanSettled,
  type SettleOptions,
} from "./reference";

export type Token = AnyToken;

/** The Settled events of a receipt, as plain objects comparable with ExpectedSettled. */
export function settledEvents(stake: PortfolioStake, receipt: ContractTransactionReceipt): ExpectedSettled[] {
  const out: ExpectedSettled[] = [];
  for (const log of receipt.logs) {
    const settled = typedEvent(stake.interface.parseLog(log), stake.filters.Settled);
    if (!settled) continue;
    const a = settled.args;
    out.push({
      account: a.staker,
      round: a.round,
      stakeAtRisk: a.stakeAtRisk,
      rates: [...a.rates],
      delta: a.delta,
      paid: a.paid,
      burned: a.burned,
      unpaidRewards: a.unpaidRewards,
      balance: a.balance,
      unprovable: a.unprovable,
    });
  }
  return out;
}

/** The SpanSettled events of a receipt, as plain objects comparable with ExpectedSpanSettled. */
export function spanSettledEvents(stake: PortfolioStake, receipt: ContractTransactionReceipt): ExpectedSpanSettled[] {
  const out: ExpectedSpanSettled[] = [];
  for (const log of receipt.logs) {
    const settled = typedEvent(stake.interface.parseLog(log), stake.filters.SpanSettled);
    if (!settled) continue;
    const a = settled.args;
    out.push({
      account: a.staker,
      fromRound: a.fromRound,
      toRound: a.toRound,
      stakeAtRisk: a.stakeAtRisk,
      rateSums: [...a.rateSums],
      delta: a.delta,
      paid: a.paid,
      burned: a.burned,
      unpaidRewards: a.unpaidRewards,
      balance: a.balance,
    });
  }
  return out;
}

function normaliseSpan(e: ExpectedSpanSettled): ExpectedSpanSettled {
  return { ...e, account: ethers.getAddress(e.account), rateSums: e.rateSums.map((r) => BigInt(r)) };
}

/** What a RewardsClaimed event reports. */
export interface ExpectedClaim {
  account: string;
  amount: bigint;
  unpaidRewards: bigint;
  balance: bigint;
}

/** The RewardsClaimed events of a receipt, as plain objects. */
export function claimedEvents(stake: PortfolioStake, receipt: ContractTransactionReceipt): ExpectedClaim[] {
  const out: ExpectedClaim[] = [];
  for (const log of receipt.logs) {
    const claimed = typedEvent(stake.interface.parseLog(log), stake.filters.RewardsClaimed);
    if (!claimed) continue;
    const a = claimed.args;
    out.push({ account: a.staker, amount: a.amount, unpaidRewards: a.unpaidRewards, balance: a.balance });
  }
  return out;
}

function normaliseClaim(e: ExpectedClaim): ExpectedClaim {
  return { ...e, account: ethers.getAddress(e.account) };
}

function normalise(e: ExpectedSettled): ExpectedSettled {
  return { ...e, account: ethers.getAddress(e.account), rates: e.rates.map((r) => BigInt(r)) };
}

/** The account view fields the reference keeps, read from chain. */
export async function chainAccount(stake: PortfolioStake, account: string): Promise<ExpectedAccount> {
  const v = await stake.accountOf(account);
  return {
    balance: v.balance,
    pendingWithdrawal: v.pendingWithdrawal,
    withdrawalLastRound: v.withdrawalLastRound,
    nextSettleRound: v.nextSettleRound,
    unpaidRewards: v.unpaidRewards,
    claimableRewards: v.claimableRewards,
    totalRewarded: v.totalRewarded,
    totalBurned: v.totalBurned,
  };
}

/** Everything a rejected call must leave untouched. */
export async function observableState(stake: PortfolioStake, token: Token, accounts: string[]) {
  const stakeAddress = await stake.getAddress();
  const current = await stake.currentRound();
  const perAccount = [];
  for (const account of accounts) {
    const v = await stake.accountOf(account);
    perAccount.push({
      view: {
        balance: v.balance,
        pendingWithdrawal: v.pendingWithdrawal,
        withdrawalLastRound: v.withdrawalLastRound,
        withdrawalReleaseAt: v.withdrawalReleaseAt,
        nextSettleRound: v.nextSettleRound,
        unpaidRewards: v.unpaidRewards,
        claimableRewards: v.claimableRewards,
        totalRewarded: v.totalRewarded,
        totalBurned: v.totalBurned,
        manager: v.manager,
        modelCount: v.modelCount,
        allocationCount: v.allocationCount,
        lastAllocationRound: v.lastAllocationRound,
      },
      stakeNext: await stake.stakeAt(account, current + 1n),
      tokens: await token.balanceOf(account),
    });
  }
  const [staked, pendingWithdrawals, rewardsPool, owedRewards, owedReserve] = await stake.totals();
  return {
    current,
    perAccount,
    totals: { staked, pendingWithdrawals, rewardsPool, owedRewards, owedReserve },
    held: await token.balanceOf(stakeAddress),
    supply: await token.totalSupply(),
  };
}

export class SettlementHarness {
  readonly trees = new Map<bigint, RoundTree>();
  /** Every Settled event seen on chain, in order. */
  readonly settled: ExpectedSettled[] = [];
  /** Gas of every settle/settleBatch call, in order. */
  readonly gas: { accounts: number; rounds: number; gasUsed: bigint }[] = [];

  constructor(
    readonly stake: PortfolioStake,
    readonly token: Token,
    readonly operator: HardhatEthersSigner,
    readonly keeper: HardhatEthersSigner,
    readonly burnSink: string,
    readonly ref: ReferenceModel,
  ) {}

  /** An independent copy (the model cloned, trees shared) for a test that starts from a loadFixture snapshot. */
  fork(): SettlementHarness {
    const copy = new SettlementHarness(
      this.stake,
      this.token,
      this.operator,
      this.keeper,
      this.burnSink,
      this.ref.clone(),
    );
    for (const [r, t] of this.trees) copy.trees.set(r, t);
    return copy;
  }

  /** A harness over a deployed system whose current round is still `firstRound - 1`. */
  static async attach(
    fx: { stake: PortfolioStake; nmr: Token; operator: HardhatEthersSigner; keeper: HardhatEthersSigner },
    accounts: string[],
  ): Promise<SettlementHarness> {
    const firstRound = await fx.stake.firstRound();
    expect(await fx.stake.currentRound()).to.equal(firstRound - 1n, "attach before the first round opens");
    const burnSink = await fx.stake.burnSink();
    const h = new SettlementHarness(fx.stake, fx.nmr, fx.operator, fx.keeper, burnSink, new ReferenceModel(firstRound));
    for (const account of accounts) h.ref.register(account, await fx.stake.modelsOf(account));
    return h;
  }

  // ── actions, sent on chain and applied to the model ──

  async deposit(signer: HardhatEthersSigner, amount: bigint): Promise<void> {
    await expect(this.stake.connect(signer).deposit(amount))
      .to.emit(this.stake, "Deposited")
      .withArgs(signer.address, amount, this.ref.view(signer.address).balance + amount, this.ref.currentRound + 1n);
    this.ref.deposit(signer.address, amount);
    await this.check(signer.address);
  }

  /** The whole vector in registry order. */
  async allocate(signer: HardhatEthersSigner, weights: readonly (number | bigint)[]): Promise<void> {
    await this.stake.connect(signer).setAllocation(this.ref.modelsOf(signer.address), [...weights]);
    this.ref.setAllocation(signer.address, weights);
  }

  async requestWithdrawal(signer: HardhatEthersSigner, amount: bigint): Promise<void> {
    const tx = await this.stake.connect(signer).requestWithdrawal(amount);
    const block = await ethers.provider.getBlock((await tx.wait())!.blockNumber);
    const before = this.ref.view(signer.address);
    await expect(tx)
      .to.emit(this.stake, "WithdrawalRequested")
      .withArgs(
        signer.address,
        amount,
        before.pendingWithdrawal + amount,
        before.balance - amount,
        this.ref.currentRound,
        BigInt(block!.timestamp) + (await this.stake.parameters()).withdrawalDelay,
      );
    this.ref.requestWithdrawal(signer.address, amount);
    await this.check(signer.address);
  }

  async claim(signer: HardhatEthersSigner): Promise<bigint> {
    const amount = this.ref.view(signer.address).pendingWithdrawal;
    const tx = this.stake.connect(signer).claimWithdrawal();
    await expect(tx).to.emit(this.stake, "WithdrawalClaimed").withArgs(signer.address, amount);
    await expect(tx).to.changeTokenBalances(this.token, [signer, this.stake], [amount, -amount]);
    expect(this.ref.claimWithdrawal(signer.address)).to.equal(amount);
    await this.check(signer.address);
    return amount;
  }

  /**
   * A refill: owed rewards first (pro rata), the rest to the pool. Checks RewardsFunded against the model (what went
   * to owed rewards, the pool, what is still owed, the owed factor, epoch and scale), the transfer and the totals.
   */
  async fund(signer: HardhatEthersSigner, amount: bigint): Promise<void> {
    const tx = await this.stake.connect(signer).fundRewards(amount);
    const toOwed = this.ref.fund(amount);
    await expect(tx)
      .to.emit(this.stake, "RewardsFunded")
      .withArgs(
        signer.address,
        amount,
        toOwed,
        this.ref.rewardsPool,
        this.ref.owedTotal,
        this.ref.owedFactor,
        this.ref.owedEpoch,
        this.ref.owedScale,
      );
    await expect(tx).to.changeTokenBalances(this.token, [signer, this.stake], [-amount, amount]);
    await this.checkTotals();
  }

  /**
   * claimRewards(account), sent by `caller` (anyone): what refills paid of the account's owed rewards goes to its
   * stake, no NMR moves. Checks RewardsClaimed, the account and the totals against the model; returns the amount.
   */
  async claimRewards(account: string, caller: HardhatEthersSigner = this.keeper): Promise<bigint> {
    const tx = await this.stake.connect(caller).claimRewards(account);
    const amount = this.ref.claimRewards(account);
    const after = this.ref.view(account);
    await expect(tx)
      .to.emit(this.stake, "RewardsClaimed")
      .withArgs(account, amount, after.unpaidRewards, after.balance);
    await expect(tx).to.changeTokenBalances(this.token, [account, caller.address, this.stake], [0n, 0n, 0n]);
    await this.check(account);
    return amount;
  }

  /**
   * Waits the minimum interval and opens the next round, checking it took the current slice divisor and the current
   * cap (or `expectCap`, for a round whose cap openRound lowers because rounds opened under earlier parameters leave
   * less room); the model gets the round's cap and R as the chain reports them.
   */
  async open(opts: { expectCap?: bigint } = {}): Promise<bigint> {
    const { rateCap, sliceDivisor } = await this.stake.parameters();
    const round = await openRound(this.stake, this.operator);
    const info = await this.stake.roundInfo(round);
    expect([info.rateCap, info.sliceDivisor]).to.deep.equal(
      [opts.expectCap ?? rateCap, sliceDivisor],
      `round ${round}'s cap and R`,
    );
    expect(round).to.equal(this.ref.openRound(info.rateCap, info.sliceDivisor));
    return round;
  }

  /**
   * Publishes `rates` as round `round`'s tree, first waiting for the round to resolve if needed. The cumulatives
   * continue the latest round published before it (by this harness) with the round's cap, as the operator's do.
   */
  async publish(
    round: bigint,
    rates: PlainRate[],
    leavesURI = `ipfs://round-${round}.json`,
    layout: { sortLeaves?: boolean; groups?: number[] } = {},
  ): Promise<RoundTree> {
    const earlier = [...this.trees.keys()].filter((r) => r < round);
    const previous = earlier.length ? this.trees.get(earlier.reduce((a, b) => (a > b ? a : b))) : undefined;
    const { rateCap } = await this.stake.roundInfo(round);
    const tree = buildRoundTree(round, withCumulatives(rates, previous && cumulativesOf(previous), rateCap), layout);
    const { resolvesAt } = await this.stake.roundInfo(round);
    if (BigInt(await time.latest()) < resolvesAt - 1n) await time.setNextBlockTimestamp(resolvesAt);
    await expect(this.stake.connect(this.operator).publishRound(round, tree.root, leavesURI))
      .to.emit(this.stake, "RoundPublished")
      .withArgs(round, tree.root, leavesURI);
    expect((await this.stake.roundInfo(round)).root).to.equal(tree.root);
    this.trees.set(round, tree);
    this.ref.publish(round, rates);
    return tree;
  }

  /** Moves time past round `round`'s publication deadline (it then counts as zero if unpublished). */
  async passDeadline(round: bigint): Promise<void> {
    const { deadline } = await this.stake.roundInfo(round);
    if (BigInt(await time.latest()) <= deadline) await time.increaseTo(deadline + 1n);
  }

  // ── settlement ──

  /** The settle argument for `account`, rounds `from`..`to`, from the published trees (none: empty result). */
  results(account: string, from: bigint, to: bigint, opts: SettleOptions = {}): IPortfolioStake.AccountResultsStruct {
    const models = this.ref.modelsOf(account);
    const results = [];
    for (let r = from; r <= to; r++) {
      const weighted = opts.onlyWeighted ? this.ref.weightsAt(account, r) : undefined;
      const tree = this.trees.get(r) ?? null;
      if (opts.unprovable && tree !== null) results.push({ ...accountRoundResult(r, null, models), unprovable: true });
      else results.push(accountRoundResult(r, tree, models, weighted));
    }
    return { account, models, results };
  }

  /** Settles `account` from its next round up to `to` (default: every round it can settle now) and checks it all. */
  async settle(account: string, to?: bigint, opts: SettleOptions & { keeper?: HardhatEthersSigner } = {}) {
    const last = to ?? (await this.lastSettleable(account));
    return this.settleBatch([{ account, to: last, opts }], opts.keeper, false);
  }

  /**
   * Settles several accounts (each from its next round up to its `to`) in one call: settleBatch, or settle when
   * `single` and there is one entry. Checks events, burns, views and totals against the model.
   */
  async settleBatch(
    entries: { account: string; to: bigint; opts?: SettleOptions }[],
    keeper: HardhatEthersSigner = this.keeper,
    batch = true,
  ): Promise<{ receipt: ContractTransactionReceipt; events: ExpectedSettled[] }> {
    const args = entries.map(({ account, to, opts }) =>
      this.results(account, this.ref.view(account).nextSettleRound, to, opts),
    );
    const supplyBefore = await this.token.totalSupply();
    const sinkBefore = this.burnSink === ethers.ZeroAddress ? 0n : await this.token.balanceOf(this.burnSink);

    let tx: ContractTransactionResponse;
    if (!batch && args.length === 1) tx = await this.stake.connect(keeper).settle(args[0]!);
    else tx = await this.stake.connect(keeper).settleBatch(args);
    const receipt = (await tx.wait())!;

    // A settlement that settles anything first credits what refills paid of the account's owed rewards.
    const claims: ExpectedClaim[] = [];
    const expected = entries.flatMap(({ account, to, opts }) => {
      const v = this.ref.view(account);
      if (to >= v.nextSettleRound && v.claimableRewards > 0n) {
        claims.push({
          account,
          amount: v.claimableRewards,
          unpaidRewards: v.unpaidRewards,
          balance: v.balance + v.claimableRewards,
        });
      }
      return this.ref.settleUpTo(account, to, opts);
    });
    expect(claimedEvents(this.stake, receipt).map(normaliseClaim)).to.deep.equal(claims.map(normaliseClaim));
    const events = settledEvents(this.stake, receipt);
    expect(events.map(normalise)).to.deep.equal(expected.map(normalise));
    this.settled.push(...events);
    this.gas.push({ accounts: entries.length, rounds: events.length, gasUsed: receipt.gasUsed });

    const burned = expected.reduce((s, e) => s + e.burned, 0n);
    const supplyAfter = await this.token.totalSupply();
    if (this.burnSink === ethers.ZeroAddress) {
      expect(supplyBefore - supplyAfter).to.equal(burned, "total supply falls by the burned amount");
    } else {
      expect(supplyAfter).to.equal(supplyBefore, "a sink burn keeps the supply");
      expect((await this.token.balanceOf(this.burnSink)) - sinkBefore).to.equal(burned, "the sink receives the burn");
    }
    for (const { account } of entries) await this.check(account);
    return { receipt, events };
  }

  /**
   * The settleSpans argument for `account` over `boundaries`: each boundary proves the cumulatives of every registry
   * model its tree holds (or, with `onlyWeighted`, of the models weighted in the segments it bounds).
   */
  spanResults(account: string, boundaries: readonly bigint[], onlyWeighted = false): IPortfolioStake.SpanResultsStruct {
    const models = this.ref.modelsOf(account);
    return {
      account,
      models,
      boundaries: boundaries.map((round, i) => {
        const tree = this.trees.get(round);
        if (!tree) throw new Error(`round ${round} was not published by this harness`);
        let weighted: bigint[] | undefined;
        if (onlyWeighted) {
          const sides = [i > 0 ? round : undefined, i + 1 < boundaries.length ? boundaries[i]! + 1n : undefined];
          weighted = models.map((_, slot) =>
            sides.some((r) => r !== undefined && this.ref.weightsAt(account, r)[slot]! > 0n) ? 1n : 0n,
          );
        }
        return accountSpanBoundary(round, tree, models, weighted);
      }),
    };
  }

  /**
   * settleSpans for several accounts (each over its boundaries) in one call; checks the SpanSettled and RewardsClaimed
   * events, the burn by its effect (supply and the contract's balance), views and totals against the model's
   * settleSpan (written from the rule, not from the contract).
   */
  async settleSpans(
    entries: { account: string; boundaries: bigint[]; onlyWeighted?: boolean }[],
    keeper: HardhatEthersSigner = this.keeper,
  ): Promise<{ receipt: ContractTransactionReceipt; events: ExpectedSpanSettled[] }> {
    const args = entries.map(({ account, boundaries, onlyWeighted }) =>
      this.spanResults(account, boundaries, onlyWeighted),
    );
    const supplyBefore = await this.token.totalSupply();
    const heldBefore = await this.token.balanceOf(await this.stake.getAddress());
    const tx = await this.stake.connect(keeper).settleSpans(args);
    const receipt = (await tx.wait())!;
    const claims: ExpectedClaim[] = [];
    const expected = entries.flatMap(({ account, boundaries }) => {
      const v = this.ref.view(account);
      if (boundaries[0] === v.nextSettleRound - 1n && v.claimableRewards > 0n) {
        claims.push({
          account,
          amount: v.claimableRewards,
          unpaidRewards: v.unpaidRewards,
          balance: v.balance + v.claimableRewards,
        });
      }
      return this.ref.settleSpan(account, boundaries);
    });
    expect(claimedEvents(this.stake, receipt).map(normaliseClaim)).to.deep.equal(claims.map(normaliseClaim));
    const events = spanSettledEvents(this.stake, receipt);
    expect(events.map(normaliseSpan)).to.deep.equal(expected.map(normaliseSpan));
    const burned = expected.reduce((sum, e) => sum + e.burned, 0n);
    expect(supplyBefore - (await this.token.totalSupply())).to.equal(burned, "total supply falls by the burned amount");
    expect(heldBefore - (await this.token.balanceOf(await this.stake.getAddress()))).to.equal(
      burned,
      "the contract's NMR falls by exactly the burned amount",
    );
    for (const { account } of entries) await this.check(account);
    return { receipt, events };
  }

  /** The newest round `account` can settle now: published, or past its deadline, consecutively from its next. */
  async lastSettleable(account: string): Promise<bigint> {
    const now = BigInt(await time.latest());
    let r = this.ref.view(account).nextSettleRound;
    while (r <= this.ref.currentRound) {
      const info = await this.stake.roundInfo(r);
      if (info.root === ethers.ZeroHash && now + 1n <= info.deadline) break;
      r++;
    }
    return r - 1n;
  }

  // ── checks ──

  async check(account: string): Promise<void> {
    expect(await chainAccount(this.stake, account)).to.deep.equal(this.ref.view(account), `account ${account}`);
    const next = this.ref.currentRound + 1n;
    expect(await this.stake.stakeAt(account, next)).to.equal(
      this.ref.stakeAt(account, next),
      "stake at the next round",
    );
    await this.checkTotals();
  }

  async checkTotals(): Promise<void> {
    const t = this.ref.totals();
    const onChain = await this.stake.totals();
    expect({
      staked: onChain.staked,
      pendingWithdrawals: onChain.pendingWithdrawals,
      rewardsPool: onChain.rewardsPool,
      owedRewards: onChain.owedRewards,
      owedReserve: onChain.owedReserve,
    }).to.deep.equal(t);
    expect(await this.token.balanceOf(await this.stake.getAddress())).to.equal(
      t.staked + t.pendingWithdrawals + t.rewardsPool + t.owedReserve,
      "NMR held = stakes + pending withdrawals + pool + owed reserve",
    );
  }
}

/** Signers beyond the fixture's nine, each funded and approved, with `count` bound models. */
export async function extraStaker(
  fx: { stake: PortfolioStake; nmr: AnyToken; operator: HardhatEthersSigner },
  index: number,
  count: number,
  label = `staker${index}`,
) {
  const signer = await signerAt(index);
  const models = modelIds(label, count);
  await bindModels(fx.stake, fx.operator, signer, models);
  await mintTo(fx.nmr, signer.address, NMR(1_000_000));
  await fx.nmr.connect(signer).approve(await fx.stake.getAddress(), ethers.MaxUint256);
  return { signer, models };
}

/**
 * The fixture's system with a token that has no `burn` and a fixed burn sink: same roles and stakers as
 * deployFixture (alice, bob, carol with 4 models each), no deposits, no round opened.
 */
export async function deployNoBurnFixture() {
  const sink = await signerAt(9);
  const system = await deploySystem<MockERC20NoBurn>({
    token: "MockERC20NoBurn",
    burnMode: BurnMode.Sink,
    burnSink: sink.address,
  });
  return { ...(await withStakers(system)), sink };
}
