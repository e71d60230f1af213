#!/usr/bin/env bash
# npm test: every test, on a fresh machine too. Installs what it can (npm packages; Debian's
# Chromium when run as root), says plainly what is missing otherwise.
#   TEST_DATABASE_URL=postgres://…/postgres  also runs the suite against PostgreSQL (each
#                                            test file creates and drops its own database)
#   IU_SKIP_E2E=1                             skips the browser journeys (say so in reviews)
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\n== %s\n' "$*"; }

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages (npm ci)"
  npm ci --no-audit --no-fund
fi

chromium_path="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ "${IU_SKIP_E2E:-}" != "1" ] && [ ! -x "$chromium_path" ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    say "installing Debian's Chromium for the browser tests"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "The browser tests need Chromium at $chromium_path, and it is missing." >&2
    echo "Install it with: sudo apt-get install -y chromium (or set CHROMIUM_PATH), or run with IU_SKIP_E2E=1 to skip them." >&2
    exit 1
  fi
fi

if [ -z "${TEST_DATABASE_URL:-}" ]; then
  echo "note: TEST_DATABASE_URL is not set, so the suite runs on the embedded PGlite only;"
  echo "      set it (e.g. postgres://postgres@127.0.0.1:5432/postgres) to run it on PostgreSQL too."
fi

rm -rf .test-reports && mkdir -p .test-reports
say "lint (ESLint, Prettier)"
npm run --silent lint

say "typecheck"
npx tsc --noEmit

say "unit and database tests (vitest)"
set +e
npx vitest run --reporter=default --reporter=json --outputFile.json=.test-reports/vitest.json
vitest_rc=$?
set -e

e2e_rc=0
if [ "${IU_SKIP_E2E:-}" = "1" ]; then
  echo "browser journeys skipped (IU_SKIP_E2E=1)"
else
  say "production build"
  npm run build   # next build, then server.ts compiled into dist/ (what start.sh runs)
  say "browser journeys (playwright, Chromium at $chromium_path)"
  # the journeys' PGlite folders are throwaway: named here so they can go when the run ends
  export E2E_PGLITE_DIR="$PWD/.data/e2e-$(date -u +%Y%m%dT%H%M%SZ)-$$"
  set +e
  PLAYWRIGHT_JSON_OUTPUT_NAME=.test-reports/playwright.json npx playwright test --reporter=list,json
  e2e_rc=$?
  set -e
  rm -rf "$E2E_PGLITE_DIR" "$E2E_PGLITE_DIR"-sso-*
fi

node scripts/test-summary.mjs .test-reports/vitest.json .test-reports/playwright.json
[ "$vitest_rc" = 0 ] && [ "$e2e_rc" = 0 ]
