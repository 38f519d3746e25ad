#!/usr/bin/env bash
# Resilience under load, as scripted scenarios that print their result.
#
#   scripts/resilience.sh pg      PostgreSQL restarted mid-load
#   scripts/resilience.sh redis   Redis restarted mid-load
#   scripts/resilience.sh soak [MINUTES]   a steady rate with 5% provider errors (default 10 min)
#   scripts/resilience.sh rpm     4 workers against a provider limited to 60 requests/min
#   scripts/resilience.sh all
#
# Each starts llm-sim, the api and two workers (release build) on a scratch
# database, drives them with loadgen, breaks something, and then checks: every
# job that got a 202 ended COMPLETED or FAILED (none lost), the api answered
# quickly while PostgreSQL was down (503, never a hang), and RSS stayed flat
# (soak). It restarts the machine's PostgreSQL or Redis: never run it where
# others depend on them. Results: bench/resilience-<scenario>.json; the
# verdicts are computed by scripts/bench_verdicts.py (tested).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/common.sh
source scripts/lib/common.sh   # port, wait_http, rss_kb, pids + cleanup, ensure_keys, recreate_db
export SQLX_OFFLINE=true; unset DATABASE_URL
target="${CARGO_TARGET_DIR:-target}"
bin="$target/${BENCH_PROFILE:-release}"
out="${BENCH_OUT:-bench}"
mkdir -p "$out/logs"
scripts/ensure-services.sh
if [ "${BENCH_PROFILE:-release}" = release ]; then cargo build -q --release --bins; else cargo build -q --bins; fi

admin="${TEST_DATABASE_URL:-postgres://postgres:postgres@127.0.0.1:5432/postgres}"
db_name="tailor_resilience"; db="${admin%/*}/$db_name"
redis="${TEST_REDIS_URL:-redis://127.0.0.1:6379}"
ensure_keys "$bin" "$out"
enc_key="KioqKioqKioqKioqKioqKioqKioqKioqKioqKioqKio="   # test only
pg_restart() { local v; v=$(ls /etc/postgresql | head -1); pg_ctlcluster --skip-systemctl-redirect "$v" main "$1"; }
redis_start() { redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null; }

WORKERS=2
WORKER_ENV=()
start_system() {  # sim-args...
  recreate_db "$admin" "$db_name"
  sim_port=$(port); api_port=$(port); api="http://127.0.0.1:$api_port"
  "$bin/llm-sim" --addr "127.0.0.1:$sim_port" "$@" >"$out/logs/res-sim.log" 2>&1 & pids+=($!)
  env DATABASE_URL="$db" REDIS_URL="$redis" API_ADDR="127.0.0.1:$api_port" METRICS_ADDR=127.0.0.1:0 RUST_LOG=warn \
    CLERK_JWT_KEY="$(cat "$keys/dev-public.pem")" API_KEY_ENCRYPTION_KEY="$enc_key" AI_JOB_SUBMISSIONS_PER_MINUTE=0 \
    "$bin/api" >"$out/logs/res-api.log" 2>&1 & api_pid=$!; pids+=($api_pid)
  wait_http "$api/readyz" 300
  worker_pids=()
  for i in $(seq 1 "$WORKERS"); do
    env DATABASE_URL="$db" REDIS_URL="$redis" RUST_LOG=warn API_KEY_ENCRYPTION_KEY="$enc_key" WORKER_ADMIN_ADDR=127.0.0.1:0 \
      NEBIUS_API_KEY=res-key NEBIUS_BASE_URL="http://127.0.0.1:$sim_port/v1/" DEEPSEEK_RPM=0 \
      WORKER_NAME="res-$i" WORKER_CONCURRENCY=32 PROVIDER_RETRY_BUDGET_SECS=60 "${WORKER_ENV[@]}" \
      "$bin/worker" >"$out/logs/res-worker-$i.log" 2>&1 & worker_pids+=($!); pids+=($!)
  done
  sleep 2
}

# Every AIJob final? Prints "final unfinished".
final_counts() {
  psql "$db" -Atc "SELECT count(*) FILTER (WHERE status IN ('COMPLETED','FAILED')), count(*) FILTER (WHERE status IN ('QUEUED','RUNNING')) FROM \"AIJob\"" | tr '|' ' '
}
# Wait until no job is unfinished (at most $1 s).
wait_all_final() {
  for _ in $(seq 1 "$1"); do
    read -r _done unfinished < <(final_counts 2>/dev/null || echo "0 1")
    [ "$unfinished" = 0 ] && return 0; sleep 1
  done
  return 1
}

