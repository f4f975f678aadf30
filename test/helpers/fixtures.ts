import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { ContractFactory, Signer } from "ethers";
import { evenSplit } from "@portfolio-stake/core/bps";
import type {
  BrokenBurnToken,
  MockERC20NoBurn,
  MockNMR,
  NMRLike,
  PortfolioStake,
  ReentrantNMR,
} from "../../typechain-types";

export const DAY = 24n * 60n * 60n;
export const NMR = (n: number | string) => ethers.parseEther(String(n));
export const RATE = (fraction: number | string) => ethers.parseEther(String(fraction)); // 18-decimal rate

/**
 * The unit fixtures' parameters. R = 1 (a round risks the whole stake) keeps the unit tests' arithmetic readable; the
 * exposure rule still holds: (21 + 7 + 7 days) / 2 days + 1 = 18 rounds open at once, x 5% = 90% of a stake. Slices
 * (R > 1) have their own tests (test/contracts/exposure.test.ts) and the fuzz runs Numerai's R = 64.
 */
export const DEFAULT_PARAMS = {
  withdrawalDelay: 7n * DAY,
  minRoundInterval: 2n * DAY,
  resolutionDelay: 21n * DAY,
  publishWindow: 7n * DAY,
  rateCap: RATE("0.05"),
  proofGracePeriod: 7n * DAY,
  sliceDivisor: 1n,
};
export const FIRST_ROUND = 1000n;

/** IPortfolioStake.BurnMode. */
export const BurnMode = { NumeraireMint: 0n, ERC20Burn: 1n, Sink: 2n } as const;

/** Every test token; NMRLike (written from DESIGN.md's description of NMR) is the default everywhere. */
export type TokenName = "NMRLike" | "MockNMR" | "MockERC20NoBurn" | "ReentrantNMR" | "BrokenBurnToken";
export type AnyToken = NMRLike | MockNMR | MockERC20NoBurn | ReentrantNMR | BrokenBurnToken;

/** The burn mode each test token works with. */
export const TOKEN_BURN_MODE: Record<TokenName, bigint> = {
  NMRLike: BurnMode.NumeraireMint,
  MockNMR: BurnMode.ERC20Burn,
  ReentrantNMR: BurnMode.ERC20Burn,
  MockERC20NoBurn: BurnMode.Sink,
  BrokenBurnToken: BurnMode.NumeraireMint,
};

/**
 * The PortfolioStake factory with its libraries (SettlementLogic, SpanSettlementLogic, RegistryLogic) freshly deployed and linked.
 * Every deployment of PortfolioStake goes through it (`ethers.getContractFactory("PortfolioStake")` alone fails:
 * missing links).
 */
export async function stakeFactory(signer?: Signer): Promise<ContractFactory<unknown[], PortfolioStake>> {
  const settlement = await ethers.deployContract("SettlementLogic", signer);
  const spanSettlement = await ethers.deployContract("SpanSettlementLogic", signer);
  const registry = await ethers.deployContract("RegistryLogic", signer);
  return (await ethers.getContractFactory("PortfolioStake", {
    signer,
    libraries: {
      SettlementLogic: await settlement.getAddress(),
      SpanSettlementLogic: await spanSettlement.getAddress(),
      RegistryLogic: await registry.getAddress(),
    },
  })) as unknown as ContractFactory<unknown[], PortfolioStake>;
}

/**
 * Creates `amount` test tokens for `to`: NMRLike and BrokenBurnToken through `faucet`, the OpenZeppelin mocks through
 * `mint(address,uint256)`. (Calling `mint(address,uint256)` on NMRLike would hit its empty fallback and do nothing.)
 */
export async function mintTo(token: AnyToken, to: string, amount: bigint): Promise<void> {
  const t = token as unknown as {
    interface: { hasFunction(key: string): boolean };
    faucet(to: string, amount: bigint): Promise<unknown>;
    mint(to: string, amount: bigint): Promise<unknown>;
  };
  if (t.interface.hasFunction("faucet")) await t.faucet(to, amount);
  else await t.mint(to, amount);
}

