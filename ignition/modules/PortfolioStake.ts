import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import type { ContractFuture, IgnitionModuleBuilder } from "@nomicfoundation/ignition-core";

/** The real NMR token on Ethereum mainnet. */
export const MAINNET_NMR = "0x1776e1F26f98b1A5dF9cD347953a26dd3Cb46671";

const DAY = 24 * 60 * 60;

/**
 * PortfolioStake for a given NMR token address, with roles granted to the configured operator and pauser.
 * Parameters (ignition/parameters/*.json or --parameters): nmr, admin, operator, pauser, firstRound, burnSink,
 * withdrawalDelay, minRoundInterval, resolutionDelay, publishWindow, rateCap. Defaults suit daily Numerai rounds.
 */
function deployStake(m: IgnitionModuleBuilder, nmr: ContractFuture<string>) {
  const deployer = m.getAccount(0);
  const admin = m.getParameter("admin", deployer);
  const operator = m.getParameter("operator", deployer);
  const pauser = m.getParameter("pauser", deployer);
  const stake = m.contract("PortfolioStake", [
    nmr,
    m.getParameter("burnSink", "0x0000000000000000000000000000000000000000"),
    deployer,
    m.getParameter("firstRound", 1),
    {
      withdrawalDelay: m.getParameter("withdrawalDelay", 7 * DAY),
      minRoundInterval: m.getParameter("minRoundInterval", DAY),
      resolutionDelay: m.getParameter("resolutionDelay", 28 * DAY),
      publishWindow: m.getParameter("publishWindow", 7 * DAY),
      rateCap: m.getParameter("rateCap", 50_000_000_000_000_000n),
    },
  ]);
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

/** Any chain with an existing NMR token: mainnet (parameter defaults to the real NMR) or a testnet. */
export const PortfolioStakeModule = buildModule("PortfolioStake", (m) => {
  const nmr = m.contractAt(
    "@openzeppelin/contracts/token/ERC20/IERC20.sol:IERC20",
    m.getParameter("nmr", MAINNET_NMR),
    { id: "NMR" },
  );
  const stake = deployStake(m, nmr);
  return { stake, nmr };
});

/** Local chain: a mock NMR (mintable by anyone, burnable) and the staking contract. */
export const LocalPortfolioStakeModule = buildModule("LocalPortfolioStake", (m) => {
  const nmr = m.contract("MockNMR", [], { id: "NMR" });
  const stake = deployStake(m, nmr);
  return { stake, nmr };
});

export default PortfolioStakeModule;
