# Shell helpers shared by scripts/bench.sh and scripts/resilience.sh.
# Sourced (not run) from the repository root, after `set -euo pipefail`:
#
#   source scripts/lib/common.sh
#
# Sourcing it sets `pids=()` and traps EXIT with `cleanup`: every background
# process a script appends to `pids` is killed when the script ends.
# Every function here returns 0 on success, so none trips `set -e` by itself.
# shellcheck shell=bash

# A free TCP port on 127.0.0.1.
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Wait until URL answers 2xx: TRIES attempts 0.2 s apart (default 150, 30 s);
# returns 1 (which ends the script under set -e) if it never does.
wait_http() {  # url [tries]
  for _ in $(seq 1 "${2:-150}"); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.2; done
  echo "$1 never answered" >&2; return 1
}

# Resident set size of a process, in kB (0 once it is gone).
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

# CPU time (user + system, ms) the given processes have used so far.
cpu_ms() {
  local total=0 ticks; ticks=$(getconf CLK_TCK)
  for p in "$@"; do
    local t; t=$(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)
    total=$((total + t))
  done
  echo $((total * 1000 / ticks))
}

# Background processes to kill on exit (scripts append: `... & pids+=($!)`).
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

# The dev-token signing keys in OUT/keys, generated with BIN/dev-token unless
# they exist already; sets `keys` to that directory.
ensure_keys() {  # bin out
  keys="$2/keys"
  [ -f "$keys/dev-private.pem" ] || "$1/dev-token" keygen --dir "$keys" >/dev/null
}

# Drop (closing its connections) and create the scratch database NAME through
# the ADMIN connection URL.
recreate_db() {  # admin name
  psql "$1" -qc "DROP DATABASE IF EXISTS $2 WITH (FORCE)" >/dev/null
  psql "$1" -qc "CREATE DATABASE $2" >/dev/null
}