load() {  # name rate seconds extra...
  local name=$1 rate=$2 secs=$3; shift 3
  "$bin/loadgen" run --api "$api" --jwt-private-key "$keys/dev-private.pem" --quiet --users 20 \
    --jobs $((rate * secs)) --rate "$rate" --concurrency 2000 --follow long-poll --timeout-secs 300 \
    --report "$out/resilience-$name-load.json" "$@"
}

scenario_pg() {
  echo "== PostgreSQL restarted mid-load (50 jobs/s for 60 s; stop at 15 s, start at 25 s)"
  start_system --latency-ms 200
  load pg 50 60 & lg=$!
  sleep 15
  pg_restart stop
  local t0 t1 code
  t0=$(date +%s%N)
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 "$api/readyz" || echo 000)
  t1=$(date +%s%N)
  local probe_ms=$(( (t1 - t0) / 1000000 ))
  local token; token=$("$bin/dev-token" mint --key "$keys/dev-private.pem" --sub loadgen_user_0)
  t0=$(date +%s%N)
  local code2; code2=$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 -H "Authorization: Bearer $token" "$api/v1/projects" || echo 000)
  t1=$(date +%s%N)
  local route_ms=$(( (t1 - t0) / 1000000 ))
  sleep 8
  pg_restart start
  wait "$lg" || true
  wait_all_final 120 || true
  read -r done unfinished < <(final_counts)
  python3 scripts/bench_verdicts.py resilience-pg "$out" "$code" "$probe_ms" "$code2" "$route_ms" "$done" "$unfinished"
  cleanup; pids=()
}

scenario_redis() {
  echo "== Redis restarted mid-load (50 jobs/s for 60 s, SSE; stop at 15 s, start at 25 s)"
  start_system --latency-ms 200
  "$bin/loadgen" run --api "$api" --jwt-private-key "$keys/dev-private.pem" --quiet --users 20 --jobs 3000 \
    --rate 50 --concurrency 2000 --follow sse --timeout-secs 300 --report "$out/resilience-redis-load.json" & lg=$!
  sleep 15
  redis-cli -u "$redis" shutdown nosave >/dev/null 2>&1 || true
  sleep 10
  redis_start
  wait "$lg" || true
  wait_all_final 120 || true
  read -r done unfinished < <(final_counts)
  python3 scripts/bench_verdicts.py resilience-redis "$out" "$done" "$unfinished"
  cleanup; pids=()
}

scenario_soak() {
  local minutes=${1:-10} rate=20
  echo "== soak: $rate jobs/s for $minutes min, 5% provider errors (503), RSS sampled every 10 s"
  start_system --latency-ms 100 --rate-5xx 0.05
  load soak "$rate" $((minutes * 60)) & lg=$!
  : > "$out/resilience-soak-rss.csv"
  local start; start=$(date +%s)
  while kill -0 "$lg" 2>/dev/null; do
    echo "$(( $(date +%s) - start )),$(rss_kb "$api_pid"),$(rss_kb "${worker_pids[0]}"),$(rss_kb "${worker_pids[1]}")" >> "$out/resilience-soak-rss.csv"
    sleep 10
  done
  wait "$lg" || true
  wait_all_final 120 || true
  read -r done unfinished < <(final_counts)
  local tasks; tasks=$(psql "$db" -Atc "SELECT count(*) FROM apalis.jobs")
  python3 scripts/bench_verdicts.py resilience-soak "$out" "$done" "$unfinished" "$tasks"
  cleanup; pids=()
}

scenario_rpm() {
  echo "== 4 workers against a provider limited to 60 requests/min; workers paced at DEEPSEEK_RPM=58; 180 jobs at 1.2/s"
  WORKERS=4
  WORKER_ENV=(DEEPSEEK_RPM=58 PROVIDER_QUEUE_WAIT_SECS=600)
  start_system --rpm 60 --latency-ms 200
  "$bin/loadgen" run --api "$api" --jwt-private-key "$keys/dev-private.pem" --quiet --users 10 --jobs 180 \
    --rate 1.2 --concurrency 400 --follow long-poll --timeout-secs 600 --report "$out/resilience-rpm-load.json" || true
  local stats; stats=$(curl -fsS "http://127.0.0.1:$sim_port/sim/stats")
  python3 scripts/bench_verdicts.py resilience-rpm "$out" "$stats"
  cleanup; pids=(); WORKERS=2; WORKER_ENV=()
}

case "${1:-all}" in
  pg) scenario_pg ;;
  redis) scenario_redis ;;
  soak) scenario_soak "${2:-10}" ;;
  rpm) scenario_rpm ;;
  all) scenario_pg; scenario_redis; scenario_rpm; scenario_soak "${2:-10}" ;;
  *) echo "usage: $0 pg|redis|rpm|soak [MINUTES]|all" >&2; exit 2 ;;
esac
