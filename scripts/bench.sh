#!/usr/bin/env bash
# The benchmark suite: our pipeline against the bare queue and a bare
# axum+sqlx route, everything local on this machine, in one run (this machine
# is shared and noisy: only ratios measured together mean anything).
#
#   scripts/bench.sh            the full suite, release build (about 10 min
#                               after the build)
#   scripts/bench.sh --quick    a smoke run with small sizes (CI uses it with
#                               the debug build: it proves the suite works,
#                               its figures mean nothing)
#   scripts/bench.sh --tracing  only step (h): the end-to-end job rate with
#                               tracing off and with an unreachable collector
#   scripts/bench.sh --heavy    only the heavy requests: versions of many
#                               sections (BASE, then a MANUAL child carrying
#                               its locks), with /healthz latency meanwhile
#                               (bench/heavy.json)
#   scripts/bench.sh --fairness only the fair-share run: user A queues 200
#                               jobs, then user B one; B's wait to RUNNING
#                               (llm-sim at 1 s, 2 workers of 4, DeepSeek at
#                               120 RPM; bench/fairness.json)
#   scripts/bench.sh --queue    only the per-job cost of the pipeline: the bare
#                               queue drain, then 200 jobs of warm-up and
#                               QUEUE_JOBS (10,000: long enough to average out
#                               this machine's swings) with 20 users, followed by
#                               SSE (QUEUE_SSE_CONC, 256 in flight, as the
#                               rest of the suite), by SSE with 64 in flight
#                               (the setup issue 14 first measured: "sse-64";
#                               fewer in flight means smaller groups, so more
#                               CPU per job) and by polling every 200 ms with
#                               If-None-Match (QUEUE_POLL_CONC, 256 in flight:
#                               a job polled every 200 ms holds its client
#                               slot at least 200 ms, so 64 slots cap at 320
#                               jobs/s whatever the server does); jobs/s, commits and
#                               tuples fetched per job (the whole database
#                               and apalis.jobs), the queue table's rows and
#                               dead rows at the end, CPU seconds per job of
#                               the api, the workers, PostgreSQL, llm-sim and
#                               loadgen; ratios to the bare drain
#                               (bench/queue.json)
#   (BENCH_API_BIN and BENCH_WORKER_BIN run other binaries, e.g. an earlier
#   commit's, under the same load: before and after.)
#   scripts/bench.sh --decay [N]  only the long run: N jobs (default 100000)
#                               end to end; compares the throughput of the
#                               first and the last 10,000 (finished queue rows
#                               are pruned meanwhile) into bench/decay.json
#                               (the verdict: scripts/bench_verdicts.py)
#
# Steps: (a) bare apalis queue drain, no-op handler, batch 100, concurrency 64;
# (b) our end to end with llm-sim at zero latency (api + 2 workers + loadgen);
# (c) pickup latency at a steady 50 jobs/s over SSE; (d) the job poll route
# against a bare primary-key select route; (e) scaling with llm-sim at 500 ms
# for 1, 2 and 4 worker processes; (f) RSS of api and workers, idle and under
# load; (g) compiles: latency per résumé style and compiles per minute of one
# worker, through the sandboxed compiler; (h) the (b) run with tracing off
# and with export to an unreachable collector; (i) the per-job cost (as
# --queue); (j) the long run (as --decay, 100,000 jobs). Writes bench/bench-report.json (raw figures and ratios), bench/bench-report.md,
# and each step's own report (bench/*.json, loadgen's .md and .svg charts).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/common.sh
source scripts/lib/common.sh   # port, wait_http, rss_kb, cpu_ms, pids + cleanup, ensure_keys, recreate_db

quick=false; [ "${1:-}" = "--quick" ] && quick=true
decay=false; [ "${1:-}" = "--decay" ] && decay=true && export DECAY_JOBS="${2:-100000}"
tracing_only=false; [ "${1:-}" = "--tracing" ] && tracing_only=true
heavy_only=false; [ "${1:-}" = "--heavy" ] && heavy_only=true
fairness_only=false; [ "${1:-}" = "--fairness" ] && fairness_only=true
queue_only=false; [ "${1:-}" = "--queue" ] && queue_only=true
profile="${BENCH_PROFILE:-release}"
export SQLX_OFFLINE=true; unset DATABASE_URL
target="${CARGO_TARGET_DIR:-target}"
bin="$target/$profile"
out="${BENCH_OUT:-bench}"
mkdir -p "$out" "$out/logs"

# Other binaries to run must exist: a missing one would leave loadgen
# waiting for workers that never started.
for b in "${BENCH_API_BIN:-}" "${BENCH_WORKER_BIN:-}"; do
  if [ -n "$b" ] && [ ! -x "$b" ]; then echo "bench.sh: not an executable file: $b" >&2; exit 2; fi
