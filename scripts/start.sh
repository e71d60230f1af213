#!/usr/bin/env bash
# `npm start`: install, build, migrate and seed as needed, then serve the console.
# Works on a fresh clone. Honours PORT, HOSTNAME, DATABASE_URL and IU_PGLITE_DIR.
set -euo pipefail

cd "$(dirname "$0")/.."

PORT="${PORT:-3000}"
# The console runs offline; Next.js telemetry stays off unless asked for.
export NEXT_TELEMETRY_DISABLED="${NEXT_TELEMETRY_DISABLED:-1}"
# bash sets HOSTNAME to the machine name by itself; only an exported HOSTNAME is a request
# to bind to a particular address.
BIND_HOST="$(printenv HOSTNAME || true)"

say() { printf '\n\033[1m▸ %s\033[0m\n' "$*"; }

if [ ! -d node_modules ] || [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "Installing dependencies (npm ci)"
  npm ci
fi

needs_build() {
  [ -f .next/BUILD_ID ] || return 0
  local newer
  newer="$(find app components lib db next.config.js postcss.config.mjs tailwind.config.ts package.json tsconfig.json \
    -newer .next/BUILD_ID -type f -print -quit 2>/dev/null || true)"
  [ -n "$newer" ]
}

if needs_build; then
  say "Building the console (next build)"
  npx next build
fi

# PGlite lets one process at a time open its folder, so these run to the end, one after
# the other, before the server opens it.
say "Applying migrations"
npm run --silent db:migrate

if [ -z "${DATABASE_URL:-}" ]; then
  say "Loading demo data into the embedded database (only when it is empty)"
  npm run --silent db:seed -- --if-empty
fi

if [ -n "$BIND_HOST" ] && [ "$BIND_HOST" != "0.0.0.0" ]; then
  URL="http://${BIND_HOST}:${PORT}"
else
  URL="http://localhost:${PORT}"
fi

printf '\n\033[1;32m  IU Core Console → %s\033[0m\n' "$URL"
if [ -n "${DATABASE_URL:-}" ]; then
  echo "  Database: PostgreSQL (DATABASE_URL)"
else
  echo "  Database: embedded PGlite in ${IU_PGLITE_DIR:-.data/pglite}"
fi
echo "  Stop with Ctrl+C."
echo

# exec the server itself (no npx in between) so Ctrl+C and a supervisor's SIGTERM reach it.
if [ -n "$BIND_HOST" ]; then
  exec node_modules/.bin/next start -p "$PORT" -H "$BIND_HOST"
else
  exec node_modules/.bin/next start -p "$PORT"
fi
