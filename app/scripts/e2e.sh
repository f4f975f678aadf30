#!/usr/bin/env bash
# End-to-end tests, self-contained: a Hardhat node on E2E_CHAIN_PORT (8547) started in the past, the demo history on
# it (isolated Ignition journal, deployments file and demo dir), `next build` + `next start` on E2E_APP_PORT (3100)
# pointed at that chain, then Playwright in /usr/bin/chromium. Everything started here is stopped on exit, failure
# or Ctrl-C. Screenshots land in app/e2e-artifacts/.
set -euo pipefail
APP="$(cd "$(dirname "$0")/.." && pwd)"
ROOT="$(dirname "$APP")"
CHAIN_PORT="${E2E_CHAIN_PORT:-8547}"
APP_PORT="${E2E_APP_PORT:-3100}"
ROUNDS="${E2E_DEMO_ROUNDS:-60}" # the walk-forward chart (8-walk-forward.spec.ts) needs ~55
RPC="http://127.0.0.1:${CHAIN_PORT}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/portfolio-stake-e2e.XXXXXX")"
export HARDHAT_DISABLE_TELEMETRY_PROMPT=true NEXT_TELEMETRY_DISABLED=1 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
started=$(date +%s)
pids=()

stop_all() {
  local code=$?
  for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
  sleep 0.5
  for pid in "${pids[@]}"; do kill -KILL -- "-$pid" 2>/dev/null || true; done
  if [ "$code" -eq 0 ]; then rm -rf "$WORK"; else echo "e2e: failed (exit $code); logs kept in $WORK" >&2; fi
  echo "e2e: total $(( $(date +%s) - started )) s"
}
trap stop_all EXIT
trap 'exit 130' INT TERM

# Node's fetch, not curl: CI machines have Node and npm, nothing else is promised.
http_ok() { node -e 'const [u, body] = process.argv.slice(1); fetch(u, body ? { method: "POST", headers: { "content-type": "application/json" }, body, signal: AbortSignal.timeout(2000) } : { signal: AbortSignal.timeout(2000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "$@"; }
rpc_up() { http_ok "$RPC" '{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber","params":[]}'; }
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if port_busy "$CHAIN_PORT"; then echo "e2e: port $CHAIN_PORT is in use; set E2E_CHAIN_PORT" >&2; exit 1; fi
if port_busy "$APP_PORT"; then echo "e2e: port $APP_PORT is in use; set E2E_APP_PORT" >&2; exit 1; fi
[ -x /usr/bin/chromium ] || [ -n "${CHROMIUM_PATH:-}" ] || { echo "e2e: needs Debian's chromium (apt-get install chromium)" >&2; exit 1; }

cd "$ROOT"
echo "── e2e: compile contracts (no-op when up to date)"
npx hardhat compile --quiet

# The chain starts in the past so that the demo's history ends about now (as npm start does).
GENESIS="$(node --import tsx -e "const {demoGenesisDate}=require('./scripts/lib/demo.ts'); console.log(demoGenesisDate(${ROUNDS}, Date.now()).toISOString())")"
echo "── e2e: hardhat node on $RPC (genesis $GENESIS)"
HARDHAT_INITIAL_DATE="$GENESIS" setsid ./node_modules/.bin/hardhat node --hostname 127.0.0.1 --port "$CHAIN_PORT" >"$WORK/node.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 120); do rpc_up && break; sleep 0.5; done
rpc_up || { echo "e2e: the node did not start" >&2; exit 1; }

echo "── e2e: demo history ($ROUNDS rounds)"
LOCAL_RPC_URL="$RPC" IGNITION_DEPLOYMENT_ID="test-app-e2e-$$" DEPLOYMENTS_FILE="$WORK/deployedContracts.ts" DEMO_DIR="$WORK/demo" \
  DEMO_ROUNDS="$ROUNDS" npx hardhat run scripts/demo.ts --network localhost >"$WORK/demo.log" 2>&1 ||
  { tail -30 "$WORK/demo.log" >&2; exit 1; }
tail -7 "$WORK/demo.log"
rm -rf "$ROOT/ignition/deployments/test-app-e2e-$$"

cd "$APP"
export NEXT_PUBLIC_RPC_URL="$RPC" NEXT_PUBLIC_CHAIN_ID=31337 NEXT_DIST_DIR=.next-e2e
export DEPLOYMENTS_FILE="$WORK/deployedContracts.ts" DEMO_DIR="$WORK/demo"
if [ "${E2E_SKIP_BUILD:-}" != "1" ]; then
  echo "── e2e: next build"
  build_started=$(date +%s)
  ../node_modules/.bin/next build >"$WORK/build.log" 2>&1 || { tail -40 "$WORK/build.log" >&2; exit 1; }
  echo "   built in $(( $(date +%s) - build_started )) s"
fi
echo "── e2e: next start on http://127.0.0.1:$APP_PORT"
setsid ../node_modules/.bin/next start -H 127.0.0.1 -p "$APP_PORT" >"$WORK/next.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 60); do http_ok "http://127.0.0.1:$APP_PORT/api/deployments" && break; sleep 0.5; done

echo "── e2e: first-load JS per page (gzip; budget ${E2E_JS_BUDGET_KB:-250} kB)"
ALICE="0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
# An over-budget page fails the run, but only after the browser tests (they still tell whether the app works).
size_status=0
node --import tsx scripts/first-load-js.ts "http://127.0.0.1:$APP_PORT" / "/account/$ALICE" "/account/$ALICE/performance" "/account/$ALICE/history" \
  --budget-kb "${E2E_JS_BUDGET_KB:-250}" || size_status=$?

echo "── e2e: playwright"
mkdir -p e2e-artifacts
E2E_BASE_URL="http://127.0.0.1:$APP_PORT" E2E_RPC_URL="$RPC" E2E_DEMO_JSON="$WORK/demo/demo.json" \
  ../node_modules/.bin/playwright test "$@"
if [ "$size_status" -ne 0 ]; then echo "e2e: a page's first-load JS is over the budget (see the table above)" >&2; exit "$size_status"; fi
