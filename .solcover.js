// solidity-coverage: measure contracts/ only (mocks are test scaffolding).
module.exports = {
  skipFiles: ["mocks/"],
  istanbulReporter: ["text", "text-summary", "json-summary", "lcov"],
  configureYulOptimizer: true,
};