done

scripts/ensure-services.sh
scripts/ensure-tools.sh
if [ "$profile" = release ]; then cargo build -q --release --bins; else cargo build -q --bins; fi

if $quick; then
  DRAIN_TASKS=2000; E2E_JOBS=300; E2E_CONC=64; PICKUP_JOBS=100; HAMMER_SECS=2; SCALE_SECS=4
  COMPILE_RUNS=1; COMPILE_SECS=5; TRACE_JOBS=200; TRACE_ROUNDS=2; QUEUE_JOBS="${QUEUE_JOBS:-300}"; DECAY_JOBS=2000
else
  DRAIN_TASKS=20000; E2E_JOBS=20000; E2E_CONC=256; PICKUP_JOBS=1500; HAMMER_SECS=10; SCALE_SECS=20
  COMPILE_RUNS=10; COMPILE_SECS=60; TRACE_JOBS=5000; TRACE_ROUNDS=6; QUEUE_JOBS="${QUEUE_JOBS:-10000}"; DECAY_JOBS="${DECAY_JOBS:-100000}"
fi

admin="${TEST_DATABASE_URL:-postgres://postgres:postgres@127.0.0.1:5432/postgres}"
db_name="tailor_bench"
# Loopback: no TLS, as a same-host deployment would connect (sqlx would
# otherwise negotiate it with a server that offers it, as Debian's does).
db="${admin%/*}/$db_name?sslmode=${BENCH_PG_SSLMODE:-disable}"
redis="${TEST_REDIS_URL:-redis://127.0.0.1:6379}"
recreate_db "$admin" "$db_name"

ensure_keys "$bin" "$out"
enc_key="KioqKioqKioqKioqKioqKioqKioqKioqKioqKioqKio="   # benchmark only

sim_port=$(port); api_port=$(port); bare_port=$(port)
api="http://127.0.0.1:$api_port"

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

start_sim() {
  "$bin/llm-sim" --addr "127.0.0.1:$sim_port" --latency-ms "$1" >"$out/logs/llm-sim.log" 2>&1 & sim_pid=$!; pids+=($sim_pid)
  wait_http "http://127.0.0.1:$sim_port/sim/stats"
}
# Per-user limits are off, as issue 14 measures: submissions per minute,
# and open streams and long-polls (a load of 256 jobs over 20 users holds
# about 13 streams per user, over the default cap of 10; each refused
# stream waited out its 1 s Retry-After while its job finished: a tenth of
# the CPU sat idle).
start_api() {
  env DATABASE_URL="$db" REDIS_URL="$redis" API_ADDR="127.0.0.1:$api_port" METRICS_ADDR=127.0.0.1:0 RUST_LOG=warn \
    "${EXTRA_ENV[@]}" CLERK_JWT_KEY="$(cat "$keys/dev-public.pem")" API_KEY_ENCRYPTION_KEY="$enc_key" \
    AI_JOB_SUBMISSIONS_PER_MINUTE=0 MAX_WAITS_PER_USER=100000 STORAGE_URL="file://$out/storage" DATABASE_MAX_CONNECTIONS="${BENCH_API_DB_CONNECTIONS:-16}" \
    "${BENCH_API_BIN:-$bin/api}" >"$out/logs/api.log" 2>&1 & api_pid=$!; pids+=($api_pid)
  wait_http "$api/readyz"
}
stop_api() { kill -TERM "$api_pid" 2>/dev/null || true; wait "$api_pid" 2>/dev/null || true; }
# Extra environment of the api and the workers (step (h) turns tracing on with it).
EXTRA_ENV=()
worker_pids=()
start_workers() {  # count concurrency
  for i in $(seq 1 "$1"); do
    env DATABASE_URL="$db" REDIS_URL="$redis" RUST_LOG=warn API_KEY_ENCRYPTION_KEY="$enc_key" \
      WORKER_ADMIN_ADDR=127.0.0.1:0 "${EXTRA_ENV[@]}" STORAGE_URL="file://$out/storage" WORKER_QUEUES=ai-jobs NEBIUS_API_KEY=bench-key NEBIUS_BASE_URL="http://127.0.0.1:$sim_port/v1/" DEEPSEEK_RPM="${BENCH_DEEPSEEK_RPM:-0}" \
      WORKER_NAME="bench-$i" WORKER_CONCURRENCY="$2" WORKER_BATCH_SIZE="${BENCH_WORKER_BATCH:-64}" \
      QUEUE_RETENTION_SECS=30 \
      "${BENCH_WORKER_BIN:-$bin/worker}" >"$out/logs/worker-$i.log" 2>&1 & worker_pids+=($!); pids+=($!)
  done
  sleep 2
}
stop_workers() {
  for p in "${worker_pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${worker_pids[@]}"; do wait "$p" 2>/dev/null || true; done
  worker_pids=()
}
loadgen() { "$bin/loadgen" run --api "$api" --jwt-private-key "$keys/dev-private.pem" --quiet "$@"; }

