#!/usr/bin/env bash
# The API against its own document, from outside.
#
# Builds the binaries (debug), starts the real `api` on a free port over a
# scratch database (no worker: AI jobs stay QUEUED), with a generated key
# pair and two users, and runs Schemathesis over every operation of
# /openapi.json with every check and every phase (examples, coverage,
# fuzzing, stateful). Any failure fails the script. Then proves a
# TypeScript client generated from the same document type-checks
# (scripts/ts-client.sh).
#
#   scripts/api-contract.sh                  # what CI runs
#   CONTRACT_MAX_EXAMPLES=100 scripts/api-contract.sh   # longer
#   CONTRACT_SEED=7 scripts/api-contract.sh  # another deterministic run
#   CONTRACT_SKIP_TS=1 …                     # Schemathesis only
#
# Installs Schemathesis (PyPI, pinned) into a cached virtualenv, and the
# TypeScript tools (npm, pinned by clients/typescript/package-lock.json)
# into a cached folder. Configuration: scripts/api-contract.toml (says why
# one check is configured for some operations).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"

SCHEMATHESIS_VERSION=4.32.5
SEED="${CONTRACT_SEED:-20251127}"
MAX_EXAMPLES="${CONTRACT_MAX_EXAMPLES:-30}"

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/tailor-target}"
export SQLX_OFFLINE=true
unset DATABASE_URL

log() { printf '\033[1m[contract]\033[0m %s\n' "$*" >&2; }

scripts/ensure-services.sh

log "building api and dev-token (debug)"
cargo build --bin api --bin dev-token
bin="$CARGO_TARGET_DIR/debug"

# --- Schemathesis, pinned, in a cached virtualenv ---------------------------
cache="${XDG_CACHE_HOME:-$HOME/.cache}/tailor-contract"
venv="$cache/schemathesis-$SCHEMATHESIS_VERSION"
if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -qF "$SCHEMATHESIS_VERSION"; then
  log "installing schemathesis==$SCHEMATHESIS_VERSION into $venv"
  rm -rf "$venv"
  mkdir -p "$cache"
  if ! python3 -m venv "$venv" 2>/dev/null; then
    # Debian's python3 lacks ensurepip until python3-venv is installed.
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null && apt-get install -y -qq python3-venv >/dev/null
    python3 -m venv "$venv"
  fi
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

if ! command -v psql >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null && apt-get install -y -qq postgresql-client >/dev/null
fi

# --- a scratch database and the real api ------------------------------------
admin_url="${TEST_DATABASE_URL:-postgres://postgres:postgres@127.0.0.1:5432/postgres}"
db="tailor_contract_$$_$(date +%s)"
db_url="${admin_url%/*}/$db"
work="$(mktemp -d -t tailor-contract-XXXXXX)"
api_pid=""
cleanup() {
  if [ -n "$api_pid" ] && kill -0 "$api_pid" 2>/dev/null; then
    kill "$api_pid" 2>/dev/null || true
    wait "$api_pid" 2>/dev/null || true
  fi
  psql "$admin_url" -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

psql "$admin_url" -qc "CREATE DATABASE \"$db\"" >/dev/null

"$bin/dev-token" keygen --dir "$work/keys" >/dev/null
owner_token="$("$bin/dev-token" mint --key "$work/keys/dev-private.pem" --sub contract_user --ttl-secs 7200)"
peer_token="$("$bin/dev-token" mint --key "$work/keys/dev-private.pem" --sub contract_peer --ttl-secs 7200)"
# The two users as a Web Fuzzing Commons auth file (scripts/api-contract.toml).
cat >"$work/auth.json" <<EOF
{"auth": [
  {"name": "owner", "fixedHeaders": [{"name": "Authorization", "value": "Bearer $owner_token"}]},
  {"name": "peer", "fixedHeaders": [{"name": "Authorization", "value": "Bearer $peer_token"}]}
]}
EOF

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
mkdir -p "$work/run"
log "starting the api on $base over database $db"
# From a directory without a .env, so only what is set here counts. CORS is
# on (as a browser front end needs), so its layer is under test too.
(
  cd "$work/run"
  exec env \
    DATABASE_URL="$db_url" \
    REDIS_URL="${TEST_REDIS_URL:-redis://127.0.0.1:6379}" \
    API_ADDR="127.0.0.1:$port" \
    METRICS_ADDR=127.0.0.1:0 \
    CLERK_JWT_KEY="$(cat "$work/keys/dev-public.pem")" \
    API_KEY_ENCRYPTION_KEY="$(python3 -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())')" \
    STORAGE_URL="file://$work/storage" \
    CORS_ALLOWED_ORIGINS="http://localhost:5173" \
    RUST_LOG="${CONTRACT_RUST_LOG:-warn}" \
    LOG_FORMAT=text \
    "$bin/api" serve
) >"$work/api.log" 2>&1 &
api_pid=$!

for _ in $(seq 1 120); do
  if ! kill -0 "$api_pid" 2>/dev/null; then
    log "the api exited:"; cat "$work/api.log" >&2; exit 1
  fi
  if curl -sf "$base/readyz" >/dev/null 2>&1; then break; fi
  sleep 0.5
done
curl -sf "$base/readyz" >/dev/null || { log "the api never became ready"; cat "$work/api.log" >&2; exit 1; }
curl -sf "$base/openapi.json" -o "$work/openapi.json"

# --- Schemathesis ------------------------------------------------------------
log "schemathesis $SCHEMATHESIS_VERSION: every operation, every check, every phase (seed $SEED, at most $MAX_EXAMPLES cases per operation and phase)"
set +e
CONTRACT_AUTH_FILE="$work/auth.json" "$venv/bin/schemathesis" \
  --config-file "$root/scripts/api-contract.toml" \
  run "$base/openapi.json" \
  --checks all \
  --phases examples,coverage,fuzzing,stateful \
  --seed "$SEED" \
  --generation-deterministic \
  --max-examples "$MAX_EXAMPLES" \
  --workers 2 \
  --request-timeout 20 \
  --no-color \
  --report junit \
  --report-dir "$work/report" \
  2>&1 | tee "$work/schemathesis.log"
status=${PIPESTATUS[0]}
set -e

operations="$(grep -A2 '^API Operations:' "$work/schemathesis.log" | sed -n 's/^ *Tested: *//p' | head -n1)"
cases="$(grep -A1 '^Test cases:' "$work/schemathesis.log" | tail -n1 | sed 's/^ *//')"
log "operations tested: ${operations:-?}; test cases: ${cases:-?}"
if grep -qE '^(thread .* panicked|.* ERROR )' "$work/api.log"; then
  log "the api logged errors during the run:"
  grep -E '(panicked| ERROR )' "$work/api.log" | head -n 40 >&2
  status=1
fi
if [ "$status" -ne 0 ]; then
  log "Schemathesis found disagreements between /openapi.json and the server (exit $status)"
  exit "$status"
fi

# --- the TypeScript client ----------------------------------------------------
if [ "${CONTRACT_SKIP_TS:-0}" != 1 ]; then
  scripts/ts-client.sh "$work/openapi.json"
fi
log "contract holds"
