#!/usr/bin/env bash
# A TypeScript client generated from /openapi.json type-checks a walk
# through the README's flow (clients/typescript/src/walkthrough.ts): the
# proof that a front end's toolchain can use the document.
#
#   scripts/ts-client.sh [openapi.json]   # default: `api openapi`
#
# The tools (openapi-typescript, TypeScript, openapi-fetch) come from the
# npm registry at the versions clients/typescript/package-lock.json pins.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/tailor-target}"
export SQLX_OFFLINE=true

log() { printf '\033[1m[ts-client]\033[0m %s\n' "$*" >&2; }

if ! command -v npm >/dev/null 2>&1; then
  log "installing Node.js and npm with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null && apt-get install -y -qq nodejs npm >/dev/null
fi

doc="${1:-}"
if [ -z "$doc" ]; then
  cargo build --quiet --bin api
  doc="$(mktemp -t tailor-openapi-XXXXXX.json)"
  trap 'rm -f "$doc"' EXIT
  "$CARGO_TARGET_DIR/debug/api" openapi >"$doc"
fi
doc="$(realpath "$doc")"

cd clients/typescript
log "installing the pinned tools (npm ci)"
npm ci --no-audit --no-fund --loglevel=error >/dev/null
log "generating src/schema.d.ts from $doc"
OPENAPI_JSON="$doc" npm run --silent generate >/dev/null
log "type-checking src/walkthrough.ts against it"
npm run --silent check
log "the generated client type-checks ($(grep -c '^    "/' src/schema.d.ts) paths)"
