import { existsSync } from "node:fs";
import { type HardhatUserConfig, subtask, task } from "hardhat/config";
import { TASK_COMPILE, TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } from "hardhat/builtin-tasks/task-names";
import type { SolcBuild } from "hardhat/types";
import "@nomicfoundation/hardhat-toolbox";
import "@nomicfoundation/hardhat-ignition-ethers";
import { version as LOCAL_SOLC_VERSION } from "solc/package.json";

// The compiler comes from the npm `solc` package: nothing is downloaded at compile time.
subtask(
  TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD,
  async (args: { solcVersion: string }, _hre, runSuper): Promise<SolcBuild> => {
    if (args.solcVersion === LOCAL_SOLC_VERSION) {
      // Loaded here only: soljson.js is large, and most Hardhat runs do not compile.
      const { default: solc } = await import("solc");
      return {
        compilerPath: require.resolve("solc/soljson.js"),
        isSolcJs: true,
        version: args.solcVersion,
        longVersion: (solc.version as () => string)().replace(/\.Emscripten\.clang$/, ""),
      };
    }
    return (await runSuper()) as SolcBuild;
  },
);

// SKIP_COMPILE=1 (set by `npm test` for the stages that run after its compile): every compile, even a no-op one,
// rewrites cache/solidity-files-cache.json, and a Hardhat process starting beside it could read that file half
// written, drop it and recompile everything under the others' feet. Without artifacts it compiles as usual.
task(TASK_COMPILE, async (args: Record<string, unknown>, hre, runSuper): Promise<unknown> => {
  if (process.env.SKIP_COMPILE === "1" && existsSync(hre.config.paths.artifacts)) return undefined;
  return (await runSuper(args)) as unknown;
});

// RPC URLs and keys come from the environment only, never from files in the repository.
const accounts = process.env.DEPLOYER_KEY ? [process.env.DEPLOYER_KEY] : [];

const config: HardhatUserConfig = {
  solidity: {
    version: LOCAL_SOLC_VERSION,
    settings: { optimizer: { enabled: true, runs: 200 }, evmVersion: "prague", viaIR: false },
  },
  typechain: { outDir: "typechain-types", target: "ethers-v6" },
  gasReporter: { enabled: process.env.REPORT_GAS === "true", offline: true, currency: "USD" },
  mocha: { timeout: 600_000 },
  networks: {
    hardhat: {
      allowUnlimitedContractSize: false,
      accounts: { count: 40 },
      // `npm start` starts the local node in the past so the generated demo history ends about now.
      ...(process.env.HARDHAT_INITIAL_DATE ? { initialDate: process.env.HARDHAT_INITIAL_DATE } : {}),
    },
    localhost: { url: process.env.LOCAL_RPC_URL ?? "http://127.0.0.1:8545" },
    ...(process.env.TESTNET_RPC_URL ? { testnet: { url: process.env.TESTNET_RPC_URL, accounts } } : {}),
    ...(process.env.MAINNET_RPC_URL ? { mainnet: { url: process.env.MAINNET_RPC_URL, accounts } } : {}),
  },
};

export default config;
