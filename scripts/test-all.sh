#!/usr/bin/env bash
# Every test: static checks, then the whole Hardhat suite under solidity-coverage with a coverage gate.
set -euo pipefail
cd "$(dirname "$0")/.."
export HARDHAT_DISABLE_TELEMETRY_PROMPT=true

echo "── compile (contracts and TypeChain types)" && npx hardhat compile --quiet
echo "── typecheck" && npx tsc --noEmit -p .
echo "── solhint" && npx solhint --disc --max-warnings 0 "contracts/**/*.sol"
echo "── prettier (contracts)" && npx prettier --check "contracts/**/*.sol"
echo "── hardhat tests with coverage" && npx hardhat coverage
node scripts/check-coverage.js "${COVERAGE_MIN:-100}"
# Coverage instruments the contract and runs only a short fuzz; the full property run is uninstrumented.
echo "── invariant fuzzing (FUZZ_RUNS=${FUZZ_RUNS:-2000} sequences)" && FUZZ_RUNS="${FUZZ_RUNS:-2000}" npx hardhat test test/PortfolioStake.invariants.test.ts
