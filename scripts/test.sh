#!/usr/bin/env bash
# Run every test of the workspace against a real PostgreSQL and Redis
# (started if needed), real TeX Live and a local S3 server (installed if
# needed). Each test creates and drops its own database.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-services.sh
scripts/ensure-tools.sh --test
# The benchmark and resilience verdicts (scripts/bench_verdicts.py).
PYTHONDONTWRITEBYTECODE=1 python3 -m unittest discover -q -s scripts -p 'test_*.py'

export TEST_DATABASE_URL="${TEST_DATABASE_URL:-postgres://postgres:postgres@127.0.0.1:5432/postgres}"
export TEST_REDIS_URL="${TEST_REDIS_URL:-redis://127.0.0.1:6379}"
# Builds use the committed query data (.sqlx/), never a live database.
export SQLX_OFFLINE=true
unset DATABASE_URL

# The end-to-end tests start the real binaries: build them first.
cargo build --workspace --bins
cargo test --workspace --no-fail-fast -- --test-threads="${TEST_THREADS:-4}"

# The API against its own OpenAPI document, from outside: Schemathesis over
# every operation and phase, then a generated TypeScript client type-checks.
scripts/api-contract.sh