# (f) sampler: the largest RSS of api and workers while it runs.
sample_rss() {  # file
  local peak_api=0 peak_worker=0
  while [ -f "$1.run" ]; do
    local a; a=$(rss_kb "$api_pid"); [ "$a" -gt "$peak_api" ] && peak_api=$a
    for p in "${worker_pids[@]}"; do local w; w=$(rss_kb "$p"); [ "$w" -gt "$peak_worker" ] && peak_worker=$w; done
    echo "{\"apiKb\": $peak_api, \"workerKb\": $peak_worker}" > "$1"
    sleep 0.5
  done
}

tracing_runs() {
  step "(h) tracing: the (b) run with tracing off and with OTLP export to an unreachable collector, $TRACE_ROUNDS runs each, alternated"
  stop_workers
  [ -n "${api_pid:-}" ] && stop_api
  [ -n "${sim_pid:-}" ] && { kill "$sim_pid"; wait "$sim_pid" 2>/dev/null || true; }
  start_sim 0
  dead_port=$(port)   # nothing listens there: every export is refused
  # Pairs in alternating order (AB BA AB …): a drift over the runs (the
  # database grows) weighs on both modes alike; the report takes medians.
  for round in $(seq 1 "$TRACE_ROUNDS"); do
    if [ $((round % 2)) = 1 ]; then modes="off unreachable"; else modes="unreachable off"; fi
    for mode in $modes; do
      if [ "$mode" = off ]; then EXTRA_ENV=(); else
        EXTRA_ENV=(OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$dead_port" OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf)
      fi
      start_api
      start_workers 2 "${BENCH_WORKER_CONCURRENCY:-64}"
      local before; before=$(cpu_ms "$api_pid" "${worker_pids[@]}")
      loadgen --users 100 --jobs "$TRACE_JOBS" --concurrency "$E2E_CONC" --follow long-poll \
        --report "$out/tracing-$mode-$round.json"
      # The api's and the workers' CPU per job: the cost of tracing itself,
      # whatever the machine's noise does to the rate.
      echo "{\"cpuMsPerJob\": $(( ($(cpu_ms "$api_pid" "${worker_pids[@]}") - before) * 1000 / TRACE_JOBS ))e-3}" \
        > "$out/tracing-$mode-$round-cpu.json"
      stop_workers
      stop_api
    done
  done
  EXTRA_ENV=()
}

if $heavy_only; then
  step "heavy requests: versions of ${HEAVY_SECTIONS:-500,1000,10000,40000} sections, /healthz meanwhile"
  start_api
  "$bin/loadgen" heavy --api "$api" --jwt-private-key "$keys/dev-private.pem" \
    --sections "${HEAVY_SECTIONS:-500,1000,10000,40000}" --report "$out/heavy.json"
  exit 0
fi

# PostgreSQL's counters now, as JSON: commits and tuples fetched (this
# database), apalis.jobs' tuples fetched, live and dead rows, and the CPU
# time of every PostgreSQL backend and helper so far (ms).
pg_counters() {
  # Live backends and helpers, plus what the exited ones used (the
  # postmaster's children's time).
  local pg_cpu=0 ticks postmaster
  ticks=$(getconf CLK_TCK)
  for p in $(pgrep -f '^postgres:' || true); do pg_cpu=$((pg_cpu + $(cpu_ms "$p"))); done
  postmaster=$(pgrep -o -f 'bin/postgres' || true)
  if [ -n "$postmaster" ]; then
    pg_cpu=$((pg_cpu + $(awk '{print $16 + $17}' "/proc/$postmaster/stat") * 1000 / ticks))
  fi
  psql "$db" -Atc "SELECT json_build_object(
      'commits', (SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()),
      'tuplesFetched', (SELECT tup_fetched FROM pg_stat_database WHERE datname = current_database()),
      'queueTuplesFetched', (SELECT coalesce(idx_tup_fetch, 0) + seq_tup_read FROM pg_stat_user_tables WHERE schemaname = 'apalis' AND relname = 'jobs'),
      'queueRows', (SELECT count(*) FROM apalis.jobs),
      'queueDeadRows', (SELECT n_dead_tup FROM pg_stat_user_tables WHERE schemaname = 'apalis' AND relname = 'jobs'),
      'postgresCpuMs', $pg_cpu)"
}

