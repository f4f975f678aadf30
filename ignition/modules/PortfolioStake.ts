import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import type { ContractFuture, IgnitionModuleBuilder, ModuleParameterType } from "@nomicfoundation/ignition-core";

/** The real NMR token on Ethereum mainnet. */
export const MAINNET_NMR = "0x1776e1F26f98b1A5dF9cD347953a26dd3Cb46671";

/**
 * IPortfolioStake.BurnMode: how burned NMR leaves the system (the constructor probes the token and refuses a pair
 * whose burns cannot work).
 * - NumeraireMint (0): the real NMR token, whose `mint(v)` burns (it has no `burn`, and its empty fallback would make
 *   a `burn` call succeed without burning anything);
 * - ERC20Burn (1): a standard `burn(uint256)` (the local MockNMR);
 * - Sink (2): a token that cannot burn: transfers to the fixed `burnSink` address.
 */
export const BURN_MODES = { NumeraireMint: 0, ERC20Burn: 1, Sink: 2 } as const;
export type BurnModeName = keyof typeof BURN_MODES;

const DAY = 24 * 60 * 60;

/**
 * The deployed defaults, Numerai's 2026 rules: daily rounds, 28-day resolution, a 7-day publication window and 7 days
 * of proof grace, so (28 + 7 + 7) / 1 + 1 = 43 rounds can be open at once; each puts stake / 64 at risk (R = 64) with
 * rates clipped at 100% of that slice (rateCap 1e18), so the open rounds commit at most 43/64 = 67% of a stake. The
 * constructor refuses any combination above 100% (ExposureTooHigh); scripts/lib/deploy.ts checks it before sending.
 */
export const DEFAULT_PARAMETERS = {
  withdrawalDelay: 7 * DAY,
  minRoundInterval: DAY,
  resolutionDelay: 28 * DAY,
  publishWindow: 7 * DAY,
  rateCap: 1_000_000_000_000_000_000n,
  proofGracePeriod: 7 * DAY,
  sliceDivisor: 64,
} as const;

/**
 * PortfolioStake for a given NMR token address and burn mode, linked to its libraries (SettlementLogic, SpanSettlementLogic,
 * RegistryLogic), with roles granted to the configured operator and pauser.
 * Parameters (ignition/parameters/*.json or --parameters): nmr, burnMode (required on public chains, as a number;
 * scripts/lib/deploy.ts also accepts the names of BURN_MODES), burnSink (Sink mode only), admin, operator, pauser,
 * firstRound, withdrawalDelay, minRoundInterval, resolutionDelay, publishWindow, rateCap, proofGracePeriod,
 * sliceDivisor. Defaults: DEFAULT_PARAMETERS (daily Numerai rounds, R = 64, rates clipped at 100% of the slice).
 */
function deployStake(
  m: IgnitionModuleBuilder,
  nmr: ContractFuture<string>,
  burnMode: number | ReturnType<IgnitionModuleBuilder["getParameter"]>,
) {
  const deployer = m.getAccount(0);
  const admin = m.getParameter("admin", deployer);
  const operator = m.getParameter("operator", deployer);
  const pauser = m.getParameter("pauser", deployer);
  const settlement = m.library("SettlementLogic");
  const spanSettlement = m.library("SpanSettlementLogic");
  const registry = m.library("RegistryLogic");
  const stake = m.contract(
    "PortfolioStake",
    [
      nmr,
      burnMode,
      m.getParameter("burnSink", "0x0000000000000000000000000000000000000000"),
      deployer,
      m.getParameter("firstRound", 1),
      {
        withdrawalDelay: m.getParameter("withdrawalDelay", DEFAULT_PARAMETERS.withdrawalDelay),
        minRoundInterval: m.getParameter("minRoundInterval", DEFAULT_PARAMETERS.minRoundInterval),
        resolutionDelay: m.getParameter("resolutionDelay", DEFAULT_PARAMETERS.resolutionDelay),
        publishWindow: m.getParameter("publishWindow", DEFAULT_PARAMETERS.publishWindow),
        rateCap: m.getParameter("rateCap", DEFAULT_PARAMETERS.rateCap),
        proofGracePeriod: m.getParameter("proofGracePeriod", DEFAULT_PARAMETERS.proofGracePeriod),
        sliceDivisor: m.getParameter("sliceDivisor", DEFAULT_PARAMETERS.sliceDivisor),
      },
    ],
    { libraries: { SettlementLogic: settlement, SpanSettlementLogic: spanSettlement, RegistryLogic: registry } },
  );
  // The deployer holds the admin role only long enough to hand out roles, then gives it to `admin`.
  const operatorRole = m.staticCall(stake, "OPERATOR_ROLE", [], 0, { id: "operatorRole" });
  const pauserRole = m.staticCall(stake, "PAUSER_ROLE", [], 0, { id: "pauserRole" });
  const adminRole = m.staticCall(stake, "DEFAULT_ADMIN_ROLE", [], 0, { id: "adminRole" });
  const g1 = m.call(stake, "grantRole", [operatorRole, operator], { id: "grantOperator" });
  const g2 = m.call(stake, "grantRole", [pauserRole, pauser], { id: "grantPauser" });
  const g3 = m.call(stake, "grantRole", [adminRole, admin], { id: "grantAdmin" });
  m.call(stake, "renounceRole", [adminRole, deployer], { id: "renounceDeployerAdmin", after: [g1, g2, g3] });
  return stake;
}

/**
 * Any chain with an existing NMR token: mainnet (parameter defaults to the real NMR) or a testnet. `burnMode` has no
 * default: it must be stated (ignition/parameters/mainnet.json states NumeraireMint).
 */
export const PortfolioStakeModule = buildModule("PortfolioStake", (m) => {
  const nmr = m.contractAt(
    "@openzeppelin/contracts/token/ERC20/IERC20.sol:IERC20",
    m.getParameter("nmr", MAINNET_NMR),
    { id: "NMR" },
  );
  const stake = deployStake(m, nmr, m.getParameter<ModuleParameterType>("burnMode"));
  return { stake, nmr };
});

/** Local chain: a mock NMR (mintable by anyone, standard `burn`) and the staking contract in ERC20Burn mode. */
export const LocalPortfolioStakeModule = buildModule("LocalPortfolioStake", (m) => {
  const nmr = m.contract("MockNMR", [], { id: "NMR" });
  const stake = deployStake(m, nmr, BURN_MODES.ERC20Burn);
  return { stake, nmr };
});

/**
 * Local chain with NMRLike, the test token that behaves like the real NMR (burns through `mint`, empty fallback,
 * approve only from/to zero; `faucet(to, v)` for tests), and the staking contract in NumeraireMint mode, as on
 * mainnet. scripts/lib/deploy.ts uses it by default (LOCAL_NMR=MockNMR for the other).
 */
export const LocalNMRLikePortfolioStakeModule = buildModule("LocalNMRLikePortfolioStake", (m) => {
  const nmr = m.contract("NMRLike", [], { id: "NMR" });
  const stake = deployStake(m, nmr, BURN_MODES.NumeraireMint);
  return { stake, nmr };
});

export default PortfolioStakeModule;
