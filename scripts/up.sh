#!/usr/bin/env bash
# Start the whole system on this machine and walk one tailoring job through:
# PostgreSQL and Redis (started or installed if needed), migrations, the api,
# two workers, and — when NEBIUS_API_KEY is unset — the local LLM simulator.
#
#   scripts/up.sh            start everything, run the walk-through, keep running (Ctrl-C stops)
#   scripts/up.sh --detach   start everything, run the walk-through, leave it running
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
detach=false; [ "${1:-}" = "--detach" ] && detach=true

bold() { printf '\033[1m%s\033[0m\n' "$*"; }
scripts/ensure-services.sh
scripts/ensure-tools.sh

dev="$root/.dev"; mkdir -p "$dev/logs"
target="${CARGO_TARGET_DIR:-$root/target}"
bold "building (first build takes a few minutes on 2 cores)"
SQLX_OFFLINE=true cargo build --workspace --bins
bin="$target/debug"

# Local development credentials: an RSA key pair that stands in for Clerk's.
[ -f "$dev/keys/dev-private.pem" ] || "$bin/dev-token" keygen --dir "$dev/keys" >/dev/null
db_name="${TAILOR_DB:-tailor}"
psql "postgres://postgres:postgres@127.0.0.1:5432/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname = '$db_name'" | grep -q 1 \
  || psql "postgres://postgres:postgres@127.0.0.1:5432/postgres" -qc "CREATE DATABASE $db_name"

if [ ! -f .env ]; then
  enc_key=$(head -c 32 /dev/urandom | base64)
  cat > .env <<ENV
DATABASE_URL=postgres://postgres:postgres@127.0.0.1:5432/$db_name
REDIS_URL=redis://127.0.0.1:6379
API_ADDR=127.0.0.1:8080
API_KEY_ENCRYPTION_KEY=$enc_key
CLERK_JWT_KEY="$(awk '{printf "%s\\n", $0}' "$dev/keys/dev-public.pem")"
ENV
  bold "wrote .env (development settings)"
fi
set -a; . ./.env; set +a
export SQLX_OFFLINE=true

pids=()
stop_all() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
$detach || trap stop_all EXIT INT TERM

if [ -z "${NEBIUS_API_KEY:-}" ]; then
  if [ -x "$bin/llm-sim" ]; then
    printf '\n\033[1;33m%s\033[0m\n' "!!! NEBIUS_API_KEY is unset: DEEPSEEK jobs go to the LOCAL LLM SIMULATOR (llm-sim) on 127.0.0.1:8090."
    printf '\033[1;33m%s\033[0m\n\n' "!!! Its answers are deterministic stand-ins for development only, not a real model."
    "$bin/llm-sim" --addr 127.0.0.1:8090 > "$dev/logs/llm-sim.log" 2>&1 & pids+=($!)
    export NEBIUS_API_KEY=sim-key NEBIUS_BASE_URL=http://127.0.0.1:8090/v1/
  else
    bold "NEBIUS_API_KEY is unset and this build has no llm-sim: jobs will fail with a clear message"
  fi
fi

"$bin/api" migrate
"$bin/api" > "$dev/logs/api.log" 2>&1 & pids+=($!)
WORKER_NAME=worker-a WORKER_ADMIN_ADDR=127.0.0.1:9465 "$bin/worker" > "$dev/logs/worker-a.log" 2>&1 & pids+=($!)
WORKER_NAME=worker-b WORKER_ADMIN_ADDR=127.0.0.1:9466 "$bin/worker" > "$dev/logs/worker-b.log" 2>&1 & pids+=($!)
for _ in $(seq 1 100); do curl -fs "http://$API_ADDR/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
bold "api on http://$API_ADDR (logs in .dev/logs/); metrics on http://${METRICS_ADDR:-127.0.0.1:9464}/metrics, workers' on :9465 and :9466"

scripts/walkthrough.sh

if $detach; then
  bold "running in the background: pids ${pids[*]} (kill them to stop)"
else
  bold "running; Ctrl-C stops everything"
  wait
fi