queue_run() {  # follow concurrency [name: of the run's files, default follow]
  local follow=$1 conc=$2 name="${3:-$1}" jobs="${QUEUE_JOBS:-10000}"
  stop_workers; [ -n "${api_pid:-}" ] && stop_api
  start_api
  start_workers 2 "${BENCH_WORKER_CONCURRENCY:-64}"
  loadgen --users 20 --jobs 200 --concurrency "$conc" --follow "$follow" --report "$out/queue-warmup-$name.json"
  # Counters settle (pg_stat is flushed about once a second).
  sleep 2
  local before api_before workers_before sim_before
  before=$(pg_counters); api_before=$(cpu_ms "$api_pid"); workers_before=$(cpu_ms "${worker_pids[@]}")
  sim_before=$(cpu_ms "$sim_pid")
  local TIMEFORMAT='%3U %3S' stat_before
  stat_before=$(head -1 /proc/stat)
  { time loadgen --users 20 --jobs "$jobs" --concurrency "$conc" --follow "$follow" --poll-interval-ms 200 \
      --report "$out/queue-$name.json" 2>/dev/null; } 2> "$out/queue-$name-loadgen-cpu.txt"
  # The machine's idle share meanwhile: above a few percent, the run was
  # bound by waits, not by CPU.
  local idle; idle=$(printf '%s\n%s\n' "$stat_before" "$(head -1 /proc/stat)" |
    awk '{t = 0; for (i = 2; i <= 9; i++) t += $i; if (NR == 1) {t0 = t; i0 = $5} else printf "%.3f", ($5 - i0) / (t - t0)}')
  local loadgen_ms; loadgen_ms=$(awk '{printf "%d", ($1 + $2) * 1000}' "$out/queue-$name-loadgen-cpu.txt")
  sleep 2
  echo "{\"before\": $before, \"after\": $(pg_counters), \"jobs\": $jobs, \"concurrency\": $conc,
    \"apiCpuMs\": $(( $(cpu_ms "$api_pid") - api_before )), \"workersCpuMs\": $(( $(cpu_ms "${worker_pids[@]}") - workers_before )),
    \"simCpuMs\": $(( $(cpu_ms "$sim_pid") - sim_before )), \"loadgenCpuMs\": $loadgen_ms, \"cpuIdleShare\": $idle}" \
    > "$out/queue-$name-counters.json"
}

if $queue_only; then
  step "per-job cost: the bare queue drain, then 200 jobs of warm-up and ${QUEUE_JOBS:-10000} jobs, 20 users, followed by SSE (${QUEUE_SSE_CONC:-256} in flight, then 64) and by polling every 200 ms (${QUEUE_POLL_CONC:-256} in flight)"
  "$bin/queue-bench" drain --database-url "$db" --tasks "$DRAIN_TASKS" --batch 100 --concurrency 64 \
    --report "$out/queue-drain.json"
  start_sim 0
  queue_run sse "${QUEUE_SSE_CONC:-256}"
  queue_run sse 64 sse-64
  queue_run poll "${QUEUE_POLL_CONC:-256}"
  python3 scripts/bench_report.py --queue "$out"
  exit 0
fi

if $fairness_only; then
  step "fair share: user A queues ${FAIR_BACKLOG:-200} jobs, then user B one (llm-sim 1 s, 2 workers x 4, DeepSeek 120 RPM)"
  start_sim 1000
  start_api
  BENCH_DEEPSEEK_RPM=120 start_workers 2 4
  "$bin/loadgen" fairness --api "$api" --jwt-private-key "$keys/dev-private.pem" \
    --backlog "${FAIR_BACKLOG:-200}" --report "$out/fairness.json"
  exit 0
fi

if $tracing_only; then
  tracing_runs
  python3 scripts/bench_report.py --tracing "$out"
  exit 0
fi

long_run() {  # jobs
  stop_workers; [ -n "${api_pid:-}" ] && stop_api
  # A fresh database: the run measures itself, not what earlier steps left.
  recreate_db "$admin" "$db_name"
  start_api
  start_workers 2 "${BENCH_WORKER_CONCURRENCY:-64}"
  loadgen --users 100 --jobs "$1" --concurrency 256 --follow long-poll --report "$out/decay-run.json"
  local rows; rows=$(psql "$db" -Atc "SELECT count(*) FROM apalis.jobs")
  python3 scripts/bench_verdicts.py decay "$out" "$rows"
  stop_workers; stop_api
}

