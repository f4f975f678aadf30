#!/usr/bin/env bash
# Every test: static checks, app unit tests, the Hardhat suite under solidity-coverage with a 100% gate, the long
# invariant fuzz, the web app end to end in Chromium, and the indexer against the contract.
set -euo pipefail
cd "$(dirname "$0")/.."
export HARDHAT_DISABLE_TELEMETRY_PROMPT=true

echo "── compile (contracts and TypeChain types)" && npx hardhat compile --quiet
echo "── typecheck" && npx tsc --noEmit -p . && (cd indexer && npx tsc --noEmit)
echo "── solhint" && npx solhint --disc --max-warnings 0 "contracts/**/*.sol"
echo "── prettier (contracts)" && npx prettier --check "contracts/**/*.sol"
echo "── web app: typecheck and unit tests" && npm run typecheck -w app && npm run test:unit -w app
# Instrumented, the long tests (256-vector rings, worst-bound simulations) need more than the default 4 GB heap.
echo "── hardhat tests with coverage" && NODE_OPTIONS="${NODE_OPTIONS:-} --max-old-space-size=8192" npx hardhat coverage
node scripts/check-coverage.js "${COVERAGE_MIN:-100}"
# Coverage instruments the contract and runs only a short fuzz; the full property run is uninstrumented.
echo "── invariant fuzzing (FUZZ_RUNS=${FUZZ_RUNS:-2000} sequences)" && FUZZ_RUNS="${FUZZ_RUNS:-2000}" npx hardhat test test/PortfolioStake.invariants.test.ts
# The web app end to end: its own node + demo history, next build, next start, Playwright in Debian's Chromium.
echo "── web app end-to-end (app/scripts/e2e.sh)" && npm run test:e2e -w app
# The indexer: demo history + random actions, then its rebuilt state must equal the contract's views; and a reorg.
echo "── indexer correctness (indexer/test/run.ts)" && npm test -w indexer
