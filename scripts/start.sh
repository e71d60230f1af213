#!/usr/bin/env bash
# `npm start`: install and build as needed, then run the console: one compiled process
# (dist/server.mjs) that applies the migrations, loads the demo data into an empty embedded
# database, makes the first account and serves. Works on a fresh clone. Honours PORT, HOSTNAME,
# DATABASE_URL, IU_PGLITE_DIR, IU_SKIP_SEED, BETTER_AUTH_SECRET and IU_ADMIN_PASSWORD.
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
  npm ci --no-audit --no-fund
fi

# whether any of the named sources changed since file $1 was made (or it is missing)
newer_than() {
  local made="$1"
  shift
  [ -f "$made" ] || return 0
  [ -n "$(find "$@" -newer "$made" -type f -print -quit 2>/dev/null || true)" ]
}
NEXT_SOURCES=(app components lib db proxy.ts next.config.js postcss.config.mjs tailwind.config.ts package.json tsconfig.json)
SERVER_SOURCES=(server.ts lib db scripts/build-server.mjs package.json tsconfig.json)

if newer_than .next/BUILD_ID "${NEXT_SOURCES[@]}"; then
  if [ -f .next/BUILD_ID ]; then
    say "Rebuilding the console (next build): sources changed since the last build; this takes a few minutes"
  else
    say "Building the console (next build): the first build takes a few minutes; later starts reuse it"
  fi
  # next build is silent for minutes while it compiles: a line every 15 s says it is still at work
  started=$SECONDS
  npx next build &
  build_pid=$!
  ( while sleep 15; do
      kill -0 "$build_pid" 2>/dev/null || exit 0
      printf '  … still building (%d s so far)\n' $((SECONDS - started))
    done ) &
  beat_pid=$!
  build_rc=0
  wait "$build_pid" || build_rc=$?
  kill "$beat_pid" 2>/dev/null || true
  wait "$beat_pid" 2>/dev/null || true
  if [ "$build_rc" != 0 ]; then
    echo "The build failed (exit $build_rc); the lines above say why." >&2
    exit "$build_rc"
  fi
  printf '  built in %d s\n' $((SECONDS - started))
fi

# server.ts and what it runs at start-up, compiled once (a second or two), not at every start
if newer_than dist/server.mjs "${SERVER_SOURCES[@]}"; then
  say "Compiling the server (dist/server.mjs)"
  node scripts/build-server.mjs
fi

# exec (no npm or npx in between) so Ctrl+C and a supervisor's SIGTERM reach the server, which
# drains. It prints each start-up step, the first account's box when it makes one, and the URL.
export NODE_ENV=production
if [ -n "$BIND_HOST" ]; then
  exec node --enable-source-maps dist/server.mjs --port "$PORT" --hostname "$BIND_HOST"
else
  exec node --enable-source-maps dist/server.mjs --port "$PORT"
fi