if $decay; then
  step "long run: $DECAY_JOBS jobs end to end (api + 2 workers + llm-sim at 0 ms)"
  start_sim 0
  long_run "$DECAY_JOBS"
  exit 0
fi

step "(a) bare queue: apalis-postgres, no-op handler, $DRAIN_TASKS tasks, batch 100, concurrency 64"
"$bin/queue-bench" drain --database-url "$db" --tasks "$DRAIN_TASKS" --batch 100 --concurrency 64 \
  --report "$out/queue-drain.json"

step "(i) per-job cost: ${QUEUE_JOBS} jobs followed by SSE (${QUEUE_SSE_CONC:-256} in flight, then 64), then by polling every 200 ms (${QUEUE_POLL_CONC:-256} in flight)"
start_sim 0
queue_run sse "${QUEUE_SSE_CONC:-256}"
queue_run sse 64 sse-64
queue_run poll "${QUEUE_POLL_CONC:-256}"
stop_workers; stop_api

step "(b) end to end: api + 2 workers + llm-sim (0 ms), $E2E_JOBS jobs, loadgen closed loop, concurrency $E2E_CONC"
start_api
start_workers 2 "${BENCH_WORKER_CONCURRENCY:-64}"
echo "{\"apiKb\": $(rss_kb "$api_pid"), \"workerKb\": $(rss_kb "${worker_pids[0]}")}" > "$out/rss-idle.json"
touch "$out/rss-load.json.run"; sample_rss "$out/rss-load.json" & sampler=$!
loadgen --users 100 --jobs "$E2E_JOBS" --concurrency "$E2E_CONC" --follow long-poll --report "$out/e2e.json"
rm -f "$out/rss-load.json.run"; wait "$sampler" || true

step "(c) pickup: a steady 50 jobs/s on idle workers, followed over SSE"
loadgen --users 20 --jobs "$PICKUP_JOBS" --concurrency 200 --rate 50 --follow sse --report "$out/pickup.json"

step "(d) GET /v1/ai-jobs/{id} against a bare axum+sqlx primary-key select"
"$bin/queue-bench" select-server --database-url "$db" --addr "127.0.0.1:$bare_port" >"$out/logs/bare.log" 2>&1 & pids+=($!)
wait_http "http://127.0.0.1:$bare_port/bare/healthz"
job_id=$(psql "$db" -Atc "SELECT j.id FROM \"AIJob\" j JOIN \"ResumeProject\" p ON p.id = j.\"projectId\"
                          JOIN \"User\" u ON u.id = p.\"userId\" WHERE u.\"clerkId\" = 'loadgen_user_0' LIMIT 1")
token=$("$bin/dev-token" mint --key "$keys/dev-private.pem" --sub loadgen_user_0)
"$bin/loadgen" hammer --url "http://127.0.0.1:$bare_port/bare/ai-jobs/$job_id" --connections 32 \
  --seconds "$HAMMER_SECS" --report "$out/hammer-bare.json" >/dev/null
"$bin/loadgen" hammer --url "$api/v1/ai-jobs/$job_id" --header "Authorization: Bearer $token" --connections 32 \
  --seconds "$HAMMER_SECS" --report "$out/hammer-poll.json" >/dev/null

step "(e) scaling: llm-sim at 500 ms; 1, 2 and 4 worker processes of concurrency 16"
stop_workers
kill "$sim_pid"; wait "$sim_pid" 2>/dev/null || true
start_sim 500
for n in 1 2 4; do
  start_workers "$n" 16
  # Enough jobs for $SCALE_SECS s at the ideal rate (16 per 0.5 s per worker), twice the capacity in flight.
  loadgen --users 20 --jobs $((n * 32 * SCALE_SECS)) --concurrency $((n * 32)) --follow long-poll \
    --report "$out/scale-$n.json"
  stop_workers
done

step "(g) compiles: every résumé of eval/ and tests/fixtures/compile/ $COMPILE_RUNS times, then one worker's throughput for $COMPILE_SECS s"
"$bin/compile-bench" --resumes eval/resumes --resumes tests/fixtures/compile --runs "$COMPILE_RUNS" --seconds "$COMPILE_SECS" > "$out/compile.json"

tracing_runs

step "(j) long run: $DECAY_JOBS jobs end to end on a fresh database; the last tenth against the first"
stop_workers; [ -n "${api_pid:-}" ] && stop_api
[ -n "${sim_pid:-}" ] && { kill "$sim_pid"; wait "$sim_pid" 2>/dev/null || true; }
start_sim 0
long_run "$DECAY_JOBS"

step "report"
python3 scripts/bench_report.py "$out" "$profile" "$quick"
