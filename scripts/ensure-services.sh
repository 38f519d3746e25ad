#!/usr/bin/env bash
# Make sure PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379) are up.
# Order of preference: already running → start the local install → docker
# compose (where a Docker engine runs) → install with apt-get and start.
# Idempotent; safe to run before every test or start.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\033[1m[services]\033[0m %s\n' "$*" >&2; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_port() {
  for _ in $(seq 1 60); do port_open "$1" && return 0; sleep 0.5; done
  return 1
}
docker_ok() { command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; }
apt_install() {
  log "installing $* with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq "$@" >/dev/null
}

start_postgres() {
  if port_open 5432; then return 0; fi
  if ! command -v pg_ctlcluster >/dev/null 2>&1 && ! docker_ok; then
    apt_install postgresql postgresql-contrib
  fi
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    local version
    version=$(ls /etc/postgresql | sort -V | tail -n 1)
    log "starting PostgreSQL $version"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    wait_port 5432 || { log "PostgreSQL did not come up"; exit 1; }
    # A fresh Debian install uses password auth on TCP: give postgres the
    # password our URLs use (a trust-auth server ignores it).
    if command -v runuser >/dev/null 2>&1; then
      runuser -u postgres -- psql -qc "ALTER USER postgres PASSWORD 'postgres'" >/dev/null 2>&1 || true
    fi
  elif docker_ok; then
    log "starting PostgreSQL with docker compose"
    docker compose up -d postgres
    wait_port 5432 || { log "PostgreSQL did not come up"; exit 1; }
  else
    log "cannot start PostgreSQL"; exit 1
  fi
}

start_redis() {
  if port_open 6379; then return 0; fi
  if ! command -v redis-server >/dev/null 2>&1 && ! docker_ok; then
    apt_install redis-server
  fi
  if command -v redis-server >/dev/null 2>&1; then
    log "starting Redis"
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
  elif docker_ok; then
    log "starting Redis with docker compose"
    docker compose up -d redis
  fi
  wait_port 6379 || { log "Redis did not come up"; exit 1; }
}

start_postgres
start_redis
log "PostgreSQL and Redis are up"
