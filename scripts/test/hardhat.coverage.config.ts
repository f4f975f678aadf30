/**
 * Hardhat config for `hardhat coverage` only: the project's config with its own artifacts and cache under
 * build/coverage/ and no TypeChain generation. solidity-coverage compiles instrumented contracts into
 * paths.artifacts/paths.cache, so with the default paths it would overwrite (and, by changing the optimizer settings,
 * invalidate) the artifacts that other Hardhat processes read: the integration tests, the fuzz, the e2e chain and
 * the indexer test run beside coverage in `npm test`. Test files still import ../../typechain-types (types only;
 * contracts are deployed from hre.artifacts, i.e. from the instrumented build).
 *
 *   npx hardhat --config scripts/test/hardhat.coverage.config.ts coverage --testfiles "test/contracts/**\/*.ts"
 */
import type { HardhatUserConfig } from "hardhat/config";
import base from "../../hardhat.config";

const config: HardhatUserConfig = {
  ...base,
  paths: {
    ...base.paths,
    root: "../..",
    artifacts: "build/coverage/artifacts",
    cache: "build/coverage/cache",
  },
  typechain: { ...base.typechain, dontOverrideCompile: true },
};

export default config;
