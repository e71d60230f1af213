#!/usr/bin/env bash
# `npm start`: install, build, migrate and seed as needed, then serve the console.
# Works on a fresh clone. Honours PORT, HOSTNAME, DATABASE_URL, IU_PGLITE_DIR, BETTER_AUTH_SECRET
# and IU_ADMIN_PASSWORD.
set -euo pipefail

cd "$(dirname "$0")/.."

PORT="${PORT:-3000}"
# The console runs offline; Next.js telemetry stays off unless asked for.
export NEXT_TELEMETRY_DISABLED="${NEXT_TELEMETRY_DISABLED:-1}"
# bash sets HOSTNAME to the machine name by itself; only an exported HOSTNAME is a request
# to bind to a particular address.
BIND_HOST="$(printenv HOSTNAME || true)"

say() { printf '\n\033[1m▸ %s\033[0m\n' "$*"; }

if [ -n "${DATABASE_URL:-}" ] && [ -z "${BETTER_AUTH_SECRET:-}" ]; then
  echo "BETTER_AUTH_SECRET is not set: with DATABASE_URL the console needs a signing key of your own; set BETTER_AUTH_SECRET to a long random value (openssl rand -base64 32), the same on every instance." >&2
  exit 1
fi

if [ ! -d node_modules ] || [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "Installing dependencies (npm ci)"
  npm ci
fi

needs_build() {
  [ -f .next/BUILD_ID ] || return 0
  local newer
  newer="$(find app components lib db proxy.ts next.config.js postcss.config.mjs tailwind.config.ts package.json tsconfig.json \
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

if [ -z "${DATABASE_URL:-}" ] && [ "${IU_SKIP_SEED:-}" != "1" ]; then
  say "Loading demo data into the embedded database (only when it is empty)"
  npm run --silent db:seed -- --if-empty
fi

# The first account: lead `admin`, with IU_ADMIN_PASSWORD or a one-time password printed here.
say "Checking the console accounts"
npm run --silent iu -- users bootstrap

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
echo "  Sign in with a console account; the first one is admin (see the box above on the first start)."
echo "  Stop with Ctrl+C."
echo

# server.ts wraps Next's handler: it records the socket's peer address and drops identity
# headers from anyone but a trusted proxy. exec (no npx in between) so Ctrl+C and a
# supervisor's SIGTERM reach it.
export NODE_ENV=production
if [ -n "$BIND_HOST" ]; then
  exec node_modules/.bin/tsx server.ts --port "$PORT" --hostname "$BIND_HOST"
else
  exec node_modules/.bin/tsx server.ts --port "$PORT"
fi