/** Binds `ids` to `staker` the only way there is: the operator proposes, the staker accepts. */
export async function bindModels(
  stake: PortfolioStake,
  operator: HardhatEthersSigner,
  staker: HardhatEthersSigner,
  ids: string[],
) {
  await stake.connect(operator).proposeModels(staker.address, ids);
  return stake.connect(staker).acceptModels(ids);
}

/** A Numerai model UUID (or any label) as the contract's bytes16 model ID. */
export function modelId(uuidOrLabel: string): string {
  const hex = uuidOrLabel.replace(/-/g, "");
  if (/^[0-9a-fA-F]{32}$/.test(hex)) return "0x" + hex.toLowerCase();
  return ethers.dataSlice(ethers.id(uuidOrLabel), 0, 16);
}

/** `N` strings: a tuple type when N is a literal (modelIds("alice", 4) indexes as [string, string, string, string]). */
export type Strings<N extends number, R extends string[] = []> = number extends N
  ? string[]
  : R["length"] extends N
    ? R
    : Strings<N, [...R, string]>;

/** `count` model IDs for one owner, e.g. modelIds("alice", 4). */
export function modelIds<N extends number>(owner: string, count: N): Strings<N> {
  return Array.from({ length: count }, (_, i) => modelId(`${owner}-model-${i}`)) as Strings<N>;
}

/**
 * The Hardhat accounts the fixtures give roles to, by index (hardhat.config.ts configures 40): admin, operator and
 * pauser, then alice, bob, carol, manager, keeper, outsider.
 */
export async function namedSigners() {
  const all = await ethers.getSigners();
  const at = (index: number): HardhatEthersSigner => {
    const signer = all[index];
    if (!signer) throw new Error(`Hardhat account ${index} does not exist`);
    return signer;
  };
  return {
    admin: at(0),
    operator: at(1),
    pauser: at(2),
    alice: at(3),
    bob: at(4),
    carol: at(5),
    manager: at(6),
    keeper: at(7),
    outsider: at(8),
  };
}

/** Hardhat account `index` (beyond the named ones, e.g. for accounts with many models). */
export async function signerAt(index: number): Promise<HardhatEthersSigner> {
  const signer = (await ethers.getSigners())[index];
  if (!signer) throw new Error(`Hardhat account ${index} does not exist`);
  return signer;
}

/** An even basis-point split that sums to exactly 10,000 (remainder on the first models): the tests' name for it. */
export { evenSplit as evenBps } from "@portfolio-stake/core/bps";

/**
 * A token (NMRLike by default, burned through its `mint`; or another test token with the burn mode it works with)
 * and PortfolioStake, with the operator and pauser roles granted to signers 1 and 2. Nothing else.
 */
export async function deploySystem<Token extends AnyToken = NMRLike>(
  options: {
    token?: TokenName;
    burnMode?: bigint;
    burnSink?: string;
    firstRound?: bigint;
    params?: Partial<typeof DEFAULT_PARAMS>;
  } = {},
) {
  const { admin, operator, pauser } = await namedSigners();
  const tokenName = options.token ?? "NMRLike";
  const nmr = (await ethers.deployContract(tokenName)) as unknown as Token;
  const factory = await stakeFactory();
  const stake = (await factory.deploy(
    await nmr.getAddress(),
    options.burnMode ?? TOKEN_BURN_MODE[tokenName],
    options.burnSink ?? ethers.ZeroAddress,
    admin.address,
    options.firstRound ?? FIRST_ROUND,
    { ...DEFAULT_PARAMS, ...options.params },
  )) as unknown as PortfolioStake;
  await stake.waitForDeployment();
  await stake.connect(admin).grantRole(await stake.OPERATOR_ROLE(), operator.address);
  await stake.connect(admin).grantRole(await stake.PAUSER_ROLE(), pauser.address);
  return { nmr, stake, admin, operator, pauser };
}

