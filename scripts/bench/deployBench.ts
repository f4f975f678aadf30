/**
 * The contract the benchmarks measure: NMRLike, the two linked logic libraries and PortfolioStake with Numerai's
 * atomic slice (R = 64, clip 100%), daily rounds resolving after a day, NumeraireMint burns, `admin` as admin.
 */
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

export const DAY = 86_400;
const NUMERAIRE_MINT = 0; // IPortfolioStake.BurnMode
export const FIRST_ROUND = 1000;

export async function deployBenchContracts(ethers: HardhatRuntimeEnvironment["ethers"], admin: HardhatEthersSigner) {
  const nmr = await ethers.deployContract("NMRLike");
  const libraries = {
    SettlementLogic: await (await ethers.deployContract("SettlementLogic")).getAddress(),
    SpanSettlementLogic: await (await ethers.deployContract("SpanSettlementLogic")).getAddress(),
    RegistryLogic: await (await ethers.deployContract("RegistryLogic")).getAddress(),
  };
  const params = {
    withdrawalDelay: 7 * DAY,
    minRoundInterval: DAY,
    resolutionDelay: DAY,
    publishWindow: 7 * DAY,
    rateCap: ethers.parseEther("1"),
    proofGracePeriod: 7 * DAY,
    sliceDivisor: 64,
  };
  const deployed = await ethers.deployContract(
    "PortfolioStake",
    [await nmr.getAddress(), NUMERAIRE_MINT, ethers.ZeroAddress, admin.address, FIRST_ROUND, params],
    { libraries },
  );
  await deployed.waitForDeployment();
  return { nmr, stakeAddress: await deployed.getAddress() };
}
