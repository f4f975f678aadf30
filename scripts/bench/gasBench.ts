/**
 * What `npm run gas` (scripts/gas-benchmark.ts) measures, written once so that a test can measure it the same way
 * (test/integration/gas.test.ts guards the 16-model steady-state reallocation): the deployment and its parameters,
 * an account's first vectors, and the steady state, where every new round's vector overwrites a slot of the
 * account's VECTOR_HISTORY-vector ring.
 */
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { ContractTransactionResponse } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { NMRLike, PortfolioStake } from "../../typechain-types";
import { evenSplit } from "@portfolio-stake/core/bps";
import { accountRoundResult, type buildRoundTree } from "@portfolio-stake/core/results";
import { setAllowance } from "../lib/allowance";

type Ethers = HardhatRuntimeEnvironment["ethers"];
type Network = HardhatRuntimeEnvironment["network"];
type RoundTree = ReturnType<typeof buildRoundTree>;

export const DAY = 86_400;
const NUMERAIRE_MINT = 0; // IPortfolioStake.BurnMode
/** In steady state the keeper settles every round this many rounds old (past its deadline: 21 + 7 days). */
export const STEADY_SETTLE_LAG = 30;

/**
 * Numerai's 2026 exposure rules (a round risks stake / 64, rates clipped at 100% of that slice) with a 21-day
 * resolution, so that the measured round publishes a week earlier: 36 rounds open at once x 1/64 = 56% of a stake.
 */
export const gasBenchParams = (ethers: Ethers) => ({
  withdrawalDelay: 7 * DAY,
  minRoundInterval: DAY,
  resolutionDelay: 21 * DAY,
  publishWindow: 7 * DAY,
  rateCap: ethers.parseEther("1"),
  proofGracePeriod: 7 * DAY,
  sliceDivisor: 64,
});

export async function gasOf(tx: Promise<ContractTransactionResponse>): Promise<{ gas: number; data: string }> {
  const sent = await tx;
  const receipt = await sent.wait();
  return { gas: Number(receipt!.gasUsed), data: sent.data };
}

/** n model ids derived from `owner`. */
export function benchModelIds(ethers: Ethers, owner: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => ethers.dataSlice(ethers.id(`${owner}-${i}`), 0, 16));
}

export interface GasBench {
  nmr: NMRLike;
  stake: PortfolioStake;
  libraries: { SettlementLogic: string; SpanSettlementLogic: string; RegistryLogic: string };
  /** Moves the clock a day and opens the next round. */
  nextRound: () => Promise<{ gas: number; data: string }>;
}

/** NMRLike, the libraries and PortfolioStake with gasBenchParams; `admin` operates and funds a 1M NMR pool. */
export async function deployGasBench(ethers: Ethers, network: Network, admin: HardhatEthersSigner): Promise<GasBench> {
  const nmr = await ethers.deployContract("NMRLike");
  const libraries = {
    SettlementLogic: await (await ethers.deployContract("SettlementLogic")).getAddress(),
    SpanSettlementLogic: await (await ethers.deployContract("SpanSettlementLogic")).getAddress(),
    RegistryLogic: await (await ethers.deployContract("RegistryLogic")).getAddress(),
  };
  const stake = await ethers.deployContract(
    "PortfolioStake",
    [await nmr.getAddress(), NUMERAIRE_MINT, ethers.ZeroAddress, admin.address, 1, gasBenchParams(ethers)],
    { libraries },
  );
  await stake.grantRole(await stake.OPERATOR_ROLE(), admin.address);
  await nmr.faucet(admin.address, ethers.parseEther("1000000000"));
  await setAllowance(nmr, admin, await stake.getAddress(), ethers.MaxUint256);
  await stake.fundRewards(ethers.parseEther("1000000"));
  const nextRound = async () => {
    await network.provider.send("evm_increaseTime", [DAY]);
    return gasOf(stake.openRound());
  };
  return { nmr, stake, libraries, nextRound };
}

export interface BenchAccount {
  signer: HardhatEthersSigner;
  models: string[];
}

/**
 * An account of `models.length` models: proposed and accepted, 1,000 NMR deposited, then its first vectors: the first
 * ever, a second in the same round, the first of a new round and a reordered list in the round after. Gas of each.
 */
export async function stakeBenchAccount(bench: GasBench, ethers: Ethers, account: BenchAccount) {
  const { nmr, stake, nextRound } = bench;
  const { signer, models } = account;
  const n = models.length;
  const proposed = await gasOf(stake.proposeModels(signer.address, models));
  const accepted = await gasOf(stake.connect(signer).acceptModels(models));
  await nmr.faucet(signer.address, ethers.parseEther("100000"));
  await setAllowance(nmr, signer, await stake.getAddress(), ethers.MaxUint256);
  const deposit = await gasOf(stake.connect(signer).deposit(ethers.parseEther("1000")));
  const first = await gasOf(stake.connect(signer).setAllocation(models, evenSplit(n)));
  const again = await gasOf(stake.connect(signer).setAllocation(models, [...evenSplit(n)].reverse()));
  await nextRound();
  const next = await gasOf(stake.connect(signer).setAllocation(models, evenSplit(n)));
  await nextRound();
  const shuffled = await gasOf(stake.connect(signer).setAllocation([...models].reverse(), evenSplit(n)));
  return { proposed, accepted, deposit, first, again, next, shuffled };
}

/**
 * Steady state: VECTOR_HISTORY + 1 reallocations of every account in successive rounds, so that the ring wraps and
 * every new vector overwrites an old slot. From the 30th round on, before each reallocation the keeper settles the
 * account up to STEADY_SETTLE_LAG rounds ago (rounds in `published` with their tree, the others, unpublished and past
 * their deadline, as zero). Returns the gas of each account's last reallocation, in `accounts`' order.
 */
export async function steadyStateReallocations(
  bench: GasBench,
  accounts: BenchAccount[],
  published: Map<bigint, RoundTree> = new Map(),
): Promise<number[]> {
  const { stake, nextRound } = bench;
  const ring = Number(await stake.VECTOR_HISTORY());
  const steady: number[] = [];
  for (let k = 0; k <= ring; k++) {
    await nextRound();
    for (const [i, { signer, models }] of accounts.entries()) {
      const n = models.length;
      const bps = k % 2 ? evenSplit(n) : [...evenSplit(n)].reverse();
      if (k >= STEADY_SETTLE_LAG) {
        const acc = await stake.accountOf(signer.address);
        const results = [];
        for (let r = acc.nextSettleRound; r <= (await stake.currentRound()) - BigInt(STEADY_SETTLE_LAG); r++)
          results.push(accountRoundResult(r, published.get(r) ?? null, models));
        if (results.length) await stake.settle({ account: signer.address, models, results });
      }
      const realloc = await gasOf(stake.connect(signer).setAllocation(models, bps));
      if (k === ring) steady[i] = realloc.gas;
    }
  }
  return steady;
}
