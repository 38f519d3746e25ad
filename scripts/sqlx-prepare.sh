#!/usr/bin/env bash
# Regenerate .sqlx/ (the query metadata that lets `sqlx::query!` build
# without a database) from a scratch database with every migration applied.
# Run after changing any SQL in the code; commit the result.
#   scripts/sqlx-prepare.sh           regenerate .sqlx/
#   scripts/sqlx-prepare.sh --check   fail if .sqlx/ is not current
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-services.sh
admin="${TEST_DATABASE_URL:-postgres://postgres:postgres@127.0.0.1:5432/postgres}"
db="tailor_sqlx_prepare_$$"
base="${admin%/*}"
cleanup() { psql "$admin" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true; }
trap cleanup EXIT
psql "$admin" -qc "CREATE DATABASE $db" >/dev/null

# Apply migrations (shared has no query macros, so this builds without .sqlx).
SQLX_OFFLINE=true cargo build -q -p tailor-shared --example migrate
target="${CARGO_TARGET_DIR:-target}"
DATABASE_URL="$base/$db" "$target/debug/examples/migrate"

out=$(mktemp -d)
# Force the macros of our crates to expand again, online, saving their data.
touch shared/src/lib.rs api/src/lib.rs worker/src/lib.rs tools/src/lib.rs
find api/src worker/src shared/src tools/src -name '*.rs' -exec touch {} +
DATABASE_URL="$base/$db" SQLX_OFFLINE=false SQLX_OFFLINE_DIR="$out" \
  cargo check -q --workspace --all-targets
if [ "${1:-}" = "--check" ]; then
  if diff -r -q "$out" .sqlx >/dev/null; then echo ".sqlx is current"; else
    echo ".sqlx is stale: run scripts/sqlx-prepare.sh and commit" >&2; diff -r -q "$out" .sqlx >&2 || true; exit 1; fi
else
  rm -rf .sqlx && mkdir -p .sqlx && cp "$out"/*.json .sqlx/ && echo "wrote $(ls .sqlx | wc -l) query files to .sqlx/"
fi
rm -rf "$out"