/** Mints 1,000,000 NMR to `signer` and approves the staking contract for all of it (from a zero allowance). */
export async function fundAndApprove(nmr: AnyToken, stake: PortfolioStake, signer: HardhatEthersSigner) {
  await mintTo(nmr, signer.address, NMR(1_000_000));
  await nmr.connect(signer).approve(await stake.getAddress(), ethers.MaxUint256);
}

/**
 * Deployed system: NMRLike, PortfolioStake, roles granted, three funded stakers with 4 bound models each
 * (alice, bob, carol; proposed by the operator and accepted), a funded operator, no deposits yet and no round opened.
 */
export async function deployFixture() {
  return withStakers(await deploySystem());
}

/** Adds alice, bob and carol (4 bound models each, funded and approved) and funds the operator. */
export async function withStakers<Token extends AnyToken>(system: Awaited<ReturnType<typeof deploySystem<Token>>>) {
  const { nmr, stake, operator } = system;
  const { alice, bob, carol, manager, keeper, outsider } = await namedSigners();
  const models = { alice: modelIds("alice", 4), bob: modelIds("bob", 4), carol: modelIds("carol", 4) };
  for (const [signer, name] of [
    [alice, "alice"],
    [bob, "bob"],
    [carol, "carol"],
  ] as const) {
    await fundAndApprove(nmr, stake, signer);
    await bindModels(stake, operator, signer, models[name]);
  }
  await mintTo(nmr, operator.address, NMR(10_000_000));
  await nmr.connect(operator).approve(await stake.getAddress(), ethers.MaxUint256);
  return { ...system, alice, bob, carol, manager, keeper, outsider, models };
}

/** Opens the next round, first waiting the minimum interval. Returns the new round number. */
export async function openRound(stake: PortfolioStake, operator: { address: string }): Promise<bigint> {
  const params = await stake.parameters();
  await time.increase(params.minRoundInterval);
  const signer = await ethers.getSigner(operator.address);
  await stake.connect(signer).openRound();
  return stake.currentRound();
}

/** `N` round numbers: a tuple type when N is a literal (stakedRounds(3) indexes as [bigint, bigint, bigint]). */
export type Rounds<N extends number, R extends bigint[] = []> = number extends N
  ? bigint[]
  : R["length"] extends N
    ? R
    : Rounds<N, [...R, bigint]>;

/**
 * deployFixture, then: the operator funds the rewards pool with 10,000 NMR; each of `stakers` (alice, bob and carol
 * unless given) deposits 1,000 NMR with an even vector over its 4 models; `count` rounds open, and the clock moves to
 * the last one's resolution (none past its deadline). `op` is the stake contract connected as the operator. For the
 * operator and keeper jobs' tests (each wraps it in a fixture function of its own, for loadFixture).
 */
export async function stakedRounds<N extends number>(
  count: N,
  stakers: readonly ("alice" | "bob" | "carol")[] = ["alice", "bob", "carol"],
) {
  const fx = await deployFixture();
  const { stake, operator, models } = fx;
  await stake.connect(operator).fundRewards(NMR(10_000));
  for (const name of stakers) {
    await stake.connect(fx[name]).deposit(NMR(1000));
    await stake.connect(fx[name]).setAllocation(models[name], evenSplit(4));
  }
  const rounds: bigint[] = [];
  for (let k = 0; k < count; k++) rounds.push(await openRound(stake, operator));
  const last = rounds[rounds.length - 1];
  if (last === undefined) throw new Error("stakedRounds: open at least one round");
  await time.increaseTo((await stake.roundInfo(last)).resolvesAt);
  return { ...fx, op: stake.connect(operator), rounds: rounds as Rounds<N> };
}
