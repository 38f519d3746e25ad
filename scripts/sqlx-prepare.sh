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

# Apply the migrations with psql, in the order shared::db::migrate applies
# them (apalis' own, then ours): building anything of ours first would need
# the very query data this script writes.
apalis_dir=$(cargo metadata --format-version 1 | python3 -c '
import json, os, sys
meta = json.load(sys.stdin)
print(next(os.path.dirname(p["manifest_path"]) for p in meta["packages"] if p["name"] == "apalis-postgres"))')
for f in "$apalis_dir"/migrations/*.sql migrations/*.sql; do
  psql "$base/$db" -q -v ON_ERROR_STOP=1 -f "$f" >/dev/null
done

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
